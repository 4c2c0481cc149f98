// SPDX-License-Identifier: GPL-2.0-only
#include "hmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint64_t bh_hmap_hash(const void *key, size_t len)
{
	/* FNV-1a, 8 bytes at a time for the long keys (bitmaps), then a
	 * final avalanche so that the low bits index well. */
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

void bh_hmap_init(struct bh_hmap *m)
{
	memset(m, 0, sizeof(*m));
}

void bh_hmap_release(struct bh_hmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static struct bh_hmap_slot *
bh_hmap_find(const struct bh_hmap *m, const void *key, size_t len, uint64_t h)
{
	size_t i = h & (m->cap - 1);

	for (;; i = (i + 1) & (m->cap - 1)) {
		struct bh_hmap_slot *s = &m->slots[i];

		if (!s->key)
			return s;
		if (s->hash == h && s->len == len && !memcmp(s->key, key, len))
			return s;
	}
}

bool bh_hmap_get(const struct bh_hmap *m, const void *key, size_t len,
		 size_t *val)
{
	struct bh_hmap_slot *s;

	if (!m->cap)
		return false;
	s = bh_hmap_find(m, key, len, bh_hmap_hash(key, len));
	if (!s->key)
		return false;
	*val = s->val;
	return true;
}

static int bh_hmap_grow(struct bh_hmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64, i;
	struct bh_hmap old = *m;

	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old.slots;
		return -ENOMEM;
	}
	m->cap = cap;
	for (i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*bh_hmap_find(m, old.slots[i].key, old.slots[i].len,
				      old.slots[i].hash) = old.slots[i];
	free(old.slots);
	return 0;
}

int bh_hmap_put(struct bh_hmap *m, const void *key, size_t len, size_t val,
		size_t *existing)
{
	uint64_t h = bh_hmap_hash(key, len);
	struct bh_hmap_slot *s;
	int err;

	/* Keep the load factor under 1/2: probes stay short. */
	if ((m->n + 1) * 2 > m->cap) {
		err = bh_hmap_grow(m);
		if (err)
			return err;
	}
	s = bh_hmap_find(m, key, len, h);
	if (s->key) {
		if (existing)
			*existing = s->val;
		return 0;
	}
	s->key = key;
	s->len = len;
	s->hash = h;
	s->val = val;
	m->n++;
	return 1;
}
