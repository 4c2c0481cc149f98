/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * In-memory tables of the native engine, mirroring the BPF map types the
 * data plane uses: hash (fixed capacity, -E2BIG when full), LRU hash
 * (evicts the least recently used entry when full) and LPM trie (longest
 * prefix match over a struct bpf_lpm_trie_key-shaped key).
 */
#ifndef BH_NATIVE_HTAB_H
#define BH_NATIVE_HTAB_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/types.h>

struct bh_htab;

/* BPF_ANY / BPF_NOEXIST / BPF_EXIST */
#define BH_HTAB_ANY 0
#define BH_HTAB_NOEXIST 1
#define BH_HTAB_EXIST 2

int bh_htab_new(struct bh_htab **out, size_t key_size, size_t val_size,
		size_t capacity, bool lru);
void bh_htab_free(struct bh_htab **t);
/* Value of key, or NULL. An LRU table marks the entry most recently used. */
void *bh_htab_lookup(struct bh_htab *t, const void *key);
/* Value of key, or NULL, without marking it used; its stamp (see below)
 * in *stamp when not NULL. */
void *bh_htab_peek(struct bh_htab *t, const void *key, __u64 *stamp);
/* 0, -EEXIST/-ENOENT per flags, -E2BIG when a non-LRU table is full,
 * -ENOMEM. */
int bh_htab_update(struct bh_htab *t, const void *key, const void *val,
		   __u64 flags);
int bh_htab_delete(struct bh_htab *t, const void *key);
size_t bh_htab_count(const struct bh_htab *t);
/* Visit entries from the least to the most recently used (insertion order
 * for non-LRU tables); stop when cb returns non-zero and return that. cb
 * may delete the entry it is given. */
typedef int (*bh_htab_cb)(void *ctx, const void *key, void *val);
int bh_htab_foreach(struct bh_htab *t, bh_htab_cb cb, void *ctx);

/* What changed since a point in time, without a walk of everything: the
 * table's clock ticks on every insertion and, in an LRU table, every
 * lookup and update of an entry, which takes the new value as its stamp.
 * bh_htab_foreach_since() visits the entries stamped after since (from the
 * most recently used back; cb must not insert or delete): every entry
 * inserted, updated or looked up (so possibly written through the pointer
 * returned) since bh_htab_clock() returned since. Entries that left the
 * table are not reported; bh_htab_removals() counts them (deletions and
 * LRU evictions). */
__u64 bh_htab_clock(const struct bh_htab *t);
__u64 bh_htab_removals(const struct bh_htab *t);
int bh_htab_foreach_since(struct bh_htab *t, __u64 since, bh_htab_cb cb,
			  void *ctx);

/* LPM trie: keys are { __u32 prefixlen; __u8 data[key_size - 4]; }. */
struct bh_lpm;

int bh_lpm_new(struct bh_lpm **out, size_t key_size, size_t val_size,
	       size_t capacity);
void bh_lpm_free(struct bh_lpm **l);
void *bh_lpm_lookup(struct bh_lpm *l, const void *key);
int bh_lpm_update(struct bh_lpm *l, const void *key, const void *val,
		  __u64 flags);
int bh_lpm_delete(struct bh_lpm *l, const void *key);
size_t bh_lpm_count(const struct bh_lpm *l);
/* Keys given to cb are masked to their prefix; cb may delete the entry it
 * is given with bh_lpm_delete(). */
int bh_lpm_foreach(struct bh_lpm *l, bh_htab_cb cb, void *ctx);

#endif /* BH_NATIVE_HTAB_H */
