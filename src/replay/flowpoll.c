// SPDX-License-Identifier: GPL-2.0-only
/* The replay's collector polls, full or incremental. See flowpoll.h. */
#include "flowpoll.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A flow-table entry read in a poll. */
struct bh_poll_entry {
	struct bh_flow_key key;
	struct bh_flow flow;
	bool denied;
};

/* A flow to read again at a time, decided at the poll that ended at table
 * clock value clock. Items are not removed when the flow changes: one
 * whose entry was used after clock is stale (the poll that read the entry
 * since queued what is due now) and is dropped. An item the flow's next
 * one replaced is stale, known without reading the entry again (dead). */
struct bh_poll_due {
	__u64 due;
	__u64 clock;
	struct bh_flow_key key;
	bool denied;
	bool live; /* in a list of the wheel (else free in the pool) */
	bool dead;
};

/* An entry's place in the order: its start time, and the rest of the
 * comparison through its index. */
struct bh_poll_ord {
	__u64 first;
	__u32 idx;
	__u32 pad;
};

/* Items by their index in the wheel's pool. */
struct bh_due_list {
	__u32 *v;
	size_t n, cap;
};

/* Due items by second of packet time, on a wheel of BH_WHEEL_SLOTS
 * seconds from base (the second of the last poll); later ones in far,
 * brought onto the wheel every half turn. Polls come every second, so an
 * item costs an append and a read instead of a heap's sifts. */
#define BH_WHEEL_SLOTS 256u
#define BH_WHEEL_TICK 1000000000ull

struct bh_due_wheel {
	struct bh_due_list slot[BH_WHEEL_SLOTS];
	struct bh_due_list far;
	__u64 base;      /* tick of the oldest slot that may hold items */
	__u64 far_check; /* tick at which far is looked at again */
	struct bh_poll_due *pool; /* the items */
	size_t n_pool, cap_pool;
	struct bh_due_list free; /* pool indices not in use */
};

struct bh_replay_poller {
	struct bh_engine *eng;
	struct bh_collector *col;
	bool full;          /* every poll reads everything */
	struct bh_poll_entry *ents; /* this poll's entries */
	size_t n_ents, cap_ents;
	struct bh_poll_ord *order, *tmp; /* ents by bh_poll_cmp */
	size_t cap_order;
	struct bh_due_wheel wheel;
	__u64 clock[2];   /* table clocks at the end of the last poll */
	__u64 removed[2]; /* entries gone from the tables by then */
	int due_err;      /* of bh_poll_due(), for this poll */
	struct bh_replay_poll_stats st;
};

static int bh_poll_del(void *ctx, const struct bh_flow_key *key, bool denied)
{
	struct bh_replay_poller *p = ctx;

	return bh_engine_flow_delete(p->eng, denied, key);
}

/* Room for one more of size bytes in *v (n used of *cap; first: the
 * first capacity). */
static int bh_poll_grow(void **v, size_t *cap, size_t n, size_t size,
			size_t first)
{
	size_t c;
	void *nv;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : first;
	nv = realloc(*v, c * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = c;
	return 0;
}

static void bh_poll_due(void *ctx, const struct bh_flow_key *key,
			bool denied, __u64 due, __u32 *tag);

int bh_replay_poller_new(struct bh_replay_poller **out, struct bh_engine *eng,
			 struct bh_collector *col, bool full)
{
	struct bh_collector_source src = { .del = bh_poll_del };
	struct bh_replay_poller *p;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->eng = eng;
	p->col = col;
	p->full = full || !bh_engine_incremental(eng);
	if (!p->full)
		src.due = bh_poll_due;
	src.ctx = p;
	bh_collector_set_source(col, &src);
	*out = p;
	return 0;
}

void bh_replay_poller_free(struct bh_replay_poller **pp)
{
	struct bh_replay_poller *p = pp ? *pp : NULL;
	size_t i;

	if (!p)
		return;
	free(p->ents);
	free(p->order);
	free(p->tmp);
	for (i = 0; i < BH_WHEEL_SLOTS; i++)
		free(p->wheel.slot[i].v);
	free(p->wheel.far.v);
	free(p->wheel.free.v);
	free(p->wheel.pool);
	free(p);
	*pp = NULL;
}

void bh_replay_poll_stats(const struct bh_replay_poller *p,
			  struct bh_replay_poll_stats *out)
{
	*out = p->st;
}

/* ------------------------------------------------------------------------ */
/* Entries of this poll.                                                    */

static int bh_poll_add(struct bh_replay_poller *p,
		       const struct bh_flow_key *key,
		       const struct bh_flow *flow, bool denied)
{
	struct bh_poll_entry *e;

	if (bh_poll_grow((void **)&p->ents, &p->cap_ents, p->n_ents,
			 sizeof(*p->ents), 1024))
		return -ENOMEM;
	e = &p->ents[p->n_ents++];
	e->key = *key;
	e->flow = *flow;
	e->denied = denied;
	return 0;
}

static int bh_poll_add_flow(void *ctx, const struct bh_flow_key *key,
			    const struct bh_flow *flow)
{
	return bh_poll_add(ctx, key, flow, false);
}

static int bh_poll_add_denied(void *ctx, const struct bh_flow_key *key,
			      const struct bh_flow *flow)
{
	return bh_poll_add(ctx, key, flow, true);
}

static int bh_poll_cmp(const struct bh_poll_entry *x,
		       const struct bh_poll_entry *y)
{
	if (x->flow.first_seen_ns != y->flow.first_seen_ns)
		return x->flow.first_seen_ns < y->flow.first_seen_ns ? -1 : 1;
	if (x->denied != y->denied)
		return x->denied ? 1 : -1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

static inline bool bh_poll_before(const struct bh_poll_entry *e,
				  const struct bh_poll_ord *a,
				  const struct bh_poll_ord *b)
{
	if (a->first != b->first)
		return a->first < b->first;
	return bh_poll_cmp(&e[a->idx], &e[b->idx]) < 0;
}

/* Sort small records of the entries, not the entries of 200 bytes: a
 * merge sort, runs of 8 by insertion first. Stable, which does not matter:
 * no two entries compare equal but copies of one entry. */
static int bh_poll_sort(struct bh_replay_poller *p)
{
	const struct bh_poll_entry *e = p->ents;
	struct bh_poll_ord *a, *b, *t, x;
	size_t n = p->n_ents, i, j, lo, mid, hi, k, w;

	if (n > p->cap_order) {
		a = realloc(p->order, p->cap_ents * sizeof(*a));
		if (!a)
			return -ENOMEM;
		p->order = a;
		b = realloc(p->tmp, p->cap_ents * sizeof(*b));
		if (!b)
			return -ENOMEM;
		p->tmp = b;
		p->cap_order = p->cap_ents;
	}
	a = p->order;
	b = p->tmp;
	for (i = 0; i < n; i++) {
		a[i].first = e[i].flow.first_seen_ns;
		a[i].idx = (__u32)i;
		a[i].pad = 0;
	}
	for (lo = 0; lo < n; lo += 8) {
		hi = lo + 8 < n ? lo + 8 : n;
		for (i = lo + 1; i < hi; i++) {
			x = a[i];
			for (j = i; j > lo && bh_poll_before(e, &x, &a[j - 1]); j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
	}
	for (w = 8; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			i = lo;
			j = mid;
			for (k = lo; k < hi; k++)
				b[k] = (j >= hi || (i < mid &&
						    !bh_poll_before(e, &a[j], &a[i]))) ?
					       a[i++] :
					       a[j++];
		}
		t = a;
		a = b;
		b = t;
	}
	p->order = a;
	p->tmp = b;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Due times.                                                               */

static int bh_due_add(struct bh_due_list *l, __u32 idx)
{
	if (bh_poll_grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v), 64))
		return -ENOMEM;
	l->v[l->n++] = idx;
	return 0;
}

static int bh_due_put(struct bh_due_wheel *w, __u32 idx)
{
	__u64 t = w->pool[idx].due / BH_WHEEL_TICK;

	if (t < w->base)
		t = w->base; /* due already: the next poll takes it */
	if (t - w->base >= BH_WHEEL_SLOTS)
		return bh_due_add(&w->far, idx);
	return bh_due_add(&w->slot[t % BH_WHEEL_SLOTS], idx);
}

static void bh_due_release(struct bh_due_wheel *w, __u32 idx)
{
	w->pool[idx].live = false;
	/* cannot fail: free never holds more than the pool */
	w->free.v[w->free.n++] = idx;
}

/* Queue key's due time, the item of tag (the flow's previous one) dead:
 * the flow was read again since it was queued. */
static int bh_due_push(struct bh_replay_poller *p, __u64 due, __u64 clock,
		       const struct bh_flow_key *key, bool denied, __u32 *tag)
{
	struct bh_due_wheel *w = &p->wheel;
	struct bh_poll_due *it;
	__u32 idx;
	int err;

	if (*tag && *tag <= w->n_pool) {
		it = &w->pool[*tag - 1];
		if (it->live && it->denied == denied &&
		    !memcmp(&it->key, key, sizeof(*key)))
			it->dead = true;
	}
	if (w->free.n) {
		idx = w->free.v[--w->free.n];
	} else {
		if (bh_poll_grow((void **)&w->pool, &w->cap_pool, w->n_pool,
				 sizeof(*w->pool), 1024) ||
		    bh_poll_grow((void **)&w->free.v, &w->free.cap, w->n_pool,
				 sizeof(*w->free.v), 1024))
			return -ENOMEM;
		idx = (__u32)w->n_pool++;
	}
	it = &w->pool[idx];
	*it = (struct bh_poll_due){ .due = due, .clock = clock, .key = *key,
				    .denied = denied, .live = true };
	err = bh_due_put(w, idx);
	if (err) {
		bh_due_release(w, idx);
		return err;
	}
	*tag = idx + 1;
	return 0;
}

/* The collector's due time of a flow read in this poll (source.due). The
 * table clocks at the end of the poll are those after its reads: reading
 * and deleting entries do not move them. */
static void bh_poll_due(void *ctx, const struct bh_flow_key *key,
			bool denied, __u64 due, __u32 *tag)
{
	struct bh_replay_poller *p = ctx;

	if (!p->due_err)
		p->due_err = bh_due_push(p, due, p->clock[denied], key, denied,
					 tag);
}

static void bh_due_clear(struct bh_due_wheel *w)
{
	size_t i;

	for (i = 0; i < BH_WHEEL_SLOTS; i++)
		w->slot[i].n = 0;
	w->far.n = 0;
	w->free.n = 0;
	w->n_pool = 0;
}

/* Read again the entry of an item whose time has come, unless stale. */
static int bh_due_take(struct bh_replay_poller *p, const struct bh_poll_due *it)
{
	struct bh_flow f;
	__u64 stamp;
	int err;

	if (it->dead)
		return 0;
	err = bh_engine_flow_peek(p->eng, it->denied, &it->key, &f, &stamp);
	if (err == -ENOENT || (!err && stamp > it->clock))
		return 0; /* gone, or read since: stale */
	return err ?: bh_poll_add(p, &it->key, &f, it->denied);
}

/* Take from l what is due at now, keep the rest (put back through the
 * wheel when far: some may fit on it now). */
static int bh_due_scan(struct bh_replay_poller *p, struct bh_due_list *l,
		       __u64 now, bool far)
{
	struct bh_due_wheel *w = &p->wheel;
	size_t i, n = l->n, kept = 0;
	int err = 0;

	if (far)
		l->n = 0; /* items are put back one by one */
	for (i = 0; i < n && !err; i++) {
		__u32 idx = l->v[i];
		const struct bh_poll_due *it = &w->pool[idx];

		if (it->dead || it->due <= now) {
			err = bh_due_take(p, it);
			bh_due_release(w, idx);
		} else if (far) {
			err = bh_due_put(w, idx);
		} else {
			l->v[kept++] = idx;
		}
	}
	if (!far)
		l->n = kept;
	return err;
}

/* Entries whose time has come, read again. */
static int bh_poll_take_due(struct bh_replay_poller *p, __u64 now)
{
	struct bh_due_wheel *w = &p->wheel;
	__u64 t, nt = now / BH_WHEEL_TICK;
	int err;

	if (nt < w->base)
		return 0;
	/* Seconds gone by: everything; the current one: what is due. */
	for (t = w->base; t <= nt && t - w->base < BH_WHEEL_SLOTS; t++) {
		struct bh_due_list *l = &w->slot[t % BH_WHEEL_SLOTS];

		err = bh_due_scan(p, l, t < nt ? UINT64_MAX : now, false);
		if (err)
			return err;
	}
	w->base = nt;
	if (nt >= w->far_check) {
		err = bh_due_scan(p, &w->far, now, true);
		if (err)
			return err;
		w->far_check = nt + BH_WHEEL_SLOTS / 2;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The poll.                                                                */

static int bh_poll_gather(struct bh_replay_poller *p, bool full, __u64 now)
{
	int err, d;

	p->n_ents = 0;
	for (d = 0; d < 2; d++) {
		bh_engine_flow_cb cb = d ? bh_poll_add_denied :
					   bh_poll_add_flow;

		err = full ? bh_engine_flows(p->eng, d, cb, p) :
			     bh_engine_flows_since(p->eng, d, p->clock[d], cb,
						   p);
		if (err)
			return err;
	}
	return full ? 0 : bh_poll_take_due(p, now);
}

int bh_replay_poll_run(struct bh_replay_poller *p, __u64 now)
{
	bool full = p->full;
	__u64 clock, removed;
	size_t i, n;
	int err, d;

	/* An entry that left a table on its own (evicted, or deleted by the
	 * classifier) would look unchanged to an incremental poll, where a
	 * full one reports it gone. */
	for (d = 0; d < 2 && !full; d++) {
		bh_engine_flows_mark(p->eng, d, &clock, &removed);
		full = removed != p->removed[d];
	}
	err = bh_poll_gather(p, full, now);
	if (err)
		return err;
	if (full)
		bh_due_clear(&p->wheel); /* every entry is read: afresh */
	err = bh_poll_sort(p);
	if (err)
		return err;

	/* due items queued in this poll's end get the table clocks of now */
	for (d = 0; d < 2; d++)
		bh_engine_flows_mark(p->eng, d, &p->clock[d], &removed);
	p->due_err = 0;
	bh_collector_poll_begin(p->col, now);
	for (i = n = 0; i < p->n_ents; i++) {
		const struct bh_poll_entry *e = &p->ents[p->order[i].idx];

		/* A used entry can also be due: read twice, ingested once. */
		if (n && !bh_poll_cmp(&p->ents[p->order[n - 1].idx], e))
			continue;
		p->order[n++] = p->order[i];
		if (bh_collector_ingest(p->col, &e->key, &e->flow, e->denied))
			p->full = true; /* untracked: full polls from now on */
	}
	if (full)
		bh_collector_poll_end(p->col, now);
	else
		bh_collector_poll_end_partial(p->col, now);

	p->st.polls++;
	p->st.full += full;
	p->st.ingested += n;
	if (p->full)
		return 0;
	for (d = 0; d < 2; d++)
		bh_engine_flows_mark(p->eng, d, &p->clock[d], &p->removed[d]);
	return p->due_err;
}
