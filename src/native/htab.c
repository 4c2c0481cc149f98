// SPDX-License-Identifier: GPL-2.0-only
/* Hash, LRU hash and LPM tables of the native engine (see htab.h). */
#include "htab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "key_hash.h"

struct bh_hnode {
	struct bh_hnode *hnext; /* bucket chain */
	struct bh_hnode *prev;  /* use order: head = least recently used */
	struct bh_hnode *next;
	__u64 hash;
	__u64 stamp; /* table clock when last inserted or used */
	/* key, then value at val_off */
	unsigned char data[] __attribute__((aligned(8)));
};

struct bh_htab {
	size_t key_size;
	size_t val_size;
	size_t val_off;
	size_t capacity;
	size_t count;
	bool lru;
	size_t n_buckets; /* power of two */
	struct bh_hnode **buckets;
	struct bh_hnode *head; /* least recently used / oldest */
	struct bh_hnode *tail;
	__u64 clock;    /* stamps handed out; use order is stamp order */
	__u64 removals; /* deletions and evictions */
	/* Nodes of removed entries, chained by hnext, for the next
	 * insertions: a flow table inserts and deletes an entry per flow,
	 * and malloc() and free() cost more than the rest of it. */
	struct bh_hnode *spare;
};

/* The bucket link that holds key (hash h), or the NULL link ending its
 * chain. */
static inline __attribute__((always_inline)) struct bh_hnode **
bh_htab_slot_n(struct bh_htab *t, const void *key, __u64 h, size_t n)
{
	struct bh_hnode **pp = &t->buckets[h & (t->n_buckets - 1)];

	while (*pp && ((*pp)->hash != h || !bh_key_eq((*pp)->data, key, n)))
		pp = &(*pp)->hnext;
	return pp;
}

/* The key sizes of the engine's tables (flow and fragment keys: 40;
 * identity: 20 and 24; ports: 12; bitmaps: 8) get the hash and the compare
 * unrolled for their size: a lookup is on every packet's path. */
#define BH_KEY_SIZES(X) X(8) X(12) X(20) X(24) X(40)

/* Link of key (its hash in *hp), as bh_htab_slot_n(). */
static struct bh_hnode **bh_htab_find(struct bh_htab *t, const void *key,
				      __u64 *hp)
{
#define BH_FIND_CASE(N)                                                        \
	case N:                                                                \
		*hp = bh_key_hash(key, N, N);                                       \
		return bh_htab_slot_n(t, key, *hp, N);
	switch (t->key_size) {
		BH_KEY_SIZES(BH_FIND_CASE)
	}
#undef BH_FIND_CASE
	*hp = bh_key_hash(key, t->key_size, t->key_size);
	return bh_htab_slot_n(t, key, *hp, t->key_size);
}

static struct bh_hnode **bh_htab_slot(struct bh_htab *t, const void *key,
				      __u64 h)
{
	return bh_htab_slot_n(t, key, h, t->key_size);
}

int bh_htab_new(struct bh_htab **out, size_t key_size, size_t val_size,
		size_t capacity, bool lru)
{
	struct bh_htab *t;

	*out = NULL;
	if (!key_size || !val_size || !capacity)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->key_size = key_size;
	t->val_size = val_size;
	t->val_off = (key_size + 7) & ~(size_t)7;
	t->capacity = capacity;
	t->lru = lru;
	t->n_buckets = 16;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void bh_htab_free(struct bh_htab **tp)
{
	struct bh_htab *t = tp ? *tp : NULL;
	struct bh_hnode *n, *next;

	if (!t)
		return;
	for (n = t->head; n; n = next) {
		next = n->next;
		free(n);
	}
	for (n = t->spare; n; n = next) {
		next = n->hnext;
		free(n);
	}
	free(t->buckets);
	free(t);
	*tp = NULL;
}

static void bh_list_unlink(struct bh_htab *t, struct bh_hnode *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		t->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		t->tail = n->prev;
	n->prev = n->next = NULL;
}

static void bh_list_append(struct bh_htab *t, struct bh_hnode *n)
{
	n->stamp = ++t->clock;
	n->prev = t->tail;
	n->next = NULL;
	if (t->tail)
		t->tail->next = n;
	else
		t->head = n;
	t->tail = n;
}


/* An LRU entry just used moves to the tail, with a new stamp. */
static inline void bh_htab_use(struct bh_htab *t, struct bh_hnode *n)
{
	if (!t->lru)
		return;
	if (n != t->tail) {
		bh_list_unlink(t, n);
		bh_list_append(t, n);
	} else {
		n->stamp = ++t->clock;
	}
}

static __attribute__((noinline)) void *bh_htab_lookup_any(struct bh_htab *t,
							     const void *key)
{
	__u64 h;
	struct bh_hnode *n = *bh_htab_find(t, key, &h);

	if (!n)
		return NULL;
	bh_htab_use(t, n);
	return n->data + t->val_off;
}

/* The flow tables' lookup (a key of 40 bytes), on every packet's path, all
 * inline; other sizes through bh_htab_find(). */
void *bh_htab_lookup(struct bh_htab *t, const void *key)
{
	struct bh_hnode *n;

	if (t->key_size != 40)
		return bh_htab_lookup_any(t, key);
	n = *bh_htab_slot_n(t, key, bh_key_hash(key, 40, 40), 40);
	if (!n)
		return NULL;
	bh_htab_use(t, n);
	return n->data + t->val_off;
}

void *bh_htab_peek(struct bh_htab *t, const void *key, __u64 *stamp)
{
	__u64 h;
	struct bh_hnode *n = *bh_htab_find(t, key, &h);

	if (!n)
		return NULL;
	if (stamp)
		*stamp = n->stamp;
	return n->data + t->val_off;
}

static void bh_htab_remove(struct bh_htab *t, struct bh_hnode *n)
{
	struct bh_hnode **pp = bh_htab_slot(t, n->data, n->hash);

	*pp = n->hnext;
	bh_list_unlink(t, n);
	n->hnext = t->spare;
	t->spare = n;
	t->count--;
	t->removals++;
}

static int bh_htab_grow(struct bh_htab *t)
{
	size_t nb = t->n_buckets * 2, i;
	struct bh_hnode **b = calloc(nb, sizeof(*b));
	struct bh_hnode *n, *next;

	if (!b)
		return -ENOMEM;
	for (i = 0; i < t->n_buckets; i++) {
		for (n = t->buckets[i]; n; n = next) {
			next = n->hnext;
			n->hnext = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->n_buckets = nb;
	return 0;
}

int bh_htab_update(struct bh_htab *t, const void *key, const void *val,
		   __u64 flags)
{
	__u64 h;
	struct bh_hnode **pp = bh_htab_find(t, key, &h), *n = *pp;

	if (n) {
		if (flags == BH_HTAB_NOEXIST)
			return -EEXIST;
		memcpy(n->data + t->val_off, val, t->val_size);
		bh_htab_use(t, n);
		return 0;
	}
	if (flags == BH_HTAB_EXIST)
		return -ENOENT;
	if (t->count >= t->capacity) {
		if (!t->lru)
			return -E2BIG;
		bh_htab_remove(t, t->head);
		pp = bh_htab_slot(t, key, h);
	}
	if (t->count >= t->n_buckets && t->n_buckets < (1u << 30)) {
		if (bh_htab_grow(t))
			return -ENOMEM;
		pp = bh_htab_slot(t, key, h);
	}
	n = t->spare;
	if (n) {
		t->spare = n->hnext;
		/* the key's padding to val_off, as calloc() leaves it */
		memset(n->data + t->key_size, 0, t->val_off - t->key_size);
	} else {
		n = calloc(1, sizeof(*n) + t->val_off + t->val_size);
		if (!n)
			return -ENOMEM;
	}
	n->hnext = NULL;
	n->hash = h;
	memcpy(n->data, key, t->key_size);
	memcpy(n->data + t->val_off, val, t->val_size);
	*pp = n;
	bh_list_append(t, n);
	t->count++;
	return 0;
}

int bh_htab_delete(struct bh_htab *t, const void *key)
{
	__u64 h;
	struct bh_hnode *n = *bh_htab_find(t, key, &h);

	if (!n)
		return -ENOENT;
	bh_htab_remove(t, n);
	return 0;
}

size_t bh_htab_count(const struct bh_htab *t)
{
	return t->count;
}

int bh_htab_foreach(struct bh_htab *t, bh_htab_cb cb, void *ctx)
{
	struct bh_hnode *n, *next;
	int r;

	for (n = t->head; n; n = next) {
		next = n->next;
		r = cb(ctx, n->data, n->data + t->val_off);
		if (r)
			return r;
	}
	return 0;
}

__u64 bh_htab_clock(const struct bh_htab *t)
{
	return t->clock;
}

__u64 bh_htab_removals(const struct bh_htab *t)
{
	return t->removals;
}

int bh_htab_foreach_since(struct bh_htab *t, __u64 since, bh_htab_cb cb,
			  void *ctx)
{
	struct bh_hnode *n, *prev;
	int r;

	for (n = t->tail; n && n->stamp > since; n = prev) {
		prev = n->prev;
		r = cb(ctx, n->data, n->data + t->val_off);
		if (r)
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* LPM: one exact table of masked keys, and a count of entries per prefix   */
/* length so that a lookup only probes the lengths in use, longest first.   */

struct bh_lpm {
	struct bh_htab *t;
	size_t key_size;
	__u32 max_bits;
	__u32 *n_len; /* entries per prefix length, [0, max_bits] */
	__u32 *lens;  /* the lengths in use, longest first */
	__u32 n_lens;
	unsigned char *scratch;
};

/* n_len[plen] went from 0 to 1 (add) or from 1 to 0. */
static void bh_lpm_lens(struct bh_lpm *l, __u32 plen, bool add)
{
	__u32 i = 0;

	while (i < l->n_lens && l->lens[i] > plen)
		i++;
	if (add) {
		memmove(&l->lens[i + 1], &l->lens[i],
			(l->n_lens - i) * sizeof(*l->lens));
		l->lens[i] = plen;
		l->n_lens++;
	} else if (i < l->n_lens && l->lens[i] == plen) {
		l->n_lens--;
		memmove(&l->lens[i], &l->lens[i + 1],
			(l->n_lens - i) * sizeof(*l->lens));
	}
}

int bh_lpm_new(struct bh_lpm **out, size_t key_size, size_t val_size,
	       size_t capacity)
{
	struct bh_lpm *l;
	int err;

	*out = NULL;
	if (key_size <= 4)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->key_size = key_size;
	l->max_bits = (__u32)(key_size - 4) * 8;
	l->n_len = calloc(l->max_bits + 1, sizeof(*l->n_len));
	l->lens = calloc(l->max_bits + 1, sizeof(*l->lens));
	l->scratch = calloc(1, key_size);
	if (!l->n_len || !l->lens || !l->scratch) {
		err = -ENOMEM;
		goto err;
	}
	err = bh_htab_new(&l->t, key_size, val_size, capacity, false);
	if (err)
		goto err;
	*out = l;
	return 0;
err:
	free(l->n_len);
	free(l->lens);
	free(l->scratch);
	free(l);
	return err;
}

void bh_lpm_free(struct bh_lpm **lp)
{
	struct bh_lpm *l = lp ? *lp : NULL;

	if (!l)
		return;
	bh_htab_free(&l->t);
	free(l->n_len);
	free(l->lens);
	free(l->scratch);
	free(l);
	*lp = NULL;
}

/* Copy key to out with prefixlen plen and every data bit past it cleared. */
static void bh_lpm_mask(const struct bh_lpm *l, const void *key, __u32 plen,
			unsigned char *out)
{
	size_t n = l->key_size - 4, full = plen / 8, i;

	memcpy(out, &plen, 4);
	memcpy(out + 4, (const unsigned char *)key + 4, n);
	for (i = full; i < n; i++) {
		if (i == full && plen % 8)
			out[4 + i] &= (unsigned char)(0xff << (8 - plen % 8));
		else
			out[4 + i] = 0;
	}
}

void *bh_lpm_lookup(struct bh_lpm *l, const void *key)
{
	__u32 plen, i;
	void *v;

	memcpy(&plen, key, 4);
	for (i = 0; i < l->n_lens; i++) {
		if (l->lens[i] > plen)
			continue;
		bh_lpm_mask(l, key, l->lens[i], l->scratch);
		v = bh_htab_lookup(l->t, l->scratch);
		if (v)
			return v;
	}
	return NULL;
}

int bh_lpm_update(struct bh_lpm *l, const void *key, const void *val,
		  __u64 flags)
{
	__u32 plen;
	bool existed;
	int err;

	memcpy(&plen, key, 4);
	if (plen > l->max_bits)
		return -EINVAL;
	bh_lpm_mask(l, key, plen, l->scratch);
	existed = bh_htab_lookup(l->t, l->scratch) != NULL;
	err = bh_htab_update(l->t, l->scratch, val, flags);
	if (!err && !existed && !l->n_len[plen]++)
		bh_lpm_lens(l, plen, true);
	return err;
}

int bh_lpm_delete(struct bh_lpm *l, const void *key)
{
	__u32 plen;
	int err;

	memcpy(&plen, key, 4);
	if (plen > l->max_bits)
		return -EINVAL;
	bh_lpm_mask(l, key, plen, l->scratch);
	err = bh_htab_delete(l->t, l->scratch);
	if (!err && !--l->n_len[plen])
		bh_lpm_lens(l, plen, false);
	return err;
}

size_t bh_lpm_count(const struct bh_lpm *l)
{
	return bh_htab_count(l->t);
}

int bh_lpm_foreach(struct bh_lpm *l, bh_htab_cb cb, void *ctx)
{
	return bh_htab_foreach(l->t, cb, ctx);
}
