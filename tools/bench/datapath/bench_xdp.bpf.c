// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Benchmark helpers: the floor programs (XDP_PASS, XDP_DROP with a
 * counter) and the frame generator for BPF_F_TEST_XDP_LIVE_FRAMES, which
 * can rewrite a 16-bit field per frame (new flow per packet) before
 * redirecting the frame out of a veth.
 */
#include "bh_compat.h"

SEC("xdp")
int bench_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bench_drops SEC(".maps");

SEC("xdp")
int bench_drop(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&bench_drops, &zero);

	if (n)
		*n += 1;
	return XDP_DROP;
}

const volatile __u32 gen_ifindex;
const volatile __u32 gen_vary_off; /* 0: send the frame unchanged */
__u32 gen_seq;

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 off = gen_vary_off & 0x3ff;
	__u8 *p = (__u8 *)data + off;

	if (off) {
		if ((void *)(p + 2) > data_end)
			return XDP_ABORTED;
		p[0] = (__u8)(gen_seq >> 8);
		p[1] = (__u8)gen_seq;
		gen_seq++;
	}
	return bpf_redirect(gen_ifindex, 0);
}

/* Micro-measurements of the map choices, with the data plane's sizes:
 * an LRU hit with a 40-byte key (struct bh_flow_key) against a 16-byte key
 * (an IPv4-only key), and the insertion of a new key into a full LRU map
 * of bh_flows' shape (the floor of any new connection). */
struct bench_key40 {
	__u32 w[10];
};
struct bench_key16 {
	__u32 w[4];
};
struct bench_val {
	__u64 x[15]; /* sizeof(struct bh_flow) */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct bench_key40);
	__type(value, struct bench_val);
} bench_lru40 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct bench_key16);
	__type(value, struct bench_val);
} bench_lru16 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_val);
} bench_val_scratch SEC(".maps");

__u32 bench_ins_seq;

SEC("xdp")
int bench_hit40(struct xdp_md *ctx)
{
	struct bench_key40 k = { .w = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 } };
	struct bench_val *v = bpf_map_lookup_elem(&bench_lru40, &k);

	if (!v)
		return XDP_ABORTED;
	__sync_fetch_and_add(&v->x[0], 1);
	return XDP_PASS;
}

SEC("xdp")
int bench_hit16(struct xdp_md *ctx)
{
	struct bench_key16 k = { .w = { 1, 2, 3, 4 } };
	struct bench_val *v = bpf_map_lookup_elem(&bench_lru16, &k);

	if (!v)
		return XDP_ABORTED;
	__sync_fetch_and_add(&v->x[0], 1);
	return XDP_PASS;
}

/* Insert a new key per run; returns XDP_PASS, or XDP_ABORTED on failure. */
SEC("xdp")
int bench_insert(struct xdp_md *ctx)
{
	struct bench_key40 k = { .w = { bench_ins_seq++, 0x0a000001 } };
	__u32 zero = 0;
	struct bench_val *v = bpf_map_lookup_elem(&bench_val_scratch, &zero);

	if (!v || bpf_map_update_elem(&bench_lru40, &k, v, BPF_ANY))
		return XDP_ABORTED;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
