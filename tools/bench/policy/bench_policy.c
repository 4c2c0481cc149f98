// SPDX-License-Identifier: GPL-2.0-only
/*
 * Policy compiler benchmark: generated policies of N workloads x R rules
 * (tools/bench/policy/policy_gen.c), each size in a fresh child process so
 * that peak RSS is its own. Baseline, measured in the same run: libyaml
 * parsing the same bytes into a document (what any YAML consumer pays).
 *
 *   bench_policy [--rules R] [--sizes N,N,...] [--apps A] [--repeat K]
 *                [--seed S] [--externals E] [--lookups L]
 *
 * --apps: distinct app labels (default workloads / 8); more apps, more
 * label sets and destination classes. --externals: external groups, one
 * /24 each (default 8).
 *
 * --lookups L: instead, the userspace address lookup that names every
 * flow record's endpoints (bh_compiled_addr(), exact addresses then the
 * longest CIDR) for L addresses outside the workloads (half in external
 * groups, half nowhere); baseline, in the same run: the scan of every
 * CIDR that it replaced.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "policy.h"
#include "policy_gen.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int yaml_parse_only(const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int ok;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	ok = yaml_parser_load(&parser, &doc);
	if (ok)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return ok ? 0 : -EINVAL;
}

/* What a naive encoding keyed by (source identity, destination identity,
 * protocol, port) would hold: every identity pair that some rule connects,
 * times the port entries of the destination's class (an estimate: a pair
 * may need fewer). Computed over distinct source bitmaps x classes. */
static void naive_size(const struct bh_compiled_policy *cp,
		       unsigned long long *pairs, unsigned long long *entries)
{
	size_t n_cls = 1, i, j, w, nw = cp->hdr.n_words;
	size_t *cls_entries, *cls_count, *bm_count;
	__u64 *cls_vec;

	*pairs = *entries = 0;
	for (i = 0; i < cp->n_identities; i++)
		if (cp->identities[i].info.dst_class >= n_cls)
			n_cls = cp->identities[i].info.dst_class + 1;
	cls_entries = calloc(n_cls, sizeof(size_t));
	cls_count = calloc(n_cls, sizeof(size_t));
	bm_count = calloc(cp->n_bitmaps, sizeof(size_t));
	cls_vec = calloc(n_cls * (nw + 1), sizeof(__u64));
	if (!cls_entries || !cls_count || !bm_count || !cls_vec)
		goto out;
	for (i = 0; i < cp->n_ports; i++) {
		const struct bh_cp_port *e = &cp->ports[i];

		cls_entries[e->dst_class]++;
		for (w = 0; w < nw; w++)
			cls_vec[e->dst_class * (nw + 1) + w] |=
			    cp->bitmaps[e->bitmap].w[w];
	}
	for (i = 0; i < cp->n_identities; i++) {
		cls_count[cp->identities[i].info.dst_class]++;
		bm_count[cp->identities[i].info.src_bitmap]++;
	}
	for (i = 0; i < cp->n_bitmaps; i++) {
		if (!bm_count[i])
			continue;
		for (j = 0; j < n_cls; j++) {
			__u64 m = 0;

			for (w = 0; w < nw && !m; w++)
				m = cp->bitmaps[i].w[w] &
				    cls_vec[j * (nw + 1) + w];
			if (!m)
				continue;
			*pairs +=
			    (unsigned long long)bm_count[i] * cls_count[j];
			*entries += (unsigned long long)bm_count[i] *
				    cls_count[j] * cls_entries[j];
		}
	}
out:
	free(cls_entries);
	free(cls_count);
	free(bm_count);
	free(cls_vec);
}

/* What the timed loops found: keeps the compiler from eliding them. */
static volatile uintptr_t bench_sink;

/* The lookup bh_compiled_addr() had before its CIDR runs: every CIDR. */
static const struct bh_cp_addr *scan_lookup(const struct bh_compiled_policy *cp,
					    const union bh_addr *a)
{
	const struct bh_cp_addr *best = NULL;
	size_t lo = 0, hi = cp->n_exact, i;

	while (lo < hi) { /* the exact addresses, sorted */
		size_t mid = lo + (hi - lo) / 2;
		int d = memcmp(cp->exact[mid].addr.b, a->b, 16);

		if (!d)
			return &cp->exact[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = 0; i < cp->n_cidrs; i++) {
		const struct bh_cp_addr *c = &cp->cidrs[i];
		unsigned int full = c->prefixlen / 8, bits = c->prefixlen % 8;

		if ((best && c->prefixlen <= best->prefixlen) ||
		    memcmp(c->addr.b, a->b, full))
			continue;
		if (!bits || !((c->addr.b[full] ^ a->b[full]) &
			       (__u8)(0xff << (8 - bits))))
			best = c;
	}
	return best;
}

static int run_lookups(const struct bh_compiled_policy *cp,
		       unsigned int workloads, unsigned int externals,
		       unsigned int n, unsigned int repeat)
{
	union bh_addr *addrs = calloc(n, sizeof(*addrs));
	double t, fast = 1e18, scan = 1e18;
	unsigned int i, k, seed = 1, hits = 0;

	if (!addrs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		unsigned int e = (unsigned int)rand_r(&seed) % externals;
		__u8 *v4 = addrs[i].b + 12;

		addrs[i].b[10] = addrs[i].b[11] = 0xff;
		if (i % 2) { /* in external group e's /24 */
			v4[0] = e < 512 ? 198 : 100;
			v4[1] = (__u8)(e < 512 ? 18 + e / 256
					       : 64 + (e - 512) / 256 % 64);
			v4[2] = (__u8)(e < 512 ? e % 256 : (e - 512) % 256);
		} else { /* the world: 203.0.113.0/24 and beyond */
			v4[0] = 203;
			v4[1] = (__u8)rand_r(&seed);
			v4[2] = (__u8)rand_r(&seed);
		}
		v4[3] = (__u8)rand_r(&seed);
	}
	for (i = 0; i < n; i++)
		if (bh_compiled_addr(cp, &addrs[i]) !=
		    scan_lookup(cp, &addrs[i])) {
			fprintf(stderr, "bench_policy: lookups disagree\n");
			free(addrs);
			return -EINVAL;
		}
	for (k = 0; k < repeat; k++) {
		t = now_ms();
		for (i = 0; i < n; i++)
			bench_sink += (uintptr_t)bh_compiled_addr(cp, &addrs[i]);
		t = now_ms() - t;
		fast = t < fast ? t : fast;
		t = now_ms();
		for (i = 0; i < n; i++)
			bench_sink += (uintptr_t)scan_lookup(cp, &addrs[i]);
		t = now_ms() - t;
		scan = t < scan ? t : scan;
	}
	for (i = 0; i < n; i++)
		hits += bh_compiled_addr(cp, &addrs[i]) != NULL;
	printf("| %u | %u | %zu | %zu | %u | %.0f | %.0f | %.1fx |\n",
	       workloads, externals, cp->n_cidrs, cp->n_cidr_runs, hits,
	       n / scan * 1000, n / fast * 1000, scan / fast);
	fflush(stdout); /* the child leaves with _exit() */
	free(addrs);
	return 0;
}

static int run_size(unsigned int workloads, unsigned int rules,
		    unsigned int apps, unsigned int repeat,
		    unsigned long long seed, unsigned int externals,
		    unsigned int lookups)
{
	struct pgen_opts o = {.workloads = workloads,
			      .rules = rules,
			      .apps = apps,
			      .externals = externals,
			      .deny_pct = 20,
			      .ipv6 = true,
			      .seed = seed};
	double t, parse = 1e18, load = 1e18, compile = 1e18, analyze = 1e18;
	struct bh_compiled_policy *cp = NULL;
	struct bh_policy *p = NULL;
	unsigned long long naive_pairs, naive_entries;
	struct bh_cp_sizes sz;
	struct bh_diag d;
	char *yaml = pgen_policy(&o);
	size_t len;
	long rss_gen;
	unsigned int i;

	if (!yaml)
		return -ENOMEM;
	len = strlen(yaml);
	rss_gen = peak_rss_kib();
	for (i = 0; i < repeat; i++) {
		t = now_ms();
		if (yaml_parse_only(yaml, len))
			return -EINVAL;
		t = now_ms() - t;
		parse = t < parse ? t : parse;
	}
	for (i = 0; i < repeat; i++) {
		bh_diag_init(&d);
		t = now_ms();
		if (bh_policy_load_buf("generated.yaml", yaml, len, &p, &d)) {
			bh_diag_print(&d, stderr);
			return -EINVAL;
		}
		t = now_ms() - t;
		load = t < load ? t : load;
		bh_diag_release(&d);

		t = now_ms();
		if (bh_policy_compile(p, &cp))
			return -EINVAL;
		t = now_ms() - t;
		compile = t < compile ? t : compile;

		bh_diag_init(&d);
		t = now_ms();
		if (bh_policy_analyze(p, cp, &d))
			return -ENOMEM;
		t = now_ms() - t;
		analyze = t < analyze ? t : analyze;
		bh_diag_release(&d);
		if (i + 1 < repeat) {
			bh_compiled_policy_free(&cp);
			bh_policy_free(&p);
		}
	}
	if (lookups) {
		int err =
		    run_lookups(cp, workloads, externals, lookups, repeat);

		bh_compiled_policy_free(&cp);
		bh_policy_free(&p);
		free(yaml);
		return err;
	}
	bh_compiled_sizes(cp, &sz);
	naive_size(cp, &naive_pairs, &naive_entries);
	printf(
	    "| %u | %u | %zu | %zu | %.1f | %.1f | %.1f | %.1f | %.2f | %.1f | "
	    "%zu | %zu | %zu | %zu | %.0f | %llu | %llu | %.0f | %.0f |\n",
	    workloads, rules, cp->n_identities, sz.n_dst_classes,
	    (double)len / (1 << 20), parse, load, compile, compile / parse,
	    analyze,
	    sz.map[BH_CP_MAP_ID_EXACT].entries +
		sz.map[BH_CP_MAP_ID_CIDR].entries,
	    sz.map[BH_CP_MAP_PORT_EXACT].entries +
		sz.map[BH_CP_MAP_PORT_LPM].entries,
	    cp->n_bitmaps, sz.total_entries, (double)sz.total_bytes / 1024,
	    naive_pairs, naive_entries, (double)rss_gen / 1024,
	    (double)peak_rss_kib() / 1024);
	fflush(stdout);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
	free(yaml);
	return 0;
}

static void print_compile_header(unsigned int repeat)
{
	printf("# times: best of %u, ms; parse = libyaml document load of the "
	       "same bytes (baseline)\n",
	       repeat);
	printf("| workloads | rules | identities | dst classes | YAML MiB | "
	       "parse ms (baseline) | load ms | compile ms | compile / parse | "
	       "analyze ms | address entries | port entries | bitmaps | map "
	       "entries | map KiB | connected identity pairs | naive pair "
	       "entries (est.) | RSS after generating MiB | peak RSS MiB |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|--"
	       "-|---|---|---|\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"rules", required_argument, NULL, 'r'},
	    {"sizes", required_argument, NULL, 's'},
	    {"repeat", required_argument, NULL, 'k'},
	    {"apps", required_argument, NULL, 'a'},
	    {"seed", required_argument, NULL, 'S'},
	    {"externals", required_argument, NULL, 'e'},
	    {"lookups", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *sizes = "100,1000,10000";
	unsigned int rules = 1000, repeat = 3, apps = 0, externals = 8;
	unsigned int lookups = 0;
	unsigned long long seed = 1;
	char *list, *tok, *save = NULL;
	int c, failed = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rules = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 's':
			sizes = optarg;
			break;
		case 'k':
			repeat = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'a':
			apps = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'S':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'e':
			externals = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			lookups = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(
			    stderr,
			    "usage: bench_policy [--rules R] [--sizes N,N,...] "
			    "[--apps A] [--repeat K] [--seed S] "
			    "[--externals E] [--lookups L]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (!repeat || !rules || rules > BH_MAX_RULES || !externals ||
	    externals > 512 + 64 * 256) {
		fprintf(stderr, "bench_policy: bad --rules, --repeat or "
				"--externals\n");
		return 2;
	}
	printf("# reproduce: %s --rules %u --sizes %s --apps %u --repeat %u "
	       "--seed %llu --externals %u --lookups %u\n",
	       argv[0], rules, sizes, apps, repeat, seed, externals, lookups);
	if (lookups) {
		printf("# best of %u; addresses outside the workloads, half in "
		       "external groups; baseline: a scan of every CIDR\n",
		       repeat);
		printf("| workloads | external groups | CIDRs | prefix lengths "
		       "| lookups that hit | scan of every CIDR /s (baseline) "
		       "| bh_compiled_addr /s | speed-up |\n");
		printf("|---|---|---|---|---|---|---|---|\n");
	} else {
		print_compile_header(repeat);
	}
	fflush(stdout);
	list = strdup(sizes);
	if (!list)
		return 1;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned int n = (unsigned int)strtoul(tok, NULL, 10);
		pid_t pid = fork();
		int st;

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (!pid)
			_exit(run_size(n, rules, apps, repeat, seed, externals,
				       lookups)
				  ? 1
				  : 0);
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st)) {
			fprintf(stderr, "bench_policy: size %u failed\n", n);
			failed = 1;
		}
	}
	free(list);
	return failed;
}
