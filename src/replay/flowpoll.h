/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The replay's collector polls: at each step of packet time the engine's
 * flow tables go into the collector, entries in the order their flows
 * began, then allowed before denied, then by key (the collector numbers
 * flows and emits records in the order it is fed, and the two engines'
 * tables iterate in different orders).
 *
 * With the native engine a poll is incremental: it reads only the entries
 * the classifier used since the previous poll and those whose timeout has
 * come (bh_collector_due()), instead of every entry in the tables, which
 * made replay time grow with flows x seconds of traffic. It falls back to
 * a full read when an entry left a table other than through the
 * collector, or the collector could not track a flow: the records are the
 * same either way (see bh_collector_poll_end_partial()).
 */
#ifndef BH_REPLAY_FLOWPOLL_H
#define BH_REPLAY_FLOWPOLL_H

#include <stdbool.h>

#include "bulkhead_abi.h"
#include "collector.h"
#include "engine.h"

struct bh_replay_poller;

/* A poller of eng into col; it becomes col's source (deletions of closed
 * flows go to eng). full: read everything at every poll. */
int bh_replay_poller_new(struct bh_replay_poller **out, struct bh_engine *eng,
			 struct bh_collector *col, bool full);
void bh_replay_poller_free(struct bh_replay_poller **p);

/* One poll at packet time now: 0 or -errno (reading the tables). */
int bh_replay_poll_run(struct bh_replay_poller *p, __u64 now);

struct bh_replay_poll_stats {
	__u64 polls;
	__u64 full;     /* polls that read every entry */
	__u64 ingested; /* entries handed to the collector */
};

void bh_replay_poll_stats(const struct bh_replay_poller *p,
			  struct bh_replay_poll_stats *out);

#endif /* BH_REPLAY_FLOWPOLL_H */
