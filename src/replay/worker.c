// SPDX-License-Identifier: GPL-2.0-only
/* The replay's pipeline thread. See worker.h. */
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "log.h"

/* Items per batch: a full batch is handed over without waiting for the
 * end of the poll (a flush or a burst of timeouts can make many records),
 * so memory stays bounded; batches waiting at most before the main thread
 * waits. */
#define BH_WORKER_BATCH 1024
#define BH_WORKER_QUEUE 8

enum bh_witem_kind {
	BH_WITEM_RECORD,
	BH_WITEM_INTERIM,
	BH_WITEM_ADVANCE,
};

/* Marks by flow id (0 free: ids start at 1), linear probing; only flows
 * with a mark other than 0 are in it. */
struct bh_marks {
	struct bh_mark_slot {
		__u64 flow_id;
		__u8 mark;
	} *v;
	size_t cap, n; /* cap: a power of two */
};

struct bh_witem {
	__u64 now;
	enum bh_witem_kind kind;
	struct bh_record_src src; /* the record is made on the thread */
};

struct bh_wbatch {
	struct bh_wbatch *next;
	size_t n;
	struct bh_witem v[BH_WORKER_BATCH];
};

struct bh_replay_worker {
	struct bh_pipeline *pipe;
	void (*set_time)(__u64);
	bool community_id;
	__u16 seed;
	struct bh_record_maker maker; /* makes records from their makings */
	struct bh_flow_record rec;    /* ... here */
	struct bh_marks marks; /* the pipeline thread's */
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* queue changed, either way */
	struct bh_wbatch *head, *tail; /* handed over, in order */
	size_t n_queued;
	struct bh_wbatch *spare; /* processed, for reuse */
	bool stop;
	/* main thread only */
	struct bh_wbatch *cur; /* being filled */
	__u64 now;
};

static size_t bh_marks_home(const struct bh_marks *m, __u64 id)
{
	return (size_t)(id * 0x9e3779b97f4a7c15ull) & (m->cap - 1);
}

static size_t bh_marks_slot(const struct bh_marks *m, __u64 id)
{
	size_t i = bh_marks_home(m, id);

	while (m->v[i].flow_id && m->v[i].flow_id != id)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static __u8 bh_marks_get(const struct bh_marks *m, __u64 id)
{
	return m->cap ? m->v[bh_marks_slot(m, id)].mark : 0;
}

/* Remove slot i, moving later entries of its run back into the hole when
 * their home is not between the hole and them. */
static void bh_marks_remove(struct bh_marks *m, size_t i)
{
	size_t j = i, k, mask = m->cap - 1;

	m->v[i].flow_id = 0;
	m->v[i].mark = 0;
	m->n--;
	for (;;) {
		j = (j + 1) & mask;
		if (!m->v[j].flow_id)
			return;
		k = bh_marks_home(m, m->v[j].flow_id);
		if (((j - k) & mask) >= ((j - i) & mask)) {
			m->v[i] = m->v[j];
			m->v[j].flow_id = 0;
			m->v[j].mark = 0;
			i = j;
		}
	}
}

static int bh_marks_grow(struct bh_marks *m)
{
	struct bh_marks n = { .cap = m->cap ? m->cap * 2 : 256 };
	size_t i;

	n.v = calloc(n.cap, sizeof(*n.v));
	if (!n.v)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++)
		if (m->v[i].flow_id) {
			n.v[bh_marks_slot(&n, m->v[i].flow_id)] = m->v[i];
			n.n++;
		}
	free(m->v);
	*m = n;
	return 0;
}

/* The flow's mark is now mark (0: none); final: its last record. */
static void bh_marks_set(struct bh_marks *m, __u64 id, __u8 mark, bool final)
{
	size_t i;

	if (mark && !final) {
		if ((m->n + 1) * 2 > m->cap && bh_marks_grow(m)) {
			pr_warn("replay: out of memory for a flow's mark\n");
			return;
		}
		i = bh_marks_slot(m, id);
		if (!m->v[i].flow_id)
			m->n++;
		m->v[i].flow_id = id;
		m->v[i].mark = mark;
	} else if (m->cap) {
		i = bh_marks_slot(m, id);
		if (m->v[i].flow_id)
			bh_marks_remove(m, i);
	}
}

static void bh_worker_run_batch(struct bh_replay_worker *w,
				struct bh_wbatch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct bh_witem *it = &b->v[i];
		struct bh_flow_record *r = &w->rec;

		w->set_time(it->now);
		if (it->kind == BH_WITEM_ADVANCE) {
			bh_pipeline_advance(w->pipe, it->now);
			continue;
		}
		bh_record_make(&w->maker, &it->src, r);
		/* Interim views go to detection only, which has no use for
		 * the Community ID (replay_polls compares the outputs with
		 * the collector computing it for views too). */
		if (w->community_id && it->kind == BH_WITEM_RECORD)
			bh_flow_record_community_id(r, w->seed);
		r->mark = bh_marks_get(&w->marks, r->flow_id);
		if (it->kind == BH_WITEM_INTERIM)
			bh_pipeline_interim(w->pipe, r);
		else
			bh_pipeline_record(w->pipe, r);
		bh_marks_set(&w->marks, r->flow_id,
			     r->mark & BH_RECORD_MARK_MASK,
			     it->kind == BH_WITEM_RECORD &&
				     r->end_reason != BH_END_ACTIVE_TIMEOUT);
	}
}

static void *bh_worker_main(void *arg)
{
	struct bh_replay_worker *w = arg;
	struct bh_wbatch *b;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		b = w->head;
		if (!b)
			break; /* stopped, everything done */
		w->head = b->next;
		if (!w->head)
			w->tail = NULL;
		w->n_queued--;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);

		bh_worker_run_batch(w, b);

		pthread_mutex_lock(&w->lock);
		b->n = 0;
		b->next = w->spare;
		w->spare = b;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int bh_replay_worker_new(struct bh_replay_worker **out,
			 struct bh_pipeline *pipe, void (*set_time)(__u64),
			 bool community_id, __u16 seed)
{
	struct bh_replay_worker *w;
	int err;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->pipe = pipe;
	w->set_time = set_time;
	w->community_id = community_id;
	w->seed = seed;
	w->cur = calloc(1, sizeof(*w->cur));
	if (!w->cur) {
		free(w);
		return -ENOMEM;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	err = pthread_create(&w->thread, NULL, bh_worker_main, w);
	if (err) {
		pr_warn("replay: cannot start the pipeline thread: %s\n",
			strerror(err));
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free(w->cur);
		free(w);
		return -err;
	}
	w->running = true;
	*out = w;
	return 0;
}

void bh_replay_worker_publish(struct bh_replay_worker *w)
{
	struct bh_wbatch *b = w->cur;

	if (!b->n)
		return;
	pthread_mutex_lock(&w->lock);
	while (w->n_queued >= BH_WORKER_QUEUE)
		pthread_cond_wait(&w->cond, &w->lock);
	b->next = NULL;
	if (w->tail)
		w->tail->next = b;
	else
		w->head = b;
	w->tail = b;
	w->n_queued++;
	pthread_cond_broadcast(&w->cond);
	b = w->spare;
	if (b)
		w->spare = b->next;
	pthread_mutex_unlock(&w->lock);
	if (!b)
		b = calloc(1, sizeof(*b));
	if (!b) {
		/* Out of memory: wait for a batch to come back. */
		pthread_mutex_lock(&w->lock);
		while (!w->spare)
			pthread_cond_wait(&w->cond, &w->lock);
		b = w->spare;
		w->spare = b->next;
		pthread_mutex_unlock(&w->lock);
	}
	b->n = 0;
	w->cur = b;
}

static struct bh_witem *bh_worker_item(struct bh_replay_worker *w,
				       enum bh_witem_kind kind, __u64 now)
{
	struct bh_witem *it;

	if (w->cur->n == BH_WORKER_BATCH)
		bh_replay_worker_publish(w);
	it = &w->cur->v[w->cur->n++];
	it->kind = kind;
	it->now = now;
	return it;
}

void bh_replay_worker_set_maker(struct bh_replay_worker *w,
				const struct bh_record_maker *m)
{
	w->maker = *m;
}

void bh_replay_worker_record_src(void *ctx, const struct bh_record_src *s)
{
	struct bh_replay_worker *w = ctx;
	bh_worker_item(w, BH_WITEM_RECORD, w->now)->src = *s;
}

void bh_replay_worker_interim_src(void *ctx, const struct bh_record_src *s)
{
	struct bh_replay_worker *w = ctx;
	bh_worker_item(w, BH_WITEM_INTERIM, w->now)->src = *s;
}

void bh_replay_worker_time(struct bh_replay_worker *w, __u64 now)
{
	w->now = now;
}

void bh_replay_worker_advance(struct bh_replay_worker *w, __u64 now)
{
	bh_worker_item(w, BH_WITEM_ADVANCE, now);
}

void bh_replay_worker_finish(struct bh_replay_worker *w)
{
	if (!w->running)
		return;
	bh_replay_worker_publish(w);
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->running = false;
}

void bh_replay_worker_free(struct bh_replay_worker **wp)
{
	struct bh_replay_worker *w = wp ? *wp : NULL;
	struct bh_wbatch *b;

	if (!w)
		return;
	bh_replay_worker_finish(w);
	while ((b = w->spare)) {
		w->spare = b->next;
		free(b);
	}
	free(w->cur);
	free(w->marks.v);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
	*wp = NULL;
}
