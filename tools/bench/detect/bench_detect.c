// SPDX-License-Identifier: GPL-2.0-only
/*
 * Detection engine benchmark.
 *
 * 1. Throughput: a synthetic cluster's flow records (200 workloads, 2,000
 *    pods, edges learned in the first quarter, 1% refused, 0.1% denied, 2%
 *    SSH)
 *    pushed through every detector, against the same loop handing each
 *    record to a trivial consumer instead (the baseline), and against the
 *    engine with every detector disabled (source table, blooms and edge
 *    lookups only), and with an interim view of each flow before its
 *    record, as the pipeline passes young flows. Best of three runs each.
 * 2. Flood: 1,000,000 spoofed sources, one failed SYN each (an interim
 *    view, then the record), with a real scanner inside; state memory and RSS sampled as it goes: they must
 *    stay flat once the source table is at its cap, and the scanner must
 *    still be detected.
 */
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "detect.h"

#define NS 1000000000ULL
#define T0 (1700000000ULL * NS)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *fp = fopen("/proc/self/statm", "r");

	if (!fp)
		return -1;
	if (fscanf(fp, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	fclose(fp);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static union bh_addr v4(uint32_t host)
{
	union bh_addr a;

	memset(&a, 0, sizeof(a));
	a.b[10] = a.b[11] = 0xff;
	a.b[12] = 10;
	a.b[13] = (host >> 16) & 0xff;
	a.b[14] = (host >> 8) & 0xff;
	a.b[15] = host & 0xff;
	return a;
}

static const char *const names[] = {"web",   "api",  "db",     "cache",
				    "queue", "auth", "search", "billing"};

/* The synthetic cluster: workload w has pods 10 * w .. 10 * w + 9 and
 * talks to workloads (w + 1..4) % 200 on port 8000 + peer % 50. */
static void gen_cluster(struct bh_detect_flow *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct bh_detect_flow *f = &v[i];
		uint64_t r = rnd();
		uint32_t w = (uint32_t)(r % 200), peer, pod, ppod;

		peer = (w + 1 + (uint32_t)((r >> 8) % 4)) % 200;
		pod = w * 10 + (uint32_t)((r >> 16) % 10);
		ppod = peer * 10 + (uint32_t)((r >> 24) % 10);
		memset(f, 0, sizeof(*f));
		f->id = i + 1;
		f->start_ns = T0 + i * 10000ULL; /* 100,000 flows/s */
		f->end_ns = f->start_ns + 2000000ULL;
		f->init.addr = v4(pod + 1);
		f->resp.addr = v4(ppod + 1);
		f->init.identity = 256 + w;
		f->resp.identity = 256 + peer;
		f->init.name = names[w % 8];
		f->resp.name = names[peer % 8];
		f->init.port = 30000 + (uint16_t)(r >> 40);
		f->resp.port = 8000 + (uint16_t)(peer % 50);
		f->proto = IPPROTO_TCP;
		f->verdict = BH_VERDICT_ALLOW;
		f->flags = BH_DETECT_F_FINAL;
		f->tcp_flags[0] = f->tcp_flags[1] =
		    BH_TCP_SYN | BH_TCP_ACK | BH_TCP_PSH | BH_TCP_FIN;
		f->packets[0] = f->packets[1] = 8;
		f->bytes[0] = 900;
		f->bytes[1] = 4000;
		switch ((r >> 48) % 1000) {
		case 0 ... 9: /* 1%: refused */
			f->tcp_flags[0] = BH_TCP_SYN;
			f->tcp_flags[1] = BH_TCP_RST | BH_TCP_ACK;
			break;
		case 10: /* 0.1%: denied */
			f->tcp_flags[0] = BH_TCP_SYN;
			f->tcp_flags[1] = 0;
			f->verdict = BH_VERDICT_DENY;
			break;
		case 11 ... 30: /* 2%: SSH to the next workload (config
				 * management style, learned) */
			peer = (w + 1) % 200;
			ppod = peer * 10 + (uint32_t)((r >> 24) % 10);
			f->resp.addr = v4(ppod + 1);
			f->resp.identity = 256 + peer;
			f->resp.name = names[peer % 8];
			f->resp.port = 22;
			break;
		}
	}
}

static uint64_t sink_sum;

/* The baseline's consumer: touches the record like a cheap stage would. */
static __attribute__((noinline)) int consume(const struct bh_detect_flow *f)
{
	sink_sum += f->id ^ f->bytes[0] ^ f->resp.port;
	return 0;
}

static void count_alert(const struct bh_detect_alert *a, void *ctx)
{
	(*(uint64_t *)ctx)++;
}

/* One flow as the pipeline passes a young one: an interim view at the
 * first poll, then its record, marked F_CONT when the view was answered. */
static void two_views(struct bh_detect *d, const struct bh_detect_flow *f)
{
	struct bh_detect_flow v = *f;

	v.flags &= ~(__u32)BH_DETECT_F_FINAL;
	if (bh_detect_flow(d, &v) == BH_DETECT_ANSWERED) {
		v = *f;
		v.flags |= BH_DETECT_F_CONT;
		bh_detect_flow(d, &v);
	} else {
		bh_detect_flow(d, f);
	}
}

static double run_detect(const struct bh_detect_config *cfg,
			 const struct bh_detect_flow *v, size_t n, bool views,
			 uint64_t *alerts, struct bh_detect_stats *st)
{
	struct bh_detect *d;
	double t;
	size_t i;

	*alerts = 0;
	if (bh_detect_new(&d, cfg, count_alert, alerts)) {
		fprintf(stderr, "bench_detect: cannot create the engine\n");
		exit(1);
	}
	t = now_s();
	for (i = 0; i < n; i++) {
		if (views)
			two_views(d, &v[i]);
		else
			bh_detect_flow(d, &v[i]);
	}
	t = now_s() - t;
	bh_detect_stats(d, st);
	bh_detect_free(&d);
	return t;
}

static void throughput(size_t n)
{
	struct bh_detect_flow *v = calloc(n, sizeof(*v));
	struct bh_detect_config cfg, off;
	struct bh_detect_stats st;
	double base = 1e9, all = 1e9, core = 1e9, viewed = 1e9, t;
	uint64_t alerts = 0, a, va = 0;
	int run;
	size_t i;

	if (!v) {
		perror("calloc");
		exit(1);
	}
	gen_cluster(v, n);
	bh_detect_config_defaults(&cfg);
	cfg.learning_ns = n / 4 * 10000ULL; /* the first quarter */
	bh_detect_config_defaults(&off);
	off.learning_ns = cfg.learning_ns;
	off.sweep.c.enabled = off.portscan.c.enabled = off.trw.c.enabled =
	    off.new_edge.c.enabled = off.fanout.c.enabled =
		off.transfer.c.enabled = off.pivot.c.enabled =
		    off.deny.c.enabled = false;
	for (run = 0; run < 3; run++) {
		t = now_s();
		for (i = 0; i < n; i++)
			consume(&v[i]);
		t = now_s() - t;
		base = t < base ? t : base;
		t = run_detect(&off, v, n, false, &a, &st);
		core = t < core ? t : core;
		t = run_detect(&cfg, v, n, true, &va, &st);
		viewed = t < viewed ? t : viewed;
		t = run_detect(&cfg, v, n, false, &alerts, &st);
		all = t < all ? t : all;
	}
	printf("## Throughput: %zu flow records, 200 workloads, 2000 pods\n\n",
	       n);
	printf("| loop | flows/s | ns/flow | vs baseline |\n");
	printf("|---|---:|---:|---:|\n");
	printf("| baseline (records to a trivial consumer) | %.0f | %.1f | "
	       "1.00 |\n",
	       n / base, base * 1e9 / n);
	printf("| engine, detectors disabled | %.0f | %.1f | %.2f |\n",
	       n / core, core * 1e9 / n, (n / core) / (n / base));
	printf("| engine, all 8 detectors | %.0f | %.1f | %.2f |\n", n / all,
	       all * 1e9 / n, (n / all) / (n / base));
	printf("| engine, all 8 detectors, an interim view before each record "
	       "| %.0f | %.1f | %.2f |\n\n",
	       n / viewed, viewed * 1e9 / n, (n / viewed) / (n / base));
	if (va != alerts)
		printf("interim views changed the alerts: %llu vs %llu\n\n",
		       (unsigned long long)va, (unsigned long long)alerts);
	printf("alerts: %llu; state memory %.1f MiB allocated, %.1f MiB in use;"
	       " sources %u/%u, edges %u/%u\n\n",
	       (unsigned long long)alerts, st.mem_bytes / 1048576.0,
	       st.mem_used_bytes / 1048576.0, st.sources, st.sources_max,
	       st.edges, st.edges_max);
	printf("alerts by detector:");
	for (i = 0; i < st.n_detectors; i++)
		printf(" %s %llu", st.detector_names[i],
		       (unsigned long long)st.alerts[i]);
	printf("\n\n");
	bh_detect_config_clear(&cfg);
	bh_detect_config_clear(&off);
	free(v);
}

static void flood(size_t n)
{
	struct bh_detect_config cfg;
	struct bh_detect_stats st;
	struct bh_detect_flow f;
	struct bh_detect *d;
	uint64_t alerts = 0;
	double t;
	size_t i, scans = 0;

	bh_detect_config_defaults(&cfg);
	if (bh_detect_new(&d, &cfg, count_alert, &alerts)) {
		fprintf(stderr, "bench_detect: cannot create the engine\n");
		exit(1);
	}
	printf("## Flood: %zu spoofed sources, one failed SYN each (an interim "
	       "view, then the record), a real scanner inside (1 probe per "
	       "1000 flows)\n\n",
	       n);
	printf("| flows | sources | state MiB allocated | state MiB in use | "
	       "RSS MiB | source evictions | alerts |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|\n");
	t = now_s();
	for (i = 0; i < n; i++) {
		uint64_t r = rnd();

		memset(&f, 0, sizeof(f));
		f.id = i + 1;
		f.start_ns = T0 + i * 1000ULL; /* 1,000,000 flows/s */
		f.end_ns = f.start_ns + 1000000ULL;
		f.init.addr.b[10] = f.init.addr.b[11] = 0xff;
		memcpy(&f.init.addr.b[12], &r, 4); /* spoofed */
		f.init.identity = BH_ID_WORLD;
		f.init.external = true;
		f.resp.addr = v4((uint32_t)(r >> 32) % 2000 + 1);
		f.resp.identity = 256 + (uint32_t)(r >> 32) % 2000 / 10;
		f.resp.port = 443;
		f.proto = IPPROTO_TCP;
		f.verdict = BH_VERDICT_ALLOW;
		f.flags = BH_DETECT_F_FINAL;
		f.tcp_flags[0] = BH_TCP_SYN;
		f.packets[0] = 1;
		f.bytes[0] = 60;
		two_views(d, &f);
		if (i % 1000 == 999) {
			/* the scanner: a new internal host each time */
			f.id = n + ++scans;
			f.init.addr = v4(0x0707);
			f.init.identity = 300;
			f.init.external = false;
			f.init.name = "web";
			f.resp.addr = v4(0x100000 + (uint32_t)scans);
			two_views(d, &f);
		}
		if ((i + 1) % (n / 10) == 0) {
			bh_detect_stats(d, &st);
			printf(
			    "| %zu | %u | %.1f | %.1f | %.1f | %llu | %llu |\n",
			    i + 1, st.sources, st.mem_bytes / 1048576.0,
			    st.mem_used_bytes / 1048576.0, rss_kib() / 1024.0,
			    (unsigned long long)st.source_evictions,
			    (unsigned long long)alerts);
		}
	}
	t = now_s() - t;
	bh_detect_stats(d, &st);
	printf(
	    "\nflood: %.0f flows/s; scanner detected: %s (sweep alerts %llu, "
	    "TRW alerts %llu)\n\n",
	    (n + scans) / t, st.alerts[BH_DETECT_SWEEP] ? "yes" : "NO",
	    (unsigned long long)st.alerts[BH_DETECT_SWEEP],
	    (unsigned long long)st.alerts[BH_DETECT_TRW]);
	bh_detect_free(&d);
	bh_detect_config_clear(&cfg);
}

int main(int argc, char **argv)
{
	size_t flows = 2000000, sources = 1000000;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--flows") && i + 1 < argc)
			flows = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--flood") && i + 1 < argc)
			sources = strtoul(argv[++i], NULL, 10);
		else {
			fprintf(
			    stderr,
			    "usage: bench_detect [--flows N] [--flood N]\n");
			return 2;
		}
	}
	if (flows < 1000 || sources < 10000) {
		fprintf(stderr, "bench_detect: --flows >= 1000, --flood >= "
				"10000\n");
		return 2;
	}
	printf("# bench_detect: reproduce with\n"
	       "#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release "
	       "-DBH_BUILD_TESTS=OFF && cmake --build build-bench --target "
	       "bench_detect && build-bench/tools/bench/detect/bench_detect "
	       "--flows %zu --flood %zu\n\n",
	       flows, sources);
	throughput(flows);
	flood(sources);
	return 0;
}
