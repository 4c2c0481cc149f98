/* SPDX-License-Identifier: GPL-2.0-only */
/* SipHash (Aumasson & Bernstein), keyed: the detection engine hashes
 * attacker-chosen addresses into its tables, so a keyed PRF keeps a secret
 * seed safe from hash flooding; a fixed seed keeps replays deterministic. */
#ifndef BH_SIPHASH_H
#define BH_SIPHASH_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t bh_sip_rotl(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

#define BH_SIPROUND(v0, v1, v2, v3)                                            \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = bh_sip_rotl(v1, 13);                                      \
		v1 ^= v0;                                                      \
		v0 = bh_sip_rotl(v0, 32);                                      \
		v2 += v3;                                                      \
		v3 = bh_sip_rotl(v3, 16);                                      \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = bh_sip_rotl(v3, 21);                                      \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = bh_sip_rotl(v1, 17);                                      \
		v1 ^= v2;                                                      \
		v2 = bh_sip_rotl(v2, 32);                                      \
	} while (0)

/* SipHash-c-d with key k[2], inline: with the rounds (and the length)
 * known where it is called, the compiler unrolls it. A table lookup of the
 * detection engine hashes an address or two per flow record. */
static inline __attribute__((always_inline)) uint64_t
bh_siphash_inline(const uint64_t k[2], const void *data, size_t len,
		  unsigned int c_rounds, unsigned int d_rounds)
{
	const unsigned char *p = data;
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k[1] ^ 0x7465646279746573ULL;
	uint64_t m, b = (uint64_t)len << 56;
	size_t left = len & 7, i;
	unsigned int r;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, p + i, sizeof(m));
		m = le64toh(m);
		v3 ^= m;
		for (r = 0; r < c_rounds; r++)
			BH_SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (r = 0; r < left; r++)
		b |= (uint64_t)p[i + r] << (8 * r);
	v3 ^= b;
	for (r = 0; r < c_rounds; r++)
		BH_SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (r = 0; r < d_rounds; r++)
		BH_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* SipHash-c-d with key k[2]. The engine uses 1-3 (the speed/strength
 * trade-off Rust's std makes); 2-4 is the reference, checked by tests. */
uint64_t bh_siphash(const uint64_t k[2], const void *data, size_t len,
		    unsigned int c_rounds, unsigned int d_rounds);

static inline __attribute__((always_inline)) uint64_t
bh_siphash13(const uint64_t k[2], const void *data, size_t len)
{
	return bh_siphash_inline(k, data, len, 1, 3);
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
