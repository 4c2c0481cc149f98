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

/* A flow to read again at a time (a min-heap on due), decided at the poll
 * that ended at table clock value clock. Items are not removed when the
 * flow changes: one whose entry was used after clock is stale (the poll
 * that read the entry since queued what is due now) and is dropped. */
struct bh_poll_due {
	__u64 due;
	__u64 clock;
	struct bh_flow_key key;
	bool denied;
};

struct bh_replay_poller {
	struct bh_engine *eng;
	struct bh_collector *col;
	bool full;          /* every poll reads everything */
	struct bh_poll_entry *ents; /* this poll's entries */
	size_t n_ents, cap_ents;
	__u32 *order; /* ents by bh_poll_cmp */
	size_t cap_order;
	struct bh_poll_due *heap;
	size_t n_heap, cap_heap;
	__u64 clock[2];   /* table clocks at the end of the last poll */
	__u64 removed[2]; /* entries gone from the tables by then */
	struct bh_replay_poll_stats st;
};

static int bh_poll_del(void *ctx, const struct bh_flow_key *key, bool denied)
{
	struct bh_replay_poller *p = ctx;

	return bh_engine_flow_delete(p->eng, denied, key);
}

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
	src.ctx = p;
	bh_collector_set_source(col, &src);
	*out = p;
	return 0;
}

void bh_replay_poller_free(struct bh_replay_poller **pp)
{
	struct bh_replay_poller *p = pp ? *pp : NULL;

	if (!p)
		return;
	free(p->ents);
	free(p->order);
	free(p->heap);
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

	if (p->n_ents == p->cap_ents) {
		size_t cap = p->cap_ents ? p->cap_ents * 2 : 1024;

		e = realloc(p->ents, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		p->ents = e;
		p->cap_ents = cap;
	}
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

static int bh_poll_cmp_idx(const void *a, const void *b, void *ctx)
{
	const struct bh_poll_entry *e = ctx;

	return bh_poll_cmp(&e[*(const __u32 *)a], &e[*(const __u32 *)b]);
}

/* Sort indexes, not the entries of 200 bytes. */
static int bh_poll_sort(struct bh_replay_poller *p)
{
	__u32 *o;
	size_t i;

	if (p->n_ents > p->cap_order) {
		o = realloc(p->order, p->cap_ents * sizeof(*o));
		if (!o)
			return -ENOMEM;
		p->order = o;
		p->cap_order = p->cap_ents;
	}
	for (i = 0; i < p->n_ents; i++)
		p->order[i] = (__u32)i;
	if (p->n_ents > 1)
		qsort_r(p->order, p->n_ents, sizeof(*p->order),
			bh_poll_cmp_idx, p->ents);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Due times.                                                               */

static bool bh_due_before(const struct bh_poll_due *a,
			  const struct bh_poll_due *b)
{
	return a->due < b->due;
}

static int bh_due_push(struct bh_replay_poller *p, __u64 due, __u64 clock,
		       const struct bh_flow_key *key, bool denied)
{
	struct bh_poll_due *h, it = { .due = due, .clock = clock, .key = *key,
				      .denied = denied };
	size_t i;

	if (p->n_heap == p->cap_heap) {
		size_t cap = p->cap_heap ? p->cap_heap * 2 : 1024;

		h = realloc(p->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		p->heap = h;
		p->cap_heap = cap;
	}
	h = p->heap;
	for (i = p->n_heap++; i && bh_due_before(&it, &h[(i - 1) / 2]);
	     i = (i - 1) / 2)
		h[i] = h[(i - 1) / 2];
	h[i] = it;
	return 0;
}

static void bh_due_pop(struct bh_replay_poller *p)
{
	struct bh_poll_due *h = p->heap, last = h[--p->n_heap];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < p->n_heap) {
		if (c + 1 < p->n_heap && bh_due_before(&h[c + 1], &h[c]))
			c++;
		if (!bh_due_before(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = last;
}

/* Entries whose time has come, read again. */
static int bh_poll_take_due(struct bh_replay_poller *p, __u64 now)
{
	struct bh_flow f;
	__u64 stamp;
	int err;

	while (p->n_heap && p->heap[0].due <= now) {
		struct bh_poll_due it = p->heap[0];

		bh_due_pop(p);
		err = bh_engine_flow_peek(p->eng, it.denied, &it.key, &f,
					  &stamp);
		if (err == -ENOENT || (!err && stamp > it.clock))
			continue; /* gone, or read since: stale */
		if (!err)
			err = bh_poll_add(p, &it.key, &f, it.denied);
		if (err)
			return err;
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
		p->n_heap = 0; /* every entry is read: due times afresh */
	err = bh_poll_sort(p);
	if (err)
		return err;

	bh_collector_poll_begin(p->col, now);
	for (i = n = 0; i < p->n_ents; i++) {
		const struct bh_poll_entry *e = &p->ents[p->order[i]];

		/* A used entry can also be due: read twice, ingested once. */
		if (n && !bh_poll_cmp(&p->ents[p->order[n - 1]], e))
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
	for (i = 0; i < n; i++) {
		const struct bh_poll_entry *e = &p->ents[p->order[i]];
		__u64 due = bh_collector_due(p->col, &e->key, e->denied);

		if (due != UINT64_MAX) {
			err = bh_due_push(p, due, p->clock[e->denied], &e->key,
					  e->denied);
			if (err)
				return err;
		}
	}
	return 0;
}
