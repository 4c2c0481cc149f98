/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Lateral-movement detection engine.
 *
 * Input: bidirectional flow records (struct bh_detect_flow), independent of
 * the collector's internals and of protobuf; an adapter fills them. Output:
 * alerts (struct bh_detect_alert) through a callback. Everything is driven
 * by the flow times passed in: no wall clock, fixed-seed hashing, so that a
 * replay gives the same alerts with the same ids.
 *
 * Memory is bounded: every table (sources, edges, workloads, flagged pivot
 * endpoints, open alerts) has a cap fixed by the configuration and is
 * allocated once (the source table at the first flow, once plug-ins have
 * registered); what does not fit is evicted and counted.
 *
 * An engine is not thread-safe: one thread feeds it (one engine per
 * collector thread), and the alert callback must not call back into it.
 */
#ifndef BH_DETECT_H
#define BH_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulkhead_abi.h"

/* ------------------------------------------------------------------------ */
/* Detectors. Built-ins first; plug-ins (detect_plugin.h) get ids from      */
/* BH_DETECT_N_BUILTIN up to BH_DETECT_MAX - 1.                              */

#define BH_DETECT_LIST(X)                                                      \
	X(SWEEP, 0, "sweep")                                                   \
	X(PORTSCAN, 1, "portscan")                                             \
	X(TRW, 2, "trw")                                                       \
	X(NEW_EDGE, 3, "new_edge")                                             \
	X(ADMIN_FANOUT, 4, "admin_fanout")                                     \
	X(TRANSFER, 5, "tool_transfer")                                        \
	X(PIVOT, 6, "pivot_chain")                                             \
	X(DENY_PROBE, 7, "deny_probe")

#define BH__DETECT_ENUM(name, val, str) BH_DETECT_##name = val,
enum bh_detect_id { BH_DETECT_LIST(BH__DETECT_ENUM) BH_DETECT_N_BUILTIN };
#define BH_DETECT_MAX 16 /* built-ins + plug-ins */

enum bh_detect_severity {
	BH_SEV_INFO = 0,
	BH_SEV_LOW = 1,
	BH_SEV_MEDIUM = 2,
	BH_SEV_HIGH = 3,
	BH_SEV_CRITICAL = 4,
};

const char *bh_detect_severity_str(enum bh_detect_severity s);

/* ------------------------------------------------------------------------ */
/* Configuration (the `detect:` section of the daemon config; README).      */

#define BH_DETECT_MAX_ADMIN_PORTS 32

/* One allowlist entry: every field that is set must match. Source fields
 * match the initiator, to_* fields the responder. */
struct bh_detect_allow {
	char *workload;	    /* fnmatch(3) glob on the workload name */
	char *label;	    /* "key=value" among the initiator's labels */
	char *to_workload;  /* glob on the responder's workload name */
	union bh_addr cidr; /* initiator address prefix (IPv4-mapped) */
	__u32 identity;
	__u32 to_identity;
	__u16 to_port;
	__u8 cidr_len; /* bits of cidr, over the IPv6 form */
	__u8 has;      /* BH_ALLOW_* */
};
#define BH_ALLOW_IDENTITY    0x01
#define BH_ALLOW_CIDR	     0x02
#define BH_ALLOW_TO_IDENTITY 0x04
#define BH_ALLOW_TO_PORT     0x08

struct bh_detect_allowlist {
	struct bh_detect_allow *v;
	size_t n;
};

/* What every detector has. */
struct bh_detect_common {
	bool enabled;
	struct bh_detect_allowlist allow;
};

struct bh_detect_config {
	/* Table caps: memory is allocated for these once (README). */
	__u32 max_sources;   /* per-source state (initiator addresses) */
	__u32 max_edges;     /* learned workload -> workload:port edges */
	__u32 max_workloads; /* workload first-seen and deny baselines */
	__u32 max_pivots;    /* endpoints flagged as reached by an alert */
	__u32 max_alerts;    /* open (aggregating) alerts */
	__u64 hash_seed;     /* fixed default: deterministic replay */

	__u16 admin_ports[BH_DETECT_MAX_ADMIN_PORTS];
	__u32 n_admin_ports;
	bool udp_unanswered_failed; /* UDP without reply counts as failed */
	__u64 failure_grace_ns; /* interim half-open TCP this old = failed */

	__u64 learning_ns;	 /* learning period from the first flow */
	char *baseline_path;	 /* loaded by bh_detect_new when set */
	__u64 workload_grace_ns; /* edges of workloads first seen after
				  * learning are learned for this long */
	__u64 aggregation_ns;	 /* alert aggregation window */
	struct bh_detect_allowlist allow; /* exempt from every detector */

	struct {
		struct bh_detect_common c;
		__u64 window_ns;
		__u32 hosts;	   /* distinct failed hosts */
		__u32 admin_hosts; /* distinct failed hosts on admin ports */
	} sweep;
	struct {
		struct bh_detect_common c;
		__u64 window_ns;
		__u32 ports;	   /* distinct failed ports on one host */
		__u32 admin_ports; /* distinct failed admin ports, one host */
		__u64 slow_window_ns;
		__u32 slow_ports;
	} portscan;
	struct {
		struct bh_detect_common c;
		double theta0;	    /* P(first contact succeeds | benign) */
		double theta1;	    /* P(first contact succeeds | scanner) */
		double false_alarm; /* target P_F */
		double detection;   /* target P_D */
		__u64 memory_ns; /* how long contacted hosts are remembered */
		__u64
		    retry_grace_ns; /* a failed first contact retried with
				     * success within this counts as success */
	} trw;
	struct {
		struct bh_detect_common c;
	} new_edge;
	struct {
		struct bh_detect_common c;
		__u64 window_ns;
		__u32 workloads;   /* distinct destination workloads */
		__u32 spray_ratio; /* attempts per target for T1110.003 */
		__u64 slow_window_ns;
		__u32 slow_workloads;
	} fanout;
	struct {
		struct bh_detect_common c;
		__u64 min_bytes;   /* initiator -> responder bytes */
		double ratio;	   /* upload / download */
		__u64 edge_age_ns; /* an edge first seen this recently is new */
	} transfer;
	struct {
		struct bh_detect_common c;
		/* a reached endpoint stays flagged this long */
		__u64 window_ns;
		__u32 max_hops;
	} pivot;
	struct {
		struct bh_detect_common c;
		__u64 window_ns;
		__u32 min_pairs; /* distinct denied (host, port) pairs */
		double factor;	 /* x the workload's normal rate */
		double weight;	 /* EWMA weight of a new window sample */
		__u64 slow_window_ns;
		__u32 slow_pairs;
	} deny;
};

/* Fills *cfg with the documented defaults (README). */
void bh_detect_config_defaults(struct bh_detect_config *cfg);
/* Frees what *cfg owns (allowlists, baseline path); leaves defaults. */
void bh_detect_config_clear(struct bh_detect_config *cfg);
/* Deep copy; dst is overwritten (not cleared first). 0 or -ENOMEM. */
int bh_detect_config_copy(struct bh_detect_config *dst,
			  const struct bh_detect_config *src);
/* 0 or -EINVAL with a message naming the key in err. */
int bh_detect_config_validate(const struct bh_detect_config *cfg, char *err,
			      size_t errlen);

/* YAML loading. Errors are -EINVAL (or -errno for I/O) with
 * "file:line:column: key: what is wrong" in err. The value node of a
 * `detect:` key (a mapping) is applied over the values already in *cfg:
 * start from bh_detect_config_defaults(). */
struct yaml_document_s;
struct yaml_node_s;
int bh_detect_config_load_node(struct bh_detect_config *cfg,
			       struct yaml_document_s *doc,
			       struct yaml_node_s *node, const char *file,
			       char *err, size_t errlen);
/* A standalone file (or buffer) whose root mapping holds only `detect:`. */
int bh_detect_config_load_file(struct bh_detect_config *cfg, const char *path,
			       char *err, size_t errlen);
int bh_detect_config_load_buf(struct bh_detect_config *cfg, const char *buf,
			      size_t len, const char *name, char *err,
			      size_t errlen);

/* ------------------------------------------------------------------------ */
/* Input: one flow record.                                                  */

/* Direction index into per-direction arrays. */
#define BH_DETECT_FWD 0 /* initiator -> responder */
#define BH_DETECT_REV 1 /* responder -> initiator */

/* bh_detect_flow.flags */
/*
 * A flow can be passed several times: interim views while it is young (so
 * that a connection is judged within seconds, not when its record closes),
 * records at each active timeout, and its final record. Counters are
 * cumulative over all of them. BH_DETECT_F_CONT tells that an earlier view
 * of the flow was answered (bh_detect_flow() returned BH_DETECT_ANSWERED),
 * so that per-connection counts take it once.
 */
#define BH_DETECT_F_FINAL     0x01 /* last record of the flow */
#define BH_DETECT_F_CONT      0x02 /* an earlier view of it was answered */
#define BH_DETECT_F_PAYLOAD   0x04 /* payload[] is known */
#define BH_DETECT_F_MIDSTREAM 0x08 /* start not seen: initiator uncertain */

struct bh_detect_peer {
	union bh_addr addr; /* IPv4 as IPv4-mapped */
	__u32 identity;	    /* numeric identity (BH_ID_*) */
	/* Stable workload key: replicas and restarted pods of one workload
	 * share it (bh_detect_workload_key(name) is a good choice). 0: use
	 * the identity. Learned edges and baselines are keyed by it. */
	__u32 workload;
	const char *name;	   /* workload name, may be NULL */
	const char *const *labels; /* "key=value" strings, may be NULL */
	__u32 n_labels;
	__u16 port;    /* host order; 0 for ICMP */
	bool external; /* world / outside the cluster */
};

struct bh_detect_flow {
	__u64 id;		    /* flow id, reported as evidence */
	__u64 start_ns;		    /* first packet (flow/packet time) */
	__u64 end_ns;		    /* last packet of this record */
	struct bh_detect_peer init; /* initiator: SYN sender / first packet */
	struct bh_detect_peer resp;
	__u64 packets[2];  /* BH_DETECT_FWD/REV, cumulative over records */
	__u64 bytes[2];	   /* wire bytes */
	__u64 payload[2];  /* L4 payload bytes, when BH_DETECT_F_PAYLOAD */
	__u8 proto;	   /* IPPROTO_* */
	__u8 tcp_flags[2]; /* BH_TCP_* ORed, per direction */
	__u8 verdict;	   /* enum bh_verdict */
	__u32 flags;	   /* BH_DETECT_F_* */
};

/* A stable nonzero workload key from a workload name (fixed-seed hash). */
__u32 bh_detect_workload_key(const char *name);

/* ------------------------------------------------------------------------ */
/* Output: alerts.                                                          */

#define BH_DETECT_NAME_LEN     48
#define BH_DETECT_MAX_TARGETS  8
#define BH_DETECT_MAX_PATH     8
#define BH_DETECT_MAX_EVIDENCE 16
#define BH_DETECT_SUMMARY_LEN  256

struct bh_detect_endpoint {
	union bh_addr addr;
	__u32 identity;
	__u32 workload;
	__u16 port; /* destination port for targets; 0 otherwise */
	bool external;
	char name[BH_DETECT_NAME_LEN]; /* "" when unknown */
};

enum bh_detect_alert_state {
	BH_ALERT_NEW = 0,    /* first occurrence */
	BH_ALERT_UPDATE = 1, /* still going on: more occurrences aggregated */
	BH_ALERT_CLOSED = 2, /* final aggregate: quiet for the window */
};

struct bh_detect_alert {
	__u64 id;	/* deterministic: same input, same id */
	__u64 time_ns;	/* time of this emission */
	__u64 first_ns; /* first occurrence */
	__u64 last_ns;	/* last occurrence */
	enum bh_detect_alert_state state;
	__u32 detector; /* enum bh_detect_id or a plug-in's id */
	const char *detector_name;
	char technique[16]; /* MITRE ATT&CK id, e.g. "T1021.004" */
	enum bh_detect_severity severity;
	double score; /* 0..100 */
	struct bh_detect_endpoint source;
	struct bh_detect_endpoint targets[BH_DETECT_MAX_TARGETS];
	__u32 n_targets;
	__u32 path_len; /* pivot chains: source -> ... -> last target */
	struct bh_detect_endpoint path[BH_DETECT_MAX_PATH];
	char summary[BH_DETECT_SUMMARY_LEN];
	__u64 evidence[BH_DETECT_MAX_EVIDENCE]; /* flow ids, first ones kept */
	__u32 n_evidence;
	__u32 count;	      /* occurrences aggregated into this alert */
	__u64 evidence_total; /* evidence flows seen, kept or not */
};

typedef void (*bh_detect_alert_fn)(const struct bh_detect_alert *alert,
				   void *ctx);

const char *bh_detect_alert_state_str(enum bh_detect_alert_state s);
/* ATT&CK name of a technique id the detectors use ("T1021.004" -> "Remote
 * Services: SSH"); "" for others. */
const char *bh_detect_technique_name(const char *id);

/* ------------------------------------------------------------------------ */
/* The engine.                                                              */

struct bh_detect;

struct bh_detect_stats {
	__u64 flows;	      /* records processed */
	__u64 flows_invalid;  /* rejected: bad times, verdict, labels */
	__u64 mem_bytes;      /* state memory allocated (fixed at caps) */
	__u64 mem_used_bytes; /* of which entries in use */
	__u32 sources, sources_max;
	__u32 edges, edges_max;
	__u32 workloads, workloads_max;
	__u32 pivots, pivots_max;
	__u32 alerts_open, alerts_max;
	__u64 source_evictions;
	__u64 edge_evictions;
	__u64 workload_evictions;
	__u64 pivot_evictions;
	__u64 alert_evictions; /* closed early because the table was full */
	__u64 edges_learned;
	bool learning;
	__u64 learning_end_ns; /* 0 until the first flow */
	__u32 n_detectors;
	const char *detector_names[BH_DETECT_MAX];
	/* Per-source state of each detector, bytes: the source table holds
	 * sources_max of them (allocated) and sources (in use). */
	__u32 state_size[BH_DETECT_MAX];
	__u64 src_base_size; /* per-source bytes shared by all detectors */
	/* Each table's memory, allocated and in use: sources (per-source
	 * state of every detector), learned edges (new_edge, tool_transfer),
	 * workloads (first seen, deny baselines), flagged pivot endpoints,
	 * open alerts. */
	struct bh_detect_mem {
		__u64 alloc, used;
	} mem_sources, mem_edges, mem_workloads, mem_pivots, mem_alerts;
	__u64 alerts[BH_DETECT_MAX];	  /* new alerts */
	/* New alerts by the severity they were raised with. */
	__u64 alerts_sev[BH_DETECT_MAX][BH_SEV_CRITICAL + 1];
	__u64 aggregated[BH_DETECT_MAX];  /* occurrences merged */
	__u64 allowlisted[BH_DETECT_MAX]; /* suppressed by an allowlist */
	__u64 emitted;			  /* callback calls, all states */
};

/* Creates an engine with a copy of *cfg (validated) and loads
 * cfg->baseline_path when set. fn gets every alert emission. */
int bh_detect_new(struct bh_detect **d, const struct bh_detect_config *cfg,
		  bh_detect_alert_fn fn, void *ctx);
void bh_detect_free(struct bh_detect **d);

/* Processes one view of a flow (interim, active-timeout or final record).
 * Returns 0; BH_DETECT_ANSWERED when the responder answered the connection
 * in this view (pass later views of the flow with BH_DETECT_F_CONT); or
 * -EINVAL for a record that is rejected (counted in flows_invalid). */
#define BH_DETECT_ANSWERED 1
int bh_detect_flow(struct bh_detect *d, const struct bh_detect_flow *f);

/* Moves time forward without flows: the learning period ends, quiet alerts
 * close. Times in the past (or past the year 2106) are ignored. */
void bh_detect_advance(struct bh_detect *d, __u64 now_ns);

/* Closes every open alert (end of a replay, shutdown). */
void bh_detect_flush(struct bh_detect *d);

void bh_detect_stats(const struct bh_detect *d, struct bh_detect_stats *st);

/* The engine's tables in st, in one order for every report (metrics,
 * NodeStats): sources, edges, workloads, pivots, alerts. */
#define BH_DETECT_TABLES 5
struct bh_detect_table_stats {
	const char *name;
	__u64 entries, capacity, evictions;
};
void bh_detect_stats_tables(const struct bh_detect_stats *st,
			    struct bh_detect_table_stats out[BH_DETECT_TABLES]);

/* Learned edges and per-workload deny baselines as a text file (README).
 * Loading merges into the current tables. Errors name file:line. */
int bh_detect_baseline_save(const struct bh_detect *d, const char *path);
int bh_detect_baseline_load(struct bh_detect *d, const char *path);

#endif /* BH_DETECT_H */
