/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The XDP adapter of the classifier (BPF only), for the data plane's
 * program and the benchmark's builds of it. */
#ifndef BH_XDP_H
#define BH_XDP_H

#include "bh_classify.h"

static __always_inline int bh_xdp_run(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct bh_work *w = bh_t_single(&bh_scratch);

	if (!w)
		return XDP_PASS;
	if (!bh_classify(NULL, w, data, data_end, (__u32)(data_end - data), 1,
			 ctx->ingress_ifindex, 0))
		return XDP_DROP;
	return XDP_PASS;
}

#endif /* BH_XDP_H */
