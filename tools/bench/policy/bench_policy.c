// SPDX-License-Identifier: GPL-2.0-only
/*
 * Policy compiler benchmark: generated policies of N workloads x R rules
 * (tools/bench/policy/policy_gen.c), each size in a fresh child process so
 * that peak RSS is its own. Baseline, measured in the same run: libyaml
 * parsing the same bytes into a document (what any YAML consumer pays).
 *
 *   bench_policy [--rules R] [--sizes N,N,...] [--apps A] [--repeat K]
 *                [--seed S]
 *
 * --apps: distinct app labels (default workloads / 8); more apps, more
 * label sets and destination classes.
 */
#include <errno.h>
#include <getopt.h>
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

static int run_size(unsigned int workloads, unsigned int rules,
		    unsigned int apps, unsigned int repeat,
		    unsigned long long seed)
{
	struct pgen_opts o = {.workloads = workloads,
			      .rules = rules,
			      .apps = apps,
			      .externals = 8,
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"rules", required_argument, NULL, 'r'},
	    {"sizes", required_argument, NULL, 's'},
	    {"repeat", required_argument, NULL, 'k'},
	    {"apps", required_argument, NULL, 'a'},
	    {"seed", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *sizes = "100,1000,10000";
	unsigned int rules = 1000, repeat = 3, apps = 0;
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
		default:
			fprintf(
			    stderr,
			    "usage: bench_policy [--rules R] [--sizes N,N,...] "
			    "[--apps A] [--repeat K] [--seed S]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (!repeat || !rules || rules > BH_MAX_RULES) {
		fprintf(stderr, "bench_policy: bad --rules or --repeat\n");
		return 2;
	}
	printf("# reproduce: %s --rules %u --sizes %s --apps %u --repeat %u "
	       "--seed %llu\n",
	       argv[0], rules, sizes, apps, repeat, seed);
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
			_exit(run_size(n, rules, apps, repeat, seed) ? 1 : 0);
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st)) {
			fprintf(stderr, "bench_policy: size %u failed\n", n);
			failed = 1;
		}
	}
	free(list);
	return failed;
}
