/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The replay's pipeline thread: flow records and time steps, in the order
 * the collector made them, handed to a thread that runs the pipeline
 * (enrichment, detection, export, the report and printing) while the main
 * thread reads and classifies the next packets. The pipeline sees exactly
 * the calls it would see on the main thread, in the same order and with
 * the same packet times, so the output is the same. The mark a callback
 * leaves in a record (bh_flow_record.mark), which the collector keeps for
 * the flow's next record or view, is kept here instead, by flow id: the
 * collector has long moved on when the pipeline leaves it.
 *
 * Items are queued into a batch and handed over when the batch is full or
 * with bh_replay_worker_publish(); at most a few batches wait, after which
 * the main thread waits too.
 */
#ifndef BH_REPLAY_WORKER_H
#define BH_REPLAY_WORKER_H

#include "collector.h"
#include "flow_record.h"
#include "pipeline.h"

struct bh_replay_worker;

/* A thread running pipe. set_time(now) is called on that thread before
 * each item, with the packet time it was queued at (the exporter's clock
 * in replay). With community_id, records are made without their Community
 * IDs (the maker's defer_community_id) and the thread fills them in, with
 * seed. */
int bh_replay_worker_new(struct bh_replay_worker **out,
			 struct bh_pipeline *pipe, void (*set_time)(__u64),
			 bool community_id, __u16 seed);

/* The collector's emit_src and interim_src callbacks (ctx = the worker):
 * a record's or interim view's makings are queued with the time given to
 * bh_replay_worker_time(), and the record is made on the thread, with the
 * maker set here before the first (its resolver answers on that thread,
 * not the collector's; its strings must stay valid until
 * bh_replay_worker_finish(): the policy does not change during a replay).
 * Making records was a tenth of the replay thread's work. */
void bh_replay_worker_set_maker(struct bh_replay_worker *w,
				const struct bh_record_maker *m);
void bh_replay_worker_record_src(void *ctx, const struct bh_record_src *s);
void bh_replay_worker_interim_src(void *ctx, const struct bh_record_src *s);
/* Packet time of the records queued from now on. */
void bh_replay_worker_time(struct bh_replay_worker *w, __u64 now);
/* bh_pipeline_advance(pipe, now) in turn. */
void bh_replay_worker_advance(struct bh_replay_worker *w, __u64 now);
/* Hand what is queued to the thread. */
void bh_replay_worker_publish(struct bh_replay_worker *w);
/* Publish, wait until everything went through the pipeline and stop the
 * thread: the pipeline is the caller's again. */
void bh_replay_worker_finish(struct bh_replay_worker *w);
/* Finishes first if needed. */
void bh_replay_worker_free(struct bh_replay_worker **w);

#endif /* BH_REPLAY_WORKER_H */
