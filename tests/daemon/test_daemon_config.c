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
	    "  - {name: veth*, role: workload}\n"
	    "  - {name: 'cali*', mode: skb}\n"
	    "  - {name: vxlan0, role: uplink}\n"
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
	    "collector: {poll_interval: 250ms}\n"
	    "geoip: {}\n";
	struct bh_daemon_config *c = NULL;
	struct bh_iface_settings set;
	char err[1024] = "";

	(void)state;
	assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(c->policy, "/etc/bh/policy.yaml");
	assert_int_equal(c->n_ifaces, 4);
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
	assert_int_equal(c->collector.poll_interval_ns, 250000000ULL);
	assert_true(c->geo_enabled);
	assert_false(c->detect_enabled);
	assert_int_equal(c->exp.n_sinks, 0);
	assert_false(c->metrics.enabled);

	assert_true(bh_daemon_config_match(c, "eth0", &set));
	assert_int_equal(set.mode, BH_XDP_MODE_NATIVE);
	assert_int_equal(set.role, BH_IFACE_ROLE_AUTO);
	/* tc_egress is off unless asked for */
	assert_false(set.tc_egress);
	assert_true(bh_daemon_config_match(c, "veth1a2b", &set));
	assert_int_equal(set.mode, BH_XDP_MODE_NATIVE);
	assert_int_equal(set.role, BH_IFACE_ROLE_WORKLOAD);
	assert_false(set.tc_egress);
	assert_true(bh_daemon_config_match(c, "cali12345", &set));
	assert_int_equal(set.mode, BH_XDP_MODE_SKB);
	assert_true(bh_daemon_config_match(c, "vxlan0", &set));
	assert_int_equal(set.role, BH_IFACE_ROLE_UPLINK);
	assert_false(bh_daemon_config_match(c, "eth1", &set));
	assert_false(bh_daemon_config_match(c, "lo", NULL));
	assert_false(c->tc_egress);
	assert_false(bh_daemon_config_any_tc_egress(c));
	bh_daemon_config_free(&c);
	assert_null(c);
	bh_daemon_config_free(&c);
}

/* The TC egress setting of a watched interface (false when none matches). */
static bool tc_egress(const struct bh_daemon_config *c, const char *ifname)
{
	struct bh_iface_settings set;

	return bh_daemon_config_match(c, ifname, &set) && set.tc_egress;
}

/* tc_egress: global default, per-interface override, first match wins. */
static void test_tc_egress(void **state)
{
	static const char text[] =
	    "policy: /etc/p.yaml\n"
	    "tc_egress: true\n"
	    "interfaces:\n"
	    "  - {name: eth0, tc_egress: false}\n"
	    "  - {name: 'veth*', role: workload}\n"
	    "  - {name: 'vethx*', tc_egress: false}\n"
	    "  - {name: 'cali*', tc_egress: on, mode: skb}\n";
	static const char off[] =
	    "policy: /etc/p.yaml\n"
	    "interfaces:\n"
	    "  - eth0\n"
	    "  - {name: 'veth*', tc_egress: true}\n";
	struct bh_daemon_config *c = NULL;
	struct bh_iface_settings set;
	char err[512] = "";

	(void)state;
	assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	assert_true(c->tc_egress);
	assert_true(bh_daemon_config_any_tc_egress(c));
	assert_false(tc_egress(c, "eth0"));
	assert_true(tc_egress(c, "veth12"));
	/* veth* comes first: its (global) setting decides for vethx1 */
	assert_true(tc_egress(c, "vethx1"));
	assert_true(bh_daemon_config_match(c, "cali7", &set));
	assert_true(set.tc_egress);
	assert_int_equal(set.mode, BH_XDP_MODE_SKB);
	/* not watched at all */
	assert_false(tc_egress(c, "lo"));
	bh_daemon_config_free(&c);

	assert_int_equal(load(off, &c, err, sizeof(err)), 0);
	assert_false(c->tc_egress);
	assert_true(bh_daemon_config_any_tc_egress(c));
	assert_false(tc_egress(c, "eth0"));
	assert_true(tc_egress(c, "veth0"));
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
    {"policy: p\ninterfaces: [{name: eth0, role: pod}]\n",
     "2:33: error: 'role' must be uplink, workload or auto, not 'pod'"},
    {"policy: p\ninterfaces: [{name: eth0, tc_egress: 1}]\n",
     "2:38: error: 'tc_egress' must be true or false, not '1'"},
    {"policy: p\ninterfaces: [eth0]\ntc_egress: all\n",
     "3:12: error: 'tc_egress' must be true or false, not 'all'"},
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
    /* collector */
    {"policy: p\ninterfaces: [eth0]\ncollector: {poll_interval: 1ms}\n",
     "3:28: error: 'poll_interval' must be at least 10ms"},
    {"policy: p\ninterfaces: [eth0]\ncollector: {idle_timeout: soon}\n",
     "3:27: error: 'idle_timeout' must be a positive duration"},
    {"policy: p\ninterfaces: [eth0]\ncollector:\n  active_timeout: 0\n",
     "4:19: error: 'active_timeout' must be a positive duration"},
    {"policy: p\ninterfaces: [eth0]\ncollector: {poll: 1s}\n",
     "3:13: error: unknown key 'poll' in 'collector' (poll_interval, "
     "idle_timeout, active_timeout)"},
    {"policy: p\ninterfaces: [eth0]\ncollector: {poll_interval: 20s}\n",
     "3:12: error: 'collector': poll_interval must be shorter than "
     "idle_timeout"},
    {"policy: p\ninterfaces: [eth0]\n"
     "collector: {idle_timeout: 2m, active_timeout: 1m}\n",
     "3:12: error: 'collector': active_timeout must not be shorter than "
     "idle_timeout"},
    {"policy: p\ninterfaces: [eth0]\ncollector: 1s\n",
     "3:12: error: 'collector' must be a mapping, not a scalar"},
    /* export */
    {"policy: p\ninterfaces: [eth0]\nexport: {sinks: /var/f.pb}\n",
     "3:17: error: 'sinks' must be a list of destinations"},
    {"policy: p\ninterfaces: [eth0]\nexport:\n  sinks: [flows.pb]\n",
     "4:11: error: 'sinks': the file 'flows.pb' must be an absolute path"},
    {"policy: p\ninterfaces: [eth0]\nexport:\n  sinks:\n    - /a.pb\n"
     "    - tcp://collector\n",
     "6:7: error: 'sinks': 'tcp://collector': "},
    {"policy: p\ninterfaces: [eth0]\nexport:\n  sinks: [\"ftp://x:1\"]\n",
     "4:11: error: 'sinks': 'ftp://x:1': "},
    {"policy: p\ninterfaces: [eth0]\nexport:\n  sinks: [[a]]\n",
     "4:11: error: 'sinks' must be a value, not a list"},
    {"policy: p\ninterfaces: [eth0]\nexport:\n  sinks: [/1, /2, /3, /4, "
     "/5, /6, /7, /8, /9]\n",
     "4:43: error: 'sinks': at most 8 destinations"},
    {"policy: p\ninterfaces: [eth0]\nexport: {queue_size: 1KiB}\n",
     "3:22: error: 'queue_size' must be a size from 65536 to 4294967296 "
     "bytes"},
    {"policy: p\ninterfaces: [eth0]\nexport: {queue_size: 8 MB}\n",
     "3:22: error: 'queue_size' must be a size"},
    {"policy: p\ninterfaces: [eth0]\nexport: {stats_interval: often}\n",
     "3:26: error: 'stats_interval' must be a duration up to a year (0 for "
     "none"},
    {"policy: p\ninterfaces: [eth0]\nexport: {node_id: {a: 1}}\n",
     "3:19: error: 'node_id' must be a value, not a mapping"},
    {"policy: p\ninterfaces: [eth0]\nexport: {sink: [/a]}\n",
     "3:10: error: unknown key 'sink' in 'export' (sinks, node_id, "
     "queue_size, stats_interval)"},
    /* metrics */
    {"policy: p\ninterfaces: [eth0]\nmetrics: {listen: 9477}\n",
     "3:19: error: 'listen' must be HOST:PORT, [IPV6]:PORT or :PORT (port "
     "0..65535), not '9477'"},
    {"policy: p\ninterfaces: [eth0]\nmetrics: {listen: '::1:9477'}\n",
     "3:19: error: 'listen' must be HOST:PORT"},
    {"policy: p\ninterfaces: [eth0]\nmetrics: {listen: ':99999'}\n",
     "3:19: error: 'listen' must be HOST:PORT"},
    {"policy: p\ninterfaces: [eth0]\nmetrics: {enabled: perhaps}\n",
     "3:20: error: 'enabled' must be true or false, not 'perhaps'"},
    {"policy: p\ninterfaces: [eth0]\nmetrics: {port: 1}\n",
     "3:11: error: unknown key 'port' in 'metrics' (enabled, listen)"},
    /* detect: the engine's loader, positions kept */
    {"policy: p\ninterfaces: [eth0]\ndetect:\n  sweep:\n    hosts: -3\n",
     "5:12: error: detect.sweep.hosts: "},
    {"policy: p\ninterfaces: [eth0]\ndetect:\n  bogus: 1\n",
     "4:3: error: detect"},
    {"policy: p\ninterfaces: [eth0]\ndetect: [1]\n",
     "3:9: error: 'detect' must be a mapping, not a list"},
    /* geoip: the GeoIP loader, positions kept */
    {"policy: p\ninterfaces: [eth0]\ngeoip: {cache_size: lots}\n",
     "3:21: error: geoip.cache_size: not a non-negative number (got "
     "'lots')"},
    {"policy: p\ninterfaces: [eth0]\ngeoip:\n  novelty:\n    baseline: 5 "
     "days\n",
     "5:15: error: geoip.novelty.baseline: not a duration"},
    {"policy: p\ninterfaces: [eth0]\ngeoip: {country_db: /x}\n",
     "3:9: error: geoip.country_db: unknown key (geoip: city_db, asn_db, "
     "cache_size, novelty;"},
    {"policy: p\ninterfaces: [eth0]\ngeoip: {novelty: {ratio: 2}}\n",
     "3:19: error: geoip.novelty.ratio: unknown key"},
    {"policy: p\ninterfaces: [eth0]\ngeoip: {novelty: true}\n",
     "3:18: error: geoip.novelty: expected a mapping"},
    {"policy: p\ninterfaces: [eth0]\ngeoip: {city_db: [a]}\n",
     "3:18: error: geoip.city_db: expected a value, not a list"},
    {"policy: p\ninterfaces: [eth0]\ngeoip: {asn_db: /a, asn_db: /b}\n",
     "3:21: error: geoip: duplicate key 'asn_db'"},
    {"policy: {a: 1}\ninterfaces: [eth0]\n",
     "1:9: error: 'policy' must be a value, not a mapping"},
    {"policy: ''\ninterfaces: [eth0]\n",
     "1:9: error: 'policy' must be a value, not empty"},
    {"[a]: b\n", "1:1: error: keys of the configuration must be names"},
};

static void test_bad(void **state)
{
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct bh_daemon_config *c = (void *)1;
		char err[1024] = "";
		int ret = load(bad_cases[i].text, &c, err, sizeof(err));

		if (!strstr(err, bad_cases[i].want) || ret != -EINVAL) {
			print_error("case %zu: want '%s' (-EINVAL), got %d "
				    "'%s'\n",
				    i, bad_cases[i].want, ret, err);
			failed++;
		}
		assert_null(c);
	}
	if (failed)
		fail_msg("%zu cases failed", failed);
}

/* The telemetry sections: every key, relative paths, defaults. */
static void test_telemetry(void **state)
{
	static const char text[] =
	    "policy: policy.yaml\n"
	    "interfaces: [eth0]\n"
	    "collector:\n"
	    "  poll_interval: 500ms\n"
	    "  idle_timeout: 10s\n"
	    "  active_timeout: 2m\n"
	    "export:\n"
	    "  sinks: [/var/log/bh/flows.pb, 'tcp://[2001:db8::1]:4739', -]\n"
	    "  node_id: node-7\n"
	    "  queue_size: 16MiB\n"
	    "  stats_interval: 0\n"
	    "metrics:\n"
	    "  listen: '[::1]:9100'\n"
	    "detect:\n"
	    "  learning: {period: 10m, baseline: state/baseline.txt}\n"
	    "  portscan: {ports: 12}\n"
	    "geoip:\n"
	    "  city_db: GeoLite2-City.mmdb\n"
	    "  asn_db: /var/lib/GeoIP/GeoLite2-ASN.mmdb\n"
	    "  cache_size: 4K\n"
	    "  novelty: {enabled: false, baseline: 2h}\n";
	struct bh_daemon_config *c = NULL;
	char err[1024] = "";

	(void)state;
	assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(c->collector.poll_interval_ns, 500000000ULL);
	assert_int_equal(c->collector.idle_timeout_ns, 10000000000ULL);
	assert_int_equal(c->collector.active_timeout_ns, 120000000000ULL);
	assert_int_equal(c->exp.n_sinks, 3);
	assert_string_equal(c->exp.sinks[0], "/var/log/bh/flows.pb");
	assert_string_equal(c->exp.sinks[1], "tcp://[2001:db8::1]:4739");
	assert_string_equal(c->exp.sinks[2], "-");
	assert_string_equal(c->exp.node_id, "node-7");
	assert_int_equal(c->exp.queue_bytes, 16ULL << 20);
	assert_int_equal(c->exp.stats_interval_ns, 0);
	assert_true(c->metrics.enabled);
	assert_string_equal(c->metrics.listen, "[::1]:9100");
	assert_true(c->detect_enabled);
	assert_int_equal(c->detect.learning_ns, 600000000000ULL);
	assert_string_equal(c->detect.baseline_path,
			    "/etc/bh/state/baseline.txt");
	assert_int_equal(c->detect.portscan.ports, 12);
	/* untouched detector settings keep the engine's defaults */
	assert_true(c->detect.sweep.c.enabled);
	assert_true(c->geo_enabled);
	assert_string_equal(c->geo.city_db, "/etc/bh/GeoLite2-City.mmdb");
	assert_string_equal(c->geo.asn_db, "/var/lib/GeoIP/GeoLite2-ASN.mmdb");
	assert_int_equal(c->geo.cache_entries, 4096);
	assert_false(c->geo.novelty.enabled);
	assert_int_equal(c->geo.novelty.baseline_ns, 7200ULL * 1000000000ULL);
	bh_daemon_config_free(&c);
}

static void test_telemetry_defaults(void **state)
{
	struct bh_daemon_config *c = NULL;
	char err[512] = "";

	(void)state;
	assert_int_equal(
	    load("policy: p\ninterfaces: [eth0]\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c->collector.poll_interval_ns, 1000000000ULL);
	assert_int_equal(c->collector.idle_timeout_ns, 15000000000ULL);
	assert_int_equal(c->collector.active_timeout_ns, 60000000000ULL);
	assert_int_equal(c->exp.n_sinks, 0);
	assert_null(c->exp.node_id);
	assert_int_equal(c->exp.queue_bytes, 8ULL << 20);
	assert_int_equal(c->exp.stats_interval_ns, 30000000000ULL);
	assert_false(c->metrics.enabled);
	assert_false(c->detect_enabled);
	assert_false(c->geo_enabled);
	bh_daemon_config_free(&c);

	/* a section alone turns its part on with the defaults */
	assert_int_equal(load("policy: p\ninterfaces: [eth0]\nmetrics: {}\n"
			      "detect:\ngeoip:\n",
			      &c, err, sizeof(err)),
			 0);
	assert_true(c->metrics.enabled);
	assert_string_equal(c->metrics.listen, BH_DAEMON_DEFAULT_METRICS);
	assert_true(c->detect_enabled);
	assert_null(c->detect.baseline_path);
	assert_true(c->geo_enabled);
	assert_string_equal(c->geo.city_db, "");
	bh_daemon_config_free(&c);

	assert_int_equal(load("policy: p\ninterfaces: [eth0]\n"
			      "metrics: {enabled: false}\n",
			      &c, err, sizeof(err)),
			 0);
	assert_false(c->metrics.enabled);
	bh_daemon_config_free(&c);
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

/* Numbers through the shared parsers (parse_num.h, tested on their own in
 * tests/parse_num): what each key takes, and where its bounds are. */
static const struct {
	const char *text; /* after "policy: p\ninterfaces: [eth0]\n" */
	int ret;
	unsigned long long udp_ns, rate, queue;
} num_cases[] = {
    {"conntrack: {udp: 1h30m}\n", 0, 5400000000000ULL, 0, 0},
    {"conntrack: {udp: 2d}\n", 0, 172800000000000ULL, 0, 0},
    {"conntrack: {udp: 010}\n", 0, 10000000000ULL, 0, 0},
    {"conntrack: {udp: 366d}\n", 0, 31622400000000000ULL, 0, 0},
    {"conntrack: {udp: 367d}\n", -EINVAL, 0, 0, 0},
    {"conntrack: {udp: 0x10}\n", -EINVAL, 0, 0, 0},
    {"conntrack: {udp: 1.5s}\n", -EINVAL, 0, 0, 0},
    {"conntrack: {udp: 30m1h}\n", -EINVAL, 0, 0, 0},
    {"events: {rate: 010}\n", 0, 0, 10, 0},
    {"events: {rate: 4294967295}\n", 0, 0, 4294967295ULL, 0},
    {"events: {rate: 4294967296}\n", -EINVAL, 0, 0, 0},
    {"events: {rate: 0x10}\n", -EINVAL, 0, 0, 0},
    {"events: {rate: '+5'}\n", -EINVAL, 0, 0, 0},
    {"events: {rate: ' 5'}\n", -EINVAL, 0, 0, 0},
    {"export: {queue_size: 8M}\n", 0, 0, 0, 8ULL << 20},
    {"export: {queue_size: 8MiB}\n", 0, 0, 0, 8ULL << 20},
    {"export: {queue_size: 8MB}\n", 0, 0, 0, 8000000},
    {"export: {queue_size: 4G}\n", 0, 0, 0, 4ULL << 30},
    {"export: {queue_size: 4097M}\n", -EINVAL, 0, 0, 0},
    {"export: {queue_size: 63K}\n", -EINVAL, 0, 0, 0},
    {"metrics: {listen: ':09477'}\n", 0, 0, 0, 0},
    {"metrics: {listen: ':65536'}\n", -EINVAL, 0, 0, 0},
    {"metrics: {listen: ':0x10'}\n", -EINVAL, 0, 0, 0},
};

static void test_numbers(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(num_cases) / sizeof(num_cases[0]); i++) {
		struct bh_daemon_config *c = NULL;
		char text[256], err[1024] = "";
		int ret;

		snprintf(text, sizeof(text),
			 "policy: p\ninterfaces: [eth0]\n%s",
			 num_cases[i].text);
		ret = load(text, &c, err, sizeof(err));
		if (ret != num_cases[i].ret)
			fail_msg("'%s': want %d, got %d '%s'",
				 num_cases[i].text, num_cases[i].ret, ret, err);
		if (ret) {
			/* the message names the key and quotes the value */
			assert_non_null(strstr(err, "error: '"));
			continue;
		}
		if (num_cases[i].udp_ns)
			assert_int_equal(c->ct_timeout_ns[BH_CT_TMO_UDP],
					 num_cases[i].udp_ns);
		if (num_cases[i].rate)
			assert_int_equal(c->ev_rate, num_cases[i].rate);
		if (num_cases[i].queue)
			assert_int_equal(c->exp.queue_bytes,
					 num_cases[i].queue);
		bh_daemon_config_free(&c);
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
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_tc_egress),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_all_errors),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_file),
	    cmocka_unit_test(test_telemetry),
	    cmocka_unit_test(test_telemetry_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
