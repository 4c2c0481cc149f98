// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The data plane's XDP entry point: a node NIC or the host end of a
 * container veth. Everything it does is in the dual-target classifier
 * (bh_classify.h); this file only adapts the XDP context.
 */
#include "bh_compat.h"
#include "bh_target.h"
#include "bh_xdp.h"

SEC("xdp")
int bulkhead_xdp(struct xdp_md *ctx)
{
	return bh_xdp_run(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
