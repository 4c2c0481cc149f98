/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-packet working memory of the classifier. Not ABI: it never leaves
 * the program (BPF: a per-CPU map value; host: inside the native engine).
 */
#ifndef BH_WORK_H
#define BH_WORK_H

#include "bulkhead_abi.h"

/* Outcome of a policy evaluation. */
struct bh_decision {
	__u32 rule_id;
	__u8 verdict; /* enum bh_verdict, mode applied */
	__u8 reason;  /* enum bh_reason */
	__u8 log;     /* deciding rule has BH_RULEF_LOG */
	__u8 pad;
};

struct bh_work {
	struct bh_pkt pkt;
	__u32 pad0;
	struct bh_event ev;
	struct bh_flow flow; /* entry being created */
	struct bh_flow_key key;
	struct bh_flow_key rkey; /* ICMP error: key of the quoted flow */
	struct bh_frag_key fkey;
	struct bh_frag frag;
	struct bh_identity_info src; /* identities of the packet's */
	struct bh_identity_info dst; /* source and destination     */
	struct bh_decision dec;
	struct bh_result res;
	/* The packet's context, for the pipeline's steps. */
	__u64 now;
	__u32 epoch;
	__u32 slot;
	__u32 ifindex;
	__u32 fast_miss; /* bh_fast() found the tuple in no flow map */
	__u32 fast_dir;  /* and the packet's direction in w->key */
	__u32 segs;      /* packets on the wire this frame stands for (GSO) */
};

#endif /* BH_WORK_H */
