// SPDX-License-Identifier: GPL-2.0-only
/* Prometheus endpoint: the exposition text is well formed and carries the
 * node's numbers; the server answers curl on /metrics, 404 elsewhere, 405
 * for other methods, and serves the latest snapshot. */
#include "bh_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	ns->n_maps = 1;
	ns->maps[0] = (struct bh_map_occupancy){ "bh_flows", 40, 262144 };
	ns->have_export = true;
	ns->exp.n_sinks = 1;
	strcpy(ns->exp.sinks[0].url, "tcp://10.0.0.9:4739");
	ns->exp.sinks[0].dropped_queue_full = 3;
	ns->exp.dropped = 3;
	ns->have_detect = true;
	ns->detect.n_detectors = 2;
	ns->detect.det[0].name = "sweep";
	ns->detect.det[1].name = "portscan";
	ns->detect.det[1].alerts = 2;
	ns->detect.emitted = 5;
	ns->detect.alerts_open = 1;
	ns->detect.flows = 90;
	ns->detect.learning = true;
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
	assert_non_null(strstr(text, "\nbulkhead_alerts_total{detector=\"sweep\"} 0\n"));
	assert_non_null(strstr(text, "\nbulkhead_alerts_total{detector=\"portscan\"} 2\n"));
	assert_non_null(strstr(text, "\nbulkhead_alert_emissions_total 5\n"));
	assert_non_null(strstr(text, "\nbulkhead_alerts_open 1\n"));
	assert_non_null(strstr(text, "\nbulkhead_detect_flows_total 90\n"));
	assert_non_null(strstr(text, "\nbulkhead_detect_learning 1\n"));
	free(text);
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
	static const char *const bad[] = { "127.0.0.1", "127.0.0.1:x",
					   "127.0.0.1:70000", "[::1:9477",
					   "not a host:9477" };
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
		cmocka_unit_test(test_scrape_with_curl),
		cmocka_unit_test(test_bad_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
