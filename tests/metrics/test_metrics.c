// SPDX-License-Identifier: GPL-2.0-only
/* Prometheus endpoint: the exposition text is well formed and carries the
 * node's numbers; the server answers curl on /metrics, 404 elsewhere, 405
 * for other methods, and serves the latest snapshot. */
#include "bh_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "metrics.h"

static void sample_stats(struct bh_node_stats *ns, __u64 scale)
{
	memset(ns, 0, sizeof(*ns));
	ns->node = "node-\"a\"";
	ns->policy_generation = 12;
	ns->have_dp = true;
	ns->dp.verdict_pkts[BH_VERDICT_ALLOW] = 1000 * scale;
	ns->dp.verdict_bytes[BH_VERDICT_ALLOW] = 64000 * scale;
	ns->dp.verdict_pkts[BH_VERDICT_DENY] = 7;
	ns->dp.reason_pkts[BH_REASON_POLICY_DENIED] = 7;
	ns->dp.ev_suppressed = 5;
	ns->dp.ev_ringfull = 2;
	ns->have_collector = true;
	ns->col.drop_packets[BH_REASON_POLICY_DENIED] = 7;
	ns->col.drop_bytes[BH_REASON_POLICY_DENIED] = 420;
	ns->col.flows_active = 33;
	ns->col.records[BH_END_FIN] = 4;
	ns->col.interim_views = 9;
	ns->n_maps = 1;
	ns->maps[0] = (struct bh_map_occupancy){ "bh_flows", 40, 262144 };
	ns->have_export = true;
	ns->exp.n_sinks = 1;
	strcpy(ns->exp.sinks[0].url, "tcp://10.0.0.9:4739");
	ns->exp.sinks[0].dropped_queue_full = 3;
	ns->exp.dropped = 3;
}

/* Every sample belongs to a family announced by HELP and TYPE, names and
 * values are well formed. Returns the number of samples. */
static int check_format(const char *text)
{
	char family[128] = "", line[1024], name[128];
	const char *p = text, *nl;
	int samples = 0;

	while (*p) {
		size_t n;

		nl = strchr(p, '\n');
		assert_non_null(nl); /* every line ends with a newline */
		n = (size_t)(nl - p);
		assert_true(n < sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		if (!strncmp(line, "# HELP ", 7)) {
			assert_int_equal(sscanf(line + 7, "%127s", family), 1);
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			char type[32];

			assert_int_equal(sscanf(line + 7, "%127s %31s", name,
						type), 2);
			assert_string_equal(name, family);
			assert_true(!strcmp(type, "counter") ||
				    !strcmp(type, "gauge"));
			continue;
		}
		n = strspn(line, "abcdefghijklmnopqrstuvwxyz_");
		assert_true(n > 0);
		assert_memory_equal(line, family, n);
		assert_int_equal(family[n], '\0');
		if (line[n] == '{') {
			const char *end = strrchr(line, '}');

			assert_non_null(end);
			n = (size_t)(end - line) + 1;
		}
		assert_int_equal(line[n], ' ');
		assert_int_equal(strspn(line + n + 1, "0123456789"),
				 strlen(line + n + 1));
		samples++;
	}
	return samples;
}

static void test_render(void **state)
{
	struct bh_node_stats ns;
	char *text;
	size_t len;

	(void)state;
	sample_stats(&ns, 1);
	assert_int_equal(bh_metrics_render(&ns, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	assert_true(check_format(text) > 40);
	assert_non_null(strstr(text, "bulkhead_info{node=\"node-\\\"a\\\"\""));
	assert_non_null(strstr(text, "\nbulkhead_packets_total{verdict=\"allow\"} 1000\n"));
	assert_non_null(strstr(text, "\nbulkhead_bytes_total{verdict=\"allow\"} 64000\n"));
	assert_non_null(strstr(text, "\nbulkhead_drops_total{reason=\"policy_denied\"} 7\n"));
	assert_non_null(strstr(text, "\nbulkhead_drop_bytes_total{reason=\"policy_denied\"} 420\n"));
	assert_non_null(strstr(text, "\nbulkhead_active_flows 33\n"));
	assert_non_null(strstr(text, "\nbulkhead_events_suppressed_total{cause=\"rate_limit\"} 5\n"));
	assert_non_null(strstr(text, "\nbulkhead_export_dropped_total{sink=\"tcp://10.0.0.9:4739\",cause=\"queue_full\"} 3\n"));
	assert_non_null(strstr(text, "\nbulkhead_policy_generation 12\n"));
	assert_non_null(strstr(text, "\nbulkhead_map_entries{map=\"bh_flows\"} 40\n"));
	assert_non_null(strstr(text, "\nbulkhead_flow_records_total{end_reason=\"fin\"} 4\n"));
	assert_non_null(strstr(text, "\nbulkhead_flow_interim_views_total 9\n"));
	free(text);
}

/* Alerts of a real engine, by detector and severity: a web pod fails to
 * reach 8 hosts on tcp/22 (an admin-port sweep, high), then 15 ports of
 * one host (a port scan, medium); the tables and memory come along. */
static void test_render_detect(void **state)
{
	struct bh_detect_config cfg;
	struct bh_detect_stats st;
	struct bh_detect_flow f;
	struct bh_node_stats ns;
	struct bh_detect *d;
	char *text;
	size_t len;
	int i;

	(void)state;
	bh_detect_config_defaults(&cfg);
	cfg.trw.c.enabled = false;
	assert_int_equal(bh_detect_new(&d, &cfg, NULL, NULL), 0);
	for (i = 0; i < 23; i++) {
		memset(&f, 0, sizeof(f));
		f.id = (__u64)i + 1;
		f.start_ns = (1700000000ULL + (__u64)i) * 1000000000ULL;
		f.end_ns = f.start_ns + 1000000000ULL;
		f.init.addr.b[10] = f.init.addr.b[11] = 0xff;
		f.init.addr.b[12] = 10;
		f.init.addr.b[15] = 7;
		f.init.identity = 300;
		f.resp.addr = f.init.addr;
		f.resp.addr.b[14] = 1;
		f.resp.addr.b[15] = (__u8)(i < 8 ? i + 1 : 100);
		f.resp.identity = BH_ID_WORLD;
		f.resp.port = (__u16)(i < 8 ? 22 : 1000 + i);
		f.proto = 6;
		f.tcp_flags[BH_DETECT_FWD] = BH_TCP_SYN;
		f.packets[BH_DETECT_FWD] = 1;
		f.verdict = BH_VERDICT_ALLOW;
		f.flags = BH_DETECT_F_FINAL;
		assert_int_equal(bh_detect_flow(d, &f), 0);
	}
	bh_detect_stats(d, &st);
	memset(&ns, 0, sizeof(ns));
	ns.node = "n";
	ns.detect = &st;
	assert_int_equal(bh_metrics_render(&ns, &text, &len), 0);
	check_format(text);
	assert_non_null(strstr(text, "\nbulkhead_alerts_total{detector=\"sweep\",severity=\"high\"} 1\n"));
	assert_non_null(strstr(text, "\nbulkhead_alerts_total{detector=\"sweep\",severity=\"medium\"} 0\n"));
	assert_non_null(strstr(text, "\nbulkhead_alerts_total{detector=\"portscan\",severity=\"medium\"} 1\n"));
	assert_non_null(strstr(text, "\nbulkhead_alerts_total{detector=\"pivot_chain\",severity=\"critical\"} 0\n"));
	assert_non_null(strstr(text, "\nbulkhead_detect_flows_total 23\n"));
	assert_non_null(strstr(text, "\nbulkhead_detect_table_entries{table=\"sources\"} 1\n"));
	assert_non_null(strstr(text, "\nbulkhead_detect_table_capacity{table=\"sources\"} 8192\n"));
	assert_non_null(strstr(text, "\nbulkhead_detect_memory_bytes{state=\"allocated\"} "));
	free(text);
	bh_detect_free(&d);
	bh_detect_config_clear(&cfg);
}

/* curl's output (body, then the status code on its own line). */
static char *curl(const char *args, unsigned int port, const char *path)
{
	char cmd[512], *buf = NULL;
	size_t cap = 0, len = 0, n;
	char chunk[4096];
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "curl -sS -w '\\n%%{http_code}\\n' %s http://127.0.0.1:%u%s",
		 args, port, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	assert_int_equal(pclose(p), 0);
	assert_non_null(buf);
	buf[len] = '\0';
	return buf;
}

static void test_scrape_with_curl(void **state)
{
	struct bh_metrics *m;
	struct bh_node_stats ns;
	char *out;

	(void)state;
	assert_int_equal(bh_metrics_new(&m, "127.0.0.1:0"), 0);
	assert_true(bh_metrics_port(m) > 0);

	/* Before the first snapshot: zeros, well formed. */
	out = curl("", bh_metrics_port(m), "/metrics");
	assert_non_null(strstr(out, "\nbulkhead_policy_generation 0\n"));
	assert_non_null(strstr(out, "\n200\n"));
	free(out);

	sample_stats(&ns, 1);
	assert_int_equal(bh_metrics_publish(m, &ns), 0);
	out = curl("", bh_metrics_port(m), "/metrics");
	assert_non_null(strstr(out, "bulkhead_packets_total{verdict=\"allow\"} 1000\n"));
	assert_non_null(strstr(out, "\n200\n"));
	*strrchr(out, '\n') = '\0';
	*strrchr(out, '\n') = '\0'; /* drop the status line */
	check_format(out);
	free(out);

	sample_stats(&ns, 3);
	bh_metrics_publish(m, &ns);
	out = curl("-i", bh_metrics_port(m), "/metrics");
	assert_non_null(strstr(out, "bulkhead_packets_total{verdict=\"allow\"} 3000\n"));
	assert_non_null(strstr(out, "text/plain; version=0.0.4"));
	free(out);

	out = curl("", bh_metrics_port(m), "/");
	assert_non_null(strstr(out, "\n404\n"));
	free(out);
	out = curl("-X POST", bh_metrics_port(m), "/metrics");
	assert_non_null(strstr(out, "\n405\n"));
	free(out);

	bh_metrics_free(&m);
	assert_null(m);
	bh_metrics_free(&m);
}

static void test_bad_addresses(void **state)
{
	/* 4294967297 wrapped to port 1 through atoi() */
	static const char *const bad[] = { "127.0.0.1",	 "127.0.0.1:x",
					   "127.0.0.1:70000", "[::1:9477",
					   "not a host:9477", "127.0.0.1:4294967297",
					   "127.0.0.1:+80",   "127.0.0.1:" };
	struct bh_metrics *m, *m2;
	char addr[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(bh_metrics_new(&m, bad[i]), 0);
	/* The port is taken. */
	assert_int_equal(bh_metrics_new(&m, "127.0.0.1:0"), 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", bh_metrics_port(m));
	assert_int_equal(bh_metrics_new(&m2, addr), -EADDRNOTAVAIL);
	bh_metrics_free(&m);
	/* IPv6 loopback */
	assert_int_equal(bh_metrics_new(&m, "[::1]:0"), 0);
	bh_metrics_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_detect),
		cmocka_unit_test(test_scrape_with_curl),
		cmocka_unit_test(test_bad_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
