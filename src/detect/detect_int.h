/* SPDX-License-Identifier: GPL-2.0-only */
/* Engine internals shared by the core and the built-in detectors. */
#ifndef BH_DETECT_INT_H
#define BH_DETECT_INT_H

#include <stdio.h>

#include "detect_plugin.h"
#include "distinct.h"
#include "lru_table.h"

#define NS_PER_S 1000000000ULL

/* Bloom filter generations for "contacted before": two of 512 bits, three
 * probes; the current one is replaced when it holds BH_BLOOM_ITEMS items
 * (false-positive rate ~3% then) or is older than half the memory. */
#define BH_BLOOM_WORDS 8
#define BH_BLOOM_ITEMS 64

struct bh_bloom {
	__u64 bits[2][BH_BLOOM_WORDS];
	__u32 gen_start; /* seconds */
	__u16 gen_n;
	__u8 cur;
	__u8 pad;
};

/* Recent interesting events of a source, for evidence and target lists. */
#define BH_SRC_RING    8
#define BH_EV_FAILED   0x01
#define BH_EV_DENIED   0x02
#define BH_EV_ADMIN_OK 0x04
#define BH_EV_FIRST    0x08 /* first contact of the responder */

struct bh_src_event {
	__u64 flow;
	union bh_addr dst;
	__u32 dst_identity;
	__u32 dst_wkey;
	__u32 t;
	__u16 port;
	__u8 kind; /* BH_EV_* */
	__u8 external;
};

/* Score levels = LRU classes of the source table. */
#define BH_SRC_CLASSES 3

struct bh_detect_src {
	struct bh_lru_node node;
	union bh_addr addr; /* key */
	__u32 identity;
	__u32 wkey;
	__u32 first_s;
	__u8 ring_head;
	__u8 ring_n;
	__u8 pad[2];
	struct bh_bloom seen; /* responders contacted (any outcome) */
	struct bh_bloom ok;   /* responders that answered */
	struct bh_src_event ring[BH_SRC_RING];
	__u8 slots[]; /* per-detector state, at d->slot_off[] */
};

struct bh_detect_reg {
	const struct bh_detector *det;
	void *priv;
	size_t off; /* of its state in bh_detect_src */
};

struct bh_detect {
	struct bh_detect_config cfg;
	bh_detect_alert_fn fn;
	void *fn_ctx;
	uint64_t seed[2];
	__u64 now_ns;
	__u64 first_ns;
	__u64 learning_end_ns;
	bool started;
	bool sealed;
	__u8 admin_idx[65536]; /* port -> admin index + 1; 0 = not admin */
	struct bh_detect_reg det[BH_DETECT_MAX];
	unsigned int n_det;
	size_t src_size;
	struct bh_lru sources;
	struct bh_lru edges;
	struct bh_lru workloads;
	struct bh_lru pivots;
	struct bh_lru alerts;
	struct bh_detect_stats st;
	bool in_flush;
	/* Baseline records of plug-in detectors, read before they register:
	 * each goes to the detector whose baseline_tag it starts with. */
	struct bh_held_record {
		char *text; /* the record, fields joined by single blanks */
		unsigned long line;
	} *held;
	size_t n_held, cap_held;
	char *held_name; /* the baseline file, for messages */
};

/* Built-in detectors (det_*.c). */
extern const struct bh_detector bh_det_sweep;
extern const struct bh_detector bh_det_portscan;
extern const struct bh_detector bh_det_trw;
extern const struct bh_detector bh_det_new_edge;
extern const struct bh_detector bh_det_fanout;
extern const struct bh_detector bh_det_transfer;
extern const struct bh_detector bh_det_pivot;
extern const struct bh_detector bh_det_deny;

static inline __u32 bh_ns_to_s(__u64 ns)
{
	return (__u32)(ns / NS_PER_S);
}

static inline __u32 bh_win_s(__u64 ns)
{
	__u64 s = (ns + NS_PER_S - 1) / NS_PER_S;

	return s > UINT32_MAX ? UINT32_MAX : (s ? (__u32)s : 1);
}

/* ATT&CK technique of a connection to an admin port. */
const char *bh_detect_admin_technique(__u16 port);

/* Edges (edges.c). */
int bh_detect_edges_init(struct bh_detect *d);
enum bh_detect_edge bh_detect_edge_observe(struct bh_detect_ctx *ctx);

/* Workloads (edges.c): first seen and deny baseline. */
struct bh_detect_workload {
	struct bh_lru_node node;
	__u32 key; /* workload key */
	__u32 first_s;
	__u8 baseline; /* known from learning or a baseline file */
	__u8 pad[3];
	float deny_ewma; /* distinct denied pairs per deny window */
	__u32 deny_samples;
};
struct bh_detect_workload *bh_detect_workload_get(struct bh_detect *d,
						  __u32 key, __u32 now,
						  bool *created);

/* Alerts (alerts.c). */
int bh_detect_alerts_init(struct bh_detect *d);
void bh_detect_alerts_expire(struct bh_detect *d, bool all);

/* Source events. */
void bh_detect_src_push(struct bh_detect_ctx *ctx, __u8 kind);
/* Adds targets and evidence of the source's recent events with any of the
 * kind bits, within the window, to responder dst only when dst is set. */
void bh_detect_src_fill(struct bh_detect_ctx *ctx, struct bh_detect_alert *a,
			__u8 kinds, __u32 window, bool by_port,
			const union bh_addr *dst);

/* Baseline file from an open stream (the fuzzer feeds it memory). */
int bh_detect_baseline_read(struct bh_detect *d, FILE *fp, const char *name);
/* Hand det the held records with its tag (at registration); 0 or -EINVAL. */
int bh_detect_baseline_claim(struct bh_detect *d, const struct bh_detector *det,
			     void *priv);
/* Free the records no detector claimed; report: say so (at the first
 * flow, when every detector has registered). */
void bh_detect_baseline_release(struct bh_detect *d, bool report);

/* Pivot table entries (det_pivot.c). */
size_t bh_det_pivot_entry_size(void);

#endif /* BH_DETECT_INT_H */
