/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The live source of the collector: the kernel's bh_flows and bh_denied
 * maps, read with batched lookups, and the bh_events ring buffer. The
 * loader hands over the map fds; this file only reads (and deletes closed
 * entries when the collector asks).
 */
#ifndef BH_BPF_SOURCE_H
#define BH_BPF_SOURCE_H

#include "collector.h"

struct bh_bpf_source;

struct bh_bpf_source_opts {
	int flows_fd;  /* bh_flows */
	int denied_fd; /* bh_denied, or -1 */
	int events_fd; /* bh_events ring buffer, or -1 */
	/* bh_reported, or -1: what the collector reported, kept there */
	int reported_fd;
	__u32 batch;   /* entries per batched lookup, default 4096 */
};

/* Registers itself as c's source (lookup, delete). */
int bh_bpf_source_new(struct bh_bpf_source **out, struct bh_collector *c,
		      const struct bh_bpf_source_opts *opts);
void bh_bpf_source_free(struct bh_bpf_source **s);

/* What the last instance reported (bh_reported, left behind when it died
 * without saving its state), adopted into the collector before its first
 * poll (bh_collector_adopt): 0 with *n_adopted and *n_skipped (no room),
 * or -errno. */
int bh_bpf_source_adopt_reported(struct bh_bpf_source *s, size_t *n_adopted,
				 size_t *n_skipped);

/* Wait up to timeout_ms for events and hand them to the collector.
 * Returns the number of events, or -errno. */
int bh_bpf_source_events(struct bh_bpf_source *s, int timeout_ms);

/* One poll at time now (data-plane time base): drain the ring, read both
 * maps in batches, then end the poll. When a map read fails the poll is not
 * ended (no flow is called evicted on a partial pass). Returns 0 or -errno. */
int bh_bpf_source_poll(struct bh_bpf_source *s, __u64 now);

/* The same in steps, for an event loop that must not stop for a whole
 * pass over large maps: each call reads whole batches until budget
 * entries are read (0: no limit) and returns 0 while the pass goes on, 1
 * once it ended (at time now of that last call), or -errno (the pass is
 * abandoned, not ended).
 * The first call of a pass drains the ring and begins it at now; events
 * may be delivered between steps. */
int bh_bpf_source_poll_step(struct bh_bpf_source *s, __u64 now, __u64 budget);

/* Entries and capacity of the maps as of the last poll. */
struct bh_bpf_source_occupancy {
	__u64 flows;
	__u64 flows_max;
	__u64 denied;
	__u64 denied_max;
};
void bh_bpf_source_occupancy(const struct bh_bpf_source *s,
			     struct bh_bpf_source_occupancy *out);

#endif /* BH_BPF_SOURCE_H */
