/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lookup cache in front of libmaxminddb: a fixed-size 4-way
 * set-associative table keyed by address, LRU within a set, results found
 * and not found alike. Its size is fixed when it is made; a lookup
 * allocates nothing. The hash is keyed with a random seed so that remote
 * peers cannot aim addresses at one set.
 */
#ifndef BH_GEO_CACHE_H
#define BH_GEO_CACHE_H

#include <stdbool.h>

#include "geo.h"

#define BH_GEO_CACHE_WAYS 4

struct bh_geo_cache;

/* Capacity for a requested size: a power of two, at least
 * BH_GEO_CACHE_WAYS; 0 for 0 (no cache). */
__u32 bh_geo_cache_round(__u32 entries);

/* entries is rounded up by bh_geo_cache_round(). */
int bh_geo_cache_new(struct bh_geo_cache **out, __u32 entries, __u64 seed);
void bh_geo_cache_free(struct bh_geo_cache **c);

/* The entry for addr. On a hit (*hit true) it holds the cached result. On
 * a miss the least recently used way of the address's set is taken over
 * for addr (an eviction when it held another address) and returned for the
 * caller to fill. */
struct bh_geo_info *bh_geo_cache_find(struct bh_geo_cache *c,
				      const union bh_addr *addr, bool *hit);

/* Forget every entry (a reload): O(1), by bumping the generation. */
void bh_geo_cache_clear(struct bh_geo_cache *c);

__u32 bh_geo_cache_capacity(const struct bh_geo_cache *c);
void bh_geo_cache_counters(const struct bh_geo_cache *c, __u64 *hits,
			   __u64 *misses, __u64 *evictions);

#endif /* BH_GEO_CACHE_H */
