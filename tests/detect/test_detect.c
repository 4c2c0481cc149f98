// SPDX-License-Identifier: GPL-2.0-only
/* Detection engine tests: table-driven synthetic flow sequences per
 * detector (loud, slow, just below threshold, benign patterns that must not
 * alert, allowlists), then aggregation, eviction under a flood,
 * determinism, baseline files, config loading and the building blocks. */
#include "bh_test.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect.h"
#include "detect_helpers.h"
#include "detect_int.h"
#include "detect_plugin.h"
#include "distinct.h"
#include "lru_table.h"
#include "siphash.h"

static __u64 next_id;

static void feed(struct bh_detect *d, struct fspec s)
{
	struct bh_detect_flow f = mkflow(&s, ++next_id);

	assert_true(bh_detect_flow(d, &f) >= 0);
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
static void sweep_udp(struct bh_detect *d)
{
	gen_sweep(d, 40, 0.1, 161, F_UDP_NO);
}
static void udp_failed(struct bh_detect_config *cfg)
{
	long_learning(cfg);
	cfg->udp_unanswered_failed = true;
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

/* One denied pair every 90 s: about 3 per 5-minute window. */
static void deny_slow_n(struct bh_detect *d, int pairs)
{
	int p;

	normal_traffic(d, 0, 3600);
	for (p = 0; p < pairs; p++)
		feed(d, (struct fspec){3700 + p * 90, H_ATT, ID_WEB,
				       0x2100 + p % 7, ID_DB, (__u16)(7000 + p),
				       F_DENY, 0, 0, "web", NULL});
}
static void deny_slow(struct bh_detect *d)
{
	deny_slow_n(d, 12);
}
static void deny_slow_below(struct bh_detect *d)
{
	deny_slow_n(d, 9);
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
	gen_fanout(d, H_ATT, ID_WEB, "web", 2, false);
}
static void fanout_bastion(struct bh_detect *d)
{
	gen_fanout(d, H_OPS, ID_OPS, "bastion", 12, false);
}
static void fanout_replicas(struct bh_detect *d)
{
	gen_fanout(d, H_ATT, ID_WEB, "web", 8, true);
}
/* One new workload every 10 minutes: never 3 in 10 minutes. */
static void fanout_slow_n(struct bh_detect *d, int targets)
{
	int i;

	for (i = 0; i < targets; i++)
		feed(d,
		     (struct fspec){10 + i * 600, H_ATT, ID_WEB, 0x3100 + i,
				    700 + i, 3389, F_EST, 0, 0, "web", "node"});
}
static void fanout_slow(struct bh_detect *d)
{
	fanout_slow_n(d, 6);
}
static void fanout_slow_below(struct bh_detect *d)
{
	fanout_slow_n(d, 5);
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

/* Policy-denied moves that were answered anyway (a capture from before
 * enforcement, audit mode): api -> web:22 denied, web -> db:22 would-deny
 * with an upload. The connections happened: new edges, a transfer and the
 * chain; for the scan detectors each is a failed attempt. */
static void denied_answered(struct bh_detect *d)
{
	normal_traffic(d, 0, 3600);
	feed(d, (struct fspec){3700, H_API(0), ID_API, H_WEB(1), ID_WEB, 22,
			       F_DENY_OK, 0, 0, "api", "web"});
	feed(d, (struct fspec){3730, H_WEB(1), ID_WEB, H_DB, ID_DB, 22, F_AUDIT,
			       3 << 20, 9000, "web", "db"});
	feed(d, (struct fspec){3760, H_WEB(1), ID_WEB, H_DB, ID_DB, 3389,
			       F_AUDIT, 0, 0, "web", "db"});
	feed(d, (struct fspec){3790, H_WEB(1), ID_WEB, H_DB, ID_DB, 5985,
			       F_AUDIT, 0, 0, "web", "db"});
}

/* The same moves under enforcement: denied, never answered. */
static void denied_enforced(struct bh_detect *d)
{
	normal_traffic(d, 0, 3600);
	feed(d, (struct fspec){3700, H_API(0), ID_API, H_WEB(1), ID_WEB, 22,
			       F_DENY, 0, 0, "api", "web"});
	feed(d, (struct fspec){3730, H_WEB(1), ID_WEB, H_DB, ID_DB, 22, F_DENY,
			       0, 0, "web", "db"});
}

static void check_denied_answered(const struct collector *c)
{
	const struct bh_detect_alert *a = first_new(c, BH_DETECT_NEW_EDGE);

	assert_non_null(a);
	assert_non_null(strstr(a->summary, "denied by policy, yet answered"));
	a = first_new(c, BH_DETECT_TRANSFER);
	assert_non_null(a);
	assert_non_null(strstr(a->summary, "would be denied (audit mode)"));
	a = first_new(c, BH_DETECT_PIVOT);
	assert_non_null(a);
	assert_int_equal(a->path_len, 3);
	/* three admin ports of db failed, as enforcement would have it */
	assert_non_null(
	    strstr(first_new(c, BH_DETECT_PORTSCAN)->summary, "3 admin ports"));
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
    {"UDP sweep: unanswered UDP is not a failure by default",
     long_learning,
     sweep_udp,
     {{0, 0}},
     NULL},
    {"UDP sweep with udp_unanswered_failed",
     udp_failed,
     sweep_udp,
     {[BH_DETECT_SWEEP] = EXACT(1), [BH_DETECT_TRW] = ANY},
     NULL},
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
    {"admin fan-out slow",
     long_learning,
     fanout_slow,
     {[BH_DETECT_ADMIN_FANOUT] = EXACT(1)},
     NULL},
    {"admin fan-out slow just below",
     long_learning,
     fanout_slow_below,
     {{0, 0}},
     NULL},
    {"deny probing slow",
     NULL,
     deny_slow,
     {[BH_DETECT_DENY_PROBE] = EXACT(1), [BH_DETECT_TRW] = ANY},
     NULL},
    {"deny probing slow just below",
     NULL,
     deny_slow_below,
     {[BH_DETECT_TRW] = ANY},
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
    {"denied, yet answered",
     NULL,
     denied_answered,
     {[BH_DETECT_NEW_EDGE] = EXACT(4),
      [BH_DETECT_TRANSFER] = EXACT(1),
      [BH_DETECT_PIVOT] = EXACT(1),
      [BH_DETECT_PORTSCAN] = EXACT(1),
      [BH_DETECT_ADMIN_FANOUT] = ANY,
      [BH_DETECT_TRW] = ANY},
     check_denied_answered},
    {"denied and enforced",
     NULL,
     denied_enforced,
     {[BH_DETECT_TRW] = ANY},
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

/* --- Engine behaviour ------------------------------------------------------
 */

static struct bh_detect *engine(struct bh_detect_config *cfg,
				struct collector *c)
{
	struct bh_detect *d;

	assert_int_equal(bh_detect_new(&d, cfg, collect, c), 0);
	return d;
}

/* A long scan: one NEW, then updates with the same id, evidence capped. */
static void test_aggregation(void **state)
{
	struct collector c = {0};
	struct bh_detect_config cfg;
	const struct bh_detect_alert *a, *last;
	struct bh_detect_stats st;
	struct bh_detect *d;
	size_t i, updates = 0;

	(void)state;
	bh_detect_config_defaults(&cfg);
	cfg.trw.c.enabled = false;
	d = engine(&cfg, &c);
	gen_sweep(d, 400, 3, 80, F_SYN); /* 20 minutes */
	bh_detect_flush(d);
	assert_int_equal(count_new(&c, BH_DETECT_SWEEP), 1);
	a = first_new(&c, BH_DETECT_SWEEP);
	for (i = 0; i < c.n; i++) {
		assert_int_equal(c.a[i].id, a->id);
		if (c.a[i].state == BH_ALERT_UPDATE)
			updates++;
	}
	/* one update per aggregation window (10 min) while it goes on */
	assert_true(updates >= 1 && updates <= 2);
	last = &c.a[c.n - 1];
	assert_int_equal(last->state, BH_ALERT_CLOSED);
	assert_true(last->count > 300);
	assert_int_equal(last->n_evidence, BH_DETECT_MAX_EVIDENCE);
	assert_true(last->evidence_total > BH_DETECT_MAX_EVIDENCE);
	assert_int_equal(last->n_targets, BH_DETECT_MAX_TARGETS);
	assert_true(last->last_ns > last->first_ns);
	bh_detect_stats(d, &st);
	assert_int_equal(st.alerts[BH_DETECT_SWEEP], 1);
	assert_int_equal(st.aggregated[BH_DETECT_SWEEP], last->count - 1);
	assert_int_equal(st.emitted, c.n);

	/* After a quiet window the same scan again is a new incident. */
	collector_reset(&c);
	bh_detect_free(&d);
	d = engine(&cfg, &c);
	gen_sweep(d, 30, 0.1, 80, F_SYN);
	bh_detect_advance(d, (__u64)((T0 + 3000) * 1e9));
	for (i = 0; i < 30; i++)
		feed(d,
		     (struct fspec){3100 + i * 0.1, H_ATT, ID_WEB, 0x5000 + i,
				    ID_DB, 80, F_SYN, 0, 0, "web", NULL});
	assert_int_equal(count_new(&c, BH_DETECT_SWEEP), 2);
	assert_int_equal(c.a[1].state, BH_ALERT_CLOSED); /* the first one */
	assert_int_equal(c.a[2].state, BH_ALERT_NEW);
	assert_true(c.a[2].id != c.a[0].id);
	bh_detect_free(&d);
	bh_detect_config_clear(&cfg);
	collector_reset(&c);
}

/* A million-source flood in small: memory stays at the cap, evictions are
 * counted, and a real scanner inside the flood is still detected. */
static void test_eviction_flood(void **state)
{
	struct collector c = {0};
	struct bh_detect_config cfg;
	struct bh_detect_stats st;
	struct bh_detect *d;
	__u64 mem = 0;
	int i;

	(void)state;
	bh_detect_config_defaults(&cfg);
	cfg.max_sources = 64;
	d = engine(&cfg, &c);
	for (i = 0; i < 20000; i++) {
		struct fspec s = {i * 0.01,    0x100000 + (__u32)i,
				  BH_ID_WORLD, H_WEB(0),
				  ID_WEB,      443,
				  F_SYN,       0,
				  0,	       NULL,
				  NULL};

		feed(d, s);
		if (i % 20 == 0)
			feed(d, (struct fspec){i * 0.01, H_ATT, ID_WEB,
					       0x1000 + (__u32)i / 20, ID_DB,
					       80, F_SYN, 0, 0, "web", NULL});
		if (i == 1000) {
			bh_detect_stats(d, &st);
			mem = st.mem_bytes;
		}
	}
	bh_detect_stats(d, &st);
	assert_int_equal(st.sources, 64);
	assert_int_equal(st.sources_max, 64);
	assert_int_equal(st.mem_bytes, mem);
	/* every spoofed source but those still in the table was evicted */
	assert_int_equal(st.source_evictions, 20000 + 1 - 64);
	assert_int_equal(count_new(&c, BH_DETECT_SWEEP), 1);
	assert_string_equal(first_new(&c, BH_DETECT_SWEEP)->source.name, "web");
	bh_detect_free(&d);
	bh_detect_config_clear(&cfg);
	collector_reset(&c);
}

/* Same input, same alerts, same ids. */
static void mixed(struct bh_detect *d)
{
	pivot_gen(d, 20, true);
	gen_sweep(d, 40, 0.3, 445, F_SYN);
	deny_probe(d);
	metric_scraper(d);
}

static void test_determinism(void **state)
{
	struct collector c1 = {0}, c2 = {0};
	struct bh_detect_config cfg;
	struct bh_detect *d;
	size_t i;

	(void)state;
	bh_detect_config_defaults(&cfg);
	next_id = 0;
	d = engine(&cfg, &c1);
	mixed(d);
	bh_detect_flush(d);
	bh_detect_free(&d);
	next_id = 0;
	d = engine(&cfg, &c2);
	mixed(d);
	bh_detect_flush(d);
	bh_detect_free(&d);
	assert_true(c1.n >= 5);
	assert_int_equal(c1.n, c2.n);
	for (i = 0; i < c1.n; i++) {
		assert_int_equal(c1.a[i].id, c2.a[i].id);
		assert_int_equal(c1.a[i].state, c2.a[i].state);
		assert_int_equal(c1.a[i].count, c2.a[i].count);
		assert_int_equal(c1.a[i].time_ns, c2.a[i].time_ns);
		assert_string_equal(c1.a[i].summary, c2.a[i].summary);
		assert_memory_equal(c1.a[i].evidence, c2.a[i].evidence,
				    sizeof(c1.a[i].evidence));
	}
	/* A different seed changes ids, not detections. */
	cfg.hash_seed = 42;
	collector_reset(&c2);
	next_id = 0;
	d = engine(&cfg, &c2);
	mixed(d);
	bh_detect_flush(d);
	bh_detect_free(&d);
	assert_int_equal(c1.n, c2.n);
	assert_true(c1.a[0].id != c2.a[0].id);
	assert_int_equal(c1.a[0].detector, c2.a[0].detector);
	bh_detect_config_clear(&cfg);
	collector_reset(&c1);
	collector_reset(&c2);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_baseline_roundtrip(void **state)
{
	char path[] = "/tmp/bh-detect-baseline-XXXXXX";
	struct collector c = {0};
	struct bh_detect_config cfg;
	struct bh_detect_stats st;
	struct bh_detect *d;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	bh_detect_config_defaults(&cfg);
	d = engine(&cfg, &c);
	normal_traffic(d, 0, 3600);
	/* an edge first seen after learning: saved as "alerted" */
	feed(d, (struct fspec){3700, H_WEB(0), ID_WEB, H_API(0), ID_API, 9000,
			       F_EST, 0, 0, "web", "api"});
	assert_int_equal(count_new(&c, BH_DETECT_NEW_EDGE), 1);
	bh_detect_stats(d, &st);
	assert_int_equal(st.edges_learned, 5);
	assert_int_equal(bh_detect_baseline_save(d, path), 0);
	bh_detect_free(&d);

	/* A new run, no learning, with the baseline. */
	collector_reset(&c);
	cfg.learning_ns = 0;
	cfg.baseline_path = strdup(path);
	d = engine(&cfg, &c);
	bh_detect_stats(d, &st);
	assert_int_equal(st.edges, 5); /* the alerted edge is not trusted */
	feed(d, (struct fspec){10, H_WEB(2), ID_WEB, H_DB, ID_DB, 5432, F_EST,
			       0, 0, "web", "db"});
	feed(d, (struct fspec){11, 0x4444, ID_OPS, H_WEB(0), ID_WEB, 22, F_EST,
			       0, 0, "ops", "web"});
	assert_int_equal(count_new(&c, BH_DETECT_NEW_EDGE), 0);
	feed(d, (struct fspec){12, H_WEB(0), ID_WEB, H_API(0), ID_API, 9000,
			       F_EST, 0, 0, "web", "api"});
	feed(d, (struct fspec){13, H_WEB(0), ID_WEB, H_DB, ID_DB, 6000, F_EST,
			       0, 0, "web", "db"});
	assert_int_equal(count_new(&c, BH_DETECT_NEW_EDGE), 2);
	bh_detect_free(&d);

	/* Broken files: clear errors, no engine. */
	write_file(path, "# nothing\n");
	assert_int_equal(bh_detect_new(&d, &cfg, collect, &c), -EINVAL);
	write_file(path, "bulkhead-baseline 1\nedge 1 2 6\n");
	assert_int_equal(bh_detect_new(&d, &cfg, collect, &c), -EINVAL);
	write_file(path, "bulkhead-baseline 1\nedge 1 2 6 70000 learned\n");
	assert_int_equal(bh_detect_new(&d, &cfg, collect, &c), -EINVAL);
	write_file(path, "bulkhead-baseline 1\nedge 1 2 6 80 maybe\n");
	assert_int_equal(bh_detect_new(&d, &cfg, collect, &c), -EINVAL);
	write_file(path, "bulkhead-baseline 1\nworkload 7 -1\n");
	assert_int_equal(bh_detect_new(&d, &cfg, collect, &c), -EINVAL);
	write_file(path, "bulkhead-baseline 2\n");
	assert_int_equal(bh_detect_new(&d, &cfg, collect, &c), -EINVAL);
	unlink(path);
	assert_int_equal(bh_detect_new(&d, &cfg, collect, &c), -ENOENT);
	assert_null(d);
	bh_detect_config_clear(&cfg);
	collector_reset(&c);
}

/* Time moves without flows: learning ends, quiet alerts close. */
static void test_advance(void **state)
{
	struct collector c = {0};
	struct bh_detect_config cfg;
	struct bh_detect_stats st;
	struct bh_detect *d;

	(void)state;
	bh_detect_config_defaults(&cfg);
	cfg.trw.c.enabled = false;
	d = engine(&cfg, &c);
	bh_detect_stats(d, &st);
	assert_true(st.learning);
	assert_int_equal(st.learning_end_ns, 0);
	gen_sweep(d, 30, 0.1, 80, F_SYN);
	bh_detect_stats(d, &st);
	assert_true(st.learning);
	assert_int_equal(st.alerts_open, 1);
	assert_int_equal(c.n, 1);
	bh_detect_advance(d, (__u64)((T0 + 3700) * 1e9));
	bh_detect_stats(d, &st);
	assert_false(st.learning);
	assert_int_equal(st.alerts_open, 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.a[1].state, BH_ALERT_CLOSED);
	assert_int_equal(c.a[1].id, c.a[0].id);
	/* time going back is ignored */
	bh_detect_advance(d, (__u64)(T0 * 1e9));
	bh_detect_stats(d, &st);
	assert_false(st.learning);
	bh_detect_free(&d);
	bh_detect_config_clear(&cfg);
	collector_reset(&c);
}

static void test_invalid_flows(void **state)
{
	struct collector c = {0};
	struct bh_detect_config cfg;
	struct bh_detect_stats st;
	struct bh_detect_flow f;
	struct bh_detect *d;
	struct fspec s = {1, 1, 300, 2, 301, 80, F_EST, 0, 0, NULL, NULL};

	(void)state;
	bh_detect_config_defaults(&cfg);
	d = engine(&cfg, &c);
	f = mkflow(&s, 1);
	f.end_ns = f.start_ns - 1;
	assert_int_equal(bh_detect_flow(d, &f), -EINVAL);
	f = mkflow(&s, 2);
	f.verdict = BH_VERDICT_MAX;
	assert_int_equal(bh_detect_flow(d, &f), -EINVAL);
	f = mkflow(&s, 3);
	f.init.n_labels = 2;
	assert_int_equal(bh_detect_flow(d, &f), -EINVAL);
	f = mkflow(&s, 4);
	f.end_ns = UINT64_MAX;
	assert_int_equal(bh_detect_flow(d, &f), -EINVAL);
	f = mkflow(&s, 5);
	assert_int_equal(bh_detect_flow(d, &f), BH_DETECT_ANSWERED);
	bh_detect_stats(d, &st);
	assert_int_equal(st.flows, 1);
	assert_int_equal(st.flows_invalid, 4);
	bh_detect_free(&d);
	bh_detect_free(&d); /* NULL-safe */
	bh_detect_free(NULL);
	/* invalid configuration */
	cfg.trw.theta1 = 0.9;
	assert_int_equal(bh_detect_new(&d, &cfg, collect, &c), -EINVAL);
	bh_detect_config_clear(&cfg);
	collector_reset(&c);
}

/* Labels and identities in allowlists; half-open interim records. */
static void test_allowlist_label_and_interim(void **state)
{
	static const char *const labels[] = {"app=web",
					     "role=config-management"};
	struct collector c = {0};
	struct bh_detect_config cfg;
	struct bh_detect_stats st;
	struct bh_detect_flow f;
	struct bh_detect *d;
	int i;

	(void)state;
	bh_detect_config_defaults(&cfg);
	cfg.sweep.c.allow.v = calloc(1, sizeof(struct bh_detect_allow));
	cfg.sweep.c.allow.v[0].label = strdup("role=config-management");
	cfg.sweep.c.allow.n = 1;
	cfg.trw.c.enabled = false;
	d = engine(&cfg, &c);
	for (i = 0; i < 30; i++) {
		struct fspec s = {
		    10 + i * 0.1, H_ATT, ID_WEB, 0x1000 + i, ID_DB, 80,
		    F_SYN,	  0,	 0,	 "web",	     NULL};

		f = mkflow(&s, (__u64)i + 1);
		f.init.labels = labels;
		f.init.n_labels = 2;
		assert_int_equal(bh_detect_flow(d, &f), 0);
	}
	assert_int_equal(c.n, 0);
	bh_detect_stats(d, &st);
	assert_true(st.allowlisted[BH_DETECT_SWEEP] >= 6);
	/* Interim records of half-open connections: failed only once they
	 * are older than failure_grace (3 s). */
	for (i = 0; i < 30; i++) {
		struct fspec s = {
		    100 + i * 0.1, 0x888, ID_WEB, 0x1000 + i, ID_DB, 80,
		    F_SYN,	   0,	  0,	  "web",      NULL};

		f = mkflow(&s, 1000 + (__u64)i);
		f.flags = 0;
		assert_int_equal(bh_detect_flow(d, &f), 0);
	}
	assert_int_equal(c.n, 0);
	for (i = 0; i < 30; i++) {
		struct fspec s = {
		    100 + i * 0.1, 0x888, ID_WEB, 0x1000 + i, ID_DB, 80,
		    F_SYN,	   0,	  0,	  "web",      NULL};

		f = mkflow(&s, 1000 + (__u64)i);
		f.flags = BH_DETECT_F_CONT;
		f.end_ns = f.start_ns + 4000000000ULL;
		assert_int_equal(bh_detect_flow(d, &f), 0);
	}
	assert_int_equal(count_new(&c, BH_DETECT_SWEEP), 1);
	bh_detect_free(&d);
	bh_detect_config_clear(&cfg);
	collector_reset(&c);
}

/* One connection seen as views: interim while the handshake is pending,
 * interim once answered, then its records. Returns what the engine said
 * of the last view; counters grow as a pipeline would pass them. */
static int views(struct bh_detect *d, struct fspec s, __u64 id, int n_views)
{
	struct bh_detect_flow f = mkflow(&s, id);
	struct bh_detect_flow pending = f;
	int i, ret = 0;
	bool cont = false;

	pending.flags = 0;
	pending.tcp_flags[BH_DETECT_REV] = 0;
	pending.packets[BH_DETECT_REV] = 0;
	pending.bytes[BH_DETECT_REV] = 0;
	pending.end_ns = pending.start_ns + 200000000ULL;
	assert_int_equal(bh_detect_flow(d, &pending), 0);
	for (i = 0; i < n_views; i++) {
		struct bh_detect_flow v = f;

		v.flags = (i == n_views - 1 ? BH_DETECT_F_FINAL : 0) |
			  (cont ? BH_DETECT_F_CONT : 0);
		v.end_ns = f.start_ns + (__u64)(i + 1) * 1000000000ULL;
		ret = bh_detect_flow(d, &v);
		cont |= ret == BH_DETECT_ANSWERED;
	}
	return ret;
}

/* Interim views of 30 unanswered pings to new hosts, age s seconds. */
static void pings_viewed(struct bh_detect *d, int s)
{
	struct bh_detect_flow f;
	int i;

	for (i = 0; i < 30; i++) {
		struct fspec fs = {10 + i * 0.1, H_ATT, ID_WEB, 0x1000 + i,
				   ID_DB, 0, F_ICMP_NO, 0, 0, "web", NULL};

		f = mkflow(&fs, 1000 + (__u64)i);
		f.flags = 0;
		f.end_ns = f.start_ns + (__u64)s * 1000000000ULL;
		assert_int_equal(bh_detect_flow(d, &f), 0);
	}
}

/* Interim views count a connection once: admin fan-out attempts (spray
 * ratio), transfer occurrences; an unanswered echo fails after the grace
 * without waiting for its final record. */
static void test_interim_views(void **state)
{
	const struct bh_detect_alert *a;
	struct collector c = {0};
	struct bh_detect_config cfg;
	struct bh_detect *d;
	int i;

	(void)state;
	bh_detect_config_defaults(&cfg);
	long_learning(&cfg);
	cfg.fanout.spray_ratio = 2; /* 6 attempts on 3 targets: spraying */
	d = engine(&cfg, &c);
	for (i = 0; i < 3; i++)
		assert_int_equal(
		    views(d,
			  (struct fspec){10 + i * 20, H_ATT, ID_WEB, 0x3100 + i,
					 700 + i, 22, F_EST, 0, 0, "web",
					 "node"},
			  (__u64)i + 1, 3),
		    BH_DETECT_ANSWERED);
	a = first_new(&c, BH_DETECT_ADMIN_FANOUT);
	assert_non_null(a);
	/* three connections, not nine views: not password spraying */
	assert_string_equal(last_of(&c, a->id)->technique, "T1021.004");
	/* a 3 MiB upload over an admin port, seen in four views: one
	 * occurrence */
	views(d,
	      (struct fspec){200, H_ATT, ID_WEB, 0x3100, 700, 22, F_EST,
			     3 << 20, 9000, "web", "node"},
	      100, 4);
	bh_detect_flush(d);
	a = first_new(&c, BH_DETECT_TRANSFER);
	assert_non_null(a);
	a = last_of(&c, a->id);
	assert_int_equal(a->count, 1);
	assert_int_equal(a->evidence_total, 1);
	assert_int_equal(a->n_evidence, 1);
	bh_detect_free(&d);

	/* Unanswered pings, interim views at 4 s: a sweep, before any idle
	 * timeout closed their records. */
	collector_reset(&c);
	d = engine(&cfg, &c);
	pings_viewed(d, 1);
	assert_int_equal(count_new(&c, BH_DETECT_SWEEP), 0);
	pings_viewed(d, 4);
	a = first_new(&c, BH_DETECT_SWEEP);
	assert_non_null(a);
	assert_string_equal(a->technique, "T1018");
	bh_detect_free(&d);
	bh_detect_config_clear(&cfg);
	collector_reset(&c);
}

/* A plug-in detector gets its per-source slot, flows and alert hooks. */
struct toy {
	unsigned int id;
	unsigned int flows, alerts_seen;
};

struct toy_state {
	__u32 n;
};

static void toy_flow(struct bh_detect_ctx *ctx, void *state, void *priv)
{
	struct toy *t = priv;
	struct toy_state *st = state;
	struct bh_detect_hit h = {.detector = t->id,
				  .technique = "T1071",
				  .severity = BH_SEV_LOW,
				  .score = 10};
	struct bh_detect_alert *a;
	bool is_new;

	t->flows++;
	if (++st->n != 3)
		return;
	a = bh_detect_hit(ctx, &h, &is_new);
	assert_non_null(a);
	bh_detect_alert_summary(a, "third flow of this source");
	bh_detect_commit(ctx, a, is_new);
}

static void toy_alert(struct bh_detect_ctx *ctx,
		      const struct bh_detect_alert *a, void *priv)
{
	((struct toy *)priv)->alerts_seen++;
}

static const struct bh_detector toy_detector = {
    .name = "toy",
    .state_size = sizeof(struct toy_state),
    .flow = toy_flow,
    .alert = toy_alert,
};

static void test_plugin(void **state)
{
	struct collector c = {0};
	struct bh_detect_config cfg;
	struct bh_detect_stats st;
	struct bh_detect *d;
	struct toy t = {0};
	int i;

	(void)state;
	bh_detect_config_defaults(&cfg);
	d = engine(&cfg, &c);
	assert_int_equal(bh_detect_register(d, &toy_detector, &t, &t.id), 0);
	assert_int_equal(t.id, BH_DETECT_N_BUILTIN);
	for (i = 0; i < 4; i++)
		feed(d, (struct fspec){1 + i, 0x10 + (i == 3), ID_WEB, H_DB,
				       ID_DB, 5432, F_EST, 0, 0, "web", "db"});
	assert_int_equal(bh_detect_register(d, &toy_detector, &t, NULL),
			 -EBUSY);
	assert_int_equal(t.flows, 4);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.a[0].detector_name, "toy");
	assert_int_equal(t.alerts_seen, 1);
	bh_detect_stats(d, &st);
	assert_int_equal(st.n_detectors, BH_DETECT_N_BUILTIN + 1);
	assert_string_equal(st.detector_names[t.id], "toy");
	assert_int_equal(st.alerts[t.id], 1);
	bh_detect_free(&d);
	bh_detect_config_clear(&cfg);
	collector_reset(&c);
}

/* --- Configuration -----------------------------------------------------------
 */

/* Defaults, then yaml over them: it must load. */
static void config_load_ok(struct bh_detect_config *cfg, const char *yaml)
{
	char err[256] = "";

	bh_detect_config_defaults(cfg);
	if (bh_detect_config_load_buf(cfg, yaml, strlen(yaml), "t.yaml", err,
				      sizeof(err)))
		fail_msg("t.yaml refused: %s", err);
}

static void test_config_yaml(void **state)
{
	static const char yaml[] = "detect:\n"
				   "  max_sources: 4096\n"
				   "  admin_ports: [22, 3389, 8443]\n"
				   "  failure_grace: 2s\n"
				   "  learning:\n"
				   "    period: 1h30m\n"
				   "    workload_grace: 0\n"
				   "  aggregation: { window: 15m }\n"
				   "  allowlist:\n"
				   "    - cidr: 192.168.0.0/16\n"
				   "  sweep:\n"
				   "    hosts: 50\n"
				   "    window: 600\n"
				   "  trw:\n"
				   "    theta0: 0.9\n"
				   "    enabled: false\n"
				   "  fanout:\n"
				   "    allowlist:\n"
				   "      - workload: bastion-*\n"
				   "      - label: role=config-management\n"
				   "        to_port: 22\n"
				   "      - identity: 4242\n"
				   "  transfer:\n"
				   "    min_bytes: 4MiB\n"
				   "  deny: {}\n";
	struct bh_detect_config cfg;

	(void)state;
	config_load_ok(&cfg, yaml);
	assert_int_equal(cfg.max_sources, 4096);
	assert_int_equal(cfg.n_admin_ports, 3);
	assert_int_equal(cfg.admin_ports[2], 8443);
	assert_int_equal(cfg.failure_grace_ns, 2000000000ULL);
	assert_int_equal(cfg.learning_ns, 5400ULL * 1000000000ULL);
	assert_int_equal(cfg.workload_grace_ns, 0);
	assert_int_equal(cfg.aggregation_ns, 900ULL * 1000000000ULL);
	assert_int_equal(cfg.allow.n, 1);
	assert_int_equal(cfg.allow.v[0].cidr_len, 96 + 16);
	assert_int_equal(cfg.sweep.hosts, 50);
	assert_int_equal(cfg.sweep.window_ns, 600ULL * 1000000000ULL);
	assert_int_equal(cfg.sweep.admin_hosts, 8); /* default kept */
	assert_false(cfg.trw.c.enabled);
	assert_true(cfg.trw.theta0 == 0.9);
	assert_int_equal(cfg.fanout.c.allow.n, 3);
	assert_string_equal(cfg.fanout.c.allow.v[0].workload, "bastion-*");
	assert_string_equal(cfg.fanout.c.allow.v[1].label,
			    "role=config-management");
	assert_int_equal(cfg.fanout.c.allow.v[1].to_port, 22);
	assert_int_equal(cfg.fanout.c.allow.v[2].identity, 4242);
	assert_int_equal(cfg.transfer.min_bytes, 4 << 20);
	bh_detect_config_clear(&cfg);
}

/* Numbers are decimal: before the shared parser (parse_num.h) a leading
 * zero made them octal ("010" was 8) and "0x10" was hex. */
static void test_config_decimal(void **state)
{
	static const char yaml[] =
	    "detect:\n"
	    "  hash_seed: 010\n"
	    "  admin_ports: [022]\n"
	    "  allowlist:\n"
	    "    - {cidr: 10.0.0.0/010, to_port: 0080}\n"
	    "  sweep: {hosts: 010, window: 010}\n"
	    "  transfer: {min_bytes: 010K, ratio: 04.50}\n";
	struct bh_detect_config cfg;

	(void)state;
	config_load_ok(&cfg, yaml);
	assert_int_equal(cfg.hash_seed, 10);
	assert_int_equal(cfg.admin_ports[0], 22);
	assert_int_equal(cfg.allow.v[0].cidr_len, 96 + 10);
	assert_int_equal(cfg.allow.v[0].to_port, 80);
	assert_int_equal(cfg.sweep.hosts, 10);
	assert_int_equal(cfg.sweep.window_ns, 10ULL * 1000000000ULL);
	assert_int_equal(cfg.transfer.min_bytes, 10 << 10);
	assert_true(cfg.transfer.ratio == 4.5);
	bh_detect_config_clear(&cfg);
}

static const struct {
	const char *yaml;
	const char *err; /* expected prefix after "e.yaml:" */
} config_errors[] = {
    {"detect:\n  hash_seed: 0x10\n",
     "2:14: detect.hash_seed: expected a decimal integer, got '0x10'"},
    {"detect:\n  sweep:\n    hosts: 0x10\n",
     "3:12: detect.sweep.hosts: expected an integer in 1..1000000, got "
     "'0x10'"},
    {"detect:\n  admin_ports: [0x16]\n",
     "2:17: detect.admin_ports: expected a port"},
    {"detect:\n  allowlist:\n    - cidr: 10.0.0.0/0x8\n",
     "3:13: detect.allowlist: cidr: expected an address"},
    {"detect:\n  sweep:\n    window: 30m1h\n",
     "3:13: detect.sweep.window: expected a duration"},
    {"detect:\n  sweep:\n    window: 0.5s\n",
     "3:13: detect.sweep.window: expected a duration"},
    {"detect:\n  trw:\n    theta0: 8e-1\n",
     "3:13: detect.trw.theta0: expected a number in 0..1, got '8e-1'"},
    {"detect:\n  trw:\n    theta0: '+0.8'\n",
     "3:13: detect.trw.theta0: expected a number in 0..1"},
    {"detect:\n  transfer:\n    min_bytes: 99999999999G\n",
     "3:16: detect.transfer.min_bytes: expected a size"},
    {"detect:\n  sweep:\n    hosts: many\n",
     "3:12: detect.sweep.hosts: expected an integer"},
    {"detect:\n  sweep:\n    hsots: 3\n",
     "3:5: detect.sweep: unknown key 'hsots'"},
    {"detect:\n  sweep:\n    window: 5 minutes\n",
     "3:13: detect.sweep.window: expected a duration"},
    {"detect:\n  admin_ports: [22, 70000]\n",
     "2:21: detect.admin_ports: expected a port"},
    {"detect:\n  admin_ports: [22, 22]\n",
     "2:21: detect.admin_ports: port 22 listed twice"},
    {"detect:\n  trw:\n    theta1: 0.95\n",
     "2:3: detect: trw.theta1: must be lower than trw.theta0"},
    {"detect:\n  fanout:\n    allowlist:\n      - {}\n",
     "4:9: detect.fanout.allowlist: an empty entry"},
    {"detect:\n  fanout:\n    allowlist:\n      - host: x\n",
     "4:9: detect.fanout.allowlist: unknown allowlist key 'host'"},
    {"detect:\n  allowlist:\n    - cidr: 10.0.0.0/40\n",
     "3:13: detect.allowlist: cidr: expected an address"},
    {"detect:\n  allowlist:\n    - label: app\n",
     "3:14: detect.allowlist: label: expected key=value"},
    {"detect:\n  max_edges: 3\n",
     "2:14: detect.max_edges: expected an integer in 16..16777216"},
    {"detect:\n  sweep: [1]\n", "2:10: detect.sweep: expected a mapping"},
    {"detect:\n  sweep:\n    hosts: 3\n    hosts: 4\n",
     "4:5: detect.sweep: duplicate key 'hosts'"},
    {"detect:\n  deny:\n    factor: 0.5\n",
     "3:13: detect.deny.factor: expected a number in 1..1000"},
    {"detect:\n  transfer:\n    min_bytes: 1TB\n",
     "3:16: detect.transfer.min_bytes: expected a size"},
    {"daemon: {}\n", "1:1: (root): unknown key 'daemon'"},
    {"- 1\n", "1:1: (root): expected a mapping"},
    {"detect:\n  sweep: {hosts: 3\n", "3:1: did not find expected"},
    {"", "1:1: empty document"},
    {"detect:\n  sweep:\n    enabled: maybe\n",
     "3:14: detect.sweep.enabled: expected true or false"},
};

static void test_config_errors(void **state)
{
	struct bh_detect_config cfg;
	char err[256], want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(config_errors) / sizeof(config_errors[0]); i++) {
		bh_detect_config_defaults(&cfg);
		err[0] = 0;
		assert_int_equal(
		    bh_detect_config_load_buf(&cfg, config_errors[i].yaml,
					      strlen(config_errors[i].yaml),
					      "e.yaml", err, sizeof(err)),
		    -EINVAL);
		snprintf(want, sizeof(want), "e.yaml:%s", config_errors[i].err);
		if (strncmp(err, want, strlen(want))) {
			print_error("case %zu: got '%s', want '%s...'\n", i,
				    err, want);
			fail();
		}
		/* a failed load leaves the configuration as it was */
		assert_int_equal(cfg.sweep.hosts, 25);
		bh_detect_config_clear(&cfg);
	}
	bh_detect_config_defaults(&cfg);
	assert_int_equal(bh_detect_config_load_file(&cfg, "/nonexistent.yaml",
						    err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent.yaml: cannot open"));
}

static void test_config_file_and_copy(void **state)
{
	char path[] = "/tmp/bh-detect-cfg-XXXXXX";
	struct bh_detect_config cfg, copy;
	char err[256];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, "detect:\n  learning:\n    baseline: /var/lib/b.txt\n"
			 "  new_edge:\n    allowlist:\n      - to_workload: "
			 "dns\n        to_port: 53\n");
	bh_detect_config_defaults(&cfg);
	assert_int_equal(
	    bh_detect_config_load_file(&cfg, path, err, sizeof(err)), 0);
	unlink(path);
	assert_string_equal(cfg.baseline_path, "/var/lib/b.txt");
	assert_int_equal(bh_detect_config_copy(&copy, &cfg), 0);
	bh_detect_config_clear(&cfg);
	assert_string_equal(copy.baseline_path, "/var/lib/b.txt");
	assert_string_equal(copy.new_edge.c.allow.v[0].to_workload, "dns");
	assert_int_equal(copy.new_edge.c.allow.v[0].to_port, 53);
	bh_detect_config_clear(&copy);
	assert_null(copy.baseline_path);
}

/* --- Building blocks ---------------------------------------------------------
 */

static void test_formatting(void **state)
{
	struct bh_detect_endpoint ep;
	char buf[128];

	(void)state;
	memset(&ep, 0, sizeof(ep));
	ep.addr = v4(0x0102);
	ep.port = 22;
	bh_detect_fmt_endpoint(buf, sizeof(buf), &ep, true);
	assert_string_equal(buf, "10.0.1.2:22");
	strcpy(ep.name, "web");
	bh_detect_fmt_endpoint(buf, sizeof(buf), &ep, false);
	assert_string_equal(buf, "web (10.0.1.2)");
	memset(&ep.addr, 0, sizeof(ep.addr));
	ep.addr.b[0] = 0xfd;
	ep.addr.b[15] = 1;
	bh_detect_fmt_endpoint(buf, sizeof(buf), &ep, true);
	assert_string_equal(buf, "web ([fd00::1]:22)");
	bh_detect_fmt_duration(buf, sizeof(buf), 5400ULL * 1000000000ULL);
	assert_string_equal(buf, "1h30m");
	bh_detect_fmt_duration(buf, sizeof(buf), 45ULL * 1000000000ULL);
	assert_string_equal(buf, "45s");
	bh_detect_fmt_duration(buf, sizeof(buf), 0);
	assert_string_equal(buf, "0s");
	assert_string_equal(bh_detect_severity_str(BH_SEV_CRITICAL),
			    "critical");
	assert_string_equal(bh_detect_alert_state_str(BH_ALERT_CLOSED),
			    "closed");
	assert_string_equal(bh_detect_technique_name("T1021.004"),
			    "Remote Services: SSH");
	assert_string_equal(bh_detect_technique_name("T9999"), "");
	/* every technique an alert can carry has a name */
	{
		struct bh_detect_config cfg;
		static const char *const used[] = {
		    "T1018", "T1046", "T1110.003", "T1210", "T1570"};
		size_t i;

		bh_detect_config_defaults(&cfg);
		for (i = 0; i < cfg.n_admin_ports; i++)
			assert_true(bh_detect_technique_name(
			    bh_detect_admin_technique(cfg.admin_ports[i]))[0]);
		for (i = 0; i < sizeof(used) / sizeof(used[0]); i++)
			assert_true(bh_detect_technique_name(used[i])[0]);
		assert_true(bh_detect_technique_name(
		    bh_detect_admin_technique(2222))[0]);
	}
}

static void test_siphash(void **state)
{
	/* Reference vector of the SipHash paper: key 00..0f, message 00..0e */
	const uint64_t k[2] = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
	unsigned char msg[15];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)i;
	assert_int_equal(bh_siphash(k, msg, sizeof(msg), 2, 4),
			 0xa129ca6149be45e5ULL);
	assert_int_equal(bh_detect_workload_key("web"),
			 bh_detect_workload_key("web"));
	assert_true(bh_detect_workload_key("web") !=
		    bh_detect_workload_key("db"));
	assert_true(bh_detect_workload_key("") >= BH_ID_FIRST_USER);
}

static void test_distinct_counter(void **state)
{
	struct bh_dc7 c7;
	struct bh_dc6 c6;
	uint32_t i, n;
	double err;

	(void)state;
	/* exact up to the sparse capacity, duplicates ignored */
	bh_dc_init(&c7.h, 7);
	for (i = 0; i < bh_dc_exact_cap(7); i++) {
		assert_true(bh_dc_add(&c7.h, i * 2654435761u, 100, 100, 300));
		assert_false(bh_dc_add(&c7.h, i * 2654435761u, 100, 100, 300));
		assert_int_equal(bh_dc_count(&c7.h, 100, 300), i + 1);
	}
	assert_int_equal(bh_dc_exact_cap(7), 32);
	assert_int_equal(bh_dc_exact_cap(6), 16);
	/* sliding: items leave the window exactly */
	bh_dc_init(&c6.h, 6);
	for (i = 0; i < 10; i++)
		bh_dc_add(&c6.h, i + 1, 100 + i * 10, 100 + i * 10, 60);
	assert_int_equal(bh_dc_count(&c6.h, 190, 60), 6); /* t 140..190 */
	assert_int_equal(bh_dc_count(&c6.h, 500, 60), 0);
	/* an item older than the window is not counted */
	assert_false(bh_dc_add(&c6.h, 99, 100, 500, 60));
	/* estimates past the exact range, within 3 standard errors */
	for (n = 100; n <= 100000; n *= 10) {
		bh_dc_init(&c7.h, 7);
		for (i = 0; i < n; i++)
			bh_dc_add(&c7.h, (uint32_t)bh_mix64(i + 1), 1000, 1000,
				  300);
		err = fabs((double)bh_dc_count(&c7.h, 1000, 300) - n) / n;
		assert_true(err < 3 * 1.04 / sqrt(128));
	}
	/* the dense form expires by sub-window, then is exact again */
	assert_true(bh_dc_count(&c7.h, 1200, 300) > 1000);
	assert_int_equal(bh_dc_count(&c7.h, 1400, 300), 0);
	assert_true(bh_dc_add(&c7.h, 5, 1400, 1400, 300));
	assert_int_equal(bh_dc_count(&c7.h, 1400, 300), 1);
}

static void test_windowed_counts(void **state)
{
	struct bh_wcount c;
	struct bh_wbits b;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&b, 0, sizeof(b));
	bh_wcount_add(&c, 1000, 1000, 400);
	bh_wcount_add(&c, 1000, 1000, 400);
	bh_wcount_add(&c, 1250, 1250, 400);
	assert_int_equal(bh_wcount_sum(&c, 1250, 400), 3);
	assert_int_equal(bh_wcount_sum(&c, 1450, 400), 1);
	assert_int_equal(bh_wcount_sum(&c, 2000, 400), 0);
	bh_wbits_set(&b, 3, 1000, 1000, 400);
	bh_wbits_set(&b, 5, 1300, 1300, 400);
	assert_int_equal(bh_wbits_get(&b, 1300, 400), (1u << 3) | (1u << 5));
	assert_int_equal(bh_wbits_get(&b, 1500, 400), 1u << 5);
}

struct ent {
	struct bh_lru_node node;
	uint32_t key;
	uint32_t val;
};

static void test_lru_table(void **state)
{
	const uint64_t seed[2] = {1, 2};
	struct bh_lru t;
	struct ent *e;
	uint32_t k;
	bool created;

	(void)state;
	assert_int_equal(
	    bh_lru_init(&t, 16, sizeof(struct ent), sizeof(uint32_t), 3, seed),
	    0);
	for (k = 0; k < 16; k++) {
		e = bh_lru_get(&t, &k, k, &created);
		assert_true(created);
		e->val = k;
	}
	/* key 3 becomes interesting: the flood evicts everything else */
	k = 3;
	bh_lru_set_class(&t, bh_lru_find(&t, &k), 2);
	for (k = 100; k < 1000; k++)
		bh_lru_get(&t, &k, 100, &created);
	k = 3;
	e = bh_lru_find(&t, &k);
	assert_non_null(e);
	assert_int_equal(e->val, 3);
	assert_int_equal(t.n, 16);
	assert_int_equal(t.evictions, 900);
	/* stale entries go first, whatever their class */
	t.stale = 50;
	k = 5000;
	bh_lru_get(&t, &k, 1000, &created);
	k = 3;
	assert_null(bh_lru_find(&t, &k));
	/* removal keeps every other key findable (backward shift) */
	for (k = 990; k < 1000; k++) {
		e = bh_lru_find(&t, &k);
		assert_non_null(e);
		bh_lru_remove(&t, e);
		assert_null(bh_lru_find(&t, &k));
	}
	for (k = 985; k < 990; k++)
		assert_non_null(bh_lru_find(&t, &k));
	assert_int_equal(t.n, 6);
	bh_lru_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scenarios),
	    cmocka_unit_test(test_aggregation),
	    cmocka_unit_test(test_eviction_flood),
	    cmocka_unit_test(test_determinism),
	    cmocka_unit_test(test_baseline_roundtrip),
	    cmocka_unit_test(test_advance),
	    cmocka_unit_test(test_invalid_flows),
	    cmocka_unit_test(test_allowlist_label_and_interim),
	    cmocka_unit_test(test_interim_views),
	    cmocka_unit_test(test_plugin),
	    cmocka_unit_test(test_config_yaml),
	    cmocka_unit_test(test_config_decimal),
	    cmocka_unit_test(test_config_errors),
	    cmocka_unit_test(test_config_file_and_copy),
	    cmocka_unit_test(test_formatting),
	    cmocka_unit_test(test_siphash),
	    cmocka_unit_test(test_distinct_counter),
	    cmocka_unit_test(test_windowed_counts),
	    cmocka_unit_test(test_lru_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
