// SPDX-License-Identifier: GPL-2.0-only
/*
 * Collector and encoder throughput, and memory per tracked flow.
 *
 *   bench_collector [-f FLOWS] [-p POLLS] [-r RECORDS] [-c CPU]
 *
 * Each figure is the best of 5 runs, next to a baseline measured in the same
 * run on the same data:
 *  - flow updates: bh_collector_ingest() of FLOWS map entries per poll, each
 *    with new counters; baseline: reading the same entries and summing their
 *    counters (the memory traffic any collector pays).
 *  - records encoded: a full flow record (two named endpoints with labels,
 *    tunnel, VLAN, Community ID) to a framed Envelope (bh_pb_flow_init +
 *    bh_envelope_write); baseline: protobuf_c_message_pack() of the same,
 *    already built FlowRecord message.
 *  - records exported: the same through bh_export_flow() into a file sink
 *    on /dev/null (queue and writer thread included).
 *  - memory: table bytes reserved per flow, and resident memory grown per
 *    flow while FLOWS flows are tracked.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "encode.h"
#include "export.h"
#include "stream.h"

#define RUNS 5

/* Results the compiler must not optimize away. */
static volatile __u64 bench_sink;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static void on_record(void *ctx, struct bh_flow_record *r)
{
	(*(unsigned long *)ctx) += r->packets[0] ? 1 : 0;
}

static struct bh_flow_key *keys;
static struct bh_flow *vals;

static void make_flows(unsigned int n)
{
	unsigned int i;

	keys = calloc(n, sizeof(*keys));
	vals = calloc(n, sizeof(*vals));
	if (!keys || !vals)
		exit(1);
	for (i = 0; i < n; i++) {
		keys[i].a.b[10] = keys[i].a.b[11] = 0xff;
		keys[i].b.b[10] = keys[i].b.b[11] = 0xff;
		keys[i].a.b[12] = 10;
		keys[i].a.b[13] = (__u8)(i >> 16);
		keys[i].a.b[14] = (__u8)(i >> 8);
		keys[i].a.b[15] = (__u8)i;
		keys[i].b.b[12] = 10;
		keys[i].b.b[13] = 200;
		keys[i].b.b[15] = 1;
		keys[i].a_port = (__u16)(1024 + i % 60000);
		keys[i].b_port = 443;
		keys[i].proto = 6;
		vals[i].verdict = BH_VERDICT_ALLOW;
		vals[i].ct_state = BH_CT_ESTABLISHED;
		vals[i].first_seen_ns = 1;
		vals[i].identity[0] = 256;
		vals[i].identity[1] = 257;
	}
}

/* One poll: every entry got one more packet each way. */
static void advance(unsigned int n, __u64 t)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		vals[i].packets[0]++;
		vals[i].packets[1]++;
		vals[i].bytes[0] += 100;
		vals[i].bytes[1] += 1400;
		vals[i].last_seen_ns = t;
	}
}

static double bench_updates(unsigned int n, unsigned int polls,
			    double *baseline, long *rss_grow,
			    __u64 *mem_reserved)
{
	struct bh_collector_opts o;
	struct bh_collector_stats st;
	struct bh_collector *c;
	struct bh_clock clk;
	unsigned long records = 0;
	double t, best = 1e9, best_base = 1e9;
	unsigned int p, i;
	int run;
	long rss0;

	bh_clock_init_replay(&clk);
	for (run = 0; run < RUNS; run++) {
		bh_collector_opts_default(&o);
		o.max_flows = n + n / 8;
		o.clock = &clk;
		o.emit = on_record;
		o.emit_ctx = &records;
		rss0 = rss_kib();
		if (bh_collector_new(&c, &o))
			exit(1);
		/* first poll discovers the flows (not timed) */
		advance(n, 1000);
		bh_collector_poll_begin(c, 1000);
		for (i = 0; i < n; i++)
			bh_collector_ingest(c, &keys[i], &vals[i], false);
		bh_collector_poll_end(c, 1000);
		/* Later runs reuse memory the allocator kept: first run only. */
		if (!run)
			*rss_grow = rss_kib() - rss0;

		t = 0;
		for (p = 1; p <= polls; p++) {
			double t0;

			advance(n, 1000 + p * 1000000000ull);
			t0 = now_s();
			bh_collector_poll_begin(c, 1000 + p * 1000000000ull);
			for (i = 0; i < n; i++)
				bh_collector_ingest(c, &keys[i], &vals[i],
						    false);
			bh_collector_poll_end(c, 1000 + p * 1000000000ull);
			t += now_s() - t0;
		}
		if (t < best)
			best = t;
		bh_collector_stats(c, &st);
		*mem_reserved = st.memory_bytes;
		bh_collector_free(&c);

		t = 0;
		for (p = 1; p <= polls; p++) {
			double t0;

			advance(n, p);
			t0 = now_s();
			for (i = 0; i < n; i++)
				bench_sink += vals[i].packets[0] + vals[i].bytes[1] +
					keys[i].a_port;
			t += now_s() - t0;
		}
		if (t < best_base)
			best_base = t;
	}
	*baseline = (double)n * polls / best_base;
	return (double)n * polls / best;
}

static void sample_record(struct bh_flow_record *r, __u64 id)
{
	static const char *const labels_a[] = { "app=web", "team=shop",
						"tier=front" };
	static const char *const labels_b[] = { "app=db", "team=shop" };

	memset(r, 0, sizeof(*r));
	r->flow_id = id;
	r->end_reason = BH_END_FIN;
	r->direction = BH_TDIR_EGRESS;
	r->proto = 6;
	r->start_ns = 1700000000000000000ull + id;
	r->end_ns = r->start_ns + 5000000;
	r->record_start_ns = r->start_ns;
	r->node = "node-a.example";
	r->ep[0].addr.b[10] = r->ep[0].addr.b[11] = 0xff;
	r->ep[0].addr.b[12] = 10;
	r->ep[0].addr.b[15] = (__u8)id;
	r->ep[0].port = (__u16)(32768 + id % 28000);
	r->ep[0].identity = 256;
	r->ep[0].identity_kind = BH_KIND_WORKLOAD;
	r->ep[0].workload = "web-7d4b9c-x2k";
	r->ep[0].labels = labels_a;
	r->ep[0].n_labels = 3;
	r->ep[0].ifindex = 17;
	r->ep[0].ifname = "veth3f2a91";
	r->ep[1].addr = r->ep[0].addr;
	r->ep[1].addr.b[15] = 2;
	r->ep[1].port = 5432;
	r->ep[1].identity = 257;
	r->ep[1].identity_kind = BH_KIND_WORKLOAD;
	r->ep[1].workload = "db-0";
	r->ep[1].labels = labels_b;
	r->ep[1].n_labels = 2;
	r->packets[0] = 12 + id % 7;
	r->bytes[0] = 1500 + id;
	r->packets[1] = 10;
	r->bytes[1] = 90000;
	r->tcp_flags[0] = r->tcp_flags[1] = 0x1b;
	r->verdict = BH_VERDICT_ALLOW;
	r->rule_id = 4;
	r->rule = "allow-web-db";
	r->generation = 31;
	r->epoch = 62;
	r->tunneled = true;
	r->tun_type = BH_TUN_VXLAN;
	r->vni = 4096;
	r->outer_saddr = r->ep[0].addr;
	r->outer_daddr = r->ep[1].addr;
	r->vlan_count = 1;
	r->vlan[0] = 100;
	strcpy(r->community_id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

static double bench_encode(unsigned long n, double *baseline, size_t *size)
{
	struct bh_envelope_writer w = { .node_id = "node-a.example",
					.instance = 42 };
	Bulkhead__Telemetry__V1__Envelope env;
	struct bh_flow_record r;
	struct bh_pb_flow pb;
	static uint8_t buf[4096];
	double t0, best = 1e9, best_base = 1e9;
	unsigned long i;
	int run;

	sample_record(&r, 1);
	for (run = 0; run < RUNS; run++) {
		t0 = now_s();
		for (i = 0; i < n; i++) {
			r.flow_id = i;
			r.bytes[0] = 1500 + i;
			bh_pb_flow_init(&pb, &r);
			bulkhead__telemetry__v1__envelope__init(&env);
			env.payload_case =
				BULKHEAD__TELEMETRY__V1__ENVELOPE__PAYLOAD_FLOW;
			env.flow = &pb.flow;
			bench_sink += (size_t)bh_envelope_write(
				&w, &env, i, bh_pb_flow_bound(&r));
		}
		t0 = now_s() - t0;
		if (t0 < best)
			best = t0;

		bh_pb_flow_init(&pb, &r);
		t0 = now_s();
		for (i = 0; i < n; i++) {
			pb.flow.flow_id = i;
			bench_sink += protobuf_c_message_pack(&pb.flow.base, buf);
		}
		t0 = now_s() - t0;
		if (t0 < best_base)
			best_base = t0;
	}
	*size = (size_t)bh_envelope_write(&w, &env, 1, 0);
	free(w.buf);
	*baseline = (double)n / best_base;
	return (double)n / best;
}

static double bench_export(unsigned long n, __u64 *dropped)
{
	struct bh_export_opts o;
	struct bh_export_stats st;
	struct bh_export *e;
	struct bh_flow_record r;
	double t0, best = 1e9;
	unsigned long i;
	int run;

	sample_record(&r, 1);
	*dropped = 0;
	for (run = 0; run < RUNS; run++) {
		bh_export_opts_default(&o);
		o.node_id = "node-a.example";
		if (bh_export_new(&e, &o) || bh_export_add_sink(e, "/dev/null"))
			exit(1);
		t0 = now_s();
		for (i = 0; i < n; i++) {
			r.flow_id = i;
			bh_export_flow(e, &r);
		}
		t0 = now_s() - t0;
		bh_export_flush(e, 10000);
		bh_export_stats(e, &st);
		*dropped += st.dropped;
		bh_export_free(&e);
		if (t0 < best)
			best = t0;
	}
	return (double)n / best;
}

int main(int argc, char **argv)
{
	unsigned int flows = 100000, polls = 20;
	unsigned long records = 1000000;
	double upd, upd_base, enc, enc_base, exp;
	__u64 reserved, dropped;
	size_t env_size;
	long rss_grow;
	int cpu = -1, opt;

	while ((opt = getopt(argc, argv, "f:p:r:c:")) != -1) {
		switch (opt) {
		case 'f':
			flows = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			polls = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			records = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-f FLOWS] [-p POLLS] [-r RECORDS] [-c CPU]\n",
				argv[0]);
			return 2;
		}
	}
	if (!flows || !polls || !records)
		return 2;
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			perror("sched_setaffinity");
	}
	make_flows(flows);
	printf("# bench_collector -f %u -p %u -r %lu%s (best of %d runs)\n",
	       flows, polls, records, cpu >= 0 ? " -c CPU" : "", RUNS);
	upd = bench_updates(flows, polls, &upd_base, &rss_grow, &reserved);
	enc = bench_encode(records, &enc_base, &env_size);
	exp = bench_export(records, &dropped);

	printf("| measure | bulkhead | baseline | ratio |\n");
	printf("|---|---:|---:|---:|\n");
	printf("| flow updates aggregated /s (%u flows x %u polls) | %.2f M | %.2f M (read + sum the entries) | %.2f |\n",
	       flows, polls, upd / 1e6, upd_base / 1e6, upd_base / upd);
	printf("| flow records encoded /s (envelope, %zu bytes framed) | %.2f M | %.2f M (protobuf_c_message_pack of the built FlowRecord) | %.2f |\n",
	       env_size, enc / 1e6, enc_base / 1e6, enc_base / enc);
	printf("| flow records exported /s (file sink on /dev/null) | %.2f M | %.2f M (encode only, above) | %.2f |\n",
	       exp / 1e6, enc / 1e6, enc / exp);
	printf("| table memory reserved per flow | %zu B | | |\n",
	       (size_t)(reserved / (flows + flows / 8)));
	printf("| resident memory grown per tracked flow (%u flows) | %.0f B | %zu B (sizeof struct bh_flow_key + bh_flow) | %.2f |\n",
	       flows, rss_grow * 1024.0 / flows,
	       sizeof(struct bh_flow_key) + sizeof(struct bh_flow),
	       rss_grow * 1024.0 / flows /
		       (double)(sizeof(struct bh_flow_key) +
				sizeof(struct bh_flow)));
	if (dropped)
		printf("# export: %llu envelopes dropped (queue full)\n",
		       (unsigned long long)dropped);
	return 0;
}
