// SPDX-License-Identifier: GPL-2.0-only
/* The geo novelty detector plugged into the detection engine
 * (src/geo/geo_detect.c): which flows count, baselines, alerts through the
 * engine (technique, severity, score, source, target, evidence, summary),
 * aggregation and upgrade, replicas, allowlists, registration. The
 * databases are tests/geo/data/scenario-*.json, built at build time. */
#include "bh_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "detect.h"
#include "geo_detect.h"

#define DB(name) BH_GEO_TEST_DB_DIR "/" name ".mmdb"
#define SEC	 1000000000ull
#define T0	 (1709542800ull * SEC) /* 2024-03-04 09:00:00 UTC */
#define WEB	 1000u		       /* workload identities */
#define API	 1001u
#define PAYMENTS 300u /* an external group */

#define MAX_SEEN 16

struct fixture {
	struct bh_geo *geo;
	struct bh_detect *d;
	struct bh_geo_detector *gd;
	struct bh_detect_alert seen[MAX_SEEN];
	unsigned int n_seen;
	__u64 next_id;
};

static void on_alert(const struct bh_detect_alert *a, void *ctx)
{
	struct fixture *fx = ctx;

	if (fx->n_seen < MAX_SEEN)
		fx->seen[fx->n_seen] = *a;
	fx->n_seen++;
}

static union bh_addr addr(const char *s)
{
	union bh_addr a = {.b = {0}};

	if (inet_pton(AF_INET6, s, a.b) == 1)
		return a;
	a.b[10] = a.b[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, s, &a.b[12]), 1);
	return a;
}

static void setup_with(struct fixture *fx, struct bh_detect_config *dc)
{
	struct bh_geo_config gc;

	memset(fx, 0, sizeof(*fx));
	bh_geo_config_init(&gc);
	snprintf(gc.city_db, sizeof(gc.city_db), "%s", DB("scenario-city"));
	snprintf(gc.asn_db, sizeof(gc.asn_db), "%s", DB("scenario-asn"));
	gc.novelty.baseline_ns = 600 * SEC;
	assert_int_equal(bh_geo_open(&fx->geo, &gc), 0);
	assert_int_equal(bh_detect_new(&fx->d, dc, on_alert, fx), 0);
	assert_int_equal(
	    bh_geo_detector_new(&fx->gd, fx->d, fx->geo, &gc.novelty), 0);
	fx->next_id = 100;
}

/* Only the plug-in raises alerts here: the built-ins have tests of their
 * own and would fire on some of these flows (new edges). */
static void detect_cfg(struct bh_detect_config *dc)
{
	bh_detect_config_defaults(dc);
	dc->learning_ns = 600 * SEC;
	dc->sweep.c.enabled = dc->portscan.c.enabled = false;
	dc->trw.c.enabled = dc->new_edge.c.enabled = false;
	dc->fanout.c.enabled = dc->transfer.c.enabled = false;
	dc->pivot.c.enabled = dc->deny.c.enabled = false;
}

static void setup(struct fixture *fx)
{
	struct bh_detect_config dc;

	detect_cfg(&dc);
	setup_with(fx, &dc);
	bh_detect_config_clear(&dc);
}

static void teardown(struct fixture *fx)
{
	bh_detect_free(&fx->d);
	bh_geo_detector_free(&fx->gd);
	assert_null(fx->gd);
	bh_geo_detector_free(&fx->gd);
	bh_geo_free(&fx->geo);
}

static void peer(struct bh_detect_peer *p, const char *ip, __u32 identity,
		 __u16 port)
{
	memset(p, 0, sizeof(*p));
	p->addr = addr(ip);
	p->identity = identity;
	p->port = port;
	p->external = identity == BH_ID_WORLD || identity == PAYMENTS;
	p->name = identity == WEB ? "web-1" : identity == API ? "api-2" : NULL;
}

/* A finished TCP connection from (ip, id) to (dip, did):dport at t, with
 * up/down bytes; returns its flow id. */
static __u64 flow(struct fixture *fx, __u64 t, const char *ip, __u32 id,
		  const char *dip, __u32 did, __u16 dport, __u64 up, __u64 down,
		  __u32 flags)
{
	struct bh_detect_flow f;

	memset(&f, 0, sizeof(f));
	f.id = fx->next_id++;
	f.start_ns = t;
	f.end_ns = t + SEC;
	peer(&f.init, ip, id, 40000);
	peer(&f.resp, dip, did, dport);
	f.proto = 6;
	f.packets[0] = f.packets[1] = 10;
	f.bytes[0] = up;
	f.bytes[1] = down;
	f.tcp_flags[0] = f.tcp_flags[1] = BH_TCP_SYN | BH_TCP_ACK | BH_TCP_FIN;
	f.verdict = BH_VERDICT_ALLOW;
	f.flags = BH_DETECT_F_FINAL | flags;
	/* 0, or BH_DETECT_ANSWERED: either way the flow was taken */
	assert_true(bh_detect_flow(fx->d, &f) >= 0);
	return f.id;
}

/* A workload whose first contact with the outside comes after its baseline
 * (which started at its first flow, to another workload) is judged: one
 * alert, at once, with everything an alert carries. */
static void test_exfil_after_baseline(void **state)
{
	struct bh_detect_stats st;
	struct bh_geo_novelty_stats ns;
	union bh_addr src = addr("10.0.2.11"), dst = addr("203.0.113.240");
	const struct bh_detect_alert *a;
	struct fixture fx;
	__u64 id;

	(void)state;
	setup(&fx);
	flow(&fx, T0, "10.0.2.11", API, "10.0.3.10", 1002, 5432, 100, 100, 0);
	/* during the baseline: the payment provider */
	flow(&fx, T0 + 60 * SEC, "10.0.2.11", API, "198.51.100.21", PAYMENTS,
	     443, 2000, 5000, 0);
	assert_int_equal(fx.n_seen, 0);
	/* 14 min: 1.1 MB up to the attackers' range */
	id = flow(&fx, T0 + 840 * SEC, "10.0.2.11", API, "203.0.113.240",
		  BH_ID_WORLD, 443, 1175357, 17584, 0);
	assert_int_equal(fx.n_seen, 1);
	a = &fx.seen[0];
	assert_int_equal(a->state, BH_ALERT_NEW);
	assert_int_equal(a->detector, bh_geo_detector_id(fx.gd));
	assert_true(a->detector >= BH_DETECT_N_BUILTIN);
	assert_string_equal(a->detector_name, "geo_novelty");
	assert_string_equal(a->technique, "T1041");
	assert_string_equal(bh_detect_technique_name(a->technique),
			    "Exfiltration Over C2 Channel");
	assert_int_equal(a->severity, BH_SEV_HIGH);
	assert_true(a->score == 95);
	assert_string_equal(a->source.name, "api-2");
	assert_memory_equal(&a->source.addr, &src, sizeof(src));
	assert_int_equal(a->n_targets, 1);
	assert_memory_equal(&a->targets[0].addr, &dst, sizeof(dst));
	assert_int_equal(a->targets[0].port, 443);
	assert_true(a->targets[0].external);
	assert_int_equal(a->n_evidence, 1);
	assert_int_equal(a->evidence[0], id);
	assert_non_null(strstr(a->summary, "SC (Seychelles), AS64511 Example "
					   "Offshore Hosting Ltd"));
	assert_non_null(strstr(a->summary, "a country and an AS"));
	assert_non_null(strstr(a->summary, "1 flow, 1.1 MiB sent"));
	bh_detect_stats(fx.d, &st);
	assert_int_equal(st.alerts[a->detector], 1);
	assert_string_equal(st.detector_names[a->detector], "geo_novelty");
	bh_geo_detector_stats(fx.gd, &ns);
	assert_int_equal(ns.contacts, 2);
	assert_int_equal(ns.learned, 2);
	assert_int_equal(ns.findings, 1);
	/* the payment provider again: known */
	flow(&fx, T0 + 900 * SEC, "10.0.2.11", API, "198.51.100.22", PAYMENTS,
	     443, 2000, 5000, 0);
	bh_detect_flush(fx.d);
	assert_int_equal(fx.n_seen, 1); /* nothing aggregated: no close */
	teardown(&fx);
}

/* Contacts of one novelty within the window update one alert, whose
 * technique and severity follow the totals: two 600 KiB uploads are
 * T1071 at first, T1041 once past 1 MiB. A new AS in a learned country is
 * its own alert. */
static void test_aggregate_and_upgrade(void **state)
{
	const struct bh_detect_alert *a;
	struct fixture fx;
	__u64 id1, id2;

	(void)state;
	setup(&fx);
	flow(&fx, T0, "10.0.1.10", WEB, "10.0.2.10", API, 8080, 100, 100, 0);
	flow(&fx, T0 + 10 * SEC, "10.0.1.10", WEB, "203.0.113.10", BH_ID_WORLD,
	     443, 1000, 9000, 0); /* learned: FR AS64500 */
	id1 = flow(&fx, T0 + 700 * SEC, "10.0.1.10", WEB, "203.0.113.240",
		   BH_ID_WORLD, 443, 600 << 10, 10 << 10, 0);
	assert_int_equal(fx.n_seen, 1);
	assert_string_equal(fx.seen[0].technique, "T1071");
	assert_int_equal(fx.seen[0].severity, BH_SEV_MEDIUM);
	assert_true(fx.seen[0].score == 70);
	id2 = flow(&fx, T0 + 730 * SEC, "10.0.1.10", WEB, "203.0.113.241",
		   BH_ID_WORLD, 8443, 600 << 10, 10 << 10, 0);
	assert_int_equal(fx.n_seen, 1); /* aggregated, not re-sent yet */
	/* another novelty (the payment provider: NL, AS64497) is an alert
	 * of its own */
	flow(&fx, T0 + 740 * SEC, "10.0.1.10", WEB, "198.51.100.21", PAYMENTS,
	     443, 100, 100, 0);
	assert_int_equal(fx.n_seen, 2);
	assert_string_equal(fx.seen[1].technique, "T1071");
	assert_non_null(strstr(fx.seen[1].summary, "NL (Netherlands)"));
	bh_detect_flush(fx.d);
	assert_int_equal(fx.n_seen, 3);
	a = &fx.seen[2];
	assert_int_equal(a->state, BH_ALERT_CLOSED);
	assert_int_equal(a->id, fx.seen[0].id);
	assert_string_equal(a->technique, "T1041");
	assert_int_equal(a->severity, BH_SEV_HIGH);
	assert_true(a->score == 95);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->n_targets, 2);
	assert_int_equal(a->targets[1].port, 8443);
	assert_int_equal(a->n_evidence, 2);
	assert_int_equal(a->evidence[0], id1);
	assert_int_equal(a->evidence[1], id2);
	assert_non_null(strstr(a->summary, "2 flows, 1.2 MiB sent"));
	teardown(&fx);
}

/* What does not count: inbound connections (clients from anywhere), later
 * records of a flow, addresses in no database, learned contacts; the
 * window closes and the novelty becomes known. */
static void test_what_counts(void **state)
{
	struct bh_geo_novelty_stats ns;
	struct fixture fx;

	(void)state;
	setup(&fx);
	flow(&fx, T0, "10.0.1.10", WEB, "10.0.2.10", API, 8080, 100, 100, 0);
	/* inbound from the attackers' range, after the baseline */
	flow(&fx, T0 + 700 * SEC, "203.0.113.211", BH_ID_WORLD, "10.0.1.10",
	     WEB, 22, 5 << 20, 100, 0);
	/* an interim record of a flow whose start was not seen */
	flow(&fx, T0 + 700 * SEC, "10.0.1.10", WEB, "203.0.113.240",
	     BH_ID_WORLD, 443, 5 << 20, 100, BH_DETECT_F_CONT);
	/* in no database */
	flow(&fx, T0 + 700 * SEC, "10.0.1.10", WEB, "10.9.9.9", BH_ID_WORLD, 80,
	     100, 0, 0);
	assert_int_equal(fx.n_seen, 0);
	bh_geo_detector_stats(fx.gd, &ns);
	assert_int_equal(ns.contacts, 1);
	assert_int_equal(ns.unenriched, 1);
	/* IPv6 peer: new */
	flow(&fx, T0 + 800 * SEC, "10.0.1.10", WEB, "2001:db8:beef:1::5",
	     BH_ID_WORLD, 443, 100, 100, 0);
	assert_int_equal(fx.n_seen, 1);
	assert_non_null(strstr(fx.seen[0].summary, "BE (Belgium)"));
	/* after the window (60 s), the same country is known */
	flow(&fx, T0 + 900 * SEC, "10.0.1.10", WEB, "2001:db8:beef:1::6",
	     BH_ID_WORLD, 443, 100, 100, 0);
	bh_detect_flush(fx.d);
	assert_int_equal(fx.n_seen, 1);
	bh_geo_detector_stats(fx.gd, &ns);
	assert_int_equal(ns.findings, 1);
	assert_int_equal(ns.drained, 1);
	teardown(&fx);
}

/* Replicas share an identity, hence a baseline and an alert; the engine's
 * global allowlist applies to the plug-in. */
static void test_replicas_and_allowlist(void **state)
{
	struct bh_detect_config dc;
	struct bh_detect_stats st;
	struct bh_detect_allow allow = {0};
	struct fixture fx;
	unsigned int id;

	(void)state;
	setup(&fx);
	flow(&fx, T0, "10.0.2.10", API, "198.51.100.21", PAYMENTS, 443, 1, 1,
	     0);
	flow(&fx, T0 + 700 * SEC, "10.0.2.10", API, "203.0.113.240",
	     BH_ID_WORLD, 443, 100, 100, 0);
	/* another replica, another address: the same alert */
	flow(&fx, T0 + 710 * SEC, "10.0.2.11", API, "203.0.113.240",
	     BH_ID_WORLD, 443, 100, 100, 0);
	bh_detect_flush(fx.d);
	assert_int_equal(fx.n_seen, 2);
	assert_int_equal(fx.seen[1].id, fx.seen[0].id);
	assert_int_equal(fx.seen[1].count, 2);
	teardown(&fx);

	detect_cfg(&dc);
	allow.workload = "api-*";
	dc.allow.v = &allow;
	dc.allow.n = 1;
	setup_with(&fx, &dc);
	dc.allow.v = NULL;
	dc.allow.n = 0;
	bh_detect_config_clear(&dc);
	flow(&fx, T0, "10.0.2.10", API, "10.0.3.10", 1002, 5432, 1, 1, 0);
	flow(&fx, T0 + 700 * SEC, "10.0.2.10", API, "203.0.113.240",
	     BH_ID_WORLD, 443, 100, 100, 0);
	assert_int_equal(fx.n_seen, 0);
	bh_detect_stats(fx.d, &st);
	id = bh_geo_detector_id(fx.gd);
	assert_int_equal(st.allowlisted[id], 1);
	teardown(&fx);
}

static void test_registration(void **state)
{
	struct bh_geo_detector *gd = NULL;
	struct fixture fx;
	struct bh_geo_novelty_config bad;
	struct bh_geo_config gc;

	(void)state;
	setup(&fx);
	bh_geo_config_init(&gc);
	bad = gc.novelty;
	bad.max_identities = 0;
	assert_int_equal(bh_geo_detector_new(&gd, fx.d, fx.geo, &bad), -EINVAL);
	assert_null(gd);
	assert_int_equal(bh_geo_detector_new(&gd, NULL, fx.geo, &gc.novelty),
			 -EINVAL);
	flow(&fx, T0, "10.0.2.10", API, "10.0.3.10", 1002, 5432, 1, 1, 0);
	/* after the first flow */
	assert_int_equal(bh_geo_detector_new(&gd, fx.d, fx.geo, &gc.novelty),
			 -EBUSY);
	assert_null(gd);
	teardown(&fx);
}

/* What a workload learned comes back from the baseline file after a
 * restart: a known country is not news, a new one is judged at once
 * (without the file, the workload would learn for another baseline
 * period, blind). A geo record the detector cannot read refuses the file;
 * geo records without the geo detector are left aside. */
static void test_baseline_across_restart(void **state)
{
	struct bh_detect_config dc;
	struct fixture fx;
	char path[64], line[256];
	int ids = 0, countries = 0;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/bh-geo-baseline-%d", (int)getpid());
	setup(&fx);
	flow(&fx, T0, "10.0.2.11", API, "10.0.3.10", 1002, 5432, 100, 100, 0);
	flow(&fx, T0 + 60 * SEC, "10.0.2.11", API, "198.51.100.21", PAYMENTS,
	     443, 2000, 5000, 0);
	assert_int_equal(bh_detect_baseline_save(fx.d, path), 0);
	teardown(&fx);
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		ids += !strncmp(line, "geo id ", 7);
		countries += !strncmp(line, "geo country ", 12);
	}
	fclose(fp);
	assert_true(ids >= 1);
	assert_int_equal(countries, 1); /* NL, the payment provider's */

	/* hours later, a new instance with the file */
	detect_cfg(&dc);
	dc.baseline_path = strdup(path);
	setup_with(&fx, &dc);
	flow(&fx, T0 + 7200 * SEC, "10.0.2.11", API, "198.51.100.22", PAYMENTS,
	     443, 2000, 5000, 0);
	assert_int_equal(fx.n_seen, 0);
	flow(&fx, T0 + 7260 * SEC, "10.0.2.11", API, "203.0.113.240",
	     BH_ID_WORLD, 443, 1175357, 17584, 0);
	assert_int_equal(fx.n_seen, 1);
	assert_string_equal(fx.seen[0].detector_name, "geo_novelty");
	teardown(&fx);

	/* the same without the file: still learning, nothing */
	setup(&fx);
	flow(&fx, T0 + 7200 * SEC, "10.0.2.11", API, "198.51.100.22", PAYMENTS,
	     443, 2000, 5000, 0);
	flow(&fx, T0 + 7260 * SEC, "10.0.2.11", API, "203.0.113.240",
	     BH_ID_WORLD, 443, 1175357, 17584, 0);
	assert_int_equal(fx.n_seen, 0);
	teardown(&fx);

	/* a bad geo record: the detector does not register */
	fp = fopen(path, "a");
	assert_non_null(fp);
	fprintf(fp, "geo country 77 Germany 1\n");
	fclose(fp);
	{
		struct bh_geo_config gc;

		memset(&fx, 0, sizeof(fx));
		bh_geo_config_init(&gc);
		snprintf(gc.city_db, sizeof(gc.city_db), "%s",
			 DB("scenario-city"));
		assert_int_equal(bh_geo_open(&fx.geo, &gc), 0);
		assert_int_equal(bh_detect_new(&fx.d, &dc, on_alert, &fx), 0);
		assert_int_equal(bh_geo_detector_new(&fx.gd, fx.d, fx.geo,
						     &gc.novelty),
				 -EINVAL);
		/* detection without the geo detector: records left aside */
		fx.next_id = 100;
		flow(&fx, T0, "10.0.2.11", API, "10.0.3.10", 1002, 5432, 1, 1,
		     0);
		teardown(&fx);
	}
	bh_detect_config_clear(&dc);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exfil_after_baseline),
	    cmocka_unit_test(test_aggregate_and_upgrade),
	    cmocka_unit_test(test_what_counts),
	    cmocka_unit_test(test_replicas_and_allowlist),
	    cmocka_unit_test(test_registration),
	    cmocka_unit_test(test_baseline_across_restart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
