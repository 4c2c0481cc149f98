// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TC egress program (bulkhead_tc) on this kernel: it judges only what
 * the host sends (a packet without an ingress device) with the maps the
 * XDP program uses, and passes a forwarded packet untouched and uncounted;
 * it is loaded only on request; it attaches to a veth's egress, replaces
 * its own filter in place, and leaves another tool's filter alone, also
 * when `bulkhead detach` removes everything of bulkhead's.
 */
#include "bh_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <net/if.h>

#include "bh_pktgen.h"
#include "dp_netns.h"
#include "dp_policy.h"
#include "loader.h"
#include "log.h"

#define NOW 5000000000ULL
#define IFX_FORWARDED 7 /* an ingress device: the packet was forwarded */

/* node 10.0.0.1 may open tcp/80 on web 10.0.0.2; nothing else is allowed */
static const struct tp_ident tt_ids[] = {
	{ .name = "node", .id = 256, .kind = BH_KIND_WORKLOAD,
	  .addrs = { "10.0.0.1" } },
	{ .name = "web", .id = 257, .kind = BH_KIND_WORKLOAD,
	  .addrs = { "10.0.0.2" } },
	{ 0 },
};
static const struct tp_rule tt_rules[] = {
	{ .name = "node-web", .action = BH_ACTION_ALLOW, .from = { "node" },
	  .to = { "web" }, .ports = { "tcp/80" } },
	{ 0 },
};
static const struct tp_policy tt_policy = { .idents = tt_ids,
					    .rules = tt_rules };

static struct bh_compiled_policy tt_cp;
static char tt_ns[64];

static int tt_frame(__u8 *buf, size_t cap, __u32 s, __u16 sport, __u32 d,
		    __u16 dport, __u8 flags)
{
	struct bh_pktgen_flow f = { .proto = 6, .sport = sport,
				    .dport = dport, .tcp_flags = flags };

	bh_pktgen_v4mapped(f.saddr, s);
	bh_pktgen_v4mapped(f.daddr, d);
	return bh_pktgen_build_flow(buf, cap, &f);
}

static struct bh_dp *tt_open(void)
{
	struct bh_dp_opts o = { .flow_entries = 1024, .tc_egress = true };
	struct bh_dp *dp = NULL;

	assert_int_equal(bh_dp_open(&dp, &o), 0);
	assert_int_equal(bh_dp_load_policy(dp, &tt_cp, NULL), 0);
	return dp;
}

static void test_tc_load(void **state)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	struct bh_dp *dp = NULL;

	(void)state;
	/* off by default: the object loads without it */
	assert_int_equal(bh_dp_open(&dp, NULL), 0);
	assert_int_equal(bh_dp_tc_prog_fd(dp), -ENOENT);
	assert_int_equal(bh_dp_tc_attach(dp, 1, NULL), -ENOENT);
	bh_dp_free(&dp);

	dp = tt_open();
	assert_true(bh_dp_tc_prog_fd(dp) >= 0);
	assert_int_equal(bpf_obj_get_info_by_fd(bh_dp_tc_prog_fd(dp), &info,
						 &len),
			 0);
	printf("bulkhead.bpf.o: program %s, %u instructions, verifier "
	       "processed %u\n",
	       info.name, info.xlated_prog_len / 8, info.verified_insns);
	assert_string_equal(info.name, "bulkhead_tc");
	assert_int_equal(info.type, BPF_PROG_TYPE_SCHED_CLS);
	assert_true(info.verified_insns > 0);
	bh_dp_free(&dp);
}

static int tt_first_flow(void *ctx, const struct bh_flow_key *key,
			 const struct bh_flow *flow)
{
	(void)key;
	*(struct bh_flow *)ctx = *flow;
	return 1;
}

/* Sent by the host: judged and counted, with the XDP program's maps. */
static void test_tc_host_sent(void **state)
{
	struct bh_stats st0, st;
	struct bh_dp *dp = tt_open();
	struct bh_flow flow = { 0 };
	struct bh_result res;
	__u8 f[128];
	size_t n = 0;
	int len;

	(void)state;
	assert_int_equal(bh_dp_stats(dp, &st0), 0);
	/* no rule allows node -> web tcp/22 */
	len = tt_frame(f, sizeof(f), 0x0a000001, 40000, 0x0a000002, 22,
		       BH_TCP_SYN);
	assert_true(len > 0);
	assert_int_equal(bh_dp_tc_test_run(dp, f, (__u32)len, 1, 0, NOW, &res),
			 TC_ACT_SHOT);
	assert_int_equal(res.verdict, BH_VERDICT_DENY);
	assert_int_equal(res.reason, BH_REASON_DEFAULT_DENY);
	assert_int_equal(res.src_identity, 256);
	assert_int_equal(res.dst_identity, 257);
	assert_int_equal(bh_dp_stats(dp, &st), 0);
	assert_int_equal(st.verdict_pkts[BH_VERDICT_DENY] -
				 st0.verdict_pkts[BH_VERDICT_DENY],
			 1);
	assert_int_equal(st.verdict_bytes[BH_VERDICT_DENY] -
				 st0.verdict_bytes[BH_VERDICT_DENY],
			 (__u64)len);
	assert_int_equal(bh_dp_flow_count(dp, true, &n), 0);
	assert_int_equal(n, 1);

	/* node -> web tcp/80 is allowed: a flow in bh_flows... */
	len = tt_frame(f, sizeof(f), 0x0a000001, 40001, 0x0a000002, 80,
		       BH_TCP_SYN);
	assert_int_equal(bh_dp_tc_test_run(dp, f, (__u32)len, 1, 0, NOW, &res),
			 TC_ACT_OK);
	assert_int_equal(res.verdict, BH_VERDICT_ALLOW);
	assert_int_equal(res.new_flow, 1);
	assert_int_equal(bh_dp_flow_count(dp, false, &n), 0);
	assert_int_equal(n, 1);
	/* accounted to the sending device (the test run's: loopback) */
	assert_true(bh_dp_flows(dp, false, tt_first_flow, &flow) >= 0);
	assert_int_equal(flow.packets[0] + flow.packets[1], 1);
	assert_true(flow.ifindex[0] == 1 || flow.ifindex[1] == 1);
	/* ...whose reply, received by XDP on the container's veth, is let
	 * through by the connection the TC program recorded */
	len = tt_frame(f, sizeof(f), 0x0a000002, 80, 0x0a000001, 40001,
		       BH_TCP_SYN | BH_TCP_ACK);
	assert_int_equal(bh_dp_test_run(dp, f, (__u32)len, (__u32)len,
					NOW + 1000, &res),
			 XDP_PASS);
	assert_int_equal(res.verdict, BH_VERDICT_ALLOW);
	assert_int_equal(res.reason, BH_REASON_CT_REPLY);
	assert_int_equal(res.new_flow, 0);
	bh_dp_free(&dp);
}

/* A GSO packet the host sends (2 segments of 1448 bytes, segmented after
 * the hook; BPF_PROG_TEST_RUN takes less than a page): counted as the 2
 * packets the wire carries, each with its Ethernet, IP and TCP headers; an
 * XDP frame of the same bytes is one packet. */
static void test_tc_gso(void **state)
{
	struct bh_pktgen_flow g = { .proto = 6, .sport = 40002, .dport = 80,
				    .tcp_flags = BH_TCP_ACK | BH_TCP_PSH,
				    .payload_len = 2 * 1448 };
	struct bh_stats st0, st;
	struct bh_dp *dp = tt_open();
	struct bh_flow flow = { 0 };
	struct bh_result res;
	static __u8 f[8192];
	int syn, len, init;

	(void)state;
	syn = tt_frame(f, sizeof(f), 0x0a000001, 40002, 0x0a000002, 80,
		       BH_TCP_SYN);
	assert_int_equal(bh_dp_tc_test_run(dp, f, (__u32)syn, 1, 0, NOW, &res),
			 TC_ACT_OK);
	assert_int_equal(bh_dp_stats(dp, &st0), 0);
	bh_pktgen_v4mapped(g.saddr, 0x0a000001);
	bh_pktgen_v4mapped(g.daddr, 0x0a000002);
	len = bh_pktgen_build_flow(f, sizeof(f), &g);
	assert_int_equal(len, 54 + 2 * 1448);
	assert_int_equal(bh_dp_tc_test_run(dp, f, (__u32)len, 2, 0, NOW + 1000,
					   &res),
			 TC_ACT_OK);
	assert_int_equal(res.verdict, BH_VERDICT_ALLOW);
	assert_int_equal(bh_dp_stats(dp, &st), 0);
	assert_int_equal(st.verdict_pkts[BH_VERDICT_ALLOW] -
				 st0.verdict_pkts[BH_VERDICT_ALLOW],
			 2);
	assert_int_equal(st.verdict_bytes[BH_VERDICT_ALLOW] -
				 st0.verdict_bytes[BH_VERDICT_ALLOW],
			 (__u64)(len + 54));
	assert_true(bh_dp_flows(dp, false, tt_first_flow, &flow) >= 0);
	init = (flow.flags & BH_FLOW_F_INIT_B) ? BH_DIR_BA : BH_DIR_AB;
	assert_int_equal(flow.packets[init], 1 + 2);
	assert_int_equal(flow.bytes[init], (__u64)(syn + len + 54));
	/* one frame to XDP: one packet */
	assert_int_equal(bh_dp_test_run(dp, f, (__u32)len, (__u32)len,
					NOW + 2000, &res),
			 XDP_PASS);
	assert_true(bh_dp_flows(dp, false, tt_first_flow, &flow) >= 0);
	assert_int_equal(flow.packets[init], 1 + 2 + 1);
	bh_dp_free(&dp);
}

/* Forwarded (came in on a device): passed untouched, nothing counted. */
static void test_tc_forwarded(void **state)
{
	struct bh_stats st0, st;
	struct bh_dp *dp = tt_open();
	__u8 f[128];
	size_t n = 0;
	int len, dport;

	(void)state;
	assert_int_equal(bh_dp_stats(dp, &st0), 0);
	for (dport = 22; dport <= 80; dport += 58) {
		len = tt_frame(f, sizeof(f), 0x0a000001, 40000, 0x0a000002,
			       (__u16)dport, BH_TCP_SYN);
		assert_int_equal(bh_dp_tc_test_run(dp, f, (__u32)len, 1,
						   IFX_FORWARDED, NOW, NULL),
				 TC_ACT_OK);
	}
	assert_int_equal(bh_dp_stats(dp, &st), 0);
	assert_memory_equal(&st, &st0, sizeof(st));
	assert_int_equal(bh_dp_flow_count(dp, false, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(bh_dp_flow_count(dp, true, &n), 0);
	assert_int_equal(n, 0);
	bh_dp_free(&dp);
}

static void tt_netns_del(void)
{
	tp_netns_del(tt_ns);
}

/* A SCHED_CLS program of another tool: r0 = TC_ACT_OK; exit. */
static int tt_foreign_prog(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = TC_ACT_OK },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "other_tool", "GPL",
			     insns, 2, NULL);
}

static void test_tc_attach(void **state)
{
	LIBBPF_OPTS(bpf_tc_hook, h, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = BH_DP_TC_HANDLE,
		    .priority = BH_DP_TC_PRIO);
	static const char *const veths[] = { "bht0", "bht1", "bht2", "bht3",
					     NULL };
	struct bh_dp *dp, *dp2;
	bool replaced = true;
	int self, ifx, ifx2, other;

	(void)state;
	tp_netns_enter(tt_ns, sizeof(tt_ns), "bh-dtc", veths, &self);
	ifx = (int)if_nametoindex("bht1");
	ifx2 = (int)if_nametoindex("bht3");
	assert_true(ifx > 0 && ifx2 > 0);
	dp = tt_open();
	assert_int_equal(bh_dp_tc_attached(ifx), 0);
	assert_int_equal(bh_dp_tc_attach(dp, ifx, &replaced), 0);
	assert_false(replaced);
	assert_int_equal(bh_dp_tc_attached(ifx), 1);
	assert_int_equal(system("tc filter show dev bht1 egress | "
				"grep -q 'bulkhead_tc'"),
			 0);
	/* a restarted daemon: its own program replaces the one left */
	bh_dp_free(&dp);
	assert_int_equal(bh_dp_tc_attached(ifx), 1);
	dp2 = tt_open();
	assert_int_equal(bh_dp_tc_attach(dp2, ifx, &replaced), 0);
	assert_true(replaced);
	assert_int_equal(bh_dp_tc_attached(ifx), 1);
	o.prog_fd = o.prog_id = 0;
	h.ifindex = ifx;
	assert_int_equal(bpf_tc_query(&h, &o), 0);
	{
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);

		assert_int_equal(bpf_obj_get_info_by_fd(bh_dp_tc_prog_fd(dp2),
							 &info, &len),
				 0);
		assert_int_equal(o.prog_id, info.id);
	}

	/* another tool's filter at bulkhead's place is left alone */
	other = tt_foreign_prog();
	assert_true(other >= 0);
	h.ifindex = ifx2;
	assert_int_equal(bpf_tc_hook_create(&h), 0);
	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.handle = BH_DP_TC_HANDLE;
	o.priority = BH_DP_TC_PRIO;
	o.prog_fd = other;
	assert_int_equal(bpf_tc_attach(&h, &o), 0);
	assert_int_equal(bh_dp_tc_attach(dp2, ifx2, NULL), -EBUSY);
	assert_int_equal(bh_dp_tc_attached(ifx2), 0);

	/* `bulkhead detach`: bulkhead's filter goes, the other stays */
	assert_int_equal(bh_dp_detach_all(), 1);
	assert_int_equal(bh_dp_tc_attached(ifx), 0);
	assert_int_not_equal(system("tc filter show dev bht1 egress | "
				    "grep -q 'bulkhead_tc'"),
			     0);
	assert_int_equal(system("tc filter show dev bht3 egress | "
				"grep -q 'other_tool'"),
			 0);
	/* detaching what is not there is no error */
	assert_int_equal(bh_dp_tc_detach(ifx), 0);
	assert_int_equal(bh_dp_tc_detach(ifx2), 0);
	assert_int_equal(system("tc filter show dev bht3 egress | "
				"grep -q 'other_tool'"),
			 0);
	close(other);
	bh_dp_free(&dp2);
	tp_netns_leave(self);
	tt_netns_del();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tc_load),
		cmocka_unit_test(test_tc_host_sent),
		cmocka_unit_test(test_tc_gso),
		cmocka_unit_test(test_tc_forwarded),
		cmocka_unit_test(test_tc_attach),
	};
	int rc;

	bh_log_route_libs();
	rc = bh_test_require_bpf();
	if (rc)
		return rc;
	if (tp_compile(&tt_policy, &tt_cp)) {
		fprintf(stderr, "cannot compile the test policy\n");
		return 1;
	}
	atexit(tt_netns_del);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	tp_free(&tt_cp);
	return rc;
}
