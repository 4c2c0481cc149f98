/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The detector interface. The eight built-in detectors use it, and further
 * modules (e.g. GeoIP novelty) plug in through bh_detect_register(): each
 * detector gets a slot of per-source state in the engine's capped source
 * table, a hook per flow, and a hook on every alert raised (that is how
 * pivot-chain tracking learns which endpoints were reached).
 */
#ifndef BH_DETECT_PLUGIN_H
#define BH_DETECT_PLUGIN_H

#include <stdio.h>

#include "detect.h"

/* What happened to the connection attempt, as far as this record tells. */
enum bh_detect_outcome {
	BH_OUTCOME_UNKNOWN = 0, /* not an attempt we can judge (mid-stream) */
	BH_OUTCOME_PENDING = 1, /* half-open, not long enough to call */
	BH_OUTCOME_OK = 2,	/* answered */
	BH_OUTCOME_FAILED = 3,	/* SYN without SYN-ACK, RST without payload,
				 * denied or would-deny */
};

/* The flow's workload -> workload:port edge. */
enum bh_detect_edge {
	BH_EDGE_NONE = 0,     /* not an answered, attributable connection */
	BH_EDGE_LEARNING = 1, /* learned now (learning period, new workload) */
	BH_EDGE_KNOWN = 2,    /* learned before */
	BH_EDGE_NEW = 3,      /* first seen now, after learning */
	BH_EDGE_RECENT = 4,   /* was new recently (transfer.edge_age) */
};

struct bh_detect_src;

/* Everything detectors see about one record, computed once. */
struct bh_detect_ctx {
	struct bh_detect *d;
	const struct bh_detect_config *cfg;
	const struct bh_detect_flow *f;
	struct bh_detect_src *src;
	__u64 now_ns;
	__u32 now; /* seconds */
	__u32 t;   /* flow start, seconds */
	/* The attempt as the scan detectors count it: a denied or would-deny
	 * one failed (issue 8's definition), answered or not. */
	enum bh_detect_outcome outcome;
	/* What the packets show, whatever the verdict: a denied flow that was
	 * answered happened (audit mode, a capture from before enforcement).
	 * Lateral-movement detectors (edges, fan-out, transfer, pivots) go by
	 * this one. */
	enum bh_detect_outcome conn;
	enum bh_detect_edge edge;
	bool denied;		  /* deny or would-deny verdict */
	bool first; /* no earlier view of this flow was answered (F_CONT) */
	bool first_contact;	  /* responder never contacted by this source */
	bool known_ok;		  /* responder answered this source before */
	bool learning;		  /* in the learning period */
	int admin;		  /* index of the port in admin_ports, or -1 */
	__u32 src_wkey, dst_wkey; /* workload keys (identity if unset) */
	__u32 dst_hash; /* 32-bit keyed hash of the responder address */
};

/* Kinds of flow view, for bh_detector.views; a view can be of several. */
enum bh_detect_view {
	BH_VIEW_FAILED = 1 << 0,      /* ctx->outcome == BH_OUTCOME_FAILED */
	BH_VIEW_CONN_OK = 1 << 1,     /* ctx->conn == BH_OUTCOME_OK */
	BH_VIEW_DENIED = 1 << 2,      /* ctx->denied */
	BH_VIEW_EDGE_NEW = 1 << 3,    /* ctx->edge == BH_EDGE_NEW */
	BH_VIEW_EDGE_RECENT = 1 << 4, /* ctx->edge == BH_EDGE_RECENT */
	BH_VIEW_ADMIN_OK = 1 << 5,    /* CONN_OK and ctx->admin >= 0 */
	BH_VIEW_ADMIN_FIRST = 1 << 6, /* ADMIN_OK and ctx->first */
};

struct bh_detector {
	const char *name;
	size_t state_size; /* per-source state bytes (0: none) */
	/* Longest time (seconds) the per-source state matters: sources idle
	 * for longer are evicted first when the table is full. */
	__u32 stale;
	/* BH_VIEW_* of the views flow() can act on; it is not called for the
	 * others (most views are of ordinary answered connections, which
	 * most detectors ignore). 0: every view. */
	__u32 views;
	void (*src_init)(void *state, void *priv);
	void (*flow)(struct bh_detect_ctx *ctx, void *state, void *priv);
	/* Any detector raised or updated alert a on ctx's flow. */
	void (*alert)(struct bh_detect_ctx *ctx,
		      const struct bh_detect_alert *a, void *priv);
	/* What the detector learned, carried across restarts in the
	 * baseline file (detect.learning.baseline) as records whose first
	 * field is baseline_tag (optional, all three or none). save writes
	 * its records; load gets each of them back, its fields after the tag
	 * split on blanks, when the detector registers (before the first
	 * flow): 0, or -EINVAL with why, which refuses the file. */
	const char *baseline_tag;
	int (*baseline_save)(void *priv, FILE *fp);
	int (*baseline_load)(void *priv, char **fields, unsigned int n,
			     const char **why);
};

/* Before the first flow. *id gets the detector number used in alerts and
 * stats. -ENOSPC when BH_DETECT_MAX are registered, -EBUSY after the first
 * flow. */
int bh_detect_register(struct bh_detect *d, const struct bh_detector *det,
		       void *priv, unsigned int *id);

/* Raising an alert: bh_detect_hit() finds the open alert for (detector,
 * source key, target key) or opens one, adds the flow as evidence and
 * returns it (NULL when an allowlist exempts the flow); the detector then
 * fills targets and summary and calls bh_detect_commit(). */
struct bh_detect_hit {
	__u32 detector;
	__u64 source_key; /* 0: the initiator's address */
	__u64 target_key; /* 0: no main target */
	const char *technique;
	enum bh_detect_severity severity;
	double score;	  /* 0..100 */
	bool no_evidence; /* do not add the current flow as evidence */
};

struct bh_detect_alert *bh_detect_hit(struct bh_detect_ctx *ctx,
				      const struct bh_detect_hit *h,
				      bool *is_new);
void bh_detect_commit(struct bh_detect_ctx *ctx, struct bh_detect_alert *a,
		      bool is_new);

void bh_detect_alert_add_target(struct bh_detect_alert *a,
				const struct bh_detect_endpoint *ep);
void bh_detect_alert_add_evidence(struct bh_detect_alert *a, __u64 flow_id);
void bh_detect_endpoint_from_peer(struct bh_detect_endpoint *ep,
				  const struct bh_detect_peer *p, bool port);

/* The alert's source and the flow's responder, formatted for a summary. */
struct bh_detect_names {
	char src[128];
	char dst[128];
};
/* Adds the flow's responder as a target (with its port when port) and
 * formats the alert's source and that target into nm. */
void bh_detect_alert_flow_target(struct bh_detect_ctx *ctx,
				 struct bh_detect_alert *a, bool port,
				 struct bh_detect_names *nm);

/* Sets the alert's one-line summary (truncated to fit). */
void bh_detect_alert_summary(struct bh_detect_alert *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "name (addr)" / "addr" [":port"] for summaries. */
void bh_detect_fmt_endpoint(char *buf, size_t len,
			    const struct bh_detect_endpoint *ep, bool port);
/* "5m", "1h30m", "45s". */
void bh_detect_fmt_duration(char *buf, size_t len, __u64 ns);

/* Keyed 64-bit hash with the engine's seed. */
__u64 bh_detect_hash(const struct bh_detect *d, const void *data, size_t len);

/* Raises the source's eviction priority: 1 = some progress towards a
 * threshold, 2 = alerted. */
void bh_detect_src_mark(struct bh_detect_ctx *ctx, unsigned int level);

#endif /* BH_DETECT_PLUGIN_H */
