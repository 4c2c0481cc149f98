/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Everything a node reports about itself: data-plane counters, collector
 * counters, map occupancy and export queues. One snapshot feeds the
 * NodeStats envelope (export) and the Prometheus endpoint (metrics).
 */
#ifndef BH_NODE_STATS_H
#define BH_NODE_STATS_H

#include <stdbool.h>

#include "bulkhead_abi.h"
#include "collector.h"

#define BH_EXPORT_MAX_SINKS 8
#define BH_NODE_MAX_MAPS 4
#define BH_SINK_URL_MAX 256

struct bh_sink_stats {
	char url[BH_SINK_URL_MAX];
	__u64 envelopes; /* written completely */
	__u64 bytes;
	__u64 dropped_queue_full;
	__u64 dropped_sink_error; /* failed write, or unsent at shutdown */
	__u64 reconnects;
	__u64 queue_bytes; /* waiting now */
	bool connected;
};

struct bh_export_stats {
	__u64 envelopes; /* encoded (each got a sequence number) */
	__u64 encode_errors;
	__u64 dropped; /* all sinks, all causes */
	unsigned int n_sinks;
	struct bh_sink_stats sinks[BH_EXPORT_MAX_SINKS];
};

struct bh_map_occupancy {
	const char *name;
	__u64 entries;
	__u64 capacity;
};

struct bh_node_stats {
	__u64 time_ns; /* wall clock */
	const char *node;
	bool have_dp; /* dp holds data-plane counters, summed over CPUs */
	struct bh_stats dp;
	bool have_collector;
	struct bh_collector_stats col;
	bool have_export;
	struct bh_export_stats exp;
	unsigned int n_maps;
	struct bh_map_occupancy maps[BH_NODE_MAX_MAPS];
	__u32 policy_generation;
	/* Detection's counters (bh_detect_stats), NULL when it does not run:
	 * the caller's copy, read while the snapshot is rendered. */
	const struct bh_detect_stats *detect;
};

struct bh_bpf_source;
struct bh_export;
struct bh_detect_stats;

/* One snapshot from the parts a node runs; each may be NULL. dp: the data
 * plane's counters summed over CPUs (bh_dp_stats). Map occupancy comes
 * from the source's last poll. */
void bh_node_stats_collect(struct bh_node_stats *ns, const char *node,
			   const struct bh_stats *dp,
			   const struct bh_collector *c,
			   const struct bh_bpf_source *src,
			   struct bh_export *e, __u32 generation);

#endif /* BH_NODE_STATS_H */
