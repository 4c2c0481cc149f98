// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The data plane's XDP program for the benchmark, compiled with the
 * choices under measurement (clock, atomics) and with a variant that makes
 * every repetition of BPF_PROG_TEST_RUN a new flow: it rewrites the TCP
 * source port and the last byte of the IPv4 source address from a counter
 * before classifying. It shares the maps of the loaded data plane.
 */
#ifdef BH_BENCH_KTIME
#define bh_t_now(env) bpf_ktime_get_ns()
#endif
#ifdef BH_BENCH_PLAIN_ADD
#define bh_t_add64(p, v) (*(p) += (v))
#endif
#include "bh_compat.h"
#include "bh_target.h"
#include "bh_xdp.h"

#define BENCH_SADDR_LAST 29 /* Ethernet 14 + IPv4 source 12, last byte */
#define BENCH_SPORT 34      /* Ethernet 14 + IPv4 20 */

__u32 bench_seq;
const volatile __u8 bench_saddr_base;

SEC("xdp")
int bench_dp(struct xdp_md *ctx)
{
	return bh_xdp_run(ctx);
}

SEC("xdp")
int bench_dp_new(struct xdp_md *ctx)
{
	__u8 *p = (__u8 *)(long)ctx->data;

	if ((void *)(p + BENCH_SPORT + 2) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	p[BENCH_SPORT] = (__u8)(bench_seq >> 8);
	p[BENCH_SPORT + 1] = (__u8)bench_seq;
	p[BENCH_SADDR_LAST] = bench_saddr_base + ((bench_seq >> 16) & 15);
	bench_seq++;
	return bh_xdp_run(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
