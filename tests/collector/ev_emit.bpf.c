// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test helper: writes the packet it is run on (a struct bh_event) into a
 * ring buffer, so that the collector's ring reader is tested against the
 * kernel's ring buffer without the data plane. */
#include "bh_compat.h"
#include "bulkhead_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} bh_events SEC(".maps");

SEC("xdp")
int bh_ev_emit(struct xdp_md *ctx)
{
	struct bh_event *e;

	e = bpf_ringbuf_reserve(&bh_events, sizeof(*e), 0);
	if (!e)
		return XDP_DROP;
	/* helpers may not read packet memory directly: copy it */
	if (bpf_xdp_load_bytes(ctx, 0, e, sizeof(*e))) {
		bpf_ringbuf_discard(e, 0);
		return XDP_ABORTED;
	}
	bpf_ringbuf_submit(e, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
