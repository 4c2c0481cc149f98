/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel data plane from userspace: load the XDP program and its maps
 * (optionally pinned, and adopted again after a restart), load compiled
 * policies with an atomic switch, change endpoints and runtime settings,
 * read counters, flows and events, attach to interfaces, and replay frames
 * through BPF_PROG_TEST_RUN. Used by the daemon, the collector, the replay
 * engine "bpf" and the tests.
 */
#ifndef BH_LOADER_H
#define BH_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include "bulkhead_abi.h"
#include "bh_compiled.h"

struct bh_dp;

struct bh_dp_opts {
	/* Map sizes; 0: the ABI default (BH_*_MAP_SIZE). */
	__u32 flow_entries;
	__u32 denied_entries;
	__u32 frag_entries;
	__u32 id_entries;
	__u32 cidr_entries;
	__u32 port_entries;
	__u32 bitmap_entries;
	__u32 ring_bytes; /* power of two, >= page size */
	/* bpffs directory: maps are pinned there, and maps already pinned
	 * there are reused (a restarted daemon keeps policy, flows and
	 * counters). NULL: nothing pinned. */
	const char *pin_dir;
	/* Also load the TC egress program (bh_dp_tc_attach); off, the object
	 * loads without it (its verification costs as much as the XDP
	 * program's). */
	bool tc_egress;
};

int bh_dp_open(struct bh_dp **out, const struct bh_dp_opts *opts);
void bh_dp_free(struct bh_dp **dp);

/* The XDP program, for attaching or BPF_PROG_TEST_RUN. */
int bh_dp_prog_fd(const struct bh_dp *dp);
/* fd of one of the data plane's maps by its name ("bh_flows"), for tools
 * that share them (benchmarks, debugging); -ENOENT if there is none. */
int bh_dp_map_fd(const struct bh_dp *dp, const char *name);
/* Whether open() found pinned maps and adopted them. */
bool bh_dp_adopted(const struct bh_dp *dp);

/* Load cp into the inactive slot and switch to it atomically; then wait
 * until no program still runs on the old slot (one RCU grace period), so
 * that the next load may rewrite it. *generation (may be NULL) gets the
 * new policy generation: the previous one + 1. */
int bh_dp_load_policy(struct bh_dp *dp, const struct bh_compiled_policy *cp,
		      __u32 *generation);

/* Endpoint changes under the active policy (see bh_native_endpoint_add):
 * the address goes into the active slot, then epoch += 2. */
int bh_dp_endpoint_add(struct bh_dp *dp, const union bh_addr *addr,
		       __u8 prefixlen, const struct bh_identity_info *info);
int bh_dp_endpoint_del(struct bh_dp *dp, const union bh_addr *addr,
		       __u8 prefixlen);

/* Runtime settings (BH_CFG_EV_*, BH_CFG_ENABLED is managed by
 * load_policy; timeouts; event rate limit). */
struct bh_dp_runtime {
	__u32 flags; /* BH_CFG_EV_NEW_FLOWS | BH_CFG_EV_DENY */
	__u32 ev_rate;  /* events/s per CPU, 0 unlimited, <= 1,000,000 */
	__u32 ev_burst;
	/* new denied flows cached in bh_denied per second per CPU (0:
	 * unlimited), bucket size */
	__u32 deny_cache_rate;
	__u32 deny_cache_burst;
	__u64 ct_timeout_ns[BH_CT_TMO_MAX]; /* 0: no timeout */
};
int bh_dp_runtime_get(const struct bh_dp *dp, struct bh_dp_runtime *rt);
int bh_dp_runtime_set(struct bh_dp *dp, const struct bh_dp_runtime *rt);

/* The live configuration (mmap of bh_config): read-only for callers
 * except now_override_ns and wire_len_override (replay). */
struct bh_config *bh_dp_config(struct bh_dp *dp);

/* Counters summed over every possible CPU. */
int bh_dp_stats(const struct bh_dp *dp, struct bh_stats *out);
/* Zero the counters on every CPU. */
int bh_dp_stats_reset(struct bh_dp *dp);

/* Walk bh_flows (denied: bh_denied) in batches; stop when cb
 * returns non-zero. Entries may change while walked (the program runs). */
typedef int (*bh_dp_flow_cb)(void *ctx, const struct bh_flow_key *key,
			     const struct bh_flow *flow);
int bh_dp_flows(struct bh_dp *dp, bool denied, bh_dp_flow_cb cb, void *ctx);
int bh_dp_flow_lookup(struct bh_dp *dp, bool denied,
		      const struct bh_flow_key *key, struct bh_flow *out);
int bh_dp_flow_delete(struct bh_dp *dp, bool denied,
		      const struct bh_flow_key *key);
/* Number of entries (walks the map). */
int bh_dp_flow_count(struct bh_dp *dp, bool denied, size_t *count);

/* Events: cb is called for each event by bh_dp_events_poll(). */
typedef void (*bh_dp_event_cb)(void *ctx, const struct bh_event *ev);
int bh_dp_events_open(struct bh_dp *dp, bh_dp_event_cb cb, void *ctx);
/* Wait up to timeout_ms (0: do not wait) and deliver what is there;
 * returns the number of events or -errno. */
int bh_dp_events_poll(struct bh_dp *dp, int timeout_ms);
/* Epoll-able fd of the ring, for a daemon's event loop. */
int bh_dp_events_fd(const struct bh_dp *dp);

/* Classify one frame with the real program through BPF_PROG_TEST_RUN:
 * caplen bytes at frame, wire_len on the wire (the pcap original length),
 * at now_ns (0: the kernel clock). Fills *res with the program's result
 * (BH_CFG_RECORD_RESULT); returns the XDP action or -errno. Not for use
 * while the program is attached and serving traffic (it sets the
 * per-packet overrides in bh_config for the run). */
int bh_dp_test_run(struct bh_dp *dp, const void *frame, __u32 caplen,
		   __u32 wire_len, __u64 now_ns, struct bh_result *res);

/* Attach to an interface with libxdp, native mode first, else generic
 * (skb) mode with a warning. */
struct bh_dp_attach_info {
	int ifindex;
	bool skb_mode;   /* native XDP was refused, generic mode is used */
	bool dispatcher; /* libxdp's multi-program dispatcher is in use */
};
int bh_dp_attach(struct bh_dp *dp, const char *ifname,
		 struct bh_dp_attach_info *info);
int bh_dp_detach(struct bh_dp *dp, const char *ifname);

/* ------------------------------------------------------------------------ */
/* Attachments for a long-running process (the daemon, loader_links.c):     */
/* any number of interfaces, one handle each.                               */

enum bh_dp_xdp_mode {
	BH_DP_XDP_AUTO = 0, /* native, else skb (generic) mode */
	BH_DP_XDP_NATIVE = 1,
	BH_DP_XDP_SKB = 2,
};

struct bh_dp_link;

/* Attach to ifindex. A bulkhead program already attached there (left
 * enforcing by a daemon that stopped or died) is replaced atomically, in
 * the mode it has, so that no packet passes unjudged. */
int bh_dp_link_attach(struct bh_dp *dp, int ifindex, enum bh_dp_xdp_mode mode,
		      struct bh_dp_link **out, struct bh_dp_attach_info *info);
/* Detach and free the handle (a link that is gone counts as detached). */
int bh_dp_link_detach(struct bh_dp_link **l);
/* Free the handle, leaving the program attached (fail-closed stop), or
 * for a link that is gone. */
void bh_dp_link_release(struct bh_dp_link **l);
/* Remove every bulkhead program (XDP and TC egress) from every interface
 * of this network namespace (`bulkhead detach` without a daemon). Returns
 * how many interfaces had one, or -errno. */
int bh_dp_detach_all(void);
/* ------------------------------------------------------------------------ */
/* TC egress (loader_tc.c): the same classifier on what the node itself     */
/* sends out of an interface (packets without an ingress device), which XDP */
/* never sees. One cls_bpf filter per interface at a fixed place on the     */
/* clsact egress hook.                                                      */

#define BH_DP_TC_HANDLE 0xb4 /* filter handle, */
#define BH_DP_TC_PRIO 0xb4   /* and priority on the egress hook */

/* The TC program's fd; -ENOENT when the data plane was opened without
 * bh_dp_opts.tc_egress. */
int bh_dp_tc_prog_fd(const struct bh_dp *dp);
/* Attach it to ifindex's egress (the clsact hook is created when missing).
 * Bulkhead's filter left there (a daemon that stopped or died) is replaced
 * in place, without a gap; another tool's filter at that handle and
 * priority is not touched (-EBUSY). *replaced (may be NULL) tells which. */
int bh_dp_tc_attach(struct bh_dp *dp, int ifindex, bool *replaced);
/* Remove bulkhead's filter from ifindex: 1 when one was there, 0 when
 * not (or another tool's), or -errno. The clsact hook stays: other tools'
 * filters may share it. */
int bh_dp_tc_detach(int ifindex);
/* 1 when bulkhead's filter is on ifindex's egress, 0 when not, -errno. */
int bh_dp_tc_attached(int ifindex);
/* Run the TC program on one frame of len bytes through
 * BPF_PROG_TEST_RUN, as sent on the loopback device by a packet that came
 * in on ingress_ifindex (0: the host sent it), a GSO packet of gso_segs
 * segments when more than 1; see bh_dp_test_run. Returns the TC action
 * (TC_ACT_OK, TC_ACT_SHOT) or -errno. */
int bh_dp_tc_test_run(struct bh_dp *dp, const void *frame, __u32 len,
		      __u32 gso_segs, __u32 ingress_ifindex, __u64 now_ns,
		      struct bh_result *res);

/* Remove the pins (bh_*) under dir, and dir when empty. */
int bh_dp_unpin(const char *dir);

#endif /* BH_LOADER_H */
