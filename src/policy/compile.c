// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct bh_policy -> struct bh_compiled_policy: the data plane's maps.
 *
 * The encoding (comment "Compiled policy maps" in bulkhead_abi.h) never
 * forms a cross product of identities:
 *   - every rule is one bit (deny rules first, then allow, each by name);
 *   - an identity's source side is one bitmap: the rules whose `from`
 *     selects it (deduplicated: replicas and look-alike identities share);
 *   - identities whose `to` membership is the same share a destination
 *     class; a class's port entries split each protocol's port space into
 *     segments where the set of covering rules is constant.
 * So the maps grow with identities + classes x port segments, and a packet
 * costs an identity lookup per side, a port lookup and one AND.
 *
 * Selectors are evaluated over bitsets of identities built from an inverted
 * index (label -> identities), so 1,000 rules over 10,000 workloads cost a
 * few word operations per requirement, not a label comparison per pair.
 */
#include "policy.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "hmap.h"
#include "log.h"

/* Identity numbers are a hash of what the identity stands for, in
 * [BH_ID_FIRST_USER, BH_ID_SPACE): adding or removing a label set elsewhere
 * in the file does not renumber the others (see README, "Identities"). */
#define BH_ID_SPACE 0x80000000u

struct bc_ident {
	__u32 id;
	__u8 kind;
	const char *key;  /* "workload:<canon>", "external:<name>", ... */
	const char *name; /* representative name */
	const struct bh_policy_label *labels;
	size_t n_labels;
};

struct bc_postings {
	__u32 *v;
	size_t n, cap;
};

struct bc {
	const struct bh_policy *p;
	struct bh_policy_arena *a; /* scratch, freed at the end */

	struct bc_ident *ids; /* sorted by id */
	size_t n_ids;
	size_t *widx; /* workload -> identity index */
	size_t *eidx; /* external -> identity index */
	size_t host_idx, world_idx;

	size_t words;		 /* identity bitset words */
	uint64_t *workload_bits; /* every workload identity */

	/* Inverted index: label key -> identities, (key, value) -> identities.
	 */
	struct bh_hmap keys, pairs;
	struct bc_postings *key_post, *pair_post;
	size_t n_keys, n_pairs;

	/* Rules in bit order. */
	size_t *order; /* bit -> index in p->rules */
	size_t n_rules, n_deny, rwords;
	uint64_t *from_bits, *to_bits; /* n_rules x words */

	uint64_t *fromvec, *tovec; /* n_ids x rwords */

	/* Deduplicated rule bitmaps (rwords each, in the scratch arena). */
	struct bh_hmap bitmap_idx;
	uint64_t **bitmaps;
	size_t n_bitmaps, cap_bitmaps;

	struct bh_hmap class_idx;
	size_t *class_of;  /* identity -> class */
	size_t *class_rep; /* class -> identity index with that vector */
	size_t n_classes;

	struct bh_cp_port *ports;
	size_t n_ports, cap_ports;
};

static void bit_set(uint64_t *b, size_t i)
{
	b[i / 64] |= 1ULL << (i % 64);
}

static bool bit_test(const uint64_t *b, size_t i)
{
	return b[i / 64] >> (i % 64) & 1;
}

/* ------------------------------------------------------------------------ */
/* Identities.                                                              */

/* FNV-1a 64: spelled out here (not bh_hmap_hash) because identity numbers
 * are part of what users see and must not change with a hash tweak. */
static uint64_t bc_id_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static int bc_ident_key_cmp(const void *a, const void *b)
{
	const struct bc_ident *x = a, *y = b;

	return strcmp(x->key, y->key);
}

static int bc_ident_id_cmp(const void *a, const void *b)
{
	const struct bc_ident *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static char *bc_strcat2(struct bc *c, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = bh_policy_arena_calloc(c->a, la + lb + 1, 1);

	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb);
	}
	return s;
}

static int bc_identities(struct bc *c)
{
	const struct bh_policy *p = c->p;
	size_t n = 2 + p->n_workloads + p->n_externals, i, j;
	struct bh_hmap sets, used;
	int err = 0;

	c->ids = bh_policy_arena_calloc(c->a, n, sizeof(*c->ids));
	c->widx =
	    bh_policy_arena_calloc(c->a, p->n_workloads + 1, sizeof(size_t));
	c->eidx =
	    bh_policy_arena_calloc(c->a, p->n_externals + 1, sizeof(size_t));
	if (!c->ids || !c->widx || !c->eidx)
		return -ENOMEM;
	bh_hmap_init(&sets);
	bh_hmap_init(&used);

	c->ids[0] = (struct bc_ident){.id = BH_ID_HOST,
				      .kind = BH_KIND_RESERVED,
				      .key = "reserved:host",
				      .name = "host"};
	c->ids[1] = (struct bc_ident){.id = BH_ID_WORLD,
				      .kind = BH_KIND_RESERVED,
				      .key = "reserved:world",
				      .name = "world"};
	n = 2;
	/* One identity per distinct label set; its name is the smallest
	 * workload name, whatever the file order. */
	for (i = 0; i < p->n_workloads; i++) {
		const struct bh_policy_workload *w = &p->workloads[i];
		struct bc_ident *id;
		size_t first;
		int r;

		r = bh_hmap_put(&sets, w->canon, strlen(w->canon), n, &first);
		if (r < 0) {
			err = r;
			goto out;
		}
		if (!r) {
			id = &c->ids[first];
			if (strcmp(w->name, id->name) < 0)
				id->name = w->name;
			continue;
		}
		id = &c->ids[n++];
		id->kind = BH_KIND_WORKLOAD;
		id->key = bc_strcat2(c, "workload:", w->canon);
		id->name = w->name;
		id->labels = w->labels;
		id->n_labels = w->n_labels;
		if (!id->key) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < p->n_externals; i++) {
		struct bc_ident *id = &c->ids[n++];

		id->kind = BH_KIND_EXTERNAL;
		id->key = bc_strcat2(c, "external:", p->externals[i].name);
		id->name = p->externals[i].name;
		id->labels = p->externals[i].labels;
		id->n_labels = p->externals[i].n_labels;
		if (!id->key) {
			err = -ENOMEM;
			goto out;
		}
	}
	c->n_ids = n;

	/* Numbers: hash of the key; a collision takes the next free number,
	 * in key order so that the outcome depends on the set of keys only,
	 * not on the file order. */
	qsort(c->ids + 2, n - 2, sizeof(*c->ids), bc_ident_key_cmp);
	for (i = 0; i < n; i++) {
		struct bc_ident *id = &c->ids[i];
		int r;

		if (i >= 2)
			id->id = BH_ID_FIRST_USER +
				 (__u32)(bc_id_hash(id->key) %
					 (BH_ID_SPACE - BH_ID_FIRST_USER));
		for (;;) {
			r = bh_hmap_put(&used, &id->id, sizeof(id->id), i,
					NULL);
			if (r < 0) {
				err = r;
				goto out;
			}
			if (r)
				break;
			id->id = id->id + 1 >= BH_ID_SPACE ? BH_ID_FIRST_USER
							   : id->id + 1;
		}
	}
	qsort(c->ids, n, sizeof(*c->ids), bc_ident_id_cmp);

	/* Back from workloads and externals to their identity index. */
	bh_hmap_release(&sets);
	bh_hmap_init(&sets);
	for (i = 0; i < n; i++) {
		if (bh_hmap_put(&sets, c->ids[i].key, strlen(c->ids[i].key), i,
				NULL) < 0) {
			err = -ENOMEM;
			goto out;
		}
		if (c->ids[i].id == BH_ID_HOST)
			c->host_idx = i;
		if (c->ids[i].id == BH_ID_WORLD)
			c->world_idx = i;
	}
	for (i = 0; i < p->n_workloads + p->n_externals; i++) {
		bool ext = i >= p->n_workloads;
		const char *k;

		j = ext ? i - p->n_workloads : i;
		k = ext ? bc_strcat2(c, "external:", p->externals[j].name)
			: bc_strcat2(c, "workload:", p->workloads[j].canon);
		if (!k) {
			err = -ENOMEM;
			goto out;
		}
		bh_hmap_get(&sets, k, strlen(k),
			    ext ? &c->eidx[j] : &c->widx[j]);
	}
out:
	bh_hmap_release(&sets);
	bh_hmap_release(&used);
	return err;
}

/* ------------------------------------------------------------------------ */
/* Selectors.                                                               */

static int bc_post_add(struct bc_postings *pl, __u32 v)
{
	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? pl->cap * 2 : 4;
		__u32 *nv = realloc(pl->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		pl->v = nv;
		pl->cap = cap;
	}
	pl->v[pl->n++] = v;
	return 0;
}

static int bc_intern(struct bh_hmap *m, const void *key, size_t len,
		     struct bc_postings **post, size_t *n, __u32 ident)
{
	size_t idx;
	int r = bh_hmap_put(m, key, len, *n, &idx);

	if (r < 0)
		return r;
	if (r) {
		struct bc_postings *np;

		idx = (*n)++;
		if (!(idx & (idx - 1))) { /* grow at powers of two */
			np = realloc(*post, (idx ? idx * 2 : 1) * sizeof(*np));
			if (!np)
				return -ENOMEM;
			*post = np;
		}
		memset(&(*post)[idx], 0, sizeof(**post));
	}
	return bc_post_add(&(*post)[idx], ident);
}

/* "key\0value" as the pair's hash key. */
static const char *bc_pair_key(struct bc *c, const char *k, const char *v,
			       size_t *len)
{
	size_t lk = strlen(k), lv = strlen(v);
	char *s = bh_policy_arena_calloc(c->a, lk + lv + 2, 1);

	if (!s)
		return NULL;
	memcpy(s, k, lk);
	memcpy(s + lk + 1, v, lv);
	*len = lk + 1 + lv;
	return s;
}

static int bc_index(struct bc *c)
{
	size_t i, j;
	int err;

	c->words = (c->n_ids + 63) / 64;
	c->workload_bits = bh_policy_arena_calloc(c->a, c->words, 8);
	if (!c->workload_bits)
		return -ENOMEM;
	bh_hmap_init(&c->keys);
	bh_hmap_init(&c->pairs);
	for (i = 0; i < c->n_ids; i++) {
		const struct bc_ident *id = &c->ids[i];

		if (id->kind != BH_KIND_WORKLOAD)
			continue;
		bit_set(c->workload_bits, i);
		for (j = 0; j < id->n_labels; j++) {
			const struct bh_policy_label *l = &id->labels[j];
			const char *pk;
			size_t plen;

			err = bc_intern(&c->keys, l->key, strlen(l->key),
					&c->key_post, &c->n_keys, (__u32)i);
			if (err)
				return err;
			pk = bc_pair_key(c, l->key, l->value, &plen);
			if (!pk)
				return -ENOMEM;
			err = bc_intern(&c->pairs, pk, plen, &c->pair_post,
					&c->n_pairs, (__u32)i);
			if (err)
				return err;
		}
	}
	return 0;
}

static void bc_post_bits(const struct bc_postings *pl, uint64_t *bits)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		bit_set(bits, pl->v[i]);
}

/* OR the identities a peer union selects into out (c->words words). */
static int bc_peers(struct bc *c, const struct bh_policy_peers *ps,
		    uint64_t *out)
{
	uint64_t *sel = NULL, *tmp = NULL;
	size_t i, j, k, w, idx;
	int err = 0;

	for (i = 0; i < ps->n; i++) {
		const struct bh_policy_peer *pe = &ps->v[i];

		switch (pe->kind) {
		case BH_PEER_WORLD:
			bit_set(out, c->world_idx);
			continue;
		case BH_PEER_HOST:
			bit_set(out, c->host_idx);
			continue;
		case BH_PEER_EXTERNAL:
			bit_set(out, c->eidx[pe->external]);
			continue;
		case BH_PEER_SELECTOR:
			break;
		}
		if (!sel) {
			sel = malloc(c->words * 8 + 8);
			tmp = malloc(c->words * 8 + 8);
			if (!sel || !tmp) {
				err = -ENOMEM;
				goto out;
			}
		}
		memcpy(sel, c->workload_bits, c->words * 8);
		for (j = 0; j < pe->n_exprs; j++) {
			const struct bh_policy_sel_expr *e = &pe->exprs[j];
			bool neg = e->op == BH_SEL_NOT_IN ||
				   e->op == BH_SEL_DOES_NOT_EXIST;

			memset(tmp, 0, c->words * 8);
			if (e->op == BH_SEL_IN || e->op == BH_SEL_NOT_IN) {
				for (k = 0; k < e->n_values; k++) {
					size_t plen;
					const char *pk = bc_pair_key(
					    c, e->key, e->values[k], &plen);

					if (!pk) {
						err = -ENOMEM;
						goto out;
					}
					if (bh_hmap_get(&c->pairs, pk, plen,
							&idx))
						bc_post_bits(&c->pair_post[idx],
							     tmp);
				}
			} else if (bh_hmap_get(&c->keys, e->key, strlen(e->key),
					       &idx)) {
				bc_post_bits(&c->key_post[idx], tmp);
			}
			for (w = 0; w < c->words; w++)
				sel[w] &= neg ? ~tmp[w] : tmp[w];
		}
		for (w = 0; w < c->words; w++)
			out[w] |= sel[w];
	}
out:
	free(sel);
	free(tmp);
	return err;
}

/* ------------------------------------------------------------------------ */
/* Rules, bitmaps, classes.                                                 */

struct bc_rule_key {
	__u8 action;
	const char *name;
	size_t idx;
};

static int bc_rule_cmp(const void *a, const void *b)
{
	const struct bc_rule_key *x = a, *y = b;

	/* Deny (0) before allow (1), then by name. */
	if (x->action != y->action)
		return x->action < y->action ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int bc_rules(struct bc *c)
{
	const struct bh_policy *p = c->p;
	struct bc_rule_key *keys;
	size_t i, b, w;
	int err;

	c->n_rules = p->n_rules;
	c->rwords = (c->n_rules + 63) / 64;
	c->order = bh_policy_arena_calloc(c->a, c->n_rules + 1, sizeof(size_t));
	c->from_bits =
	    bh_policy_arena_calloc(c->a, c->n_rules * c->words + 1, 8);
	c->to_bits = bh_policy_arena_calloc(c->a, c->n_rules * c->words + 1, 8);
	c->fromvec = bh_policy_arena_calloc(c->a, c->n_ids * c->rwords + 1, 8);
	c->tovec = bh_policy_arena_calloc(c->a, c->n_ids * c->rwords + 1, 8);
	if (!c->order || !c->from_bits || !c->to_bits || !c->fromvec ||
	    !c->tovec)
		return -ENOMEM;
	keys = calloc(c->n_rules + 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (i = 0; i < c->n_rules; i++)
		keys[i] = (struct bc_rule_key){p->rules[i].action,
					       p->rules[i].name, i};
	qsort(keys, c->n_rules, sizeof(*keys), bc_rule_cmp);
	for (i = 0; i < c->n_rules; i++)
		c->order[i] = keys[i].idx;
	free(keys);
	c->n_deny = 0;
	while (c->n_deny < c->n_rules &&
	       p->rules[c->order[c->n_deny]].action == BH_ACTION_DENY)
		c->n_deny++;

	for (b = 0; b < c->n_rules; b++) {
		const struct bh_policy_rule *r = &p->rules[c->order[b]];
		uint64_t *fb = c->from_bits + b * c->words;
		uint64_t *tb = c->to_bits + b * c->words;

		err = bc_peers(c, &r->from, fb);
		if (!err)
			err = bc_peers(c, &r->to, tb);
		if (err)
			return err;
		/* Transpose into per-identity rule vectors. */
		for (w = 0; w < c->words; w++) {
			uint64_t f = fb[w], t = tb[w];

			while (f) {
				size_t id = w * 64 + (size_t)__builtin_ctzll(f);

				bit_set(c->fromvec + id * c->rwords, b);
				f &= f - 1;
			}
			while (t) {
				size_t id = w * 64 + (size_t)__builtin_ctzll(t);

				bit_set(c->tovec + id * c->rwords, b);
				t &= t - 1;
			}
		}
	}
	return 0;
}

/* Index of bitmap v (rwords words) in the deduplicated list. */
static int bc_bitmap(struct bc *c, const uint64_t *v, __u32 *idx)
{
	size_t len = c->rwords * 8, existing;
	uint64_t *copy;
	int r;

	if (bh_hmap_get(&c->bitmap_idx, v, len, &existing)) {
		*idx = (__u32)existing;
		return 0;
	}
	if (c->n_bitmaps == c->cap_bitmaps) {
		size_t cap = c->cap_bitmaps ? c->cap_bitmaps * 2 : 64;
		uint64_t **nv = realloc(c->bitmaps, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->bitmaps = nv;
		c->cap_bitmaps = cap;
	}
	copy = bh_policy_arena_calloc(c->a, c->rwords + 1, 8);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, v, len);
	r = bh_hmap_put(&c->bitmap_idx, copy, len, c->n_bitmaps, NULL);
	if (r < 0)
		return r;
	c->bitmaps[c->n_bitmaps] = copy;
	*idx = (__u32)c->n_bitmaps++;
	return 0;
}

static int bc_classes(struct bc *c)
{
	uint64_t *zero;
	size_t i;
	__u32 idx;
	int r;

	zero = bh_policy_arena_calloc(c->a, c->rwords + 1, 8);
	c->class_of = bh_policy_arena_calloc(c->a, c->n_ids, sizeof(size_t));
	c->class_rep =
	    bh_policy_arena_calloc(c->a, c->n_ids + 1, sizeof(size_t));
	if (!zero || !c->class_of || !c->class_rep)
		return -ENOMEM;
	/* Bitmap 0 is the empty bitmap and class 0 the class no rule's `to`
	 * selects (it has no port entries): fixed points for readers. */
	r = bc_bitmap(c, zero, &idx);
	if (r)
		return r;
	bh_hmap_init(&c->class_idx);
	r = bh_hmap_put(&c->class_idx, zero, c->rwords * 8, 0, NULL);
	if (r < 0)
		return r;
	c->class_rep[0] = SIZE_MAX;
	c->n_classes = 1;
	for (i = 0; i < c->n_ids; i++) {
		const uint64_t *tv = c->tovec + i * c->rwords;
		size_t existing;

		r = bh_hmap_put(&c->class_idx, tv, c->rwords * 8, c->n_classes,
				&existing);
		if (r < 0)
			return r;
		if (r) {
			c->class_rep[c->n_classes] = i;
			existing = c->n_classes++;
		}
		c->class_of[i] = existing;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Port entries of a destination class.                                     */

struct bc_span {
	__u8 proto;
	__u16 lo, hi;
	__u32 bit;
};

struct bc_event {
	__u32 pos; /* 0..65536 */
	__u32 bit;
	int delta;
};

static int bc_span_cmp(const void *a, const void *b)
{
	const struct bc_span *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->bit < y->bit ? -1 : x->bit > y->bit;
}

static int bc_event_cmp(const void *a, const void *b)
{
	const struct bc_event *x = a, *y = b;

	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return x->bit < y->bit ? -1 : x->bit > y->bit;
}

static int bc_port_add(struct bc *c, __u32 cls, __u8 proto, __u16 port,
		       __u8 plen, __u32 bitmap)
{
	struct bh_cp_port *e;

	if (c->n_ports == c->cap_ports) {
		size_t cap = c->cap_ports ? c->cap_ports * 2 : 256;

		e = realloc(c->ports, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		c->ports = e;
		c->cap_ports = cap;
	}
	e = &c->ports[c->n_ports++];
	memset(e, 0, sizeof(*e));
	e->dst_class = cls;
	e->proto = proto;
	e->port = port;
	e->prefixlen = plen;
	e->bitmap = bitmap;
	return 0;
}

/* Ports [lo, hi] as the fewest aligned blocks: exact entries for single
 * ports, LPM prefixes for the rest. */
static int bc_segment(struct bc *c, __u32 cls, __u8 proto, __u32 lo, __u32 hi,
		      __u32 bitmap)
{
	while (lo <= hi) {
		__u32 size = lo ? lo & -lo : 65536, plen = 16;
		int err;

		while (size > hi - lo + 1)
			size >>= 1;
		while ((1u << (16 - plen)) < size)
			plen--;
		err = bc_port_add(c, cls, proto, (__u16)lo, (__u8)plen, bitmap);
		if (err)
			return err;
		lo += size;
	}
	return 0;
}

struct bc_scratch {
	struct bc_span *spans;
	size_t cap_spans;
	struct bc_event *ev;
	size_t cap_ev;
	int *count; /* per rule bit: ranges open at the sweep position */
	uint64_t *any, *base, *active, *cur;
};

static int bc_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	void *nv;

	if (need <= *cap)
		return 0;
	nv = realloc(*v, need * elem);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = need;
	return 0;
}

/* The entries of one protocol of one class: spans[0..n) all have proto. */
static int bc_proto(struct bc *c, struct bc_scratch *s, __u32 cls,
		    const struct bc_span *spans, size_t n)
{
	size_t i, w, ne = 0;
	__u8 proto = spans[0].proto;
	__u32 run_lo = 0, run_bm = 0, bm = 0;
	bool in_run = false, emitted = false;
	int err;

	memcpy(s->base, s->any, c->rwords * 8);
	memset(s->active, 0, c->rwords * 8);
	err = bc_grow((void **)&s->ev, &s->cap_ev, 2 * n + 1, sizeof(*s->ev));
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (spans[i].lo == 0 && spans[i].hi == 65535) {
			bit_set(s->base, spans[i].bit);
			continue;
		}
		s->ev[ne++] = (struct bc_event){spans[i].lo, spans[i].bit, 1};
		s->ev[ne++] =
		    (struct bc_event){spans[i].hi + 1u, spans[i].bit, -1};
	}
	qsort(s->ev, ne, sizeof(*s->ev), bc_event_cmp);

	/* Sweep: between two event positions the covering set is constant.
	 * Segments whose set adds nothing to the base need no entry; runs
	 * of segments with the same set become one range. */
	for (i = 0; i < ne;) {
		__u32 pos = s->ev[i].pos;
		bool extra = false;

		for (; i < ne && s->ev[i].pos == pos; i++) {
			__u32 b = s->ev[i].bit;

			s->count[b] += s->ev[i].delta;
			if (s->count[b])
				bit_set(s->active, b);
			else
				s->active[b / 64] &= ~(1ULL << (b % 64));
		}
		for (w = 0; w < c->rwords; w++) {
			s->cur[w] = s->base[w] | s->active[w];
			extra |= (s->active[w] & ~s->base[w]) != 0;
		}
		if (extra) {
			err = bc_bitmap(c, s->cur, &bm);
			if (err)
				return err;
		}
		if (in_run && (!extra || bm != run_bm)) {
			err =
			    bc_segment(c, cls, proto, run_lo, pos - 1, run_bm);
			if (err)
				return err;
			in_run = false;
			emitted = true;
		}
		if (extra && !in_run) {
			in_run = true;
			run_lo = pos;
			run_bm = bm;
		}
		if (pos >= 65536)
			break;
	}
	if (in_run) {
		err = bc_segment(c, cls, proto, run_lo, 65535, run_bm);
		if (err)
			return err;
		emitted = true;
	}
	/* The proto's own any-port entry, unless the any-protocol fallback
	 * already says the same. */
	if (emitted || memcmp(s->base, s->any, c->rwords * 8)) {
		err = bc_bitmap(c, s->base, &bm);
		if (!err)
			err = bc_port_add(c, cls, proto, 0, 0, bm);
	}
	return err;
}

static int bc_class_ports(struct bc *c, struct bc_scratch *s, __u32 cls)
{
	const uint64_t *tv = c->tovec + c->class_rep[cls] * c->rwords;
	size_t n = 0, i, j, w;
	__u32 bm;
	int err;

	memset(s->any, 0, c->rwords * 8);
	for (w = 0; w < c->rwords; w++) {
		uint64_t bits = tv[w];

		while (bits) {
			size_t b = w * 64 + (size_t)__builtin_ctzll(bits);
			const struct bh_policy_rule *r =
			    &c->p->rules[c->order[b]];

			bits &= bits - 1;
			err = bc_grow((void **)&s->spans, &s->cap_spans,
				      n + r->n_ports, sizeof(*s->spans));
			if (err)
				return err;
			for (j = 0; j < r->n_ports; j++) {
				const struct bh_policy_port *pt = &r->ports[j];

				if (pt->proto == BH_PROTO_ANY) {
					bit_set(s->any, b);
					continue;
				}
				s->spans[n++] = (struct bc_span){
				    pt->proto, pt->lo, pt->hi, (__u32)b};
			}
		}
	}
	if (n > 1)
		qsort(s->spans, n, sizeof(*s->spans), bc_span_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && s->spans[j].proto == s->spans[i].proto;
		     j++)
			;
		err = bc_proto(c, s, cls, s->spans + i, j - i);
		if (err)
			return err;
	}
	for (w = 0; w < c->rwords; w++) {
		if (s->any[w]) {
			err = bc_bitmap(c, s->any, &bm);
			if (!err)
				err =
				    bc_port_add(c, cls, BH_PROTO_ANY, 0, 0, bm);
			return err;
		}
	}
	return 0;
}

static int bc_all_ports(struct bc *c)
{
	struct bc_scratch s = {0};
	size_t cls;
	int err = 0;

	s.count = calloc(c->n_rules + 1, sizeof(*s.count));
	s.any = calloc(4 * (c->rwords + 1), 8);
	if (!s.count || !s.any) {
		err = -ENOMEM;
		goto out;
	}
	s.base = s.any + (c->rwords + 1);
	s.active = s.base + (c->rwords + 1);
	s.cur = s.active + (c->rwords + 1);
	for (cls = 1; cls < c->n_classes && !err; cls++)
		err = bc_class_ports(c, &s, (__u32)cls);
out:
	free(s.count);
	free(s.any);
	free(s.spans);
	free(s.ev);
	return err;
}

/* ------------------------------------------------------------------------ */
/* Output.                                                                  */

static int bc_port_cmp(const void *a, const void *b)
{
	const struct bh_cp_port *x = a, *y = b;

	if (x->dst_class != y->dst_class)
		return x->dst_class < y->dst_class ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->prefixlen < y->prefixlen ? -1 : x->prefixlen > y->prefixlen;
}

static int bc_addr_cmp(const void *a, const void *b)
{
	const struct bh_cp_addr *x = a, *y = b;
	int r = memcmp(x->addr.b, y->addr.b, 16);

	if (r)
		return r;
	if (x->prefixlen != y->prefixlen)
		return x->prefixlen < y->prefixlen ? -1 : 1;
	/* Duplicates (replicas listing one address) keep the smallest
	 * owner name: independent of file order. */
	return strcmp(x->workload, y->workload);
}

/* Longest prefix first, then by address: bh_compiled_addr()'s runs. */
static int bc_cidr_cmp(const void *a, const void *b)
{
	const struct bh_cp_addr *x = a, *y = b;

	if (x->prefixlen != y->prefixlen)
		return x->prefixlen > y->prefixlen ? -1 : 1;
	return memcmp(x->addr.b, y->addr.b, 16);
}

static int bc_cidr_runs(struct bh_compiled_policy *cp, size_t nc)
{
	size_t i;

	qsort(cp->cidrs, nc, sizeof(*cp->cidrs), bc_cidr_cmp);
	/* at most one run per prefix length below 128 */
	cp->cidr_runs = calloc(128, sizeof(*cp->cidr_runs));
	if (!cp->cidr_runs)
		return -ENOMEM;
	for (i = 0; i < nc; i++) {
		if (!i ||
		    cp->cidrs[i].prefixlen != cp->cidrs[i - 1].prefixlen) {
			cp->cidr_runs[cp->n_cidr_runs].prefixlen =
			    cp->cidrs[i].prefixlen;
			cp->cidr_runs[cp->n_cidr_runs++].start = (__u32)i;
		}
		cp->cidr_runs[cp->n_cidr_runs - 1].n++;
	}
	return 0;
}

static char *bc_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int bc_out_identities(struct bc *c, struct bh_compiled_policy *cp)
{
	const struct bh_policy *p = c->p;
	size_t i, j;
	__u32 bm;
	int err;

	cp->identities = calloc(c->n_ids, sizeof(*cp->identities));
	if (!cp->identities)
		return -ENOMEM;
	cp->n_identities = c->n_ids;
	for (i = 0; i < c->n_ids; i++) {
		struct bh_cp_identity *o = &cp->identities[i];
		const struct bc_ident *id = &c->ids[i];

		err = bc_bitmap(c, c->fromvec + i * c->rwords, &bm);
		if (err)
			return err;
		o->id = id->id;
		o->kind = id->kind;
		o->name = strdup(id->name);
		if (!o->name)
			return -ENOMEM;
		o->info.id = id->id;
		o->info.kind = id->kind;
		o->info.src_bitmap = bm;
		o->info.dst_class = (__u32)c->class_of[i];
		if (id->n_labels) {
			o->labels = calloc(id->n_labels, sizeof(*o->labels));
			if (!o->labels)
				return -ENOMEM;
			o->n_labels = id->n_labels;
			for (j = 0; j < id->n_labels; j++) {
				o->labels[j].key = strdup(id->labels[j].key);
				o->labels[j].value =
				    strdup(id->labels[j].value);
				if (!o->labels[j].key || !o->labels[j].value)
					return -ENOMEM;
			}
		}
	}

	/* Mode overrides. Where two overrides disagree on one identity,
	 * enforce wins: a policy review that missed the conflict must not
	 * silently open a path (bh_policy_analyze warns about it). */
	if (p->n_overrides) {
		uint64_t *bits = calloc(c->words + 1, 8);

		if (!bits)
			return -ENOMEM;
		for (j = 0; j < p->n_overrides; j++) {
			const struct bh_policy_override *ov = &p->overrides[j];

			memset(bits, 0, c->words * 8);
			err = bc_peers(c, &ov->selector, bits);
			if (err) {
				free(bits);
				return err;
			}
			for (i = 0; i < c->n_ids; i++) {
				struct bh_identity_info *inf =
				    &cp->identities[i].info;

				if (!bit_test(bits, i))
					continue;
				if (!(inf->flags & BH_IDF_MODE_SET))
					inf->flags = BH_IDF_MODE_SET |
						     (ov->mode == BH_MODE_AUDIT
							  ? BH_IDF_AUDIT
							  : 0);
				else if (ov->mode == BH_MODE_ENFORCE)
					inf->flags &= (__u8)~BH_IDF_AUDIT;
			}
		}
		free(bits);
	}
	return 0;
}

static int bc_out_addrs(struct bc *c, struct bh_compiled_policy *cp)
{
	const struct bh_policy *p = c->p;
	size_t n = p->n_host, i, j, k = 0, ne = 0, nc = 0;
	struct bh_cp_addr *all;
	int err = 0;

	for (i = 0; i < p->n_workloads; i++)
		n += p->workloads[i].n_prefixes;
	for (i = 0; i < p->n_externals; i++)
		n += p->externals[i].n_prefixes;
	all = calloc(n + 1, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (i = 0; i < p->n_workloads + p->n_externals; i++) {
		bool ext = i >= p->n_workloads;
		const struct bh_policy_workload *w =
		    ext ? &p->externals[i - p->n_workloads] : &p->workloads[i];
		size_t idx = ext ? c->eidx[i - p->n_workloads] : c->widx[i];

		for (j = 0; j < w->n_prefixes; j++)
			all[k++] = (struct bh_cp_addr){
			    .addr = w->prefixes[j].addr,
			    .prefixlen = w->prefixes[j].prefixlen,
			    .identity = (__u32)idx,
			    .workload = (char *)w->name,
			};
	}
	for (i = 0; i < p->n_host; i++)
		all[k++] = (struct bh_cp_addr){
		    .addr = p->host[i].addr,
		    .prefixlen = p->host[i].prefixlen,
		    .identity = (__u32)c->host_idx,
		    .workload = (char *)"host",
		};
	qsort(all, n, sizeof(*all), bc_addr_cmp);
	cp->exact = calloc(n + 1, sizeof(*cp->exact));
	cp->cidrs = calloc(n + 1, sizeof(*cp->cidrs));
	if (!cp->exact || !cp->cidrs) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct bh_cp_addr *o;

		/* The loader rejected equal prefixes of different
		 * identities; what remains are harmless repeats. */
		if (i && all[i].prefixlen == all[i - 1].prefixlen &&
		    !memcmp(all[i].addr.b, all[i - 1].addr.b, 16))
			continue;
		o = all[i].prefixlen == 128 ? &cp->exact[ne++]
					    : &cp->cidrs[nc++];
		*o = all[i];
		o->info = cp->identities[o->identity].info;
		o->workload = strdup(all[i].workload);
		if (!o->workload) {
			err = -ENOMEM;
			goto out;
		}
	}
	err = bc_cidr_runs(cp, nc);
out:
	cp->n_exact = ne;
	cp->n_cidrs = nc;
	free(all);
	return err;
}

static int bc_out_rules(struct bc *c, struct bh_compiled_policy *cp)
{
	size_t b;

	cp->rules = calloc(c->n_rules + 1, sizeof(*cp->rules));
	if (!cp->rules)
		return -ENOMEM;
	cp->n_rules = c->n_rules;
	for (b = 0; b < c->n_rules; b++) {
		const struct bh_policy_rule *r = &c->p->rules[c->order[b]];
		struct bh_cp_rule *o = &cp->rules[b];

		o->action = r->action;
		o->flags = r->log ? BH_RULEF_LOG : 0;
		o->line = r->pos.line;
		o->name = strdup(r->name);
		o->file = strdup(c->p->path);
		o->description = bc_strdup(r->description);
		if (!o->name || !o->file || (r->description && !o->description))
			return -ENOMEM;
	}
	return 0;
}

/* The compiled maps must fit the data plane's: each map holds both slots,
 * so one policy may use half. */
static int bc_check_fit(const struct bh_compiled_policy *cp,
			struct bh_diag *diags)
{
#define BC_FIT_FMT                                                             \
	"compiled policy needs %zu entries in map %s, which holds %zu per "    \
	"policy slot: split the policy or raise the map size"
	struct bh_cp_sizes sz;
	int i, err = 0;

	bh_compiled_sizes(cp, &sz);
	for (i = 0; i < BH_CP_MAP_MAX; i++) {
		if (sz.map[i].entries <= sz.map[i].capacity)
			continue;
		if (diags)
			bh_diag_add(diags, BH_DIAG_ERROR, 0, 0, BC_FIT_FMT,
				    sz.map[i].entries, sz.map[i].name,
				    sz.map[i].capacity);
		else
			pr_warn("%s: " BC_FIT_FMT "\n", cp->source_path,
				sz.map[i].entries, sz.map[i].name,
				sz.map[i].capacity);
		err = -E2BIG;
	}
	return err;
}

int bh_policy_compile(const struct bh_policy *p,
		      struct bh_compiled_policy **out)
{
	return bh_policy_compile_diag(p, out, NULL);
}

int bh_policy_compile_diag(const struct bh_policy *p,
			   struct bh_compiled_policy **out,
			   struct bh_diag *diags)
{
	struct bh_compiled_policy *cp = NULL;
	struct bc c = {.p = p};
	size_t i;
	int err;

	*out = NULL;
	if (p->n_rules > BH_MAX_RULES) {
		pr_warn("policy %s has %zu rules; the data plane holds at most "
			"%d\n",
			p->path, p->n_rules, BH_MAX_RULES);
		return -E2BIG;
	}
	c.a = bh_policy_arena_new();
	cp = calloc(1, sizeof(*cp));
	if (!c.a || !cp) {
		err = -ENOMEM;
		goto out;
	}
	bh_hmap_init(&c.bitmap_idx);
	err = bc_identities(&c);
	if (!err)
		err = bc_index(&c);
	if (!err)
		err = bc_rules(&c);
	if (!err)
		err = bc_classes(&c);
	if (!err)
		err = bc_all_ports(&c);
	if (!err)
		err = bc_out_identities(&c, cp);
	if (!err)
		err = bc_out_addrs(&c, cp);
	if (!err)
		err = bc_out_rules(&c, cp);
	if (err)
		goto out;

	if (c.n_ports > 1)
		qsort(c.ports, c.n_ports, sizeof(*c.ports), bc_port_cmp);
	cp->ports = c.ports;
	cp->n_ports = c.n_ports;
	c.ports = NULL;
	cp->bitmaps = calloc(c.n_bitmaps, sizeof(*cp->bitmaps));
	if (!cp->bitmaps) {
		err = -ENOMEM;
		goto out;
	}
	cp->n_bitmaps = c.n_bitmaps;
	for (i = 0; i < c.n_bitmaps; i++)
		memcpy(cp->bitmaps[i].w, c.bitmaps[i], c.rwords * 8);

	cp->hdr.world = cp->identities[c.world_idx].info;
	cp->hdr.n_rules = (__u32)c.n_rules;
	cp->hdr.n_deny = (__u32)c.n_deny;
	cp->hdr.n_words = (__u32)c.rwords;
	cp->hdr.default_action = p->default_action;
	cp->hdr.mode = p->mode;
	cp->hdr.ct_loose = p->ct_loose;
	cp->source_path = strdup(p->path);
	if (!cp->source_path) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(cp->source_sha256, p->sha256, sizeof(cp->source_sha256));
	err = bc_check_fit(cp, diags);
out:
	for (i = 0; i < c.n_keys; i++)
		free(c.key_post[i].v);
	for (i = 0; i < c.n_pairs; i++)
		free(c.pair_post[i].v);
	free(c.key_post);
	free(c.pair_post);
	bh_hmap_release(&c.keys);
	bh_hmap_release(&c.pairs);
	bh_hmap_release(&c.bitmap_idx);
	bh_hmap_release(&c.class_idx);
	free(c.bitmaps);
	free(c.ports);
	bh_policy_arena_free(&c.a);
	if (err)
		bh_compiled_policy_free(&cp);
	*out = cp;
	return err;
}
