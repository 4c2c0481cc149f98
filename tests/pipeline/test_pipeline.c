// SPDX-License-Identifier: GPL-2.0-only
/* src/pipeline: GeoIP/ASN enrichment of flow records (external endpoints
 * only) and of alerts (source, targets, path), and the geo novelty
 * detector plugged into detection, its alerts reaching the caller in
 * protobuf form with enriched endpoints. */
#include "bh_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pipeline.h"

#define DB(name) BH_GEO_TEST_DB_DIR "/" name ".mmdb"
#define SEC	 1000000000ull
#define T0	 (1709542800ull * SEC)
#define API	 1001u
#define PAYMENTS 300u

struct seen {
	unsigned int records, alerts;
	struct bh_record_endpoint ep[2]; /* last record's, strings copied */
	char city[2][64], org[2][96];
	char detector[32], technique[16];
	char target_cc[4], target_org[96];
	__u32 target_asn;
	bool source_geo;
};

static void on_record(void *ctx, const struct bh_flow_record *r)
{
	struct seen *s = ctx;
	int i;

	s->records++;
	for (i = 0; i < 2; i++) {
		s->ep[i] = r->ep[i];
		snprintf(s->city[i], sizeof(s->city[i]), "%s",
			 r->ep[i].city ? r->ep[i].city : "");
		snprintf(s->org[i], sizeof(s->org[i]), "%s",
			 r->ep[i].as_org ? r->ep[i].as_org : "");
	}
}

static void on_alert(void *ctx, const struct bh_detect_alert *a,
		     const Bulkhead__Telemetry__V1__Alert *pb)
{
	struct seen *s = ctx;

	(void)a;
	s->alerts++;
	snprintf(s->detector, sizeof(s->detector), "%s", pb->detector);
	snprintf(s->technique, sizeof(s->technique), "%s", pb->technique);
	s->source_geo = pb->source->asn ||
			(pb->source->country_code && *pb->source->country_code);
	assert_int_equal(pb->n_targets, 1);
	snprintf(s->target_cc, sizeof(s->target_cc), "%s",
		 pb->targets[0]->country_code ? pb->targets[0]->country_code
					      : "");
	snprintf(s->target_org, sizeof(s->target_org), "%s",
		 pb->targets[0]->as_org ? pb->targets[0]->as_org : "");
	s->target_asn = pb->targets[0]->asn;
}

static union bh_addr addr(const char *s)
{
	union bh_addr a = {.b = {0}};

	a.b[10] = a.b[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, s, &a.b[12]), 1);
	return a;
}

static struct bh_geo *open_geo(void)
{
	struct bh_geo_config gc;
	struct bh_geo *g = NULL;

	bh_geo_config_init(&gc);
	snprintf(gc.city_db, sizeof(gc.city_db), "%s", DB("scenario-city"));
	snprintf(gc.asn_db, sizeof(gc.asn_db), "%s", DB("scenario-asn"));
	assert_int_equal(bh_geo_open(&g, &gc), 0);
	return g;
}

/* api-2 -> (dst, identity, kind):443 at t, bytes up/down. */
static void record(struct bh_flow_record *r, __u64 id, __u64 t, const char *dst,
		   __u32 identity, __u8 kind, __u64 up, __u64 down)
{
	memset(r, 0, sizeof(*r));
	r->flow_id = id;
	r->start_ns = r->record_start_ns = t;
	r->end_ns = t + SEC;
	r->end_reason = BH_END_FIN;
	r->proto = 6;
	r->ep[0].addr = addr("10.0.2.11");
	r->ep[0].identity = API;
	r->ep[0].identity_kind = BH_KIND_WORKLOAD;
	r->ep[0].port = 40000;
	r->ep[0].workload = "api-2";
	r->ep[1].addr = addr(dst);
	r->ep[1].identity = identity;
	r->ep[1].identity_kind = kind;
	r->ep[1].port = 443;
	r->ep[1].external_group = identity == PAYMENTS ? "payments" : NULL;
	r->packets[0] = r->packets[1] = 10;
	r->bytes[0] = up;
	r->bytes[1] = down;
	r->tcp_flags[0] = r->tcp_flags[1] =
	    BH_TCP_SYN | BH_TCP_ACK | BH_TCP_FIN;
	r->verdict = BH_VERDICT_ALLOW;
}

/* World and external groups are enriched, workloads never; without a geo
 * handle nothing is. */
static void test_records(void **state)
{
	struct bh_pipeline_opts o = {.on_record = on_record};
	struct bh_pipeline_stats st;
	struct bh_flow_record r;
	struct bh_pipeline *p;
	struct seen s = {0};
	struct bh_geo *g = open_geo();

	(void)state;
	o.ctx = &s;
	o.geo = g;
	assert_int_equal(bh_pipeline_new(&p, &o), 0);
	assert_null(bh_pipeline_geo_detector(p));
	record(&r, 1, T0, "203.0.113.240", BH_ID_WORLD, BH_KIND_RESERVED, 1, 1);
	bh_pipeline_record(p, &r);
	assert_string_equal(s.ep[1].country_code, "SC");
	assert_int_equal(s.ep[1].asn, 64511);
	assert_string_equal(s.city[1], ""); /* none in the database */
	assert_string_equal(s.org[1], "Example Offshore Hosting Ltd");
	assert_string_equal(s.ep[0].country_code, "");
	assert_int_equal(s.ep[0].asn, 0);
	record(&r, 2, T0, "198.51.100.21", PAYMENTS, BH_KIND_EXTERNAL, 1, 1);
	bh_pipeline_record(p, &r);
	assert_string_equal(s.ep[1].country_code, "NL");
	assert_string_equal(s.city[1], "Amsterdam");
	/* a workload is not looked up, even at a public address */
	record(&r, 3, T0, "203.0.113.240", 1002, BH_KIND_WORKLOAD, 1, 1);
	bh_pipeline_record(p, &r);
	assert_string_equal(s.ep[1].country_code, "");
	/* world at an address in no database */
	record(&r, 4, T0, "10.9.9.9", BH_ID_WORLD, BH_KIND_RESERVED, 1, 1);
	bh_pipeline_record(p, &r);
	assert_int_equal(s.ep[1].asn, 0);
	bh_pipeline_stats(p, &st);
	assert_int_equal(st.records, 4);
	assert_int_equal(st.enriched, 2);
	bh_pipeline_free(&p);
	assert_null(p);

	o.geo = NULL;
	assert_int_equal(bh_pipeline_new(&p, &o), 0);
	record(&r, 1, T0, "203.0.113.240", BH_ID_WORLD, BH_KIND_RESERVED, 1, 1);
	bh_pipeline_record(p, &r);
	assert_string_equal(s.ep[1].country_code, "");
	bh_pipeline_free(&p);
	bh_geo_free(&g);
}

static void endpoint(struct bh_detect_endpoint *e, const char *ip,
		     __u32 identity, bool external, const char *name)
{
	memset(e, 0, sizeof(*e));
	e->addr = addr(ip);
	e->identity = identity;
	e->external = external;
	snprintf(e->name, sizeof(e->name), "%s", name);
}

/* Every external endpoint of an alert (source, targets, path) gets the
 * same fields as in flow records. */
static void test_alert_endpoints(void **state)
{
	struct bh_detect_alert a;
	struct bh_pb_alert pb;
	struct bh_geo *g = open_geo();
	Bulkhead__Telemetry__V1__Endpoint *e;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.detector_name = "pivot_chain";
	snprintf(a.technique, sizeof(a.technique), "T1021.004");
	endpoint(&a.source, "203.0.113.211", BH_ID_WORLD, true, "");
	endpoint(&a.targets[0], "10.0.3.10", 1002, false, "db-1");
	endpoint(&a.targets[1], "198.51.100.21", PAYMENTS, true, "payments");
	a.targets[1].port = 443;
	a.n_targets = 2;
	a.path[0] = a.source;
	endpoint(&a.path[1], "10.0.1.10", 1000, false, "web-1");
	a.path[2] = a.targets[0];
	a.path_len = 3;
	bh_pb_alert_init(&pb, &a, g);
	e = pb.alert.source;
	assert_string_equal(e->country_code, "SC");
	assert_int_equal(e->asn, 64511);
	assert_string_equal(e->as_org, "Example Offshore Hosting Ltd");
	assert_true(!e->city || !*e->city);
	assert_int_equal(pb.alert.n_targets, 2);
	e = pb.alert.targets[0];
	assert_true(!e->country_code || !*e->country_code);
	assert_int_equal(e->asn, 0);
	assert_string_equal(e->workload, "db-1");
	e = pb.alert.targets[1];
	assert_string_equal(e->country_code, "NL");
	assert_string_equal(e->city, "Amsterdam");
	assert_int_equal(e->asn, 64497);
	assert_string_equal(e->external_group, "payments");
	assert_int_equal(e->port, 443);
	assert_int_equal(pb.alert.n_path, 3);
	assert_string_equal(pb.alert.path[0]->country_code, "SC");
	assert_int_equal(pb.alert.path[1]->asn, 0);
	assert_string_equal(pb.alert.technique_name, "Remote Services: SSH");

	/* without a handle: as before */
	bh_pb_alert_init(&pb, &a, NULL);
	assert_true(!pb.alert.source->country_code ||
		    !*pb.alert.source->country_code);
	assert_int_equal(pb.alert.targets[1]->asn, 0);
	bh_geo_free(&g);
}

/* With detection and a geo handle, the novelty detector runs and its
 * alert reaches the caller with its target enriched; switched off, it is
 * not there. */
static void test_novelty(void **state)
{
	struct bh_pipeline_opts o = {.on_record = on_record,
				     .on_alert = on_alert};
	struct bh_geo_novelty_stats ns;
	struct bh_detect_config dc;
	struct bh_geo_config gc;
	struct bh_flow_record r;
	struct bh_pipeline *p;
	struct seen s = {0};
	struct bh_geo *g = open_geo();

	(void)state;
	bh_detect_config_defaults(&dc);
	dc.learning_ns = 600 * SEC;
	dc.new_edge.c.enabled = dc.transfer.c.enabled = false;
	bh_geo_config_init(&gc);
	gc.novelty.baseline_ns = 600 * SEC;
	o.ctx = &s;
	o.geo = g;
	o.detect = &dc;
	o.geo_novelty = &gc.novelty;
	assert_int_equal(bh_pipeline_new(&p, &o), 0);
	assert_non_null(bh_pipeline_geo_detector(p));
	record(&r, 1, T0, "198.51.100.21", PAYMENTS, BH_KIND_EXTERNAL, 1000,
	       5000);
	bh_pipeline_record(p, &r);
	record(&r, 2, T0 + 840 * SEC, "203.0.113.240", BH_ID_WORLD,
	       BH_KIND_RESERVED, 2 << 20, 20000);
	bh_pipeline_record(p, &r);
	bh_pipeline_flush(p);
	assert_int_equal(s.alerts, 1);
	assert_string_equal(s.detector, "geo_novelty");
	assert_string_equal(s.technique, "T1041");
	assert_false(s.source_geo);
	assert_string_equal(s.target_cc, "SC");
	assert_int_equal(s.target_asn, 64511);
	assert_string_equal(s.target_org, "Example Offshore Hosting Ltd");
	bh_geo_detector_stats(bh_pipeline_geo_detector(p), &ns);
	assert_int_equal(ns.contacts, 2);
	assert_int_equal(ns.findings, 1);
	bh_pipeline_free(&p);

	/* off: enrichment stays, no novelty */
	gc.novelty.enabled = false;
	memset(&s, 0, sizeof(s));
	assert_int_equal(bh_pipeline_new(&p, &o), 0);
	assert_null(bh_pipeline_geo_detector(p));
	record(&r, 1, T0, "198.51.100.21", PAYMENTS, BH_KIND_EXTERNAL, 1, 1);
	bh_pipeline_record(p, &r);
	record(&r, 2, T0 + 840 * SEC, "203.0.113.240", BH_ID_WORLD,
	       BH_KIND_RESERVED, 2 << 20, 20000);
	bh_pipeline_record(p, &r);
	bh_pipeline_flush(p);
	assert_int_equal(s.alerts, 0);
	assert_string_equal(s.ep[1].country_code, "SC");
	bh_pipeline_free(&p);

	/* a bad novelty configuration: the pipeline does not start */
	gc.novelty.enabled = true;
	gc.novelty.max_pending = 0;
	assert_int_equal(bh_pipeline_new(&p, &o), -EINVAL);
	assert_null(p);
	bh_detect_config_clear(&dc);
	bh_geo_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_records),
	    cmocka_unit_test(test_alert_endpoints),
	    cmocka_unit_test(test_novelty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
