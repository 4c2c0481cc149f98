// SPDX-License-Identifier: GPL-2.0-only
/*
 * GeoIP/ASN lookups per second: libmaxminddb on every lookup (bh_geo with
 * the cache off) against bh_geo with its cache, in the same run, on the
 * same addresses. The addresses are drawn inside the networks of the
 * database (its --list file), and the lookup stream follows a Zipf law
 * over them, as remote peers of a node do (a few CDNs and APIs get most
 * flows); a uniform stream is measured too, the cache's worst case.
 *
 * --pipeline: flow records per second through the record pipeline with
 * detection (src/pipeline), without enrichment (the baseline), with
 * enrichment, and with enrichment and the geo novelty detector, on the
 * same records: workloads whose flows go to the Zipf stream's peers.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include "geo.h"
#include "pipeline.h"

struct bench_opts {
	const char *city_db;
	const char *asn_db;
	const char *list;
	unsigned int addrs;
	unsigned int lookups;
	unsigned int cache;
	unsigned int rounds;
	double zipf;
	unsigned long long seed;
	bool pipeline;
	unsigned int external; /* --pipeline: % of records to the outside */
	unsigned int workloads;
};

static unsigned long long rng_state;

static unsigned long long rng(void)
{
	/* xorshift64*: reproducible for a seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* A random address inside "net/len". */
static int addr_in(const char *line, union bh_addr *out)
{
	char buf[64], *slash;
	unsigned int len, bit;

	snprintf(buf, sizeof(buf), "%s", line);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	len = (unsigned int)atoi(slash + 1);
	if (bh_geo_addr_parse(buf, out))
		return -EINVAL;
	if (bh_geo_addr_is_v4(out))
		len += 96;
	for (bit = len; bit < 128; bit++)
		if (rng() & 1)
			out->b[bit / 8] |= (unsigned char)(0x80 >> (bit % 8));
	return 0;
}

static union bh_addr *load_addrs(const struct bench_opts *o)
{
	char **nets = NULL, line[128];
	size_t n = 0, cap = 0, i;
	union bh_addr *a;
	FILE *f;

	f = fopen(o->list, "r");
	if (!f) {
		fprintf(stderr, "bench_geo: cannot open %s: %s\n", o->list,
			strerror(errno));
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			nets = realloc(nets, cap * sizeof(*nets));
			if (!nets)
				exit(1);
		}
		nets[n++] = strdup(line);
	}
	fclose(f);
	if (!n) {
		fprintf(stderr, "bench_geo: %s lists no network\n", o->list);
		return NULL;
	}
	a = calloc(o->addrs, sizeof(*a));
	for (i = 0; a && i < o->addrs; i++)
		if (addr_in(nets[rng() % n], &a[i])) {
			fprintf(stderr, "bench_geo: %s: bad network '%s'\n",
				o->list, nets[i % n]);
			exit(1);
		}
	for (i = 0; i < n; i++)
		free(nets[i]);
	free(nets);
	return a;
}

/* Indexes into the address table: Zipf(s) over ranks when s > 0, else
 * uniform. Drawn before timing. */
static unsigned int *make_stream(const struct bench_opts *o, double s)
{
	unsigned int *idx = malloc(o->lookups * sizeof(*idx));
	double *cdf = malloc(o->addrs * sizeof(*cdf));
	double sum = 0;
	unsigned int i;

	if (!idx || !cdf)
		exit(1);
	for (i = 0; i < o->addrs; i++) {
		sum += s > 0 ? 1.0 / pow(i + 1, s) : 1.0;
		cdf[i] = sum;
	}
	for (i = 0; i < o->lookups; i++) {
		double u = (double)(rng() >> 11) / 9007199254740992.0 * sum;
		unsigned int lo = 0, hi = o->addrs - 1;

		while (lo < hi) {
			unsigned int mid = lo + (hi - lo) / 2;

			if (cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		idx[i] = lo;
	}
	free(cdf);
	return idx;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct run {
	double rate; /* lookups per second, best round */
	double hit_ratio;
	unsigned long long found;
};

static int run_one(const struct bench_opts *o, unsigned int cache,
		   const union bh_addr *addrs, const unsigned int *stream,
		   struct run *r)
{
	struct bh_geo_config cfg;
	struct bh_geo_stats st;
	struct bh_geo *g = NULL;
	unsigned int round, i;
	int err;

	bh_geo_config_init(&cfg);
	snprintf(cfg.city_db, sizeof(cfg.city_db), "%s", o->city_db);
	snprintf(cfg.asn_db, sizeof(cfg.asn_db), "%s", o->asn_db);
	cfg.cache_entries = cache;
	cfg.hash_seed = o->seed;
	err = bh_geo_open(&g, &cfg);
	if (err)
		return err;
	if (!bh_geo_enabled(g)) {
		fprintf(stderr, "bench_geo: no database opened\n");
		bh_geo_free(&g);
		return -ENOENT;
	}
	memset(r, 0, sizeof(*r));
	for (round = 0; round < o->rounds; round++) {
		struct bh_geo_info info;
		unsigned long long found = 0;
		double t0, t;

		/* each round starts cold: the cache's warm-up is measured */
		cfg.cache_entries = cache;
		bh_geo_reload(g, &cfg);
		t0 = now_s();
		for (i = 0; i < o->lookups; i++)
			found +=
			    bh_geo_lookup(g, &addrs[stream[i]], &info) == 0;
		t = now_s() - t0;
		if (o->lookups / t > r->rate)
			r->rate = o->lookups / t;
		r->found = found;
	}
	bh_geo_get_stats(g, &st);
	r->hit_ratio = st.lookups ? (double)st.cache_hits / st.lookups : 0;
	bh_geo_free(&g);
	return 0;
}

/* ---- --pipeline ---------------------------------------------------------- */

enum { PL_DETECT, PL_ENRICH, PL_NOVELTY, PL_MAX };

static const char *const pl_name[PL_MAX] = {
    "detection, no geo (baseline)",
    "+ enrichment",
    "+ enrichment + geo novelty",
};

struct pl_run {
	double rate; /* records per second, best round */
	unsigned long long alerts, novelty_alerts, enriched;
	double hit_ratio;
	unsigned long long novelty_mem;
};

struct pl_ctx {
	unsigned long long alerts, novelty;
};

static void pl_on_alert(void *ctx, const struct bh_detect_alert *a,
			const Bulkhead__Telemetry__V1__Alert *pb)
{
	struct pl_ctx *c = ctx;

	(void)pb;
	c->alerts++;
	if (!strcmp(a->detector_name, "geo_novelty"))
		c->novelty++;
}

/* Record i: a workload's connection, to the i-th peer of the stream for
 * `external` % of the records, else to another workload; 1,000 records a
 * second of flow time. */
static void pl_record(const struct bench_opts *o, struct bh_flow_record *r,
		      unsigned int i, const union bh_addr *addrs,
		      const unsigned int *stream)
{
	__u32 w = (i * 2654435761u >> 7) % o->workloads;
	__u64 t = 1709542800ull * 1000000000ull + (__u64)i * 1000000ull;
	struct bh_record_endpoint *a = &r->ep[0], *b = &r->ep[1];

	memset(r, 0, sizeof(*r));
	r->flow_id = i + 1ull;
	r->start_ns = r->record_start_ns = t;
	r->end_ns = t + 50000000ull;
	r->end_reason = BH_END_FIN;
	r->proto = 6;
	a->addr.b[10] = a->addr.b[11] = 0xff;
	a->addr.b[12] = 10;
	a->addr.b[13] = (__u8)(w >> 8);
	a->addr.b[14] = (__u8)w;
	a->addr.b[15] = 10;
	a->identity = BH_ID_FIRST_USER + w;
	a->identity_kind = BH_KIND_WORKLOAD;
	a->port = (__u16)(32768 + i % 28000);
	if (i % 100 < o->external) {
		b->addr = addrs[stream[i]];
		b->identity = BH_ID_WORLD;
		b->identity_kind = BH_KIND_RESERVED;
		b->port = 443;
	} else {
		*b = *a;
		b->addr.b[14] ^= 1;
		b->identity = BH_ID_FIRST_USER + (w ^ 1) % o->workloads;
		b->port = 8080;
	}
	r->packets[0] = r->packets[1] = 8;
	r->bytes[0] = 900 + i % 4000;
	r->bytes[1] = 2000 + i % 9000;
	r->tcp_flags[0] = r->tcp_flags[1] =
	    BH_TCP_SYN | BH_TCP_ACK | BH_TCP_FIN;
	r->verdict = BH_VERDICT_ALLOW;
}

static int pl_run_one(const struct bench_opts *o, int mode,
		      const union bh_addr *addrs, const unsigned int *stream,
		      struct pl_run *res)
{
	__u64 learn = (__u64)o->lookups / 4 * 1000000ull;
	struct bh_pipeline_opts po = {.on_alert = pl_on_alert};
	struct bh_detect_config dc;
	struct bh_geo_config gc;
	struct bh_geo_stats gs;
	struct bh_geo *g = NULL;
	struct bh_flow_record r;
	unsigned int round, i;
	int err;

	bh_detect_config_defaults(&dc);
	dc.learning_ns = learn;
	bh_geo_config_init(&gc);
	snprintf(gc.city_db, sizeof(gc.city_db), "%s", o->city_db);
	snprintf(gc.asn_db, sizeof(gc.asn_db), "%s", o->asn_db);
	gc.cache_entries = o->cache;
	gc.hash_seed = o->seed;
	gc.novelty.baseline_ns = learn;
	gc.novelty.enabled = mode == PL_NOVELTY;
	err = bh_geo_open(&g, &gc);
	if (err)
		goto out;
	po.detect = &dc;
	po.geo = mode == PL_DETECT ? NULL : g;
	po.geo_novelty = &gc.novelty;
	memset(res, 0, sizeof(*res));
	for (round = 0; round < o->rounds; round++) {
		struct bh_pipeline_stats ps;
		struct bh_geo_novelty_stats ns;
		struct bh_pipeline *p;
		struct pl_ctx ctx = {0};
		double t0, t;

		bh_geo_reload(g, &gc); /* cold cache */
		po.ctx = &ctx;
		err = bh_pipeline_new(&p, &po);
		if (err)
			goto out;
		t0 = now_s();
		for (i = 0; i < o->lookups; i++) {
			pl_record(o, &r, i, addrs, stream);
			bh_pipeline_record(p, &r);
		}
		bh_pipeline_flush(p);
		t = now_s() - t0;
		if (o->lookups / t > res->rate)
			res->rate = o->lookups / t;
		bh_pipeline_stats(p, &ps);
		bh_geo_detector_stats(bh_pipeline_geo_detector(p), &ns);
		res->alerts = ctx.alerts;
		res->novelty_alerts = ctx.novelty;
		res->enriched = ps.enriched;
		res->novelty_mem = ns.memory_bytes;
		bh_pipeline_free(&p);
	}
	bh_geo_get_stats(g, &gs);
	res->hit_ratio =
	    gs.lookups ? (double)gs.cache_hits / (double)gs.lookups : 0;
out:
	bh_geo_free(&g);
	bh_detect_config_clear(&dc);
	return err;
}

static int pipeline_main(const struct bench_opts *o, const union bh_addr *a,
			 const unsigned int *stream)
{
	struct pl_run res[PL_MAX];
	int m;

	printf("%u records per round (%u%% to external peers of the Zipf "
	       "stream, %u workloads), learning and novelty baseline: the "
	       "first quarter, best of %u rounds\n",
	       o->lookups, o->external, o->workloads, o->rounds);
	for (m = 0; m < PL_MAX; m++)
		if (pl_run_one(o, m, a, stream, &res[m]))
			return 1;
	printf("%-30s %12s %8s %10s %8s %8s %10s\n", "pipeline", "records/s",
	       "ratio", "enriched", "alerts", "novelty", "hit ratio");
	for (m = 0; m < PL_MAX; m++)
		printf("%-30s %12.0f %7.2fx %10llu %8llu %8llu %9.1f%%\n",
		       pl_name[m], res[m].rate, res[m].rate / res[0].rate,
		       res[m].enriched, res[m].alerts, res[m].novelty_alerts,
		       m ? 100 * res[m].hit_ratio : 0.0);
	printf("novelty state: %.1f KiB\n",
	       (double)res[PL_NOVELTY].novelty_mem / 1024);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: bench_geo --city-db F --asn-db F --list NETWORKS\n"
		     "                 [--addrs N] [--lookups N] [--cache N] "
		     "[--zipf S]\n"
		     "                 [--rounds N] [--seed N]\n"
		     "       bench_geo --pipeline ... [--external PCT] "
		     "[--workloads N]\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"city-db", required_argument, NULL, 'c'},
	    {"asn-db", required_argument, NULL, 'a'},
	    {"list", required_argument, NULL, 'l'},
	    {"addrs", required_argument, NULL, 'n'},
	    {"lookups", required_argument, NULL, 'L'},
	    {"cache", required_argument, NULL, 'C'},
	    {"zipf", required_argument, NULL, 'z'},
	    {"rounds", required_argument, NULL, 'r'},
	    {"seed", required_argument, NULL, 's'},
	    {"pipeline", no_argument, NULL, 'P'},
	    {"external", required_argument, NULL, 'x'},
	    {"workloads", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct bench_opts o = {
	    .city_db = "",
	    .asn_db = "",
	    .addrs = 100000,
	    .lookups = 2000000,
	    .cache = BH_GEO_CACHE_DEFAULT,
	    .rounds = 3,
	    .zipf = 1.0,
	    .seed = 1,
	    .external = 25,
	    .workloads = 200,
	};
	struct run direct, cached, direct_u, cached_u;
	unsigned int *zipf, *uni;
	union bh_addr *addrs;
	int c, i;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.city_db = optarg;
			break;
		case 'a':
			o.asn_db = optarg;
			break;
		case 'l':
			o.list = optarg;
			break;
		case 'n':
			o.addrs = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'L':
			o.lookups = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'C':
			o.cache = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'z':
			o.zipf = strtod(optarg, NULL);
			break;
		case 'r':
			o.rounds = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 's':
			o.seed = strtoull(optarg, NULL, 0);
			break;
		case 'P':
			o.pipeline = true;
			break;
		case 'x':
			o.external = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'w':
			o.workloads = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!o.list || !o.addrs || !o.lookups || !o.rounds || !o.cache ||
	    o.external > 100 || !o.workloads || optind != argc) {
		usage(stderr);
		return 2;
	}
	rng_state = o.seed * 0x9e3779b97f4a7c15ull + 1;
	addrs = load_addrs(&o);
	if (!addrs)
		return 1;
	zipf = make_stream(&o, o.zipf);

	printf("command:");
	for (i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	if (o.pipeline) {
		i = pipeline_main(&o, addrs, zipf);
		free(addrs);
		free(zipf);
		return i;
	}
	uni = make_stream(&o, 0);
	printf("%u addresses inside the listed networks, %u lookups per "
	       "round, best of %u rounds\n",
	       o.addrs, o.lookups, o.rounds);
	if (run_one(&o, 0, addrs, zipf, &direct) ||
	    run_one(&o, o.cache, addrs, zipf, &cached) ||
	    run_one(&o, 0, addrs, uni, &direct_u) ||
	    run_one(&o, o.cache, addrs, uni, &cached_u))
		return 1;
	printf("%-10s %-28s %14s %10s %8s\n", "stream", "path", "lookups/s",
	       "hit ratio", "found");
	printf("%-10s %-28s %14.0f %10s %7.1f%%\n", "zipf",
	       "libmaxminddb (no cache)", direct.rate, "-",
	       100.0 * direct.found / o.lookups);
	printf("%-10s %-28s %14.0f %9.1f%% %7.1f%%\n", "zipf", "bh_geo cache",
	       cached.rate, 100 * cached.hit_ratio,
	       100.0 * cached.found / o.lookups);
	printf("%-10s %-28s %14.0f %10s %7.1f%%\n", "uniform",
	       "libmaxminddb (no cache)", direct_u.rate, "-",
	       100.0 * direct_u.found / o.lookups);
	printf("%-10s %-28s %14.0f %9.1f%% %7.1f%%\n", "uniform",
	       "bh_geo cache", cached_u.rate, 100 * cached_u.hit_ratio,
	       100.0 * cached_u.found / o.lookups);
	printf("ratio cached/direct: zipf %.2fx, uniform %.2fx\n",
	       cached.rate / direct.rate, cached_u.rate / direct_u.rate);
	if (direct.found != cached.found || direct_u.found != cached_u.found) {
		fprintf(stderr,
			"bench_geo: cached and direct answers differ\n");
		return 1;
	}
	free(addrs);
	free(zipf);
	free(uni);
	return 0;
}
