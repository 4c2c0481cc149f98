// SPDX-License-Identifier: GPL-2.0-only
/* Detection engine tests: table-driven synthetic flow sequences per
 * detector (loud, slow, just below threshold, benign patterns that must not
 * alert, allowlists), then aggregation, eviction under a flood,
 * determinism, baseline files, config loading and the building blocks. */
#include "bh_test.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect.h"
#include "detect_helpers.h"
#include "detect_plugin.h"
#include "distinct.h"
#include "lru_table.h"
#include "siphash.h"

static __u64 next_id;

static void feed(struct bh_detect *d, struct fspec s)
{
	struct bh_detect_flow f = mkflow(&s, ++next_id);

	assert_int_equal(bh_detect_flow(d, &f), 0);
}

/* --- Workloads of the synthetic cluster ----------------------------------- */

#define ID_WEB	 400
#define ID_DB	 401
#define ID_CACHE 402
#define ID_API	 403
#define ID_OPS	 450
#define ID_PROM	 500
#define ID_JOB	 510

#define H_WEB(i) (0x0101 + (i)) /* 10.0.1.1.. */
#define H_DB	 0x0201
#define H_CACHE	 0x0202
#define H_API(i) (0x0301 + (i))
#define H_OPS	 0x0901
#define H_PROM	 0x0501
#define H_ATT	 0x0777 /* attacker-controlled source (a web replica) */

/* Normal traffic every 5 minutes in [from, to): what the learning period
 * sees and what keeps going afterwards. */
static void normal_traffic(struct bh_detect *d, double from, double to)
{
	double t;
	int i;

	for (t = from; t < to; t += 300) {
		for (i = 0; i < 3; i++) {
			feed(d, (struct fspec){t + i, H_WEB(i), ID_WEB, H_DB,
					       ID_DB, 5432, F_EST, 0, 0, "web",
					       "db"});
			feed(d, (struct fspec){t + i + 0.2, H_WEB(i), ID_WEB,
					       H_CACHE, ID_CACHE, 6379, F_EST,
					       0, 0, "web", "cache"});
			feed(d, (struct fspec){t + i + 0.4, H_API(i % 2),
					       ID_API, H_WEB(i), ID_WEB, 8080,
					       F_EST, 0, 0, "api", "web"});
			feed(d, (struct fspec){t + i + 0.6, H_PROM, ID_PROM,
					       H_WEB(i), ID_WEB, 9100, F_EST, 0,
					       0, "prometheus", "web"});
		}
		feed(d, (struct fspec){t + 5, H_OPS, ID_OPS, H_WEB(0), ID_WEB,
				       22, F_EST, 0, 0, "ops", "web"});
	}
}

/* --- Scenario table --------------------------------------------------------
 */

struct range {
	int min, max;
};
#define EXACT(n)                                                               \
	{                                                                      \
		n, n                                                           \
	}
#define ATLEAST(n)                                                             \
	{                                                                      \
		n, INT_MAX                                                     \
	}
#define ANY                                                                    \
	{                                                                      \
		0, INT_MAX                                                     \
	}

struct scenario {
	const char *name;
	void (*tweak)(struct bh_detect_config *cfg);
	void (*gen)(struct bh_detect *d);
	struct range expect[BH_DETECT_N_BUILTIN]; /* new alerts; unset: 0 */
	void (*check)(const struct collector *c);
};

static void long_learning(struct bh_detect_config *cfg)
{
	cfg->learning_ns = 86400ULL * 1000000000ULL;
}

static void gen_sweep(struct bh_detect *d, int hosts, double gap, __u16 port,
		      enum fkind kind)
{
	int i;

	for (i = 0; i < hosts; i++)
		feed(d, (struct fspec){10 + i * gap, H_ATT, ID_WEB, 0x1000 + i,
				       ID_DB, port, kind, 0, 0, "web", NULL});
}

static void sweep_loud(struct bh_detect *d)
{
	gen_sweep(d, 30, 0.2, 80, F_SYN);
}
static void sweep_below(struct bh_detect *d)
{
	gen_sweep(d, 24, 0.2, 80, F_SYN);
}
static void sweep_rst(struct bh_detect *d)
{
	gen_sweep(d, 40, 0.05, 443, F_RST);
}
static void sweep_ping(struct bh_detect *d)
{
	gen_sweep(d, 30, 0.1, 0, F_ICMP_NO);
}
static void sweep_admin(struct bh_detect *d)
{
	gen_sweep(d, 8, 0.5, 22, F_SYN);
}
static void sweep_admin_below(struct bh_detect *d)
{
	gen_sweep(d, 7, 0.5, 22, F_SYN);
}
static void sweep_slow(struct bh_detect *d)
{
	gen_sweep(d, 30, 20, 80, F_SYN); /* 15 per 5 min: TRW's job */
}

static void check_sweep_loud(const struct collector *c)
{
	const struct bh_detect_alert *a = first_new(c, BH_DETECT_SWEEP);

	assert_non_null(a);
	/* Raised by the 25th host's flow: t = 10 + 24 * 0.2, ends 1 s later */
	assert_int_equal(a->time_ns,
			 (__u64)((T0 + 10 + 24 * 0.2) * 1e9) + 1000000000ULL);
	assert_string_equal(a->technique, "T1046");
	assert_int_equal(a->severity, BH_SEV_MEDIUM);
	assert_true(a->n_targets >= 2);
	assert_true(a->n_evidence >= 2);
	assert_non_null(strstr(a->summary, "25 new hosts"));
}

static void check_sweep_admin(const struct collector *c)
{
	const struct bh_detect_alert *a = first_new(c, BH_DETECT_SWEEP);

	assert_non_null(a);
	assert_int_equal(a->severity, BH_SEV_HIGH);
}

static void check_ping(const struct collector *c)
{
	assert_string_equal(first_new(c, BH_DETECT_SWEEP)->technique, "T1018");
}

static void gen_ports(struct bh_detect *d, int n, double gap, const __u16 *list,
		      enum fkind kind)
{
	int i;

	for (i = 0; i < n; i++)
		feed(d, (struct fspec){10 + i * gap, H_ATT, ID_WEB, H_DB, ID_DB,
				       list ? list[i] : 1000 + i, kind, 0, 0,
				       "web", "db"});
}

static void portscan_loud(struct bh_detect *d)
{
	gen_ports(d, 20, 0.5, NULL, F_RST);
}
static void portscan_below(struct bh_detect *d)
{
	gen_ports(d, 14, 0.5, NULL, F_RST);
}
static void portscan_slow(struct bh_detect *d)
{
	gen_ports(d, 25, 120, NULL, F_SYN);
}
static void portscan_admin(struct bh_detect *d)
{
	static const __u16 p[] = {22, 3389, 5985};

	gen_ports(d, 3, 1, p, F_RST);
}
static void portscan_connect(struct bh_detect *d)
{
	/* A connect() scan of open ports: handshake then RST, no payload. */
	gen_ports(d, 16, 0.1, NULL, F_CONNRST);
}

static void check_portscan_admin(const struct collector *c)
{
	const struct bh_detect_alert *a = first_new(c, BH_DETECT_PORTSCAN);

	assert_non_null(a);
	assert_int_equal(a->severity, BH_SEV_HIGH);
	assert_non_null(strstr(a->summary, "3 admin ports"));
}

static void check_portscan_slow(const struct collector *c)
{
	assert_non_null(strstr(first_new(c, BH_DETECT_PORTSCAN)->summary,
			       "slow port scan"));
}

/* TRW: first contacts failing, one every 15 minutes. */
static void trw_slow(struct bh_detect *d)
{
	int i;

	for (i = 0; i < 6; i++) {
		feed(d, (struct fspec){10 + i * 900, H_ATT, ID_WEB, 0x2000 + i,
				       ID_DB, 5432, F_SYN, 0, 0, "web", NULL});
		/* its ordinary traffic to a known peer in between */
		feed(d, (struct fspec){400 + i * 900, H_ATT, ID_WEB, H_DB,
				       ID_DB, 5432, F_EST, 0, 0, "web", "db"});
	}
}

static void trw_below(struct bh_detect *d)
{
	int i;

	/* Three failures, then successes: never four net failures. */
	for (i = 0; i < 3; i++)
		feed(d, (struct fspec){10 + i * 60, H_ATT, ID_WEB, 0x2000 + i,
				       ID_DB, 5432, F_SYN, 0, 0, "web", NULL});
	for (i = 0; i < 10; i++)
		feed(d, (struct fspec){300 + i * 60, H_ATT, ID_WEB, 0x3000 + i,
				       ID_DB, 5432, F_EST, 0, 0, "web", NULL});
}

static void trw_mixed(struct bh_detect *d)
{
	int i;

	for (i = 0; i < 40; i++)
		feed(d, (struct fspec){10 + i * 10, H_ATT, ID_WEB, 0x2000 + i,
				       ID_DB, 5432, i % 2 ? F_SYN : F_EST, 0, 0,
				       "web", NULL});
}

/* Services still starting: the first attempt is refused, the retry a few
 * seconds later works. */
static void trw_retry(struct bh_detect *d)
{
	int i;

	for (i = 0; i < 8; i++) {
		feed(d, (struct fspec){10 + i * 60, H_ATT, ID_WEB, 0x2000 + i,
				       ID_DB, 5432, F_RST, 0, 0, "web", NULL});
		feed(d, (struct fspec){15 + i * 60, H_ATT, ID_WEB, 0x2000 + i,
				       ID_DB, 5432, F_EST, 0, 0, "web", NULL});
	}
}

/* New edges after the learning hour. */
static void new_edge_plain(struct bh_detect *d)
{
	normal_traffic(d, 0, 3600);
	feed(d, (struct fspec){3700, H_WEB(0), ID_WEB, H_API(0), ID_API, 9000,
			       F_EST, 0, 0, "web", "api"});
	/* another replica, same edge: suppressed, the workload has it now */
	feed(d, (struct fspec){3710, H_WEB(1), ID_WEB, H_API(1), ID_API, 9000,
			       F_EST, 0, 0, "web", "api"});
	normal_traffic(d, 3600, 7200);
}

static void check_new_edge_plain(const struct collector *c)
{
	const struct bh_detect_alert *a = first_new(c, BH_DETECT_NEW_EDGE);

	assert_non_null(a);
	assert_string_equal(a->technique, "T1210");
	assert_int_equal(a->severity, BH_SEV_MEDIUM);
	assert_int_equal(a->time_ns, (__u64)((T0 + 3700) * 1e9) + 500000000);
	assert_int_equal(a->targets[0].port, 9000);
	assert_int_equal(last_of(c, a->id)->count, 1);
}

static void new_edge_admin(struct bh_detect *d)
{
	normal_traffic(d, 0, 3600);
	feed(d, (struct fspec){3700, H_WEB(0), ID_WEB, H_DB, ID_DB, 22, F_EST,
			       0, 0, "web", "db"});
}

static void check_new_edge_admin(const struct collector *c)
{
	const struct bh_detect_alert *a = first_new(c, BH_DETECT_NEW_EDGE);

	assert_non_null(a);
	assert_string_equal(a->technique, "T1021.004");
	assert_int_equal(a->severity, BH_SEV_HIGH);
	assert_non_null(strstr(a->summary, "web (10.0.1.1)"));
	assert_non_null(strstr(a->summary, "db (10.0.2.1:22)"));
}

/* Pods replaced by a rollout: new addresses, same identity. */
static void deploy_churn(struct bh_detect *d)
{
	double t;
	int i;

	normal_traffic(d, 0, 3600);
	for (t = 3600; t < 3 * 3600; t += 600)
		for (i = 0; i < 3; i++) {
			__u32 pod = 0x4000 + (__u32)(t / 600) * 8 + i;

			feed(d, (struct fspec){t + i, pod, ID_WEB, H_DB, ID_DB,
					       5432, F_EST, 0, 0, "web", "db"});
			feed(d, (struct fspec){t + i + 1, pod, ID_WEB, H_CACHE,
					       ID_CACHE, 6379, F_EST, 0, 0,
					       "web", "cache"});
			/* scrapes of the new pods; the old ones are gone */
			feed(d, (struct fspec){t + i + 2, H_PROM, ID_PROM, pod,
					       ID_WEB, 9100, F_EST, 0, 0,
					       "prometheus", "web"});
		}
}

/* Scaling api from 2 to 20 replicas. */
static void replicas_scaling(struct bh_detect *d)
{
	int i;

	normal_traffic(d, 0, 3600);
	for (i = 0; i < 20; i++)
		feed(d,
		     (struct fspec){3700 + i, 0x5000 + i, ID_API, H_WEB(i % 3),
				    ID_WEB, 8080, F_EST, 0, 0, "api", "web"});
	normal_traffic(d, 3600, 7200);
}

/* An hourly job: a fresh pod (new address) each run. */
static void cron_job(struct bh_detect *d)
{
	int run;

	normal_traffic(d, 0, 3600);
	for (run = 0; run < 8; run++) {
		__u32 pod = 0x6000 + run;
		double t = 60 + run * 3600;

		feed(d, (struct fspec){t, pod, ID_JOB, H_DB, ID_DB, 5432, F_EST,
				       0, 0, "report-job", "db"});
		feed(d, (struct fspec){t + 30, pod, ID_JOB, 0xff01, BH_ID_WORLD,
				       443, F_EST, 2 << 20, 4096, "report-job",
				       NULL});
	}
	normal_traffic(d, 3600, 8 * 3600);
}

/* A metric scraper: many targets, one allowed port, all the time; pods
 * come and go, so some scrapes hit addresses that are gone. */
static void metric_scraper(struct bh_detect *d)
{
	double t;
	int i, gen;

	for (t = 0; t < 2 * 3600; t += 30) {
		gen = (int)(t / 900); /* targets rotate every 15 minutes */
		for (i = 0; i < 60; i++) {
			__u32 pod = 0x7000 + (__u32)((i + gen * 5) % 200);
			enum fkind k = F_EST;

			/* the five pods just replaced fail a few times */
			if (i < 5 && fmod(t, 900) < 90)
				k = F_SYN;
			feed(d, (struct fspec){t + i * 0.1, H_PROM, ID_PROM,
					       pod, ID_WEB, 9100, k, 0, 0,
					       "prometheus", "web"});
		}
	}
}

/* One denied connection retried a thousand times. */
static void deny_retry(struct bh_detect *d)
{
	int i;

	for (i = 0; i < 1000; i++)
		feed(d, (struct fspec){10 + i * 0.5, H_WEB(0), ID_WEB, H_DB,
				       ID_DB, 3306, F_DENY, 0, 0, "web", "db"});
}

static void deny_probe(struct bh_detect *d)
{
	int h, p;

	for (h = 0; h < 4; h++)
		for (p = 0; p < 3; p++)
			feed(d, (struct fspec){10 + h * 3 + p, H_ATT, ID_WEB,
					       0x2100 + h, ID_DB,
					       (__u16)(7000 + p), F_DENY, 0, 0,
					       "web", NULL});
}

static void deny_probe_below(struct bh_detect *d)
{
	int p;

	for (p = 0; p < 9; p++)
		feed(d, (struct fspec){10 + p, H_ATT, ID_WEB, 0x2100, ID_DB,
				       (__u16)(7000 + p), F_DENY, 0, 0, "web",
				       NULL});
}

/* A workload whose normal is ~8 denied pairs per window (a misconfigured
 * client), then 15: within its normal range. Then 40: probing. */
static void deny_noisy(struct bh_detect *d, int burst)
{
	int w, p;

	for (w = 0; w < 24; w++)
		for (p = 0; p < 8; p++)
			feed(d, (struct fspec){w * 300 + p * 10, H_WEB(w % 3),
					       ID_WEB, 0x2200 + p, ID_DB, 9999,
					       F_DENY, 0, 0, "web", NULL});
	for (p = 0; p < burst; p++)
		feed(d, (struct fspec){24 * 300 + 10 + p, H_WEB(0), ID_WEB,
				       0x2300 + p, ID_DB, 9999, F_DENY, 0, 0,
				       "web", NULL});
}
static void deny_noisy_normal(struct bh_detect *d)
{
	deny_noisy(d, 15);
}
static void deny_noisy_probe(struct bh_detect *d)
{
	deny_noisy(d, 40);
}

static void gen_fanout(struct bh_detect *d, __u32 src, __u32 id,
		       const char *name, int targets, bool replicas)
{
	int i, k;

	for (i = 0; i < targets; i++)
		for (k = 0; k < 2; k++)
			feed(d, (struct fspec){10 + i * 20 + k, src, id,
					       0x3100 + i,
					       replicas ? 700 : 700 + i, 22,
					       F_EST, 0, 0, name, "node"});
}
static void fanout_loud(struct bh_detect *d)
{
	gen_fanout(d, H_ATT, ID_WEB, "web", 5, false);
}
static void fanout_below(struct bh_detect *d)
{
	gen_fanout(d, H_ATT, ID_WEB, "web", 3, false);
}
static void fanout_bastion(struct bh_detect *d)
{
	gen_fanout(d, H_OPS, ID_OPS, "bastion", 12, false);
}
static void fanout_replicas(struct bh_detect *d)
{
	gen_fanout(d, H_ATT, ID_WEB, "web", 8, true);
}
static void fanout_spray(struct bh_detect *d)
{
	int i, k;

	for (i = 0; i < 4; i++)
		for (k = 0; k < 10; k++)
			feed(d, (struct fspec){10 + i * 30 + k, H_ATT, ID_WEB,
					       0x3100 + i, 700 + i, 22, F_EST,
					       0, 0, "web", "node"});
}

static void allow_bastion(struct bh_detect_config *cfg)
{
	long_learning(cfg);
	cfg->fanout.c.allow.v = calloc(1, sizeof(struct bh_detect_allow));
	cfg->fanout.c.allow.v[0].workload = strdup("bast*");
	cfg->fanout.c.allow.n = 1;
}

static void check_spray(const struct collector *c)
{
	const struct bh_detect_alert *a = first_new(c, BH_DETECT_ADMIN_FANOUT);

	assert_non_null(a);
	assert_string_equal(last_of(c, a->id)->technique, "T1110.003");
}

static void transfer_new_edge(struct bh_detect *d)
{
	normal_traffic(d, 0, 3600);
	feed(d, (struct fspec){3700, H_WEB(0), ID_WEB, H_API(0), ID_API, 8443,
			       F_EST, 8 << 20, 20000, "web", "api"});
}

static void transfer_known_edge(struct bh_detect *d)
{
	normal_traffic(d, 0, 3600);
	/* a backup upload on a learned edge */
	feed(d, (struct fspec){3700, H_WEB(0), ID_WEB, H_DB, ID_DB, 5432, F_EST,
			       50 << 20, 20000, "web", "db"});
}

static void transfer_admin(struct bh_detect *d)
{
	normal_traffic(d, 0, 3600);
	/* learned ops -> web:22, now with a large upload (scp of a tool) */
	feed(d, (struct fspec){3700, H_OPS, ID_OPS, H_WEB(0), ID_WEB, 22, F_EST,
			       3 << 20, 9000, "ops", "web"});
}

static void transfer_below(struct bh_detect *d)
{
	normal_traffic(d, 0, 3600);
	/* big, but as much back as up: not upload-heavy */
	feed(d, (struct fspec){3700, H_OPS, ID_OPS, H_WEB(0), ID_WEB, 22, F_EST,
			       3 << 20, 2 << 20, "ops", "web"});
}

/* api -> web:22 (new, admin), then web -> db:2379 (new) 20 s later. */
static void pivot_gen(struct bh_detect *d, double gap, bool extend)
{
	normal_traffic(d, 0, 3600);
	feed(d, (struct fspec){3700, H_API(0), ID_API, H_WEB(1), ID_WEB, 22,
			       F_EST, 0, 0, "api", "web"});
	feed(d, (struct fspec){3700 + gap, H_WEB(1), ID_WEB, H_DB, ID_DB, 2379,
			       F_EST, 0, 0, "web", "db"});
	if (extend)
		feed(d,
		     (struct fspec){3760 + gap, H_DB, ID_DB, H_CACHE, ID_CACHE,
				    22, F_EST, 0, 0, "db", "cache"});
}
static void pivot_chain(struct bh_detect *d)
{
	pivot_gen(d, 20, false);
}
static void pivot_late(struct bh_detect *d)
{
	pivot_gen(d, 2400, false);
}
static void pivot_long(struct bh_detect *d)
{
	pivot_gen(d, 20, true);
}

static void check_pivot(const struct collector *c)
{
	const struct bh_detect_alert *a = first_new(c, BH_DETECT_PIVOT);

	assert_non_null(a);
	assert_int_equal(a->severity, BH_SEV_CRITICAL);
	assert_int_equal(a->path_len, 3);
	assert_string_equal(a->path[0].name, "api");
	assert_string_equal(a->path[1].name, "web");
	assert_string_equal(a->path[2].name, "db");
	assert_int_equal(a->path[2].port, 2379);
	assert_string_equal(a->source.name, "api");
	assert_non_null(strstr(a->summary, "api (10.0.3.1) -> web (10.0.1.2:22)"
					   " -> db (10.0.2.1:2379)"));
	/* within 60 s of the hop */
	assert_true(a->time_ns - (__u64)((T0 + 3700) * 1e9) <= 60000000000ULL);
}

static void check_pivot_long(const struct collector *c)
{
	const struct bh_detect_alert *a = first_new(c, BH_DETECT_PIVOT);

	assert_non_null(a);
	a = last_of(c, a->id);
	assert_int_equal(a->path_len, 4);
	assert_string_equal(a->path[3].name, "cache");
	assert_int_equal(a->count, 2);
}

static void allow_scanner_cidr(struct bh_detect_config *cfg)
{
	long_learning(cfg);
	cfg->allow.v = calloc(1, sizeof(struct bh_detect_allow));
	cfg->allow.v[0].cidr = v4(0x0700);
	cfg->allow.v[0].cidr_len = 96 + 16 + 5; /* 10.0.0.0/21: 10.0.7.x */
	cfg->allow.v[0].has = BH_ALLOW_CIDR;
	cfg->allow.n = 1;
}

static const struct scenario scenarios[] = {
    {"sweep loud",
     long_learning,
     sweep_loud,
     {[BH_DETECT_SWEEP] = EXACT(1), [BH_DETECT_TRW] = ANY},
     check_sweep_loud},
    {"sweep just below",
     long_learning,
     sweep_below,
     {[BH_DETECT_TRW] = ANY},
     NULL},
    {"sweep of refused ports",
     long_learning,
     sweep_rst,
     {[BH_DETECT_SWEEP] = EXACT(1), [BH_DETECT_TRW] = ANY},
     NULL},
    {"ping sweep",
     long_learning,
     sweep_ping,
     {[BH_DETECT_SWEEP] = EXACT(1), [BH_DETECT_TRW] = ANY},
     check_ping},
    {"admin sweep",
     long_learning,
     sweep_admin,
     {[BH_DETECT_SWEEP] = EXACT(1), [BH_DETECT_TRW] = ANY},
     check_sweep_admin},
    {"admin sweep just below",
     long_learning,
     sweep_admin_below,
     {[BH_DETECT_TRW] = ANY},
     NULL},
    {"slow sweep (TRW)",
     long_learning,
     sweep_slow,
     {[BH_DETECT_TRW] = ATLEAST(1)},
     NULL},
    {"port scan loud",
     long_learning,
     portscan_loud,
     {[BH_DETECT_PORTSCAN] = EXACT(1)},
     NULL},
    {"port scan just below", long_learning, portscan_below, {{0, 0}}, NULL},
    {"port scan slow",
     long_learning,
     portscan_slow,
     {[BH_DETECT_PORTSCAN] = EXACT(1)},
     check_portscan_slow},
    {"admin port probing",
     long_learning,
     portscan_admin,
     {[BH_DETECT_PORTSCAN] = EXACT(1)},
     check_portscan_admin},
    {"connect scan",
     long_learning,
     portscan_connect,
     {[BH_DETECT_PORTSCAN] = EXACT(1)},
     NULL},
    {"TRW slow scanner",
     long_learning,
     trw_slow,
     {[BH_DETECT_TRW] = EXACT(1)},
     NULL},
    {"TRW just below", long_learning, trw_below, {{0, 0}}, NULL},
    {"TRW mixed outcomes", long_learning, trw_mixed, {{0, 0}}, NULL},
    {"TRW retried services", long_learning, trw_retry, {{0, 0}}, NULL},
    {"new edge",
     NULL,
     new_edge_plain,
     {[BH_DETECT_NEW_EDGE] = EXACT(1)},
     check_new_edge_plain},
    {"new edge on an admin port",
     NULL,
     new_edge_admin,
     {[BH_DETECT_NEW_EDGE] = EXACT(1)},
     check_new_edge_admin},
    {"deploy churn", NULL, deploy_churn, {{0, 0}}, NULL},
    {"replicas scaling", NULL, replicas_scaling, {{0, 0}}, NULL},
    {"cron job", NULL, cron_job, {{0, 0}}, NULL},
    {"metric scraper", NULL, metric_scraper, {{0, 0}}, NULL},
    {"denied connection retried", long_learning, deny_retry, {{0, 0}}, NULL},
    {"deny probing",
     long_learning,
     deny_probe,
     {[BH_DETECT_DENY_PROBE] = EXACT(1), [BH_DETECT_TRW] = ANY},
     NULL},
    {"deny probing just below",
     long_learning,
     deny_probe_below,
     {{0, 0}},
     NULL},
    {"noisy workload within its normal",
     long_learning,
     deny_noisy_normal,
     {[BH_DETECT_DENY_PROBE] = EXACT(0),
      [BH_DETECT_TRW] = ANY,
      [BH_DETECT_SWEEP] = EXACT(0)},
     NULL},
    {"noisy workload probing",
     long_learning,
     deny_noisy_probe,
     {[BH_DETECT_DENY_PROBE] = EXACT(1),
      [BH_DETECT_TRW] = ANY,
      [BH_DETECT_SWEEP] = ANY},
     NULL},
    {"admin fan-out",
     long_learning,
     fanout_loud,
     {[BH_DETECT_ADMIN_FANOUT] = EXACT(1)},
     NULL},
    {"admin fan-out just below", long_learning, fanout_below, {{0, 0}}, NULL},
    {"admin fan-out allowlisted bastion",
     allow_bastion,
     fanout_bastion,
     {{0, 0}},
     NULL},
    {"admin fan-out to replicas",
     long_learning,
     fanout_replicas,
     {{0, 0}},
     NULL},
    {"password spraying",
     long_learning,
     fanout_spray,
     {[BH_DETECT_ADMIN_FANOUT] = EXACT(1)},
     check_spray},
    {"tool transfer on a new edge",
     NULL,
     transfer_new_edge,
     {[BH_DETECT_TRANSFER] = EXACT(1), [BH_DETECT_NEW_EDGE] = EXACT(1)},
     NULL},
    {"upload on a learned edge", NULL, transfer_known_edge, {{0, 0}}, NULL},
    {"tool transfer on an admin port",
     NULL,
     transfer_admin,
     {[BH_DETECT_TRANSFER] = EXACT(1)},
     NULL},
    {"balanced transfer on an admin port",
     NULL,
     transfer_below,
     {{0, 0}},
     NULL},
    {"pivot chain",
     NULL,
     pivot_chain,
     {[BH_DETECT_PIVOT] = EXACT(1), [BH_DETECT_NEW_EDGE] = EXACT(2)},
     check_pivot},
    {"pivot chain after the window",
     NULL,
     pivot_late,
     {[BH_DETECT_NEW_EDGE] = EXACT(2)},
     NULL},
    {"pivot chain of three hops",
     NULL,
     pivot_long,
     {[BH_DETECT_PIVOT] = EXACT(1), [BH_DETECT_NEW_EDGE] = EXACT(3)},
     check_pivot_long},
    {"allowlisted scanner", allow_scanner_cidr, sweep_loud, {{0, 0}}, NULL},
};

static void run_scenario(const struct scenario *s, struct collector *c)
{
	struct bh_detect_config cfg;
	struct bh_detect *d;

	bh_detect_config_defaults(&cfg);
	if (s->tweak)
		s->tweak(&cfg);
	assert_int_equal(bh_detect_new(&d, &cfg, collect, c), 0);
	bh_detect_config_clear(&cfg);
	s->gen(d);
	bh_detect_flush(d);
	bh_detect_free(&d);
	assert_null(d);
}

static void test_scenarios(void **state)
{
	struct collector c = {0};
	unsigned int i, det, n;
	bool ok = true;
	size_t k;

	(void)state;
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		const struct scenario *s = &scenarios[i];

		collector_reset(&c);
		next_id = 0;
		run_scenario(s, &c);
		for (det = 0; det < BH_DETECT_N_BUILTIN; det++) {
			n = count_new(&c, det);
			if ((int)n < s->expect[det].min ||
			    (int)n > s->expect[det].max) {
				print_error(
				    "scenario '%s': detector %u: %u new "
				    "alerts, expected %d..%d\n",
				    s->name, det, n, s->expect[det].min,
				    s->expect[det].max);
				for (k = 0; k < c.n; k++)
					print_error("  [%s] %s: %s\n",
						    bh_detect_alert_state_str(
							c.a[k].state),
						    c.a[k].detector_name,
						    c.a[k].summary);
				ok = false;
			}
		}
		if (ok && s->check)
			s->check(&c);
		if (!ok)
			break;
	}
	collector_reset(&c);
	assert_true(ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scenarios),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
