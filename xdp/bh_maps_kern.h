/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The data plane's BPF maps (BPF only). Sizes are defaults: the loader sets
 * max_entries from its options before load. Key and value types are in
 * bulkhead_abi.h; the comment block there explains the policy maps.
 */
#ifndef BH_MAPS_KERN_H
#define BH_MAPS_KERN_H

#include "bh_compat.h"
#include "bulkhead_abi.h"
#include "bh_work.h"

/* Runtime configuration and the two policy slot headers. Mmapable: the
 * loader flips bh_config.epoch with one atomic store through the mapping. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct bh_config);
} bh_config SEC(".maps");

/* Allowed and audited connections: conntrack state, cached verdict and
 * per-direction accounting in one entry (the fast path's only lookup). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BH_FLOW_MAP_SIZE);
	__type(key, struct bh_flow_key);
	__type(value, struct bh_flow);
} bh_flows SEC(".maps");

/* Denied flows, apart so that a flood of denied new flows only evicts other
 * denied flows, never an allowed connection. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BH_DENY_MAP_SIZE);
	__type(key, struct bh_flow_key);
	__type(value, struct bh_flow);
} bh_denied SEC(".maps");

/* What the collector reported of each flow (bulkhead_abi.h): never
 * touched by the programs, kept here so that it is pinned and adopted with
 * the flow maps. Not preallocated: entries only for flows with records. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, BH_FLOW_MAP_SIZE + BH_DENY_MAP_SIZE);
	__type(key, struct bh_reported_key);
	__type(value, struct bh_reported);
} bh_reported SEC(".maps");

/* Verdicts of first fragments, for the later fragments of the datagram. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BH_FRAG_MAP_SIZE);
	__type(key, struct bh_frag_key);
	__type(value, struct bh_frag);
} bh_frags SEC(".maps");

/* Policy, both slots (keys start with the slot). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BH_ID_MAP_SIZE);
	__type(key, struct bh_id_exact_key);
	__type(value, struct bh_identity_info);
} bh_id_exact SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, BH_CIDR_MAP_SIZE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct bh_id_cidr_key);
	__type(value, struct bh_identity_info);
} bh_id_cidr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BH_PORT_MAP_SIZE);
	__type(key, struct bh_port_key);
	__type(value, struct bh_port_val);
} bh_port_exact SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, BH_PORT_MAP_SIZE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct bh_port_lpm_key);
	__type(value, struct bh_port_val);
} bh_port_lpm SEC(".maps");

/* Rule bitmaps: not preallocated, a policy uses far fewer than the cap. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BH_BITMAP_MAP_SIZE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct bh_bitmap_key);
	__type(value, struct bh_rule_bitmap);
} bh_bitmaps SEC(".maps");

/* Per-rule data, index slot * BH_MAX_RULES + bit. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * BH_MAX_RULES);
	__type(key, __u32);
	__type(value, struct bh_rule);
} bh_rules SEC(".maps");

/* Counters (CONVENTIONS.md rule 6). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bh_stats);
} bh_stats SEC(".maps");

/* Event token bucket, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bh_ratelimit);
} bh_ratelimit SEC(".maps");

/* New-flow and deny events. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BH_EVENT_RING_SIZE);
} bh_events SEC(".maps");

/* Per-packet working memory: the parse result and the entries being built
 * live in a map value, which the verifier does not track field by field. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bh_work);
} bh_scratch SEC(".maps");

#endif /* BH_MAPS_KERN_H */
