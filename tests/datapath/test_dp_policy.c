// SPDX-License-Identifier: GPL-2.0-only
/*
 * The data plane under a policy compiled by the real compiler
 * (config/policy-example.yaml): the first packet of a flow between every
 * pair of the policy's addresses (and a world address), on a set of
 * protocols and ports, through the kernel program and the native engine.
 * Both must give the same result, and that result must be the one
 * bh_native_decide() (`policy test`) gives for the flow.
 */
#include "bh_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

#include "bh_pktgen.h"
#include "loader.h"
#include "log.h"
#include "native.h"
#include "policy.h"

struct tq_port {
	__u8 proto;
	__u16 port;
};

static const struct tq_port tq_ports[] = {
	{ 6, 22 },   { 6, 80 },	 { 6, 443 },  { 6, 5432 }, { 6, 6379 },
	{ 6, 8080 }, { 6, 9100 }, { 17, 53 }, { 17, 123 }, { 1, 8 },
	{ 58, 128 },
};

static bool tq_v4(const union bh_addr *a)
{
	return !a->w[0] && !a->w[1] && a->w[2] == __builtin_bswap32(0xffff);
}

static void test_example_policy(void **state)
{
	struct bh_compiled_policy *cp = NULL;
	struct bh_policy *pol = NULL;
	struct bh_native *n = NULL, *dec = NULL;
	struct bh_dp *dp = NULL;
	struct bh_diag diags;
	union bh_addr addrs[64];
	size_t n_addrs = 0, i, j, k, checked = 0;
	struct bh_stats sk, sn;
	__u16 sport = 20000;

	(void)state;
	bh_diag_init(&diags);
	assert_int_equal(bh_policy_load(bh_test_src_path(
						"config/policy-example.yaml"),
					&pol, &diags),
			 0);
	assert_int_equal(bh_policy_compile(pol, &cp), 0);
	for (i = 0; i < cp->n_exact && n_addrs < 63; i++)
		addrs[n_addrs++] = cp->exact[i].addr;
	/* and one address of the world */
	memset(&addrs[n_addrs], 0, sizeof(addrs[0]));
	addrs[n_addrs].w[2] = __builtin_bswap32(0xffff);
	addrs[n_addrs].w[3] = __builtin_bswap32(BH_PKTGEN_IP4(198, 51, 100, 9));
	n_addrs++;

	assert_int_equal(bh_dp_open(&dp, NULL), 0);
	assert_int_equal(bh_dp_load_policy(dp, cp, NULL), 0);
	assert_int_equal(bh_native_new(&n, NULL), 0);
	assert_int_equal(bh_native_load_policy(n, cp, 1), 0);
	assert_int_equal(bh_native_new(&dec, NULL), 0);
	assert_int_equal(bh_native_load_policy(dec, cp, 1), 0);

	for (i = 0; i < n_addrs; i++) {
		for (j = 0; j < n_addrs; j++) {
			if (i == j || tq_v4(&addrs[i]) != tq_v4(&addrs[j]))
				continue;
			for (k = 0; k < sizeof(tq_ports) / sizeof(tq_ports[0]);
			     k++) {
				const struct tq_port *tp = &tq_ports[k];
				bool v6 = !tq_v4(&addrs[i]);
				struct bh_pktgen_flow fl = {
					.ipv6 = v6,
					.proto = tp->proto,
					.sport = sport,
					.dport = tp->port,
					.tcp_flags = BH_TCP_SYN,
				};
				struct bh_result rk, rn, rd;
				__u8 frame[256];
				int len, pk, pn;

				if ((tp->proto == 1 && v6) ||
				    (tp->proto == 58 && !v6))
					continue;
				memcpy(fl.saddr, addrs[i].b, 16);
				memcpy(fl.daddr, addrs[j].b, 16);
				sport++;
				len = bh_pktgen_build_flow(frame, sizeof(frame),
							   &fl);
				assert_true(len > 0);
				pk = bh_dp_test_run(dp, frame, (__u32)len,
						    (__u32)len, 1000000000ULL,
						    &rk);
				pn = bh_native_classify(n, frame, (__u32)len,
							(__u32)len, 1,
							1000000000ULL, &rn);
				assert_int_equal(pk == XDP_PASS, pn);
				if (memcmp(&rk, &rn, sizeof(rk)))
					fail_msg("pair %zu -> %zu port %u/%u: "
						 "kernel %u/%u rule %u, native "
						 "%u/%u rule %u",
						 i, j, tp->proto, tp->port,
						 rk.verdict, rk.reason,
						 rk.rule_id, rn.verdict,
						 rn.reason, rn.rule_id);
				/* ICMP: the policy port is the type (8 echo
				 * request, 128 ICMPv6 echo request). */
				assert_int_equal(bh_native_decide(dec, &addrs[i],
								  &addrs[j],
								  tp->proto,
								  tp->port, &rd),
						 0);
				assert_int_equal(rd.verdict, rn.verdict);
				assert_int_equal(rd.reason, rn.reason);
				assert_int_equal(rd.rule_id, rn.rule_id);
				assert_int_equal(rd.src_identity,
						 rn.src_identity);
				assert_int_equal(rd.dst_identity,
						 rn.dst_identity);
				checked++;
			}
		}
	}
	assert_int_equal(bh_dp_stats(dp, &sk), 0);
	bh_native_stats(n, &sn);
	assert_memory_equal(&sk, &sn, sizeof(sk));
	printf("%zu flows judged alike by the kernel program, the native "
	       "engine and bh_native_decide\n",
	       checked);
	assert_true(checked > 500);
	bh_native_free(&dec);
	bh_native_free(&n);
	bh_dp_free(&dp);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&pol);
	bh_diag_release(&diags);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_policy),
	};
	int rc;

	bh_log_route_libs();
	rc = bh_test_require_bpf();
	if (rc)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
