// SPDX-License-Identifier: GPL-2.0-only
/* The daemon configuration loader: valid files, defaults, and every error
 * with its position. */
#include "bh_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_config.h"

/* Load text as /etc/bh/node.yaml; errors collected in errbuf. */
static int load(const char *text, struct bh_daemon_config **c, char *errbuf,
		size_t errsz)
{
	FILE *f = fmemopen(errbuf, errsz, "w");
	int ret;

	assert_non_null(f);
	ret = bh_daemon_config_load_buf("/etc/bh/node.yaml", text, strlen(text),
					c, f);
	fclose(f);
	return ret;
}

static void test_full(void **state)
{
	static const char text[] =
	    "policy: policy.yaml\n"
	    "interfaces:\n"
	    "  - eth0\n"
	    "  - veth*\n"
	    "  - {name: 'cali*', mode: skb}\n"
	    "pin_path: /sys/fs/bpf/bh-test\n"
	    "control_socket: /run/bh-test/ctl.sock\n"
	    "on_exit: detach\n"
	    "xdp_mode: native\n"
	    "events: {rate: 50, burst: 100, new_flows: false, deny: yes}\n"
	    "conntrack:\n"
	    "  tcp_established: 2h\n"
	    "  udp: 30s\n"
	    "  icmp: 500ms\n"
	    "  fragments: 10\n"
	    "collector: {anything: [1, 2]}\n"
	    "geoip: {}\n";
	struct bh_daemon_config *c = NULL;
	enum bh_xdp_mode mode;
	char err[1024] = "";

	(void)state;
	assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(c->policy, "/etc/bh/policy.yaml");
	assert_int_equal(c->n_ifaces, 3);
	assert_string_equal(c->pin_path, "/sys/fs/bpf/bh-test");
	assert_string_equal(c->control_socket, "/run/bh-test/ctl.sock");
	assert_int_equal(c->on_exit, BH_ON_EXIT_DETACH);
	assert_int_equal(c->xdp_mode, BH_XDP_MODE_NATIVE);
	assert_int_equal(c->ev_rate, 50);
	assert_int_equal(c->ev_burst, 100);
	assert_false(c->ev_new_flows);
	assert_true(c->ev_deny);
	assert_int_equal(c->ct_timeout_ns[BH_CT_TMO_TCP_EST],
			 7200ULL * 1000000000ULL);
	assert_int_equal(c->ct_timeout_ns[BH_CT_TMO_UDP],
			 30ULL * 1000000000ULL);
	assert_int_equal(c->ct_timeout_ns[BH_CT_TMO_ICMP], 500000000ULL);
	assert_int_equal(c->ct_timeout_ns[BH_CT_TMO_FRAG],
			 10ULL * 1000000000ULL);
	/* untouched keys keep their defaults */
	assert_int_equal(c->ct_timeout_ns[BH_CT_TMO_TCP_SYN],
			 60ULL * 1000000000ULL);
	assert_true(c->reserved[BH_DCFG_COLLECTOR].present);
	assert_int_equal(c->reserved[BH_DCFG_COLLECTOR].line, 16);
	assert_true(c->reserved[BH_DCFG_GEOIP].present);
	assert_false(c->reserved[BH_DCFG_EXPORT].present);

	assert_true(bh_daemon_config_match(c, "eth0", &mode));
	assert_int_equal(mode, BH_XDP_MODE_NATIVE);
	assert_true(bh_daemon_config_match(c, "veth1a2b", &mode));
	assert_int_equal(mode, BH_XDP_MODE_NATIVE);
	assert_true(bh_daemon_config_match(c, "cali12345", &mode));
	assert_int_equal(mode, BH_XDP_MODE_SKB);
	assert_false(bh_daemon_config_match(c, "eth1", &mode));
	assert_false(bh_daemon_config_match(c, "lo", NULL));
	bh_daemon_config_free(&c);
	assert_null(c);
	bh_daemon_config_free(&c);
}

static void test_defaults(void **state)
{
	struct bh_daemon_config *c = NULL;
	char err[512] = "";

	(void)state;
	assert_int_equal(load("policy: /etc/p.yaml\ninterfaces: [eth0]\n", &c,
			      err, sizeof(err)),
			 0);
	assert_string_equal(c->policy, "/etc/p.yaml");
	assert_string_equal(c->pin_path, BH_DAEMON_DEFAULT_PIN_PATH);
	assert_string_equal(c->control_socket, BH_DAEMON_DEFAULT_SOCKET);
	assert_int_equal(c->on_exit, BH_ON_EXIT_KEEP);
	assert_int_equal(c->xdp_mode, BH_XDP_MODE_AUTO);
	assert_true(c->ev_new_flows);
	assert_true(c->ev_deny);
	assert_true(c->ev_rate > 0);
	bh_daemon_config_free(&c);
}

/* Bad files: the message expected in the output, with its position. */
static const struct {
	const char *text;
	const char *want;
} bad_cases[] = {
    {"", "node.yaml:1:1: error: the configuration is empty"},
    {"policy: [a\n", "node.yaml:2:1: error: invalid YAML"},
    {"- a\n- b\n", "1:1: error: the configuration must be a mapping"},
    {"interfaces: [eth0]\n", "error: 'policy' (the policy file) is required"},
    {"policy: p\n",
     "error: 'interfaces' (names or globs to attach to) is required"},
    {"policy: p\ninterfaces: []\n", "2:13: error: 'interfaces' is empty"},
    {"policy: p\ninterfaces: eth0\n", "2:13: error: 'interfaces' must be a "
				      "list of names or globs, not a scalar"},
    {"policy: p\ninterfaces: [eth0]\npolicy: q\n",
     "3:1: error: duplicate key 'policy' in the configuration"},
    {"policy: p\ninterfaces: [eth0]\nbogus: 1\n",
     "3:1: error: unknown key 'bogus'"},
    {"policy: p\ninterfaces: [thisnameiswaytoolong]\n",
     "2:14: error: interface name 'thisnameiswaytoolong' is longer than 15"},
    {"policy: p\ninterfaces: ['a/b']\n",
     "2:14: error: interface pattern 'a/b' has a character"},
    {"policy: p\ninterfaces: [{mode: skb}]\n",
     "2:14: error: an interface needs a 'name'"},
    {"policy: p\ninterfaces: [{name: eth0, mode: fast}]\n",
     "2:33: error: 'mode' must be native, skb or auto, not 'fast'"},
    {"policy: p\ninterfaces: [{name: eth0, speed: 1}]\n",
     "2:27: error: unknown key 'speed' in an interface"},
    {"policy: p\ninterfaces: [eth0]\non_exit: maybe\n",
     "3:10: error: 'on_exit' must be keep (fail-closed) or detach (fail-open), "
     "not 'maybe'"},
    {"policy: p\ninterfaces: [eth0]\nxdp_mode: hw\n",
     "3:11: error: 'xdp_mode' must be native, skb or auto, not 'hw'"},
    {"policy: p\ninterfaces: [eth0]\npin_path: relative/dir\n",
     "3:11: error: 'pin_path' must be an absolute path"},
    {"policy: p\ninterfaces: [eth0]\ncontrol_socket: /run/"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
     "3:17: error: 'control_socket' is longer than 107 characters"},
    {"policy: p\ninterfaces: [eth0]\nevents: {rate: -1}\n",
     "3:16: error: 'rate' must be an integer 0..4294967295, not '-1'"},
    {"policy: p\ninterfaces: [eth0]\nevents: {burst: 99999999999}\n",
     "'burst' must be an integer"},
    {"policy: p\ninterfaces: [eth0]\nevents: {deny: maybe}\n",
     "3:16: error: 'deny' must be true or false, not 'maybe'"},
    {"policy: p\ninterfaces: [eth0]\nevents: {flood: 1}\n",
     "3:10: error: unknown key 'flood' in 'events'"},
    {"policy: p\ninterfaces: [eth0]\nevents: 5\n",
     "3:9: error: 'events' must be a mapping, not a scalar"},
    {"policy: p\ninterfaces: [eth0]\nconntrack: {udp: 5 minutes}\n",
     "3:18: error: 'udp' must be a positive duration"},
    {"policy: p\ninterfaces: [eth0]\nconntrack: {udp: 0}\n",
     "'udp' must be a positive duration"},
    {"policy: p\ninterfaces: [eth0]\nconntrack: {tcp: 5}\n",
     "3:13: error: unknown key 'tcp' in 'conntrack'"},
    {"policy: p\ninterfaces: [eth0]\nexport: [a]\n",
     "3:9: error: 'export' must be a mapping, not a list"},
    {"policy: {a: 1}\ninterfaces: [eth0]\n",
     "1:9: error: 'policy' must be a value, not a mapping"},
    {"policy: ''\ninterfaces: [eth0]\n",
     "1:9: error: 'policy' must be a value, not empty"},
    {"[a]: b\n", "1:1: error: keys of the configuration must be names"},
};

static void test_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct bh_daemon_config *c = (void *)1;
		char err[1024] = "";
		int ret = load(bad_cases[i].text, &c, err, sizeof(err));

		if (!strstr(err, bad_cases[i].want) || ret != -EINVAL)
			fail_msg("case %zu: want '%s' (-EINVAL), got %d '%s'",
				 i, bad_cases[i].want, ret, err);
		assert_null(c);
	}
}

/* Every error is reported, not just the first. */
static void test_all_errors(void **state)
{
	static const char text[] = "policy: p\n"
				   "interfaces: [eth0]\n"
				   "on_exit: never\n"
				   "xdp_mode: hw\n"
				   "bogus: 1\n";
	struct bh_daemon_config *c = NULL;
	char err[1024] = "";

	(void)state;
	assert_int_equal(load(text, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":3:10: error"));
	assert_non_null(strstr(err, ":4:11: error"));
	assert_non_null(strstr(err, ":5:1: error"));
}

static const struct {
	const char *s;
	int ret;
	unsigned long long ns;
} dur_cases[] = {
    {"30", 0, 30000000000ULL},
    {"30s", 0, 30000000000ULL},
    {"250ms", 0, 250000000ULL},
    {"5m", 0, 300000000000ULL},
    {"2h", 0, 7200000000000ULL},
    {"", -EINVAL, 0},
    {"-5", -EINVAL, 0},
    {"5d", -EINVAL, 0},
    {"s", -EINVAL, 0},
    {"9999999h", -EINVAL, 0},
    {"99999999999999999999999", -EINVAL, 0},
    {" 5", -EINVAL, 0},
};

static void test_duration(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dur_cases) / sizeof(dur_cases[0]); i++) {
		__u64 ns = 0;
		int ret = bh_parse_duration_ns(dur_cases[i].s, &ns);

		if (ret != dur_cases[i].ret || (!ret && ns != dur_cases[i].ns))
			fail_msg("'%s': want %d %llu, got %d %llu",
				 dur_cases[i].s, dur_cases[i].ret,
				 dur_cases[i].ns, ret, (unsigned long long)ns);
	}
}

static void test_file(void **state)
{
	struct bh_daemon_config *c = NULL;
	char err[512] = "";
	FILE *f = fmemopen(err, sizeof(err), "w");

	(void)state;
	/* the shipped example loads */
	assert_int_equal(bh_daemon_config_load(
			     bh_test_src_path("config/bulkhead.yaml"), &c, f),
			 0);
	bh_daemon_config_free(&c);
	assert_int_equal(bh_daemon_config_load("/nonexistent/bh.yaml", &c, f),
			 -ENOENT);
	fclose(f);
	assert_non_null(
	    strstr(err, "/nonexistent/bh.yaml: error: cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full),     cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_bad),	     cmocka_unit_test(test_all_errors),
	    cmocka_unit_test(test_duration), cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
