// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The parser alone inside a minimal XDP program, for the parity test
 * (tests/parser): BPF_PROG_TEST_RUN feeds it packets and the test compares
 * what it wrote to .bss with the host build of the same header.
 */
#include "bh_compat.h"
#include "bh_parse.h"

/* The parse result lives in a map value, as in the data plane: the verifier
 * does not track map memory, so the many branch-dependent field values do
 * not multiply its states. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bh_pkt);
} bh_ptest_pkt SEC(".maps");

struct bh_pkt bh_parse_out;
__u32 bh_parse_runs;

SEC("xdp")
int bh_parse_test(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0;
	struct bh_pkt *pkt;

	pkt = bpf_map_lookup_elem(&bh_ptest_pkt, &zero);
	if (!pkt)
		return XDP_ABORTED;
	bh_parse(data, data_end, (__u32)(data_end - data), pkt);
	bh_parse_out = *pkt;
	bh_parse_runs++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
