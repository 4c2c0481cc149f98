/* SPDX-License-Identifier: GPL-2.0-only */
/* Hash and equality of short fixed-size keys (flow keys, table keys): eight
 * bytes at a time, each word mixed in with a multiply (a 40-byte flow key
 * takes five rounds, where a byte-wise hash took forty dependent
 * multiplies), then a final mix; the compare ORs word differences instead
 * of calling memcmp(), which cost more than the compare. Inline, for the
 * per-packet and per-entry paths; a constant n unrolls. Not keyed: for
 * tables that hold what the program itself put there. */
#ifndef BH_KEY_HASH_H
#define BH_KEY_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <linux/types.h>

static inline __attribute__((always_inline)) __u64
bh_key_hash(const void *key, size_t n, __u64 seed)
{
	const unsigned char *p = key;
	__u64 h = 0x9e3779b97f4a7c15ULL ^ seed, w;

	for (; n >= 8; n -= 8, p += 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (n) {
		w = 0;
		memcpy(&w, p, n);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return h;
}

static inline __attribute__((always_inline)) bool
bh_key_eq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	__u64 d = 0, u, v;
	__u32 s, t;

	for (; n >= 8; n -= 8, x += 8, y += 8) {
		memcpy(&u, x, 8);
		memcpy(&v, y, 8);
		d |= u ^ v;
	}
	if (n >= 4) {
		memcpy(&s, x, 4);
		memcpy(&t, y, 4);
		d |= s ^ t;
		n -= 4;
		x += 4;
		y += 4;
	}
	for (; n; n--)
		d |= (__u64)(*x++ ^ *y++);
	return !d;
}

#endif /* BH_KEY_HASH_H */
