// SPDX-License-Identifier: GPL-2.0-only
/*
 * GeoIP/ASN lookups per second: libmaxminddb on every lookup (bh_geo with
 * the cache off) against bh_geo with its cache, in the same run, on the
 * same addresses. The addresses are drawn inside the networks of the
 * database (its --list file), and the lookup stream follows a Zipf law
 * over them, as remote peers of a node do (a few CDNs and APIs get most
 * flows); a uniform stream is measured too, the cache's worst case.
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

static void usage(FILE *out)
{
	fprintf(out, "Usage: bench_geo --city-db F --asn-db F --list NETWORKS\n"
		     "                 [--addrs N] [--lookups N] [--cache N] "
		     "[--zipf S]\n"
		     "                 [--rounds N] [--seed N]\n");
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
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!o.list || !o.addrs || !o.lookups || !o.rounds || !o.cache ||
	    optind != argc) {
		usage(stderr);
		return 2;
	}
	rng_state = o.seed * 0x9e3779b97f4a7c15ull + 1;
	addrs = load_addrs(&o);
	if (!addrs)
		return 1;
	zipf = make_stream(&o, o.zipf);
	uni = make_stream(&o, 0);

	printf("command:");
	for (i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n%u addresses inside the listed networks, %u lookups per "
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
