// SPDX-License-Identifier: GPL-2.0-only
/*
 * The data plane's BPF object on this kernel: it loads (the verifier's
 * instruction count is printed), maps pinned under bpffs are adopted by a
 * second open with policy and flows intact, and the program attaches to a
 * veth with libxdp (reporting whether the dispatcher is in use).
 */
#include "bh_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bh_pktgen.h"
#include "dp_netns.h"
#include "loader.h"
#include "log.h"

static char tp_pin[128];
static char tp_ns[64];

/* A minimal policy: one identity, no rules, default allow. */
static void tp_min_policy(struct bh_compiled_policy *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->hdr.default_action = BH_ACTION_ALLOW;
	cp->hdr.world.id = BH_ID_WORLD;
}

static void test_load(void **state)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	struct bh_dp *dp = NULL;

	(void)state;
	assert_int_equal(bh_dp_open(&dp, NULL), 0);
	assert_int_equal(bpf_obj_get_info_by_fd(bh_dp_prog_fd(dp), &info,
						 &len),
			 0);
	printf("bulkhead.bpf.o: program %s, %u instructions, verifier "
	       "processed %u\n",
	       info.name, info.xlated_prog_len / 8, info.verified_insns);
	assert_true(info.verified_insns > 0);
	assert_true(info.verified_insns < 1000000);
	bh_dp_free(&dp);
	assert_null(dp);
	bh_dp_free(&dp);
}

static void tp_unpin(void)
{
	char cmd[256];

	if (!tp_pin[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tp_pin);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", tp_pin);
}

static __u32 tp_max_entries(struct bh_dp *dp, const char *map)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	assert_int_equal(bpf_obj_get_info_by_fd(bh_dp_map_fd(dp, map), &info,
						&len),
			 0);
	return info.max_entries;
}

static void test_pin_adopt(void **state)
{
	struct bh_dp_opts o = { .flow_entries = 1024, .pin_dir = tp_pin };
	struct bh_compiled_policy cp;
	struct bh_dp *dp = NULL;
	struct bh_result res;
	struct bh_stats st;
	__u8 frame[128];
	__u32 gen = 0;
	size_t n = 0;
	int len;

	(void)state;
	tp_min_policy(&cp);
	snprintf(tp_pin, sizeof(tp_pin), "/sys/fs/bpf/bh-test-dp-%d",
		 (int)getpid());
	assert_int_equal(mkdir(tp_pin, 0700), 0);
	assert_int_equal(bh_dp_open(&dp, &o), 0);
	assert_false(bh_dp_adopted(dp));
	/* bh_reported holds a flow of either flow map */
	assert_int_equal(tp_max_entries(dp, "bh_reported"),
			 1024 + tp_max_entries(dp, "bh_denied"));
	assert_int_equal(bh_dp_load_policy(dp, &cp, &gen), 0);
	assert_int_equal(gen, 1);
	assert_int_equal(bh_dp_load_policy(dp, &cp, &gen), 0);
	assert_int_equal(gen, 2);
	len = bh_pktgen_build_flow(frame, sizeof(frame),
				   &(struct bh_pktgen_flow){
					   .proto = 6, .sport = 1000,
					   .dport = 80, .tcp_flags = BH_TCP_SYN,
					   .saddr = { [10] = 0xff, [11] = 0xff,
						      10, 0, 0, 1 },
					   .daddr = { [10] = 0xff, [11] = 0xff,
						      10, 0, 0, 2 } });
	assert_true(len > 0);
	assert_int_equal(bh_dp_test_run(dp, frame, (__u32)len, (__u32)len,
					5000000000ULL, &res),
			 XDP_PASS);
	assert_int_equal(res.new_flow, 1);
	bh_dp_free(&dp);

	/* A restarted daemon: same maps, same policy epoch, same flows. */
	assert_int_equal(bh_dp_open(&dp, &o), 0);
	assert_true(bh_dp_adopted(dp));
	assert_int_equal(bh_dp_config(dp)->epoch, 2);
	assert_int_equal(bh_dp_flow_count(dp, false, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(bh_dp_stats(dp, &st), 0);
	assert_int_equal(st.flows_created, 1);
	assert_int_equal(bh_dp_test_run(dp, frame, (__u32)len, (__u32)len,
					5000000001ULL, &res),
			 XDP_PASS);
	assert_int_equal(res.new_flow, 0);
	assert_int_equal(bh_dp_load_policy(dp, &cp, &gen), 0);
	assert_int_equal(gen, 3);
	bh_dp_free(&dp);
	tp_unpin();
	tp_pin[0] = 0;
}

static void tt_netns_del(void)
{
	tp_netns_del(tp_ns);
}

static void test_attach(void **state)
{
	static const char *const veths[] = { "bhv0", "bhv1", NULL };
	struct bh_dp_attach_info ai;
	struct bh_dp *dp = NULL;
	int self;

	(void)state;
	tp_netns_enter(tp_ns, sizeof(tp_ns), "bh-dpl", veths, &self);

	assert_int_equal(bh_dp_open(&dp, NULL), 0);
	assert_int_equal(bh_dp_attach(dp, "bhv1", &ai), 0);
	printf("attached to bhv1 (ifindex %d): %s mode, %s\n", ai.ifindex,
	       ai.skb_mode ? "skb" : "native",
	       ai.dispatcher ? "libxdp dispatcher" : "no dispatcher");
	assert_true(ai.ifindex > 0);
	assert_int_equal(bh_dp_attach(dp, "bhv1", &ai), -EBUSY);
	assert_int_equal(system("ip link show bhv1 | grep -q xdp"), 0);
	assert_int_equal(bh_dp_detach(dp, "bhv1"), 0);
	assert_int_not_equal(system("ip link show bhv1 | grep -q 'prog/xdp'"),
			     0);
	assert_int_equal(bh_dp_detach(dp, "bhv1"), -ENOENT);
	bh_dp_free(&dp);
	tp_netns_leave(self);
	tt_netns_del();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_pin_adopt),
		cmocka_unit_test(test_attach),
	};
	int rc;

	bh_log_route_libs();
	rc = bh_test_require_bpf();
	if (rc)
		return rc;
	atexit(tp_unpin);
	atexit(tt_netns_del);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
