/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flow collector: turns snapshots of the data plane's flow maps
 * (bh_flows, bh_denied: cumulative per-direction counters, one entry per
 * connection) and its events into bidirectional flow records with
 * NetFlow/IPFIX semantics (DESIGN.md decision 8).
 *
 * A source feeds it: the kernel maps (bpf_source.h) live, the native
 * engine's tables in replay. One poll is
 *
 *	bh_collector_poll_begin(c, now);
 *	for each entry of bh_flows and bh_denied:
 *		bh_collector_ingest(c, key, flow, denied);
 *	bh_collector_poll_end(c, now);
 *
 * with events (bh_collector_event) delivered before the poll that reads
 * their flows. Counters are cumulative in the maps; the collector keeps
 * the last value it saw per flow and the value at the last record, so an
 * entry read twice, or in many polls, is never counted twice.
 *
 * Records are emitted:
 *  - when the connection is closed (ct_state CLOSED: RST, or FIN from both
 *    sides) and has been quiet for close_linger_ns, so that the last ACK
 *    belongs to it;
 *  - after idle_timeout_ns without packets;
 *  - every active_timeout_ns for a long-lived flow (counters so far; the
 *    flow goes on under the same flow_id, record_index + 1);
 *  - when an entry disappeared from the map, or was reused for a new
 *    connection, before it ended (LRU eviction: end reason "evicted");
 *  - on bh_collector_flush() (end reason "forced").
 * After its last record a flow stays tracked, with its counters, until the
 * entry leaves the map: packets that arrive later start a new flow record
 * that counts only them.
 *
 * Interim views (optional, opts.interim): a record waits for its flow to
 * close or time out, but detection must judge a connection attempt within
 * seconds. While a flow is younger than interim_window_ns, each poll that
 * saw it change hands opts.interim a view of it, and the first poll past
 * that age one more (so that an attempt nobody answers is judged then).
 * A view is built like a record (counters since the last record) with
 * end_reason BH_END_UNSPEC and end_ns the time of the poll (the flow is
 * known up to then); it is not a record: nothing is reported or reset.
 *
 * Time: "now" and the flows' timestamps are in the data plane's time base
 * (kernel monotonic live, packet time in replay); the clock converts them to
 * wall-clock time for the records. Single-threaded: one caller at a time.
 */
#ifndef BH_COLLECTOR_H
#define BH_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "bulkhead_abi.h"
#include "clock.h"
#include "flow_record.h"

struct bh_collector;

/* What an identity is called, from the compiled policy. */
struct bh_resolver_identity {
	const char *name;          /* workload, external group, "world"... */
	const char *const *labels; /* "key=value", sorted by key */
	size_t n_labels;
	__u8 kind; /* enum bh_identity_kind */
};

enum bh_iface_kind {
	BH_IFACE_UNKNOWN = 0,
	BH_IFACE_UPLINK = 1,   /* the node's NIC: traffic from the network */
	BH_IFACE_WORKLOAD = 2, /* host end of a workload's veth */
};

/* Names for numbers, backed by the compiled policy (bh_compiled.h) in the
 * daemon. Every callback is optional. Returned strings must stay valid
 * until the next poll begins (the policy may only be swapped between
 * polls). */
struct bh_collector_resolver {
	void *ctx;
	/* 0 and *out filled, or -ENOENT. */
	int (*identity)(void *ctx, __u32 id, struct bh_resolver_identity *out);
	/* Workload owning an address (replicas share an identity, not a
	 * name), or NULL. */
	const char *(*workload)(void *ctx, const union bh_addr *addr);
	/* Rule name of a rule_id (>= 1), or NULL. */
	const char *(*rule)(void *ctx, __u32 rule_id);
	/* Policy generation behind a data-plane epoch: 0 or -ENOENT. */
	int (*generation)(void *ctx, __u32 epoch, __u32 *generation);
	/* Interface name of an ifindex, or NULL; *kind set when known. */
	const char *(*iface)(void *ctx, __u32 ifindex, enum bh_iface_kind *kind);
};

/* The source's own operations, both optional. */
struct bh_collector_source {
	void *ctx;
	/* Read one entry again: 0, or -ENOENT when it is gone. Used before
	 * calling an entry missing from a poll evicted. */
	int (*lookup)(void *ctx, const struct bh_flow_key *key, bool denied,
		      struct bh_flow *out);
	/* Delete a closed connection's entry once its record is out. */
	int (*del)(void *ctx, const struct bh_flow_key *key, bool denied);
	/* At the end of a poll, for every flow ingested in it that has a
	 * time from which ingesting it again matters: bh_collector_due() of
	 * each, without looking them up again. *tag is a word the collector
	 * keeps with the flow for the source (0 for a new flow). */
	void (*due)(void *ctx, const struct bh_flow_key *key, bool denied,
		    __u64 due, __u32 *tag);
	/* A record left the flow with nothing pending: its counters as in
	 * snap are reported, at done_ns (a flow's last record, or one at an
	 * active timeout). forget: the collector dropped a flow it had
	 * reported that way. For a source that keeps what was reported where
	 * it outlives the process (the daemon's bh_reported map): the next
	 * instance adopts it (bh_collector_adopt) if this one dies. */
	void (*reported)(void *ctx, const struct bh_flow_key *key, bool denied,
			 const struct bh_flow *snap, __u64 done_ns);
	void (*forget)(void *ctx, const struct bh_flow_key *key, bool denied);
};

typedef void (*bh_record_cb)(void *ctx, struct bh_flow_record *rec);

/* A record's makings, as the collector holds them when it makes the
 * record: bh_record_make() turns them into the record. For a consumer that
 * makes records on a thread of its own (bh_collector_opts.emit_src), away
 * from the one that polls. */
struct bh_record_src {
	struct bh_flow_key key;
	struct bh_flow snap;     /* the entry as last read */
	__u64 rec_packets[2];    /* counters at the previous record */
	__u64 rec_bytes[2];
	__u64 flow_id;
	__u64 start_ns;          /* data-plane time base */
	__u64 record_start_ns;
	__u64 view_ns;           /* an interim view's time, else 0 */
	__u32 record_index;
	__u8 end_reason;         /* BH_END_UNSPEC: an interim view */
	__u8 denied;
	__u8 has_icmp;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 icmp_from_b;
	__u8 tun_type;
	__u8 mark;               /* the flow's mark (bh_flow_record.mark) */
};

/* What records are made with (the collector's own from its options). */
struct bh_record_maker {
	const char *node;
	struct bh_clock *clock;
	struct bh_collector_resolver resolver;
	bool defer_community_id;
	__u16 community_id_seed;
};

void bh_record_make(const struct bh_record_maker *m,
		    const struct bh_record_src *s, struct bh_flow_record *r);

typedef void (*bh_record_src_cb)(void *ctx, const struct bh_record_src *s);

struct bh_collector_opts {
	const char *node;          /* node name in records (copied) */
	__u64 idle_timeout_ns;     /* default 15 s */
	__u64 active_timeout_ns;   /* default 60 s */
	__u64 close_linger_ns;     /* default 1 s */
	/* Delete a closed connection's map entry (through source.del) after
	 * it has been quiet this long; 0 never. Default 30 s, past TCP's
	 * FIN retransmissions, so a late FIN still finds its connection. */
	__u64 delete_closed_after_ns;
	/* A flow known from an event only, missing from a poll that began
	 * this long after the event, was evicted before any poll saw it.
	 * Default 1 s. */
	__u64 event_grace_ns;
	/* Flows tracked at most (entries of both maps, plus flows known from
	 * events). Default BH_FLOW_MAP_SIZE + BH_DENY_MAP_SIZE + 1/8 for
	 * events. Memory is preallocated: bh_collector_memory(). */
	__u32 max_flows;
	__u32 max_event_flows; /* default max_flows / 8 */
	__u16 community_id_seed; /* default 0, as Zeek and Suricata */
	/* Records leave with community_id empty: the caller computes it
	 * with bh_flow_record_community_id(), e.g. on another thread. */
	bool defer_community_id;
	struct bh_clock *clock;  /* NULL: live clock */
	const struct bh_collector_resolver *resolver; /* NULL: numbers only */
	bh_record_cb emit; /* required, unless emit_src is set */
	void *emit_ctx;
	bh_record_cb interim; /* optional: interim views (above) */
	void *interim_ctx;
	/* Instead of emit and interim: a record's or view's makings
	 * (bh_record_make()), with emit_ctx and interim_ctx. The collector
	 * then keeps no mark of the consumer's: it is the consumer's to
	 * keep. */
	bh_record_src_cb emit_src;
	bh_record_src_cb interim_src;
	__u64 interim_window_ns; /* default 3 s (detection's failure_grace) */
};

void bh_collector_opts_default(struct bh_collector_opts *opts);

int bh_collector_new(struct bh_collector **out,
		     const struct bh_collector_opts *opts);
void bh_collector_free(struct bh_collector **c);

void bh_collector_set_source(struct bh_collector *c,
			     const struct bh_collector_source *src);
void bh_collector_set_resolver(struct bh_collector *c,
			       const struct bh_collector_resolver *res);

void bh_collector_poll_begin(struct bh_collector *c, __u64 now);
/* Returns 0, or -ENOSPC when the flow could not be tracked (counted). */
int bh_collector_ingest(struct bh_collector *c, const struct bh_flow_key *key,
			const struct bh_flow *flow, bool denied);
/* Only after a complete pass over both maps: entries not ingested since
 * poll_begin are gone from the maps. */
void bh_collector_poll_end(struct bh_collector *c, __u64 now);

void bh_collector_event(struct bh_collector *c, const struct bh_event *ev);

/*
 * Incremental polls, for a source that knows which entries it changed
 * since the previous poll (the native engine in replay, where reading
 * every entry at every poll costs more than the traffic): a poll may
 * ingest only those and the entries whose time from bh_collector_due() has
 * come, and end with bh_collector_poll_end_partial(), which takes an entry
 * not ingested as unchanged and still in the map instead of gone. Records,
 * interim views, flow ids and their order are then those of a full poll
 * ingesting in the same order, provided that no entry left the maps other
 * than through source.del and that every ingest could track its flow (no
 * -ENOSPC): else poll in full. Only the "ingested" statistics differ.
 *
 * bh_collector_due(): the time from which ingesting the flow's entry
 * unchanged may make a record, an interim view or delete it (a timeout:
 * close linger, idle, active with packets pending, delete after close;
 * the view past the interim window); U64_MAX never or when the flow is
 * not tracked. Ask again after every ingest of the flow.
 */
__u64 bh_collector_due(struct bh_collector *c, const struct bh_flow_key *key,
		       bool denied);
void bh_collector_poll_end_partial(struct bh_collector *c, __u64 now);

/* Emit a record for every flow with one pending (shutdown, end of a
 * replay). Closed connections keep FIN/RST as end reason; others get
 * "forced". */
void bh_collector_flush(struct bh_collector *c, __u64 now);

/*
 * Restart continuity, for a daemon that stops and leaves the data plane
 * running (its maps keep their cumulative counters): the flows whose last
 * record is out, each as its entry when last read and the time of that
 * record (data-plane time base); and the way back, in the next instance,
 * before its first poll: an adopted flow counts as reported up to those
 * counters, so later packets start a new flow that counts only them, and
 * an entry reused by a new connection is a new flow.
 */
typedef int (*bh_collector_done_cb)(void *ctx, const struct bh_flow_key *key,
				    bool denied, const struct bh_flow *snap,
				    __u64 done_ns);
/* Stops at the first cb that does not return 0 and returns that. */
int bh_collector_for_each_done(struct bh_collector *c, bh_collector_done_cb cb,
			       void *ctx);
/* 0, -EEXIST when the flow is tracked already, -ENOSPC when full. */
int bh_collector_adopt(struct bh_collector *c, const struct bh_flow_key *key,
		       bool denied, const struct bh_flow *snap, __u64 done_ns);

struct bh_collector_stats {
	__u64 polls;
	__u64 ingested;         /* map entries read */
	__u64 flows_discovered; /* flows (connections) the collector saw */
	__u64 flows_evicted;    /* gone from the map before they ended */
	__u64 flows_untracked;  /* table full: not tracked, counted here */
	__u64 flows_tracked;    /* gauge: entries in the table */
	__u64 flows_capacity;   /* entries the table holds at most */
	__u64 flows_active;     /* gauge: flows with a record to come */
	__u64 records[BH_END_MAX]; /* by end reason */
	__u64 records_total;
	__u64 interim_views; /* views handed to opts.interim */
	__u64 events_new_flow;
	__u64 events_deny;
	__u64 events_invalid; /* unknown type */
	__u64 events_untracked; /* no room for a flow known from an event */
	__u64 deletes;        /* closed entries deleted from the source */
	__u64 delete_errors;
	__u64 last_poll_entries[2]; /* entries read in the last poll, by map
				     * (0 bh_flows, 1 bh_denied) */
	/* Traffic of DENY and AUDIT flows by reason, from counter deltas. */
	__u64 drop_packets[BH_REASON_MAX];
	__u64 drop_bytes[BH_REASON_MAX];
	__u64 audit_packets[BH_REASON_MAX];
	__u64 audit_bytes[BH_REASON_MAX];
	__u64 memory_bytes; /* preallocated table memory */
};

void bh_collector_stats(const struct bh_collector *c,
			struct bh_collector_stats *out);

/* Fill r->community_id from its endpoints, protocol and ICMP fields ("" when
 * there is nothing to hash), as records are made without
 * defer_community_id. */
void bh_flow_record_community_id(struct bh_flow_record *r, __u16 seed);

/* Bytes of table memory per tracked flow (entry + hash bucket share). */
size_t bh_collector_bytes_per_flow(void);

#endif /* BH_COLLECTOR_H */
