/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capped hash table with least-recently-seen eviction, in memory allocated
 * once. Entries are fixed-size records that start with struct bh_lru_node
 * followed by the key bytes. Each entry sits in one of up to
 * BH_LRU_MAX_CLASSES recency lists (its class: how interesting it is). When
 * the table is full, the victim is the least recently seen entry that is
 * stale (older than the table's stale age) in any class, else the least
 * recently seen entry of the lowest non-empty class: a flood of new,
 * uninteresting entries evicts itself rather than the entries that carry
 * evidence. Index: linear probing on keyed hashes, backward-shift deletion.
 */
#ifndef BH_LRU_TABLE_H
#define BH_LRU_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BH_LRU_MAX_CLASSES 4
#define BH_LRU_NIL	   UINT32_MAX

struct bh_lru_node {
	uint64_t hash;
	uint32_t prev, next; /* towards older / newer in the class list */
	uint32_t last;	     /* last seen, seconds */
	uint8_t cls;
	uint8_t pad[3];
};

struct bh_lru {
	uint8_t *pool;
	uint32_t *index; /* entry number + 1; 0 = empty slot */
	size_t esize, ksize;
	uint32_t cap, n, mask;
	uint32_t fresh;	    /* entries never used yet start here */
	uint32_t free_head; /* freed entries, linked through next */
	uint32_t head[BH_LRU_MAX_CLASSES]; /* newest */
	uint32_t tail[BH_LRU_MAX_CLASSES]; /* oldest */
	unsigned int n_classes;
	uint32_t stale; /* seconds; 0: no stale preference */
	uint64_t seed[2];
	uint64_t evictions;
	/* Called before an entry is evicted to make room. */
	void (*on_evict)(void *entry, void *ctx);
	void *ctx;
};

int bh_lru_init(struct bh_lru *t, uint32_t cap, size_t esize, size_t ksize,
		unsigned int n_classes, const uint64_t seed[2]);
void bh_lru_fini(struct bh_lru *t);

void *bh_lru_find(struct bh_lru *t, const void *key);
/* Finds or inserts (evicting when full; the new entry is zeroed but for its
 * node and key). Marks it seen at now (seconds). */
void *bh_lru_get(struct bh_lru *t, const void *key, uint32_t now,
		 bool *created);
void bh_lru_touch(struct bh_lru *t, void *e, uint32_t now);
void bh_lru_set_class(struct bh_lru *t, void *e, unsigned int cls);
void bh_lru_remove(struct bh_lru *t, void *e);

/* Oldest entry of class cls, and the next newer one. */
void *bh_lru_oldest(struct bh_lru *t, unsigned int cls);
void *bh_lru_newer(struct bh_lru *t, void *e);

/* Bytes allocated, and bytes of entries in use. */
size_t bh_lru_mem(const struct bh_lru *t);
size_t bh_lru_mem_used(const struct bh_lru *t);

#endif /* BH_LRU_TABLE_H */
