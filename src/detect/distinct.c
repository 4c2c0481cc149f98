// SPDX-License-Identifier: GPL-2.0-only
#include "distinct.h"

#include <math.h>
#include <string.h>

#include "siphash.h"

#define DC_EMPTY    UINT32_MAX
#define DC_MAX_RANK 15

static inline uint8_t *dc_data(struct bh_dc_hdr *h)
{
	return (uint8_t *)(h + 1);
}

static inline unsigned int dc_bytes(const struct bh_dc_hdr *h)
{
	return BH_DC_DATA(h->p);
}

unsigned int bh_dc_exact_cap(unsigned int p)
{
	return BH_DC_DATA(p) / 8;
}

void bh_dc_init(struct bh_dc_hdr *h, unsigned int p)
{
	memset(h, 0, sizeof(*h));
	h->p = (uint8_t)p;
	memset(dc_data(h), 0, dc_bytes(h));
}

static inline uint32_t sub_width(uint32_t window)
{
	uint32_t w = (window + BH_DC_K - 1) / BH_DC_K;

	return w ? w : 1;
}

/* Sub-window slot s holds a sub-window inside the window ending at now. */
static inline bool slot_live(uint32_t stamp, uint32_t nb)
{
	return stamp != DC_EMPTY && stamp <= nb && nb - stamp < BH_DC_K;
}

static void pair_get(const uint8_t *d, unsigned int i, uint32_t *item,
		     uint32_t *t)
{
	memcpy(item, d + 8 * i, 4);
	memcpy(t, d + 8 * i + 4, 4);
}

static void pair_put(uint8_t *d, unsigned int i, uint32_t item, uint32_t t)
{
	memcpy(d + 8 * i, &item, 4);
	memcpy(d + 8 * i + 4, &t, 4);
}

static void dense_add(struct bh_dc_hdr *h, uint32_t item, uint32_t t,
		      uint32_t now, uint32_t window)
{
	unsigned int p = h->p, half = 1u << (p - 1);
	uint32_t w = sub_width(window), nb = now / w, b = t / w;
	uint8_t *slot, *reg;
	unsigned int s, idx, rank;
	uint64_t x;

	if (b > nb)
		b = nb;
	if (nb - b >= BH_DC_K)
		return;
	s = b % BH_DC_K;
	slot = dc_data(h) + s * half;
	if (h->stamp[s] != b) {
		if (h->stamp[s] != DC_EMPTY && h->stamp[s] > b)
			return; /* time went back past this sub-window */
		memset(slot, 0, half);
		h->stamp[s] = b;
	}
	x = bh_mix64(item);
	idx = (unsigned int)(x >> (64 - p));
	/* The guard bit bounds the leading-zero count to 64 - p. */
	rank = (unsigned int)__builtin_clzll((x << p) | (1ULL << (p - 1))) + 1;
	if (rank > DC_MAX_RANK)
		rank = DC_MAX_RANK;
	reg = slot + idx / 2;
	if (idx & 1) {
		if (rank > (unsigned int)(*reg >> 4))
			*reg = (uint8_t)((*reg & 0x0f) | (rank << 4));
	} else {
		if (rank > (unsigned int)(*reg & 0x0f))
			*reg = (uint8_t)((*reg & 0xf0) | rank);
	}
}

/* Dense with nothing live left: back to the exact form. */
static void dense_expire(struct bh_dc_hdr *h, uint32_t now, uint32_t window)
{
	uint32_t nb = now / sub_width(window);
	unsigned int s;

	for (s = 0; s < BH_DC_K; s++)
		if (slot_live(h->stamp[s], nb))
			return;
	bh_dc_init(h, h->p);
}

static void to_dense(struct bh_dc_hdr *h, uint32_t now, uint32_t window)
{
	uint8_t pairs[BH_DC_DATA(7)];
	unsigned int i, n = h->n, s;
	uint32_t item, t;

	memcpy(pairs, dc_data(h), 8 * n);
	memset(dc_data(h), 0, dc_bytes(h));
	h->dense = 1;
	h->n = 0;
	for (s = 0; s < BH_DC_K; s++)
		h->stamp[s] = DC_EMPTY;
	for (i = 0; i < n; i++) {
		pair_get(pairs, i, &item, &t);
		dense_add(h, item, t, now, window);
	}
}

bool bh_dc_add(struct bh_dc_hdr *h, uint32_t item, uint32_t t, uint32_t now,
	       uint32_t window)
{
	uint8_t *d = dc_data(h);
	unsigned int i, j, cap = bh_dc_exact_cap(h->p);
	uint32_t it, pt;
	bool found = false;

	if (t > now)
		t = now;
	if (now - t >= window)
		return false; /* already outside the window */
	if (h->dense) {
		dense_expire(h, now, window);
		if (h->dense) {
			dense_add(h, item, t, now, window);
			return true;
		}
	}
	/* Drop expired pairs, look for the item. */
	for (i = 0, j = 0; i < h->n; i++) {
		pair_get(d, i, &it, &pt);
		if (now - pt >= window)
			continue;
		if (!found && it == item) {
			if (t > pt)
				pt = t;
			found = true;
		}
		pair_put(d, j++, it, pt);
	}
	h->n = (uint16_t)j;
	if (found)
		return false;
	if (h->n < cap) {
		pair_put(d, h->n++, item, t);
		return true;
	}
	to_dense(h, now, window);
	dense_add(h, item, t, now, window);
	return true;
}

static double hll_alpha(unsigned int m)
{
	switch (m) {
	case 16:
		return 0.673;
	case 32:
		return 0.697;
	case 64:
		return 0.709;
	}
	return 0.7213 / (1.0 + 1.079 / m);
}

uint32_t bh_dc_count(struct bh_dc_hdr *h, uint32_t now, uint32_t window)
{
	const uint8_t *d = dc_data(h);
	unsigned int m = 1u << h->p, half = m / 2, i, s, zeros = 0, n = 0;
	uint32_t it, pt, nb;
	double sum = 0, e;

	if (h->dense) {
		dense_expire(h, now, window);
	}
	if (!h->dense) {
		for (i = 0; i < h->n; i++) {
			pair_get(d, i, &it, &pt);
			if (pt <= now && now - pt < window)
				n++;
		}
		return n;
	}
	nb = now / sub_width(window);
	for (i = 0; i < m; i++) {
		unsigned int r = 0, v;

		for (s = 0; s < BH_DC_K; s++) {
			if (!slot_live(h->stamp[s], nb))
				continue;
			v = d[s * half + i / 2];
			v = (i & 1) ? v >> 4 : v & 0x0f;
			if (v > r)
				r = v;
		}
		if (!r)
			zeros++;
		sum += ldexp(1.0, -(int)r);
	}
	e = hll_alpha(m) * m * m / sum;
	if (e <= 2.5 * m && zeros)
		e = m * log((double)m / zeros);
	return (uint32_t)(e + 0.5);
}

/* The bucket of t in a windowed array, resetting a reused bucket; -1 when
 * t is outside the window or its bucket was already reused. */
static int wbucket(uint32_t *stamp, uint32_t *val, uint32_t t, uint32_t now,
		   uint32_t window)
{
	uint32_t w = sub_width(window), nb = now / w, b;
	unsigned int s;

	if (t > now)
		t = now;
	b = t / w;
	if (nb - b >= BH_DC_K)
		return -1;
	s = b % BH_DC_K;
	if (stamp[s] != b) {
		if (stamp[s] > b && val[s])
			return -1;
		stamp[s] = b;
		val[s] = 0;
	}
	return (int)s;
}

void bh_wcount_add(struct bh_wcount *c, uint32_t t, uint32_t now,
		   uint32_t window)
{
	int s = wbucket(c->stamp, c->n, t, now, window);

	if (s >= 0 && c->n[s] < UINT32_MAX)
		c->n[s]++;
}

uint32_t bh_wcount_sum(const struct bh_wcount *c, uint32_t now, uint32_t window)
{
	uint32_t nb = now / sub_width(window), sum = 0;
	unsigned int s;

	for (s = 0; s < BH_DC_K; s++)
		if (slot_live(c->stamp[s], nb))
			sum += c->n[s];
	return sum;
}

void bh_wbits_set(struct bh_wbits *w, unsigned int bit, uint32_t t,
		  uint32_t now, uint32_t window)
{
	int s = wbucket(w->stamp, w->bits, t, now, window);

	if (s >= 0 && bit < 32)
		w->bits[s] |= 1u << bit;
}

uint32_t bh_wbits_get(const struct bh_wbits *w, uint32_t now, uint32_t window)
{
	uint32_t nb = now / sub_width(window), bits = 0;
	unsigned int s;

	for (s = 0; s < BH_DC_K; s++)
		if (slot_live(w->stamp[s], nb))
			bits |= w->bits[s];
	return bits;
}
