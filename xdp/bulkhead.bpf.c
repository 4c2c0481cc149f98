// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The data plane's XDP entry point: a node NIC or the host end of a
 * container veth. Everything it does is in the dual-target classifier
 * (bh_classify.h); this file only adapts the XDP context.
 */
#include "bh_compat.h"
#include "bh_target.h"
#include "bh_classify.h"

SEC("xdp")
int bulkhead_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct bh_work *w;

	w = bh_t_single(&bh_scratch);
	if (!w)
		return XDP_PASS;
	if (!bh_classify(NULL, w, data, data_end, (__u32)(data_end - data),
			 ctx->ingress_ifindex, 0))
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
