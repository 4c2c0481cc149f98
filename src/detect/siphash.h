/* SPDX-License-Identifier: GPL-2.0-only */
/* SipHash (Aumasson & Bernstein), keyed: the detection engine hashes
 * attacker-chosen addresses into its tables, so a keyed PRF keeps a secret
 * seed safe from hash flooding; a fixed seed keeps replays deterministic. */
#ifndef BH_SIPHASH_H
#define BH_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-c-d with key k[2]. The engine uses 1-3 (the speed/strength
 * trade-off Rust's std makes); 2-4 is the reference, checked by tests. */
uint64_t bh_siphash(const uint64_t k[2], const void *data, size_t len,
		    unsigned int c_rounds, unsigned int d_rounds);

static inline uint64_t bh_siphash13(const uint64_t k[2], const void *data,
				    size_t len)
{
	return bh_siphash(k, data, len, 1, 3);
}

/* A 64-bit bijective mixer (splitmix64 finalizer). */
static inline uint64_t bh_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

#endif /* BH_SIPHASH_H */
