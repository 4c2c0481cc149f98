// SPDX-License-Identifier: GPL-2.0-only
/*
 * The whole path on real traffic: two network namespaces joined by a veth
 * pair, the data plane's XDP program on both ends (it sees each direction
 * on receive), a compiled policy, real ping / TCP / UDP traffic of known
 * sizes, and the collector reading the kernel maps and ring buffer. The
 * records must count exactly the packets and bytes that were sent: ICMP
 * and UDP from their sizes, and everything together from the veth
 * interfaces' own receive counters. The records also go through the
 * exporter to a file that `bulkhead observe` reads back.
 */
#include "bh_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>

#include "bpf_source.h"
#include "collector.h"
#include "export.h"
#include "loader.h"
#include "log.h"
#include "policy.h"
#include "policy_names.h"

#define MAX_RECS 64
#define ADDR_A "10.213.0.1"
#define ADDR_B "10.213.0.2"

static char ns_a[32], ns_b[32], workdir[64];

static const char policy_yaml[] =
	"version: 1\n"
	"defaults: {mode: enforce, action: deny}\n"
	"workloads:\n"
	"  - name: client-0\n"
	"    labels: {app: client}\n"
	"    addresses: [" ADDR_A "]\n"
	"  - name: server-0\n"
	"    labels: {app: server}\n"
	"    addresses: [" ADDR_B "]\n"
	"rules:\n"
	"  - name: client-to-server\n"
	"    from: {matchLabels: {app: client}}\n"
	"    to: {matchLabels: {app: server}}\n"
	"    ports: [tcp/8080, udp/9000, icmp]\n";

struct live {
	struct bh_flow_record recs[MAX_RECS];
	int n;
	struct bh_export *exp;
};

static void on_record(void *ctx, struct bh_flow_record *r)
{
	struct live *l = ctx;

	assert_true(l->n < MAX_RECS);
	l->recs[l->n++] = *r;
	bh_export_flow(l->exp, r);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc)
		fail_msg("command failed (%d): %s", rc, cmd);
}

static void cleanup(void)
{
	char cmd[256];

	if (ns_a[0]) {
		snprintf(cmd, sizeof(cmd),
			 "ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null",
			 ns_a, ns_b);
		if (system(cmd))
			fprintf(stderr, "cannot remove namespaces\n");
		ns_a[0] = 0;
	}
	if (workdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", workdir);
		if (system(cmd))
			fprintf(stderr, "cannot remove %s\n", workdir);
		workdir[0] = 0;
	}
}

/* A veth end's receive counter, read inside its namespace. */
static unsigned long long rx(const char *ns, const char *dev, const char *what)
{
	char cmd[256];
	unsigned long long v = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s cat /sys/class/net/%s/statistics/rx_%s", ns,
		 dev, what);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%llu", &v), 1);
	assert_int_equal(pclose(p), 0);
	return v;
}

/* The loader attaches one interface per handle: the second end gets the
 * same program (same maps) straight from libbpf. */
static void attach_in(const char *ns, struct bh_dp *dp, const char *dev,
		      bool with_loader)
{
	struct bh_dp_attach_info ai;
	char path[128];
	int self, fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	self = open("/proc/self/ns/net", O_RDONLY);
	fd = open(path, O_RDONLY);
	assert_true(self >= 0 && fd >= 0);
	assert_int_equal(setns(fd, CLONE_NEWNET), 0);
	if (with_loader) {
		assert_int_equal(bh_dp_attach(dp, dev, &ai), 0);
		printf("# XDP on %s/%s: %s mode\n", ns, dev,
		       ai.skb_mode ? "generic" : "native");
	} else {
		assert_int_equal(bpf_xdp_attach((int)if_nametoindex(dev),
						bh_dp_prog_fd(dp),
						XDP_FLAGS_DRV_MODE, NULL),
				 0);
		printf("# XDP on %s/%s: native mode (libbpf)\n", ns, dev);
	}
	assert_int_equal(setns(self, CLONE_NEWNET), 0);
	close(fd);
	close(self);
}

static __u64 wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static const struct bh_flow_record *find(struct live *l, __u8 proto,
					 __u16 dport)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->recs[i].proto == proto &&
		    (proto == 1 || l->recs[i].ep[BH_SIDE_RESP].port == dport))
			return &l->recs[i];
	return NULL;
}

static void test_live_traffic(void **state)
{
	struct bh_dp_opts dpo = { .flow_entries = 4096, .denied_entries = 1024,
				  .ring_bytes = 1 << 16 };
	struct bh_collector_resolver res;
	struct bh_bpf_source_opts so = { 0 };
	struct bh_collector_opts co;
	struct bh_export_opts eo;
	struct bh_dp_runtime rt;
	struct bh_diag diags;
	struct bh_policy *pol = NULL;
	struct bh_compiled_policy *cp = NULL;
	struct bh_policy_names *names = NULL;
	struct bh_collector *c = NULL;
	struct bh_bpf_source *src = NULL;
	struct bh_dp *dp = NULL;
	struct bh_clock clk;
	struct live *l = calloc(1, sizeof(*l));
	const struct bh_flow_record *icmp, *udp, *denied, *tcp;
	unsigned long long a_pk0, a_by0, b_pk0, b_by0, a_pk, a_by, b_pk, b_by;
	unsigned long long sum_ip = 0, sum_ib = 0, sum_rp = 0, sum_rb = 0;
	char path[160], cmd[512];
	__u64 t_start, t_end;
	__u32 gen = 0;
	FILE *p;
	struct bh_node_stats ns;
	struct bh_stats dps;
	int i, lines = 0, stats_lines = 0;

	(void)state;
	assert_non_null(l);
	snprintf(ns_a, sizeof(ns_a), "bhcl-a-%d", (int)getpid());
	snprintf(ns_b, sizeof(ns_b), "bhcl-b-%d", (int)getpid());
	strcpy(workdir, "/tmp/bh-collector-live-XXXXXX");
	assert_non_null(mkdtemp(workdir));

	/* Two namespaces, one veth pair, no traffic but ours: no IPv6, static
	 * neighbours, no offloads (the program sees wire-sized frames). */
	sh("ip netns add %s && ip netns add %s", ns_a, ns_b);
	sh("ip link add bhcla netns %s type veth peer name bhclb netns %s",
	   ns_a, ns_b);
	for (i = 0; i < 2; i++) {
		const char *nsn = i ? ns_b : ns_a, *dev = i ? "bhclb" : "bhcla";

		sh("ip netns exec %s sysctl -qw net.ipv6.conf.%s.disable_ipv6=1",
		   nsn, dev);
		sh("ip -n %s addr add %s/24 dev %s && ip -n %s link set %s up "
		   "&& ip -n %s link set lo up",
		   nsn, i ? ADDR_B : ADDR_A, dev, nsn, dev, nsn);
		sh("ip netns exec %s ethtool -K %s tso off gso off gro off "
		   "tx-checksumming off >/dev/null 2>&1 || true",
		   nsn, dev);
	}
	sh("ip -n %s neigh replace %s lladdr $(ip -n %s -br link show bhclb | "
	   "awk '{print $3}') dev bhcla nud permanent",
	   ns_a, ADDR_B, ns_b);
	sh("ip -n %s neigh replace %s lladdr $(ip -n %s -br link show bhcla | "
	   "awk '{print $3}') dev bhclb nud permanent",
	   ns_b, ADDR_A, ns_a);

	/* The data plane with the policy, on both ends. */
	bh_diag_init(&diags);
	assert_int_equal(bh_policy_load_buf("live.yaml", policy_yaml,
					    sizeof(policy_yaml) - 1, &pol,
					    &diags),
			 0);
	bh_diag_release(&diags);
	assert_int_equal(bh_policy_compile(pol, &cp), 0);
	assert_int_equal(bh_dp_open(&dp, &dpo), 0);
	assert_int_equal(bh_dp_load_policy(dp, cp, &gen), 0);
	assert_int_equal(bh_dp_runtime_get(dp, &rt), 0);
	rt.flags |= BH_CFG_EV_NEW_FLOWS | BH_CFG_EV_DENY;
	assert_int_equal(bh_dp_runtime_set(dp, &rt), 0);
	attach_in(ns_a, dp, "bhcla", false);
	attach_in(ns_b, dp, "bhclb", true);

	/* The collector on the kernel maps, names from the policy. */
	assert_int_equal(bh_policy_names_new(&names, cp, gen,
					     bh_dp_config(dp)->epoch),
			 0);
	bh_policy_names_resolver(names, &res);
	bh_export_opts_default(&eo);
	eo.node_id = "live";
	eo.block_when_full = true;
	assert_int_equal(bh_export_new(&l->exp, &eo), 0);
	snprintf(path, sizeof(path), "%s/flows.pb", workdir);
	assert_int_equal(bh_export_add_sink(l->exp, path), 0);
	bh_clock_init_live(&clk);
	bh_collector_opts_default(&co);
	co.max_flows = 1024;
	co.node = "live";
	co.clock = &clk;
	co.resolver = &res;
	co.emit = on_record;
	co.emit_ctx = l;
	assert_int_equal(bh_collector_new(&c, &co), 0);
	memset(&so, 0, sizeof(so));
	so.flows_fd = bh_dp_map_fd(dp, "bh_flows");
	so.denied_fd = bh_dp_map_fd(dp, "bh_denied");
	so.events_fd = bh_dp_map_fd(dp, "bh_events");
	so.reported_fd = bh_dp_map_fd(dp, "bh_reported");
	assert_int_equal(bh_bpf_source_new(&src, c, &so), 0);

	a_pk0 = rx(ns_a, "bhcla", "packets");
	a_by0 = rx(ns_a, "bhcla", "bytes");
	b_pk0 = rx(ns_b, "bhclb", "packets");
	b_by0 = rx(ns_b, "bhclb", "bytes");
	t_start = wall_ns();

	/* Traffic. */
	sh("ip netns exec %s ping -q -c 5 -i 0.2 -s 100 %s >/dev/null", ns_a,
	   ADDR_B);
	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s /usr/bin/python3 %s server %s & "
		 "srv=$!; "
		 "for i in $(seq 100); do ip netns exec %s ss -ltn | grep -q ':8080' && break; sleep 0.05; done; "
		 "ip netns exec %s /usr/bin/python3 %s client %s && wait $srv",
		 ns_b, bh_test_src_path("tests/collector/live_traffic.py"),
		 ADDR_B, ns_b, ns_a,
		 bh_test_src_path("tests/collector/live_traffic.py"), ADDR_B);
	sh("%s", cmd);
	t_end = wall_ns();

	assert_int_equal(bh_bpf_source_poll(src, clk.now_ns(&clk)), 0);
	bh_collector_flush(c, clk.now_ns(&clk));
	assert_int_equal(bh_export_flush(l->exp, 10000), 0);

	a_pk = rx(ns_a, "bhcla", "packets") - a_pk0;
	a_by = rx(ns_a, "bhcla", "bytes") - a_by0;
	b_pk = rx(ns_b, "bhclb", "packets") - b_pk0;
	b_by = rx(ns_b, "bhclb", "bytes") - b_by0;
	printf("# rx %s: %llu packets %llu bytes; %s: %llu packets %llu bytes\n",
	       "bhcla", a_pk, a_by, "bhclb", b_pk, b_by);
	for (i = 0; i < l->n; i++) {
		const struct bh_flow_record *r = &l->recs[i];

		printf("# record: proto %u %u -> %u %s pkts %llu/%llu bytes %llu/%llu end %s\n",
		       r->proto, r->ep[0].port, r->ep[1].port,
		       bh_verdict_str(r->verdict),
		       (unsigned long long)r->packets[0],
		       (unsigned long long)r->packets[1],
		       (unsigned long long)r->bytes[0],
		       (unsigned long long)r->bytes[1],
		       bh_end_reason_str(r->end_reason));
		/* every flow was started in A */
		assert_int_equal(r->ep[BH_SIDE_INIT].addr.b[15], 1);
		assert_true(r->start_ns >= t_start - 1000000000ull);
		assert_true(r->end_ns <= t_end + 1000000000ull);
		sum_ip += r->packets[BH_SIDE_INIT];
		sum_ib += r->bytes[BH_SIDE_INIT];
		sum_rp += r->packets[BH_SIDE_RESP];
		sum_rb += r->bytes[BH_SIDE_RESP];
	}

	/* ICMP: 5 echo requests and 5 replies of 14 + 20 + 8 + 100 bytes. */
	icmp = find(l, 1, 0);
	assert_non_null(icmp);
	assert_int_equal(icmp->packets[BH_SIDE_INIT], 5);
	assert_int_equal(icmp->packets[BH_SIDE_RESP], 5);
	assert_int_equal(icmp->bytes[BH_SIDE_INIT], 5 * 142);
	assert_int_equal(icmp->bytes[BH_SIDE_RESP], 5 * 142);
	assert_true(icmp->has_icmp);
	assert_int_equal(icmp->icmp_type, 8);
	assert_int_equal(strlen(icmp->community_id), BH_COMMUNITY_ID_LEN);
	assert_string_equal(icmp->ep[BH_SIDE_INIT].workload, "client-0");
	assert_string_equal(icmp->ep[BH_SIDE_RESP].workload, "server-0");
	assert_string_equal(icmp->rule, "client-to-server");
	assert_int_equal(icmp->generation, gen);

	/* UDP: 7 datagrams of 14 + 20 + 8 + 200 bytes, none back. */
	udp = find(l, 17, 9000);
	assert_non_null(udp);
	assert_int_equal(udp->packets[BH_SIDE_INIT], 7);
	assert_int_equal(udp->bytes[BH_SIDE_INIT], 7 * 242);
	assert_int_equal(udp->packets[BH_SIDE_RESP], 0);
	assert_int_equal(udp->verdict, BH_VERDICT_ALLOW);

	/* Denied UDP: 3 of 14 + 20 + 8 + 50 bytes, dropped. */
	denied = find(l, 17, 9999);
	assert_non_null(denied);
	assert_int_equal(denied->packets[BH_SIDE_INIT], 3);
	assert_int_equal(denied->bytes[BH_SIDE_INIT], 3 * 92);
	assert_int_equal(denied->verdict, BH_VERDICT_DENY);
	assert_int_equal(denied->reason, BH_REASON_DEFAULT_DENY);
	assert_true(denied->denied);

	/* TCP: closed by FIN from both sides, payload both ways. */
	tcp = find(l, 6, 8080);
	assert_non_null(tcp);
	assert_int_equal(tcp->end_reason, BH_END_FIN);
	assert_true(tcp->bytes[BH_SIDE_INIT] > 20000);
	assert_true(tcp->bytes[BH_SIDE_RESP] > 5000);
	assert_true(tcp->tcp_flags[BH_SIDE_INIT] & BH_TCP_SYN);
	assert_true(tcp->tcp_flags[BH_SIDE_RESP] & BH_TCP_FIN);

	/* Everything the veth ends received, no more, no less. A veth counts
	 * bytes after the Ethernet header, the data plane whole frames. */
	assert_int_equal(sum_ip, b_pk);
	assert_int_equal(sum_ib, b_by + 14 * b_pk);
	assert_int_equal(sum_rp, a_pk);
	assert_int_equal(sum_rb, a_by + 14 * a_pk);

	/* Node statistics from the same parts, exported too. */
	assert_int_equal(bh_dp_stats(dp, &dps), 0);
	bh_node_stats_collect(&ns, "live", &dps, c, src, l->exp, gen);
	assert_int_equal(ns.dp.verdict_pkts[BH_VERDICT_DENY], 3);
	assert_int_equal(ns.col.drop_packets[BH_REASON_DEFAULT_DENY], 3);
	assert_int_equal(ns.col.drop_bytes[BH_REASON_DEFAULT_DENY], 3 * 92);
	assert_int_equal(ns.dp.verdict_pkts[BH_VERDICT_ALLOW],
			 sum_ip + sum_rp - 3);
	assert_int_equal(ns.n_maps, 3);
	assert_string_equal(ns.maps[1].name, "bh_flows");
	assert_int_equal(ns.maps[1].entries, 3); /* ICMP, TCP, UDP */
	assert_int_equal(ns.maps[1].capacity, 4096);
	assert_int_equal(ns.maps[2].entries, 1);
	assert_int_equal(ns.col.flows_evicted, 0);
	assert_int_equal(ns.exp.sinks[0].dropped_queue_full, 0);
	assert_int_equal(bh_export_node_stats(l->exp, &ns), 0);
	assert_int_equal(bh_export_flush(l->exp, 10000), 0);

	/* The same records through the exporter and observe. */
	snprintf(cmd, sizeof(cmd), "%s/src/cli/bulkhead observe -t flow,stats %s",
		 BH_BINARY_DIR, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(path, sizeof(path), p)) {
		lines += strstr(path, "client-0") != NULL;
		stats_lines += strstr(path, " STATS live ") != NULL;
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(lines, l->n);
	assert_int_equal(stats_lines, 1);

	bh_bpf_source_free(&src);
	bh_collector_free(&c);
	bh_export_free(&l->exp);
	bh_policy_names_free(&names);
	bh_dp_free(&dp);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&pol);
	free(l);
	cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_traffic),
	};
	int rc;

	bh_log_route_libs();
	rc = bh_test_require_bpf();
	if (rc)
		return rc;
	atexit(cleanup);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
