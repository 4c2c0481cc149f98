/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The native engine: the classifier of xdp/ compiled for the host, over
 * in-memory tables that mirror the BPF maps (DESIGN.md decision 1). Used by
 * `bulkhead replay --engine native`, `policy test`, the unit tests and the
 * fuzzers. Single-threaded; time is whatever the caller passes (packet time
 * in replay), which makes runs deterministic.
 */
#ifndef BH_NATIVE_H
#define BH_NATIVE_H

#include <stdbool.h>

#include "bulkhead_abi.h"
#include "bh_compiled.h"

struct bh_native;

struct bh_native_opts {
	__u32 flow_capacity; /* 0: BH_FLOW_MAP_SIZE */
	__u32 deny_capacity; /* 0: BH_DENY_MAP_SIZE */
	__u32 frag_capacity; /* 0: BH_FRAG_MAP_SIZE */
};

int bh_native_new(struct bh_native **out, const struct bh_native_opts *opts);
void bh_native_free(struct bh_native **n);

/* Runtime configuration (flags, timeouts, rate limits); the epoch and the
 * slots are managed by bh_native_load_policy(). */
struct bh_config *bh_native_config(struct bh_native *n);

/* Compile-free policy switch, as the loader does for the kernel: write the
 * inactive slot, then flip the epoch. generation is reported in flows. */
int bh_native_load_policy(struct bh_native *n,
			  const struct bh_compiled_policy *cp,
			  __u32 generation);

/* Endpoint changes under the active policy (a workload started or
 * stopped): add or remove the address (prefixlen 128: exact entry; less: a
 * CIDR entry; IPv4 as IPv4-mapped, 96 + v4 prefix) with its identity info,
 * in the active slot, then bump the epoch by 2 (same slot) so that cached
 * verdicts are re-decided. -ENOENT when no policy is loaded. */
int bh_native_endpoint_add(struct bh_native *n, const union bh_addr *addr,
			   __u8 prefixlen,
			   const struct bh_identity_info *info);
int bh_native_endpoint_del(struct bh_native *n, const union bh_addr *addr,
			   __u8 prefixlen);

/* Classify one frame: caplen bytes at frame, wire_len on the wire, at time
 * now_ns, received on ifindex. Fills *res (may be NULL); returns 1 to pass,
 * 0 to drop. Events go to the callback set with bh_native_set_event_cb. */
int bh_native_classify(struct bh_native *n, const void *frame, __u32 caplen,
		       __u32 wire_len, __u32 ifindex, __u64 now_ns,
		       struct bh_result *res);

/* Policy decision alone (no conntrack, no accounting, no counters),
 * through the same identity lookup and decision code as the data plane:
 * `policy test`. dport is the ICMP type for ICMP/ICMPv6. Fills *res
 * (verdict with the effective mode applied, reason, rule, identities,
 * epoch); -ENOENT when no policy is loaded. */
int bh_native_decide(struct bh_native *n, const union bh_addr *src,
		     const union bh_addr *dst, __u8 proto, __u16 dport,
		     struct bh_result *res);

typedef void (*bh_event_cb)(void *ctx, const struct bh_event *ev);
void bh_native_set_event_cb(struct bh_native *n, bh_event_cb cb, void *ctx);

/* Counters summed (one CPU on the host). */
void bh_native_stats(const struct bh_native *n, struct bh_stats *out);

/* Walk the flow or denied-flow table; stop when cb returns non-zero. */
typedef int (*bh_flow_cb)(void *ctx, const struct bh_flow_key *key,
			  const struct bh_flow *flow);
int bh_native_flows(struct bh_native *n, bool denied, bh_flow_cb cb,
		    void *ctx);
/* Remove a flow entry (the collector closes flows). */
int bh_native_flow_delete(struct bh_native *n, bool denied,
			  const struct bh_flow_key *key);

/* Incremental reads of a flow table (the replay's collector polls): a
 * clock that ticks whenever an entry is created, updated or used by the
 * classifier; the entries used since the clock read since (a superset of
 * those whose value changed); an entry read without marking it used, with
 * the clock value of its last use (stamp); and how many entries left the
 * table in any way (deleted, evicted) so far. */
__u64 bh_native_flows_clock(const struct bh_native *n, bool denied);
int bh_native_flows_since(struct bh_native *n, bool denied, __u64 since,
			  bh_flow_cb cb, void *ctx);
int bh_native_flow_peek(struct bh_native *n, bool denied,
			const struct bh_flow_key *key, struct bh_flow *out,
			__u64 *stamp);
__u64 bh_native_flows_removed(const struct bh_native *n, bool denied);

#endif /* BH_NATIVE_H */
