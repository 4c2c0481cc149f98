// SPDX-License-Identifier: GPL-2.0-only
#include "lru_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "siphash.h"

static inline struct bh_lru_node *node_at(const struct bh_lru *t, uint32_t i)
{
	return (struct bh_lru_node *)(t->pool + (size_t)i * t->esize);
}

static inline uint32_t node_idx(const struct bh_lru *t, const void *e)
{
	return (uint32_t)(((const uint8_t *)e - t->pool) / t->esize);
}

static inline const void *node_key(const struct bh_lru_node *n)
{
	return n + 1;
}

int bh_lru_init(struct bh_lru *t, uint32_t cap, size_t esize, size_t ksize,
		unsigned int n_classes, const uint64_t seed[2])
{
	uint32_t slots = 2;
	unsigned int c;

	memset(t, 0, sizeof(*t));
	if (!cap || cap > (1u << 30) ||
	    esize < sizeof(struct bh_lru_node) + ksize || !n_classes ||
	    n_classes > BH_LRU_MAX_CLASSES)
		return -EINVAL;
	while (slots < 2 * (uint64_t)cap)
		slots <<= 1;
	/* Entries are 8-byte aligned so that their u64 fields are. */
	esize = (esize + 7) & ~(size_t)7;
	t->pool = calloc(cap, esize);
	t->index = calloc(slots, sizeof(*t->index));
	if (!t->pool || !t->index) {
		bh_lru_fini(t);
		return -ENOMEM;
	}
	t->esize = esize;
	t->ksize = ksize;
	t->cap = cap;
	t->mask = slots - 1;
	t->free_head = BH_LRU_NIL;
	t->n_classes = n_classes;
	for (c = 0; c < BH_LRU_MAX_CLASSES; c++)
		t->head[c] = t->tail[c] = BH_LRU_NIL;
	t->seed[0] = seed[0];
	t->seed[1] = seed[1];
	return 0;
}

void bh_lru_fini(struct bh_lru *t)
{
	free(t->pool);
	free(t->index);
	t->pool = NULL;
	t->index = NULL;
	t->n = t->cap = 0;
}

/* The engine's key sizes (addresses, edges, workloads) get the hash and
 * the compare unrolled for their length: a lookup is one of several per
 * flow record. */
#define BH_LRU_KSIZES(X) X(16) X(12) X(4)

static uint64_t key_hash(const struct bh_lru *t, const void *key)
{
#define BH_HASH_CASE(N)                                                        \
	case N:                                                                \
		return bh_siphash13(t->seed, key, N);
	switch (t->ksize) {
		BH_LRU_KSIZES(BH_HASH_CASE)
	}
#undef BH_HASH_CASE
	return bh_siphash13(t->seed, key, t->ksize);
}

/* Index slot holding entry i, or of the first empty slot for hash h; keys
 * of ksize bytes. */
static inline __attribute__((always_inline)) uint32_t
probe_n(const struct bh_lru *t, uint64_t h, const void *key, bool *found,
	size_t ksize)
{
	uint32_t s = (uint32_t)h & t->mask, v;
	struct bh_lru_node *n;

	for (;;) {
		v = t->index[s];
		if (!v) {
			*found = false;
			return s;
		}
		n = node_at(t, v - 1);
		if (n->hash == h && !memcmp(node_key(n), key, ksize)) {
			*found = true;
			return s;
		}
		s = (s + 1) & t->mask;
	}
}

static inline __attribute__((always_inline)) uint32_t
probe(const struct bh_lru *t, uint64_t h, const void *key, bool *found)
{
#define BH_PROBE_CASE(N)                                                       \
	case N:                                                                \
		return probe_n(t, h, key, found, N);
	switch (t->ksize) {
		BH_LRU_KSIZES(BH_PROBE_CASE)
	}
#undef BH_PROBE_CASE
	return probe_n(t, h, key, found, t->ksize);
}

void *bh_lru_find(struct bh_lru *t, const void *key)
{
	bool found;
	uint32_t s;

	if (!t->n)
		return NULL;
	s = probe(t, key_hash(t, key), key, &found);
	return found ? node_at(t, t->index[s] - 1) : NULL;
}

static void list_unlink(struct bh_lru *t, struct bh_lru_node *n, uint32_t i)
{
	if (n->prev != BH_LRU_NIL)
		node_at(t, n->prev)->next = n->next;
	else
		t->tail[n->cls] = n->next;
	if (n->next != BH_LRU_NIL)
		node_at(t, n->next)->prev = n->prev;
	else
		t->head[n->cls] = n->prev;
	(void)i;
}

static void list_push_head(struct bh_lru *t, struct bh_lru_node *n, uint32_t i)
{
	n->next = BH_LRU_NIL;
	n->prev = t->head[n->cls];
	if (n->prev != BH_LRU_NIL)
		node_at(t, n->prev)->next = i;
	else
		t->tail[n->cls] = i;
	t->head[n->cls] = i;
}

void bh_lru_touch(struct bh_lru *t, void *e, uint32_t now)
{
	struct bh_lru_node *n = e;
	uint32_t i = node_idx(t, e);

	if (now > n->last)
		n->last = now;
	if (t->head[n->cls] == i)
		return;
	list_unlink(t, n, i);
	list_push_head(t, n, i);
}

void bh_lru_set_class(struct bh_lru *t, void *e, unsigned int cls)
{
	struct bh_lru_node *n = e;
	uint32_t i = node_idx(t, e);

	if (cls >= t->n_classes)
		cls = t->n_classes - 1;
	if (n->cls == cls)
		return;
	list_unlink(t, n, i);
	n->cls = (uint8_t)cls;
	list_push_head(t, n, i);
}

static void index_delete(struct bh_lru *t, uint32_t s)
{
	uint32_t j = s, home;

	for (;;) {
		t->index[s] = 0;
		for (;;) {
			j = (j + 1) & t->mask;
			if (!t->index[j])
				return;
			home = (uint32_t)node_at(t, t->index[j] - 1)->hash &
			       t->mask;
			/* Move j back to s unless its home lies cyclically
			 * in (s, j]. */
			if (s <= j ? (s < home && home <= j)
				   : (s < home || home <= j))
				continue;
			break;
		}
		t->index[s] = t->index[j];
		s = j;
	}
}

void bh_lru_remove(struct bh_lru *t, void *e)
{
	struct bh_lru_node *n = e;
	uint32_t i = node_idx(t, e), s = (uint32_t)n->hash & t->mask;

	while (t->index[s] != i + 1)
		s = (s + 1) & t->mask;
	index_delete(t, s);
	list_unlink(t, n, i);
	/* not zeroed here: bh_lru_get() zeroes an entry when it reuses it */
	n->next = t->free_head;
	t->free_head = i;
	t->n--;
}

static void evict_one(struct bh_lru *t, uint32_t now)
{
	struct bh_lru_node *victim = NULL, *n;
	unsigned int c;

	/* A stale entry first, the oldest of them; else the oldest of the
	 * lowest class. */
	if (t->stale) {
		for (c = 0; c < t->n_classes; c++) {
			if (t->tail[c] == BH_LRU_NIL)
				continue;
			n = node_at(t, t->tail[c]);
			if (now > n->last && now - n->last > t->stale &&
			    (!victim || n->last < victim->last))
				victim = n;
		}
	}
	for (c = 0; !victim && c < t->n_classes; c++)
		if (t->tail[c] != BH_LRU_NIL)
			victim = node_at(t, t->tail[c]);
	if (t->on_evict)
		t->on_evict(victim, t->ctx);
	t->evictions++;
	bh_lru_remove(t, victim);
}

void *bh_lru_get(struct bh_lru *t, const void *key, uint32_t now, bool *created)
{
	uint64_t h = key_hash(t, key);
	struct bh_lru_node *n;
	bool found;
	uint32_t s, i;

	s = probe(t, h, key, &found);
	if (found) {
		n = node_at(t, t->index[s] - 1);
		bh_lru_touch(t, n, now);
		if (created)
			*created = false;
		return n;
	}
	if (t->n == t->cap) {
		evict_one(t, now);
		s = probe(t, h, key, &found); /* the index moved */
	}
	if (t->free_head != BH_LRU_NIL) {
		i = t->free_head;
		t->free_head = node_at(t, i)->next;
	} else {
		i = t->fresh++;
	}
	n = node_at(t, i);
	memset(n, 0, t->esize);
	n->hash = h;
	n->last = now;
	memcpy(n + 1, key, t->ksize);
	list_push_head(t, n, i);
	t->index[s] = i + 1;
	t->n++;
	if (created)
		*created = true;
	return n;
}

void *bh_lru_oldest(struct bh_lru *t, unsigned int cls)
{
	if (cls >= t->n_classes || t->tail[cls] == BH_LRU_NIL)
		return NULL;
	return node_at(t, t->tail[cls]);
}

void *bh_lru_newer(struct bh_lru *t, void *e)
{
	struct bh_lru_node *n = e;

	return n->next == BH_LRU_NIL ? NULL : node_at(t, n->next);
}

size_t bh_lru_mem(const struct bh_lru *t)
{
	return (size_t)t->cap * t->esize +
	       ((size_t)t->mask + 1) * sizeof(*t->index) + sizeof(*t);
}

size_t bh_lru_mem_used(const struct bh_lru *t)
{
	return (size_t)t->n * t->esize;
}
