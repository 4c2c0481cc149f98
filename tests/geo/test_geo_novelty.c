// SPDX-License-Identifier: GPL-2.0-only
/* Geo novelty detector (src/geo/geo_novelty.c): baselines, findings,
 * aggregation, techniques, memory bounds, determinism. */
#include "bh_test.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "geo_novelty.h"

#define SEC  1000000000ull
#define HOUR (3600 * SEC)

static struct bh_geo_novelty_config small_cfg(void)
{
	struct bh_geo_config c;

	bh_geo_config_init(&c);
	c.novelty.baseline_ns = HOUR;
	c.novelty.aggregate_ns = 60 * SEC;
	return c.novelty;
}

static struct bh_geo_info geo(const char *cc, __u32 asn)
{
	struct bh_geo_info g = {0};

	if (cc) {
		g.flags |= BH_GEO_F_COUNTRY;
		snprintf(g.country, sizeof(g.country), "%s", cc);
	}
	if (asn) {
		g.flags |= BH_GEO_F_ASN;
		g.asn = asn;
	}
	return g;
}

/* One contact of identity id at time t with (cc, asn). */
static int see(struct bh_geo_novelty *n, __u32 id, __u64 t, const char *cc,
	       __u32 asn, __u64 flow, __u64 out, __u64 in)
{
	struct bh_geo_info g = geo(cc, asn);
	struct bh_geo_contact c = {
	    .identity = id,
	    .ts_ns = t,
	    .flow_id = flow,
	    .geo = &g,
	    .bytes_out = out,
	    .bytes_in = in,
	};

	c.remote.b[15] = (__u8)flow;
	return bh_geo_novelty_observe(n, &c);
}

static void test_baseline_then_novel(void **state)
{
	struct bh_geo_novelty_config cfg = small_cfg();
	struct bh_geo_novelty *n = NULL;
	struct bh_geo_novelty_stats st;
	struct bh_geo_finding f[4];

	(void)state;
	assert_int_equal(bh_geo_novelty_new(&n, &cfg), 0);
	/* baseline of identity 300: DE/AS64500 and FR/AS64501 */
	assert_int_equal(see(n, 300, 10 * SEC, "DE", 64500, 1, 100, 100), 0);
	assert_int_equal(see(n, 300, 20 * SEC, "FR", 64501, 2, 100, 100), 0);
	/* after the baseline: known pairs are quiet */
	assert_int_equal(see(n, 300, 2 * HOUR, "DE", 64500, 3, 100, 100), 0);
	assert_int_equal(see(n, 300, 2 * HOUR, "FR", 64500, 4, 100, 100), 0);
	/* a new country and AS */
	assert_int_equal(see(n, 300, 2 * HOUR + SEC, "RU", 64666, 5, 500, 400),
			 1);
	/* repeats aggregate, no new finding */
	assert_int_equal(
	    see(n, 300, 2 * HOUR + 2 * SEC, "RU", 64666, 6, 10, 20), 0);
	assert_int_equal(
	    see(n, 300, 2 * HOUR + 3 * SEC, "RU", 64666, 7, 10, 20), 0);
	/* not due yet: the aggregation window is 60 s */
	assert_int_equal(bh_geo_novelty_drain(n, 2 * HOUR + 30 * SEC, f, 4), 0);
	assert_int_equal(bh_geo_novelty_drain(n, 2 * HOUR + 61 * SEC, f, 4), 1);
	assert_int_equal(f[0].identity, 300);
	assert_int_equal(f[0].what, BH_GEO_NEW_COUNTRY | BH_GEO_NEW_ASN);
	assert_string_equal(f[0].geo.country, "RU");
	assert_int_equal(f[0].geo.asn, 64666);
	assert_int_equal(f[0].first_seen_ns, 2 * HOUR + SEC);
	assert_int_equal(f[0].last_seen_ns, 2 * HOUR + 3 * SEC);
	assert_int_equal(f[0].baseline_end_ns, 10 * SEC + HOUR);
	assert_int_equal(f[0].flows, 3);
	assert_int_equal(f[0].n_flow_ids, 3);
	assert_int_equal(f[0].flow_ids[0], 5);
	assert_int_equal(f[0].flow_ids[2], 7);
	assert_int_equal(f[0].remote.b[15], 5);
	assert_int_equal(f[0].bytes_out, 520);
	assert_int_equal(f[0].bytes_in, 440);
	assert_int_equal(f[0].technique, BH_GEO_TECH_T1071);
	assert_string_equal(bh_geo_technique_id(f[0].technique), "T1071");
	assert_int_equal(f[0].score, 70);
	assert_int_equal(f[0].severity, BH_GEO_SEV_MEDIUM);
	/* once reported, it is known */
	assert_int_equal(see(n, 300, 3 * HOUR, "RU", 64666, 8, 10, 20), 0);
	assert_int_equal(bh_geo_novelty_drain(n, UINT64_MAX, f, 4), 0);
	bh_geo_novelty_get_stats(n, &st);
	assert_int_equal(st.contacts, 8);
	assert_int_equal(st.learned, 4);
	assert_int_equal(st.findings, 1);
	assert_int_equal(st.aggregated, 2);
	assert_int_equal(st.drained, 1);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.identities, 1);
	bh_geo_novelty_free(&n);
	assert_null(n);
	bh_geo_novelty_free(&n);
}

/* New AS in a known country: ASN only, low. Upload-heavy: T1041. */
static void test_kinds_and_techniques(void **state)
{
	struct bh_geo_novelty_config cfg = small_cfg();
	struct bh_geo_novelty *n = NULL;
	struct bh_geo_finding f[4];

	(void)state;
	cfg.aggregate_ns = 0;
	assert_int_equal(bh_geo_novelty_new(&n, &cfg), 0);
	see(n, 7, 0, "DE", 64500, 1, 0, 0);
	see(n, 7, 0, "US", 15169, 2, 0, 0);
	assert_int_equal(see(n, 7, 2 * HOUR, "DE", 64999, 3, 100, 100), 1);
	assert_int_equal(bh_geo_novelty_drain(n, 2 * HOUR, f, 4), 1);
	assert_int_equal(f[0].what, BH_GEO_NEW_ASN);
	assert_int_equal(f[0].score, 50);
	assert_int_equal(f[0].severity, BH_GEO_SEV_LOW);
	assert_int_equal(f[0].technique, BH_GEO_TECH_T1071);

	/* new country, known AS (anycast): sends 8 MiB, receives 1 MiB */
	assert_int_equal(see(n, 7, 2 * HOUR, "JP", 15169, 4, 8 << 20, 1 << 20),
			 1);
	assert_int_equal(bh_geo_novelty_drain(n, 2 * HOUR, f, 4), 1);
	assert_int_equal(f[0].what, BH_GEO_NEW_COUNTRY);
	assert_int_equal(f[0].technique, BH_GEO_TECH_T1041);
	assert_string_equal(bh_geo_technique_id(f[0].technique), "T1041");
	assert_string_equal(bh_geo_technique_name(f[0].technique),
			    "Exfiltration Over C2 Channel");
	assert_int_equal(f[0].score, 85);
	assert_int_equal(f[0].severity, BH_GEO_SEV_HIGH);
	assert_string_equal(bh_geo_severity_str(f[0].severity), "high");

	/* large but balanced: not upload-heavy */
	assert_int_equal(see(n, 7, 2 * HOUR, "BR", 28573, 5, 8 << 20, 4 << 20),
			 1);
	assert_int_equal(bh_geo_novelty_drain(n, 2 * HOUR, f, 4), 1);
	assert_int_equal(f[0].technique, BH_GEO_TECH_T1071);
	assert_int_equal(f[0].score, 70);
	bh_geo_novelty_free(&n);
}

/* Each identity has its own baseline, starting at its first flow; what
 * one identity learned says nothing about another. */
static void test_per_identity_baseline(void **state)
{
	struct bh_geo_novelty_config cfg = small_cfg();
	struct bh_geo_novelty *n = NULL;
	struct bh_geo_finding f[4];

	(void)state;
	assert_int_equal(bh_geo_novelty_new(&n, &cfg), 0);
	see(n, 1, 0, "DE", 64500, 1, 0, 0);
	/* identity 2 appears late: learning */
	assert_int_equal(see(n, 2, 5 * HOUR, "CN", 4134, 2, 0, 0), 0);
	assert_int_equal(
	    see(n, 2, 5 * HOUR + 59 * 60 * SEC, "KP", 131279, 3, 0, 0), 0);
	/* identity 1 past its baseline: CN is new for it */
	assert_int_equal(see(n, 1, 5 * HOUR, "CN", 4134, 4, 0, 0), 1);
	/* identity 2 past its baseline */
	assert_int_equal(see(n, 2, 6 * HOUR + 1, "CN", 4134, 5, 0, 0), 0);
	assert_int_equal(see(n, 2, 6 * HOUR + 1, "IR", 58224, 6, 0, 0), 1);
	assert_int_equal(bh_geo_novelty_drain(n, UINT64_MAX, f, 4), 2);
	assert_int_equal(f[0].identity, 1);
	assert_int_equal(f[1].identity, 2);
	assert_string_equal(f[1].geo.country, "IR");
	bh_geo_novelty_free(&n);
}

/* With touch, an identity's baseline starts at its first flow of any kind:
 * a workload whose first outside contact comes after its baseline is
 * judged, not taught; out-of-order records move the start back. */
static void test_touch_starts_baseline(void **state)
{
	struct bh_geo_novelty_config cfg = small_cfg();
	struct bh_geo_novelty *n = NULL;
	struct bh_geo_novelty_stats st;

	(void)state;
	assert_int_equal(bh_geo_novelty_new(&n, &cfg), 0);
	assert_int_equal(bh_geo_novelty_touch(n, 400, 10 * SEC), 0);
	assert_int_equal(bh_geo_novelty_touch(n, 400, 5 * SEC), 0);
	assert_int_equal(bh_geo_novelty_touch(n, 400, 3 * HOUR), 0);
	/* learning until 5 s + 1 h */
	assert_int_equal(see(n, 400, HOUR, "DE", 64500, 1, 0, 0), 0);
	assert_int_equal(see(n, 400, HOUR + 5 * SEC, "FR", 64501, 2, 0, 0), 1);
	/* without touch: the first contact starts the baseline */
	assert_int_equal(see(n, 401, 2 * HOUR, "FR", 64501, 3, 0, 0), 0);
	bh_geo_novelty_get_stats(n, &st);
	assert_int_equal(st.identities, 2);
	assert_int_equal(st.findings, 1);
	assert_int_equal(bh_geo_novelty_touch(NULL, 1, 0), -EINVAL);
	bh_geo_novelty_free(&n);
}

/* contact(): the findings a contact opened or grew, judged on the totals
 * so far, so that a caller can report at once and update; expire() closes
 * them when their window ends, after which the novelty is known. */
static void test_contact_and_expire(void **state)
{
	struct bh_geo_novelty_config cfg = small_cfg();
	struct bh_geo_finding out[BH_GEO_CONTACT_FINDINGS];
	struct bh_geo_novelty *n = NULL;
	struct bh_geo_novelty_stats st;
	struct bh_geo_info g = geo("SC", 64511);
	struct bh_geo_contact c = {
	    .identity = 500,
	    .ts_ns = 2 * HOUR,
	    .flow_id = 10,
	    .geo = &g,
	    .bytes_out = 600 << 10,
	    .bytes_in = 10 << 10,
	};

	(void)state;
	assert_int_equal(bh_geo_novelty_new(&n, &cfg), 0);
	assert_int_equal(bh_geo_novelty_touch(n, 500, 0), 0);
	assert_int_equal(see(n, 500, SEC, "DE", 64500, 1, 0, 0), 0);
	/* opened: new country and AS, 600 KiB up: not yet T1041 */
	assert_int_equal(bh_geo_novelty_contact(n, &c, out), 1);
	assert_int_equal(out[0].flows, 1);
	assert_int_equal(out[0].what, BH_GEO_NEW_COUNTRY | BH_GEO_NEW_ASN);
	assert_int_equal(out[0].technique, BH_GEO_TECH_T1071);
	assert_int_equal(out[0].score, 70);
	assert_int_equal(out[0].severity, BH_GEO_SEV_MEDIUM);
	/* grown past 1 MiB up: T1041, high */
	c.ts_ns += 10 * SEC;
	c.flow_id = 11;
	assert_int_equal(bh_geo_novelty_contact(n, &c, out), 1);
	assert_int_equal(out[0].flows, 2);
	assert_int_equal(out[0].bytes_out, 1200 << 10);
	assert_int_equal(out[0].technique, BH_GEO_TECH_T1041);
	assert_int_equal(out[0].score, 95);
	assert_int_equal(out[0].severity, BH_GEO_SEV_HIGH);
	assert_int_equal(out[0].n_flow_ids, 2);
	/* same country, another new AS: grows the first, opens a second */
	g.asn = 64512;
	c.flow_id = 12;
	assert_int_equal(bh_geo_novelty_contact(n, &c, out), 2);
	assert_int_equal(out[0].what, BH_GEO_NEW_COUNTRY | BH_GEO_NEW_ASN);
	assert_int_equal(out[0].flows, 3);
	assert_int_equal(out[1].what, BH_GEO_NEW_ASN);
	assert_int_equal(out[1].flows, 1);
	/* each is due 60 s after its own first contact */
	assert_int_equal(bh_geo_novelty_expire(n, 2 * HOUR + 30 * SEC), 0);
	assert_int_equal(bh_geo_novelty_expire(n, 2 * HOUR + 60 * SEC), 1);
	assert_int_equal(bh_geo_novelty_expire(n, 2 * HOUR + 70 * SEC), 1);
	assert_int_equal(bh_geo_novelty_expire(n, UINT64_MAX), 0);
	/* known from now on */
	c.ts_ns = 3 * HOUR;
	assert_int_equal(bh_geo_novelty_contact(n, &c, out), 0);
	bh_geo_novelty_get_stats(n, &st);
	assert_int_equal(st.findings, 2);
	assert_int_equal(st.drained, 2);
	assert_int_equal(st.pending, 0);
	assert_int_equal(bh_geo_novelty_contact(n, NULL, out), -EINVAL);
	assert_int_equal(bh_geo_novelty_contact(n, &c, NULL), -EINVAL);
	assert_int_equal(bh_geo_novelty_expire(NULL, 0), 0);
	bh_geo_novelty_free(&n);
}

/* A flow seen again as it grows (detection's interim views): its new bytes
 * replace what was accounted for it, and the finding is judged again. */
static void test_flow_grows(void **state)
{
	struct bh_geo_novelty_config cfg = small_cfg();
	struct bh_geo_finding out[BH_GEO_CONTACT_FINDINGS];
	struct bh_geo_novelty *n = NULL;
	struct bh_geo_info g = geo("SC", 64511);
	struct bh_geo_contact c = {
	    .identity = 500,
	    .ts_ns = 2 * HOUR,
	    .flow_id = 10,
	    .geo = &g,
	    .bytes_out = 1 << 10,
	    .bytes_in = 4 << 10,
	};

	(void)state;
	assert_int_equal(bh_geo_novelty_new(&n, &cfg), 0);
	assert_int_equal(bh_geo_novelty_touch(n, 500, 0), 0);
	assert_int_equal(bh_geo_novelty_contact(n, &c, out), 1);
	assert_int_equal(out[0].technique, BH_GEO_TECH_T1071);
	/* an unknown flow, another identity, or nothing new: no finding */
	assert_int_equal(bh_geo_novelty_flow_bytes(n, 500, 99, 5 << 20, 0,
						   out), 0);
	assert_int_equal(bh_geo_novelty_flow_bytes(n, 501, 10, 5 << 20, 0,
						   out), 0);
	assert_int_equal(bh_geo_novelty_flow_bytes(n, 500, 10, 1 << 10,
						   4 << 10, out), 0);
	/* the same flow, 2 MiB up now: counted once, judged T1041 */
	assert_int_equal(bh_geo_novelty_flow_bytes(n, 500, 10, 2 << 20,
						   8 << 10, out), 1);
	assert_int_equal(out[0].flows, 1);
	assert_int_equal(out[0].bytes_out, 2 << 20);
	assert_int_equal(out[0].bytes_in, 8 << 10);
	assert_int_equal(out[0].technique, BH_GEO_TECH_T1041);
	assert_int_equal(out[0].severity, BH_GEO_SEV_HIGH);
	assert_int_equal(bh_geo_novelty_flow_bytes(NULL, 500, 10, 0, 0, out),
			 -EINVAL);
	bh_geo_novelty_free(&n);
}

/* Contacts without enrichment are counted and judged on what they have. */
static void test_unenriched(void **state)
{
	struct bh_geo_novelty_config cfg = small_cfg();
	struct bh_geo_novelty *n = NULL;
	struct bh_geo_novelty_stats st;
	struct bh_geo_contact c = {.identity = 9, .ts_ns = 0};
	struct bh_geo_finding f[2];

	(void)state;
	assert_int_equal(bh_geo_novelty_new(&n, &cfg), 0);
	assert_int_equal(bh_geo_novelty_observe(n, &c), 0); /* geo NULL */
	assert_int_equal(see(n, 9, 0, NULL, 0, 1, 0, 0), 0);
	assert_int_equal(see(n, 9, 0, "DE", 0, 2, 0, 0), 0);
	/* country only, then ASN only */
	assert_int_equal(see(n, 9, 2 * HOUR, "DE", 64500, 3, 0, 0), 1);
	assert_int_equal(see(n, 9, 2 * HOUR, NULL, 64501, 4, 0, 0), 1);
	assert_int_equal(bh_geo_novelty_drain(n, UINT64_MAX, f, 2), 2);
	assert_int_equal(f[0].what, BH_GEO_NEW_ASN);
	assert_int_equal(f[1].what, BH_GEO_NEW_ASN);
	bh_geo_novelty_get_stats(n, &st);
	assert_int_equal(st.unenriched, 2);
	assert_int_equal(bh_geo_novelty_observe(n, NULL), -EINVAL);
	assert_int_equal(bh_geo_novelty_observe(NULL, &c), -EINVAL);
	bh_geo_novelty_free(&n);
}

/* A finding opened for one key collects contacts that match it on either
 * key, once each. */
static void test_aggregation_across_keys(void **state)
{
	struct bh_geo_novelty_config cfg = small_cfg();
	struct bh_geo_novelty *n = NULL;
	struct bh_geo_finding f[4];

	(void)state;
	assert_int_equal(bh_geo_novelty_new(&n, &cfg), 0);
	see(n, 5, 0, "DE", 64500, 1, 0, 0);
	assert_int_equal(see(n, 5, 2 * HOUR, "RU", 64666, 2, 1, 0), 1);
	/* same country, another new AS: a second finding (ASN) and the
	 * country repeat goes to the first */
	assert_int_equal(see(n, 5, 2 * HOUR, "RU", 64667, 3, 1, 0), 1);
	/* matches both open findings once each */
	assert_int_equal(see(n, 5, 2 * HOUR, "RU", 64667, 4, 1, 0), 0);
	assert_int_equal(bh_geo_novelty_drain(n, UINT64_MAX, f, 4), 2);
	assert_int_equal(f[0].what, BH_GEO_NEW_COUNTRY | BH_GEO_NEW_ASN);
	assert_int_equal(f[0].flows, 3);
	assert_int_equal(f[1].what, BH_GEO_NEW_ASN);
	assert_int_equal(f[1].geo.asn, 64667);
	assert_int_equal(f[1].flows, 2);
	assert_int_equal(f[1].flow_ids[1], 4);
	bh_geo_novelty_free(&n);
}

/* Many identities through a small table: bounded, evictions counted, an
 * evicted identity learns anew. */
static void test_identity_cap(void **state)
{
	struct bh_geo_novelty_config cfg = small_cfg();
	struct bh_geo_novelty *n = NULL;
	struct bh_geo_novelty_stats st;
	__u32 id;

	(void)state;
	cfg.max_identities = 1000;
	assert_int_equal(bh_geo_novelty_new(&n, &cfg), 0);
	for (id = 0; id < 100000; id++)
		assert_int_equal(
		    see(n, 256 + id, id, "DE", 64500 + id % 7, id, 0, 0), 0);
	bh_geo_novelty_get_stats(n, &st);
	assert_int_equal(st.identities, 1000);
	assert_int_equal(st.identity_evictions, 99000);
	assert_true(st.memory_bytes <= st.memory_max_bytes);
	/* the most recent identities are still there, past their baseline */
	assert_int_equal(see(n, 256 + 99999, 3 * HOUR, "FR", 64500, 1, 0, 0),
			 1);
	/* the first one was evicted: it starts a new baseline */
	assert_int_equal(see(n, 256, 3 * HOUR, "FR", 64500, 2, 0, 0), 0);
	bh_geo_novelty_get_stats(n, &st);
	assert_int_equal(st.identity_evictions, 99001);
	assert_int_equal(st.findings, 1);
	bh_geo_novelty_free(&n);
}

/* Per-identity entry cap: least recently seen evicted, counted. */
static void test_entry_cap(void **state)
{
	struct bh_geo_novelty_config cfg = small_cfg();
	struct bh_geo_novelty *n = NULL;
	struct bh_geo_novelty_stats st;
	__u32 asn;

	(void)state;
	cfg.max_asns = 4;
	cfg.max_countries = 2;
	assert_int_equal(bh_geo_novelty_new(&n, &cfg), 0);
	for (asn = 1; asn <= 10; asn++)
		see(n, 42, asn * SEC, "DE", asn, asn, 0, 0);
	bh_geo_novelty_get_stats(n, &st);
	assert_int_equal(st.learned, 11); /* DE + 10 ASNs */
	assert_int_equal(st.entry_evictions, 6);
	/* ASNs 7..10 remain, 1..6 were evicted */
	assert_int_equal(see(n, 42, 2 * HOUR, "DE", 10, 20, 0, 0), 0);
	assert_int_equal(see(n, 42, 2 * HOUR, "DE", 1, 21, 0, 0), 1);
	bh_geo_novelty_get_stats(n, &st);
	assert_true(st.memory_bytes <= st.memory_max_bytes);
	bh_geo_novelty_free(&n);
}

/* No room for an open finding: dropped and counted, and judged again once
 * the engine has drained. */
static void test_pending_full(void **state)
{
	struct bh_geo_novelty_config cfg = small_cfg();
	struct bh_geo_novelty *n = NULL;
	struct bh_geo_novelty_stats st;
	struct bh_geo_finding f[4];

	(void)state;
	cfg.max_pending = 2;
	assert_int_equal(bh_geo_novelty_new(&n, &cfg), 0);
	see(n, 1, 0, "DE", 1, 1, 0, 0);
	assert_int_equal(see(n, 1, 2 * HOUR, "FR", 2, 2, 0, 0), 1);
	assert_int_equal(see(n, 1, 2 * HOUR, "IT", 3, 3, 0, 0), 1);
	assert_int_equal(see(n, 1, 2 * HOUR, "ES", 4, 4, 0, 0), 0);
	bh_geo_novelty_get_stats(n, &st);
	assert_int_equal(st.findings_dropped, 1);
	/* drain leaves what does not fit */
	assert_int_equal(bh_geo_novelty_drain(n, UINT64_MAX, f, 1), 1);
	assert_string_equal(f[0].geo.country, "FR");
	assert_int_equal(see(n, 1, 2 * HOUR + 1, "ES", 4, 5, 0, 0), 1);
	assert_int_equal(bh_geo_novelty_drain(n, UINT64_MAX, f, 4), 2);
	assert_string_equal(f[0].geo.country, "IT");
	assert_string_equal(f[1].geo.country, "ES");
	bh_geo_novelty_free(&n);
}

/* The same flows in the same order give the same findings (replay). */
static void run_sequence(struct bh_geo_finding *out, size_t *n_out)
{
	static const char *const cc[] = {"DE", "FR", "US", "JP", "BR", "RU"};
	struct bh_geo_novelty_config cfg = small_cfg();
	struct bh_geo_novelty *n = NULL;
	struct bh_geo_novelty_stats st;
	__u32 s = 12345, i;

	cfg.max_identities = 16;
	assert_int_equal(bh_geo_novelty_new(&n, &cfg), 0);
	for (i = 0; i < 5000; i++) {
		s = s * 1103515245 + 12345;
		/* the AS range widens over time: novelties after the
		 * baselines */
		see(n, 256 + (s >> 8) % 12, i * 2 * SEC, cc[(s >> 12) % 6],
		    64500 + (s >> 16) % (20 + i / 50), i, (s >> 4) % 5000,
		    (s >> 6) % 900);
	}
	*n_out = bh_geo_novelty_drain(n, UINT64_MAX, out, 1024);
	bh_geo_novelty_get_stats(n, &st);
	assert_int_equal(st.findings, *n_out);
	bh_geo_novelty_free(&n);
}

static void test_deterministic(void **state)
{
	static struct bh_geo_finding a[1024], b[1024];
	size_t na, nb;

	(void)state;
	run_sequence(a, &na);
	run_sequence(b, &nb);
	assert_true(na > 10);
	assert_true(na < 1024);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na * sizeof(a[0]));
}

static void test_bad_config(void **state)
{
	struct bh_geo_novelty_config cfg = small_cfg();
	struct bh_geo_novelty *n = NULL;

	(void)state;
	cfg.max_identities = 0;
	assert_int_equal(bh_geo_novelty_new(&n, &cfg), -EINVAL);
	cfg = small_cfg();
	cfg.baseline_ns = 0;
	assert_int_equal(bh_geo_novelty_new(&n, &cfg), -EINVAL);
	assert_null(n);
	assert_int_equal(bh_geo_novelty_new(NULL, &cfg), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_baseline_then_novel),
	    cmocka_unit_test(test_kinds_and_techniques),
	    cmocka_unit_test(test_per_identity_baseline),
	    cmocka_unit_test(test_touch_starts_baseline),
	    cmocka_unit_test(test_contact_and_expire),
	    cmocka_unit_test(test_flow_grows),
	    cmocka_unit_test(test_unenriched),
	    cmocka_unit_test(test_aggregation_across_keys),
	    cmocka_unit_test(test_identity_cap),
	    cmocka_unit_test(test_entry_cap),
	    cmocka_unit_test(test_pending_full),
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_bad_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
