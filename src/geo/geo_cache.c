// SPDX-License-Identifier: GPL-2.0-only
#include "geo_cache.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Keys apart from the (larger) results: probing a set reads one or two
 * cache lines of keys. */
struct geo_cache_key {
	union bh_addr addr;
	__u32 gen;   /* valid when equal to the cache's generation */
	__u32 stamp; /* tick of the last use, for LRU within the set */
};

struct bh_geo_cache {
	struct geo_cache_key *keys;
	struct bh_geo_info *info;
	__u32 set_mask; /* number of sets - 1 */
	__u32 gen;	/* never 0: 0 marks a never-used entry */
	__u32 tick;
	__u64 k0, k1; /* hash key */
	__u64 hits, misses, evictions;
};

static __u64 geo_mum(__u64 a, __u64 b)
{
	unsigned __int128 m = (unsigned __int128)a * b;

	return (__u64)m ^ (__u64)(m >> 64);
}

static __u64 geo_splitmix(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static __u32 geo_set_of(const struct bh_geo_cache *c, const union bh_addr *a)
{
	__u64 lo, hi;

	memcpy(&lo, a->b, 8);
	memcpy(&hi, a->b + 8, 8);
	return (__u32)geo_mum(geo_mum(lo ^ c->k0, hi ^ c->k1),
			      0x9e3779b97f4a7c15ull) &
	       c->set_mask;
}

__u32 bh_geo_cache_round(__u32 entries)
{
	__u32 n = BH_GEO_CACHE_WAYS;

	if (!entries)
		return 0;
	while (n < entries && n < BH_GEO_CACHE_MAX)
		n <<= 1;
	return n;
}

int bh_geo_cache_new(struct bh_geo_cache **out, __u32 entries, __u64 seed)
{
	struct bh_geo_cache *c;
	__u32 n = bh_geo_cache_round(entries);
	__u64 s = seed;

	if (!out || !entries || entries > BH_GEO_CACHE_MAX)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->keys = calloc(n, sizeof(*c->keys));
	c->info = calloc(n, sizeof(*c->info));
	if (!c->keys || !c->info) {
		bh_geo_cache_free(&c);
		return -ENOMEM;
	}
	c->set_mask = n / BH_GEO_CACHE_WAYS - 1;
	c->gen = 1;
	/* Odd, non-zero keys: a zero factor would send every address with
	 * the same other half (all IPv4) to one set. */
	c->k0 = geo_splitmix(&s) | 1;
	c->k1 = geo_splitmix(&s) | 1;
	*out = c;
	return 0;
}

void bh_geo_cache_free(struct bh_geo_cache **c)
{
	if (!c || !*c)
		return;
	free((*c)->keys);
	free((*c)->info);
	free(*c);
	*c = NULL;
}

struct bh_geo_info *bh_geo_cache_find(struct bh_geo_cache *c,
				      const union bh_addr *addr, bool *hit)
{
	__u32 base = geo_set_of(c, addr) * BH_GEO_CACHE_WAYS;
	__u32 tick = ++c->tick;
	__u32 i, victim = base, oldest = 0;

	for (i = base; i < base + BH_GEO_CACHE_WAYS; i++) {
		struct geo_cache_key *k = &c->keys[i];
		__u32 age;

		if (k->gen != c->gen) {
			/* Free way: take it unless a hit comes later. */
			if (oldest != UINT32_MAX) {
				victim = i;
				oldest = UINT32_MAX;
			}
			continue;
		}
		if (!memcmp(&k->addr, addr, sizeof(*addr))) {
			k->stamp = tick;
			c->hits++;
			*hit = true;
			return &c->info[i];
		}
		/* Unsigned difference: right across tick wrap-around. */
		age = tick - k->stamp;
		if (oldest != UINT32_MAX && age >= oldest) {
			victim = i;
			oldest = age;
		}
	}
	c->misses++;
	if (c->keys[victim].gen == c->gen)
		c->evictions++;
	c->keys[victim].addr = *addr;
	c->keys[victim].gen = c->gen;
	c->keys[victim].stamp = tick;
	*hit = false;
	return &c->info[victim];
}

void bh_geo_cache_clear(struct bh_geo_cache *c)
{
	if (!c)
		return;
	if (++c->gen == 0) {
		/* Wrapped: stale entries could look valid again. */
		memset(c->keys, 0,
		       ((size_t)c->set_mask + 1) * BH_GEO_CACHE_WAYS *
			   sizeof(*c->keys));
		c->gen = 1;
	}
}

__u32 bh_geo_cache_capacity(const struct bh_geo_cache *c)
{
	return c ? (c->set_mask + 1) * BH_GEO_CACHE_WAYS : 0;
}

void bh_geo_cache_counters(const struct bh_geo_cache *c, __u64 *hits,
			   __u64 *misses, __u64 *evictions)
{
	*hits = c ? c->hits : 0;
	*misses = c ? c->misses : 0;
	*evictions = c ? c->evictions : 0;
}
