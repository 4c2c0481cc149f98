// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The data plane's entry points. XDP: a node NIC or the host end of a
 * container veth (what they receive). TC egress: what the node itself
 * sends out of such an interface, which XDP never sees (DESIGN.md "Where it
 * sees traffic"). Both are in one object so that they share every map;
 * everything they do is in the dual-target classifier (bh_classify.h),
 * these functions only adapt the context.
 */
#include "bh_compat.h"
#include "bh_target.h"
#include "bh_xdp.h"

#include <linux/pkt_cls.h>

/* Bytes the TC program makes linear before parsing: every header the
 * classifier reads (tunnel, inner headers, IPv6 extensions, an ICMP
 * error's quote) in the usual case; a chain reaching further is parsed as
 * truncated, as in a short capture. */
#ifndef BH_TC_PULL_LEN
#define BH_TC_PULL_LEN 256
#endif

SEC("xdp")
int bulkhead_xdp(struct xdp_md *ctx)
{
	return bh_xdp_run(ctx);
}

/* TC egress (clsact). Only packets the host originated (no ingress device)
 * are judged: a forwarded or bridged packet was judged by XDP where it was
 * received, and judging it again would count it twice in its flow. */
SEC("tc")
int bulkhead_tc(struct __sk_buff *skb)
{
	__u32 len = skb->len, want, linear;
	struct bh_work *w;
	void *data, *data_end;

	if (skb->ingress_ifindex)
		return TC_ACT_OK;
	want = len < BH_TC_PULL_LEN ? len : BH_TC_PULL_LEN;
	linear = (__u32)((long)skb->data_end - (long)skb->data);
	/* Headers may sit in paged fragments (GSO, sendfile). A failed pull
	 * leaves the linear part: the parser then reports a truncation. */
	if (linear < want)
		bpf_skb_pull_data(skb, want);
	w = bh_t_single(&bh_scratch);
	if (!w)
		return TC_ACT_OK;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (!bh_classify(NULL, w, data, data_end, len, skb->gso_segs,
			 skb->ifindex, 0))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
