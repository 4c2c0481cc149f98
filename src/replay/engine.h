/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Replay engines: the same classifier either compiled for the host
 * ("native", src/native) or the real XDP program run packet by packet with
 * BPF_PROG_TEST_RUN ("bpf", src/loader). Both get packet time and the
 * original packet length with every frame, so conntrack timeouts, counters
 * and events are those the data plane would have produced, and both engines
 * give identical results (the parity tests hold them to it).
 */
#ifndef BH_ENGINE_H
#define BH_ENGINE_H

#include <stdbool.h>

#include "bulkhead_abi.h"
#include "bh_compiled.h"

/* Largest frame handed to an engine. BPF_PROG_TEST_RUN refuses a linear
 * XDP frame larger than a page minus headroom and skb_shared_info; both
 * engines see the same cut (headers are at the front, and the original
 * length still counts the bytes). */
#define BH_ENGINE_MAX_FRAME 3520
/* Smallest: an Ethernet header. Shorter records never reach an engine. */
#define BH_ENGINE_MIN_FRAME 14

enum bh_engine_kind {
	BH_ENGINE_NATIVE = 0,
	BH_ENGINE_BPF = 1,
};

struct bh_engine;

typedef void (*bh_engine_event_cb)(void *ctx, const struct bh_event *ev);
typedef int (*bh_engine_flow_cb)(void *ctx, const struct bh_flow_key *key,
				 const struct bh_flow *flow);

/* Parse "native"/"bpf". */
int bh_engine_kind_parse(const char *s, enum bh_engine_kind *out);
const char *bh_engine_kind_str(enum bh_engine_kind k);

/* An engine with cp loaded as generation 1, events unlimited (replay keeps
 * them all) and delivered to cb synchronously after each packet. */
int bh_engine_new(struct bh_engine **out, enum bh_engine_kind kind,
		  const struct bh_compiled_policy *cp, bh_engine_event_cb cb,
		  void *ctx);
void bh_engine_free(struct bh_engine **e);

/* Classify one frame (caplen within [MIN, MAX]) at packet time now_ns.
 * Returns 0 with *res filled, or -errno. */
int bh_engine_classify(struct bh_engine *e, const void *frame, __u32 caplen,
		       __u32 wire_len, __u32 ifindex, __u64 now_ns,
		       struct bh_result *res);

int bh_engine_flows(struct bh_engine *e, bool denied, bh_engine_flow_cb cb,
		    void *ctx);
int bh_engine_flow_delete(struct bh_engine *e, bool denied,
			  const struct bh_flow_key *key);

/* Incremental reads of the flow tables (bh_native_flows_since()), where
 * the engine has them: native. The kernel's maps of the bpf engine do not
 * tell what changed (the functions return -EOPNOTSUPP there). mark gives
 * the table's clock and how many entries left it so far; peek reads an
 * entry without marking it used, with the clock value of its last use. */
bool bh_engine_incremental(const struct bh_engine *e);
void bh_engine_flows_mark(const struct bh_engine *e, bool denied,
			  __u64 *clock, __u64 *removed);
int bh_engine_flows_since(struct bh_engine *e, bool denied, __u64 since,
			  bh_engine_flow_cb cb, void *ctx);
int bh_engine_flow_peek(struct bh_engine *e, bool denied,
			const struct bh_flow_key *key, struct bh_flow *out,
			__u64 *stamp);
int bh_engine_stats(struct bh_engine *e, struct bh_stats *out);

struct bh_native;
/* The native engine behind e (NULL for bpf), for a caller that classifies
 * many frames already within [MIN, MAX]: bh_native_classify() directly. */
struct bh_native *bh_engine_native(struct bh_engine *e);

#endif /* BH_ENGINE_H */
