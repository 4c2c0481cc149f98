/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Windowed distinct counter: "how many distinct items in the last W
 * seconds", in a fixed number of bytes.
 *
 * Small cardinalities (the range every default threshold lives in) are
 * counted exactly: the bytes hold (32-bit item hash, last time) pairs, like
 * HyperLogLog++'s sparse form, and the window slides to the second. When
 * more distinct items are live than fit, the same bytes turn into
 * BH_DC_K HyperLogLog sketches of 2^p 4-bit registers, one per sub-window of
 * W/BH_DC_K seconds; the estimate is the HLL of their register-wise max
 * over the sub-windows still inside W (so the dense window covers between
 * (K-1)/K and all of W). Standard error of the dense estimate: 1.04/sqrt(m),
 * 13% for p=6 (m=64), 9.2% for p=7 (m=128); in the linear-counting range
 * (estimate <= 2.5m) it is lower. When every sub-window has expired the
 * counter is exact (sparse) again.
 *
 * Capacity of the exact form: 16 items for p=6, 32 for p=7. Registers of 4
 * bits cap the rank at 15, enough for m * 2^15 items.
 */
#ifndef BH_DISTINCT_H
#define BH_DISTINCT_H

#include <stdbool.h>
#include <stdint.h>

#define BH_DC_K	      4			   /* sub-windows of the dense form */
#define BH_DC_DATA(p) (BH_DC_K << ((p)-1)) /* K * 2^p nibbles */

struct bh_dc_hdr {
	uint8_t dense;		 /* 0: exact pairs, 1: HLL sub-windows */
	uint8_t p;		 /* log2 of registers per sub-window */
	uint16_t n;		 /* exact pairs in use */
	uint32_t stamp[BH_DC_K]; /* dense: sub-window number of each slot */
};

/* Two sizes; the functions take the header of either. */
struct bh_dc6 {
	struct bh_dc_hdr h;
	uint8_t data[BH_DC_DATA(6)];
};
struct bh_dc7 {
	struct bh_dc_hdr h;
	uint8_t data[BH_DC_DATA(7)];
};

void bh_dc_init(struct bh_dc_hdr *h, unsigned int p);
/* Adds item (a 32-bit hash) seen at time t (seconds); now >= t is the
 * current time, window the counter's window in seconds (constant for a
 * counter). Returns true when the item was not live in the window. */
bool bh_dc_add(struct bh_dc_hdr *h, uint32_t item, uint32_t t, uint32_t now,
	       uint32_t window);
/* Distinct items live in (now - window, now]. */
uint32_t bh_dc_count(struct bh_dc_hdr *h, uint32_t now, uint32_t window);
/* Exact-form capacity of a counter with 2^p registers. */
unsigned int bh_dc_exact_cap(unsigned int p);

/* Windowed event counter (not distinct): BH_DC_K sub-window counts. */
struct bh_wcount {
	uint32_t stamp[BH_DC_K];
	uint32_t n[BH_DC_K];
};
void bh_wcount_add(struct bh_wcount *c, uint32_t t, uint32_t now,
		   uint32_t window);
uint32_t bh_wcount_sum(const struct bh_wcount *c, uint32_t now,
		       uint32_t window);

/* Windowed bit set (up to 32 small items, e.g. admin port indexes). */
struct bh_wbits {
	uint32_t stamp[BH_DC_K];
	uint32_t bits[BH_DC_K];
};
void bh_wbits_set(struct bh_wbits *w, unsigned int bit, uint32_t t,
		  uint32_t now, uint32_t window);
uint32_t bh_wbits_get(const struct bh_wbits *w, uint32_t now, uint32_t window);

#endif /* BH_DISTINCT_H */
