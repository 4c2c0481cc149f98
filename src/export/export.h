/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The exporter: wraps flow records, alerts and node statistics in
 * Envelopes (node id, exporter instance, sequence number), frames them
 * (stream.h) and hands each frame to every sink's bounded queue (sink.h).
 * Producers never wait for a sink (unless block_when_full, for replay):
 * what does not fit is dropped, counted per sink, and shows as a gap in
 * the sequence numbers that consumers see.
 *
 * Thread-safe: several producers may submit concurrently.
 */
#ifndef BH_EXPORT_H
#define BH_EXPORT_H

#include <sys/types.h>

#include "flow_record.h"
#include "node_stats.h"
#include "telemetry.pb-c.h"

struct bh_export;

struct bh_export_opts {
	const char *node_id;
	__u64 instance;            /* 0: random */
	size_t queue_bytes;        /* per sink, default 8 MiB */
	bool block_when_full;      /* replay: wait for room, lose nothing */
	unsigned int backoff_min_ms; /* reconnect backoff, default 100 */
	unsigned int backoff_max_ms; /* default 5000 */
	unsigned int write_timeout_ms; /* default 1000 */
	unsigned int drain_timeout_ms; /* at free(), default 2000 */
	/* Envelope export time; default CLOCK_REALTIME. */
	__u64 (*wall_now_ns)(void);
};

void bh_export_opts_default(struct bh_export_opts *opts);

int bh_export_new(struct bh_export **out, const struct bh_export_opts *opts);
/* Delivers what is queued (up to drain_timeout_ms), stops the writers. */
void bh_export_free(struct bh_export **e);

/* Add a destination (sink.h lists the forms). */
int bh_export_add_sink(struct bh_export *e, const char *url);

/* Submit one message. 0 when every sink queued it; -ENOBUFS when at least
 * one sink dropped it (counted); -errno on encoding failure. */
int bh_export_flow(struct bh_export *e, const struct bh_flow_record *r);
int bh_export_alert(struct bh_export *e,
		    const Bulkhead__Telemetry__V1__Alert *alert);
int bh_export_node_stats(struct bh_export *e, const struct bh_node_stats *ns);

/* A bh_record_cb for the collector: ctx is the bh_export. */
void bh_export_record_cb(void *ctx, struct bh_flow_record *r);

/* Wait until every sink wrote (or dropped) what was submitted. */
int bh_export_flush(struct bh_export *e, int timeout_ms);

void bh_export_stats(struct bh_export *e, struct bh_export_stats *out);

/* Envelope framing alone (no sinks): one framed envelope at w->frame, in
 * w->buf (grown as needed). Used by the exporter and the benchmarks. */
struct bh_envelope_writer {
	const char *node_id;
	__u64 instance;
	__u64 seq;
	uint8_t *buf;
	size_t cap;
	const uint8_t *frame;
};
/* Frames env (payload set, header filled here, seq taken and advanced);
 * payload_bound is an upper bound of the payload's packed size (saves
 * sizing the message before packing it), or 0 when unknown. Returns the
 * frame length, or -ENOMEM. */
ssize_t bh_envelope_write(struct bh_envelope_writer *w,
			  Bulkhead__Telemetry__V1__Envelope *env,
			  __u64 export_time_ns, size_t payload_bound);

#endif /* BH_EXPORT_H */
