// SPDX-License-Identifier: GPL-2.0-only
/* Flow records after the collector: enrich, detect, export. See
 * pipeline.h. */
#include "pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "export.h"
#include "geo.h"
#include "log.h"

/* Cumulative counters of a flow whose records are still coming: records
 * carry the counts of their own interval, detection wants the total. */
struct bh_open_flow {
	__u64 flow_id; /* 0: empty slot */
	__u64 packets[2]; /* sums of the records so far */
	__u64 bytes[2];
};

struct bh_pipeline {
	struct bh_pipeline_opts o;
	struct bh_detect *detect;
	struct bh_geo_detector *geo_det;
	struct bh_open_flow *open;
	__u32 open_cap; /* power of two */
	__u32 open_n;
	__u64 failure_grace_ns;	   /* detection's, for the interim window */
	struct bh_geo_info geo[2]; /* this record's enrichment */
	struct bh_pipeline_stats st;
};

/* ------------------------------------------------------------------------ */
/* Open-flow table: open addressing, linear probing, backward-shift delete. */

static __u32 bh_open_slot(const struct bh_pipeline *p, __u64 id)
{
	/* flow ids are already hashes of the connection: mix a little */
	return (__u32)((id * 0x9e3779b97f4a7c15ull) >> 32) & (p->open_cap - 1);
}

static struct bh_open_flow *bh_open_find(struct bh_pipeline *p, __u64 id)
{
	__u32 i;

	if (!p->open)
		return NULL;
	for (i = bh_open_slot(p, id);; i = (i + 1) & (p->open_cap - 1)) {
		if (p->open[i].flow_id == id)
			return &p->open[i];
		if (!p->open[i].flow_id)
			return NULL;
	}
}

static int bh_open_grow(struct bh_pipeline *p)
{
	__u32 cap = p->open_cap ? p->open_cap * 2 : 1024, old = p->open_cap, i;
	struct bh_open_flow *prev = p->open, *v;

	v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->open = v;
	p->open_cap = cap;
	for (i = 0; i < old; i++) {
		__u32 j;

		if (!prev[i].flow_id)
			continue;
		for (j = bh_open_slot(p, prev[i].flow_id); v[j].flow_id;
		     j = (j + 1) & (cap - 1))
			;
		v[j] = prev[i];
	}
	free(prev);
	return 0;
}

static struct bh_open_flow *bh_open_add(struct bh_pipeline *p, __u64 id)
{
	__u32 i;

	/* keep the load under 1/2 */
	if ((p->open_n + 1) * 2 > p->open_cap) {
		if (p->open_cap >= p->o.max_open_flows * 2 || bh_open_grow(p))
			return NULL;
	}
	for (i = bh_open_slot(p, id); p->open[i].flow_id;
	     i = (i + 1) & (p->open_cap - 1))
		;
	memset(&p->open[i], 0, sizeof(p->open[i]));
	p->open[i].flow_id = id;
	p->open_n++;
	return &p->open[i];
}

static void bh_open_del(struct bh_pipeline *p, struct bh_open_flow *f)
{
	__u32 mask = p->open_cap - 1, i = (__u32)(f - p->open), j = i;

	/* Backward shift: move later entries of the probe chain into the
	 * hole so that lookups never stop early. */
	for (;;) {
		__u32 home;

		j = (j + 1) & mask;
		if (!p->open[j].flow_id)
			break;
		home = bh_open_slot(p, p->open[j].flow_id);
		if ((i <= j) ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		p->open[i] = p->open[j];
		i = j;
	}
	p->open[i].flow_id = 0;
	p->open_n--;
}

/* ------------------------------------------------------------------------ */
/* Alerts.                                                                  */

static Bulkhead__Telemetry__V1__IdentityKind bh_alert_kind(
	const struct bh_detect_endpoint *e)
{
	if (e->identity < BH_ID_FIRST_USER)
		return BULKHEAD__TELEMETRY__V1__IDENTITY_KIND__IDENTITY_KIND_RESERVED;
	return e->external ?
		       BULKHEAD__TELEMETRY__V1__IDENTITY_KIND__IDENTITY_KIND_EXTERNAL :
		       BULKHEAD__TELEMETRY__V1__IDENTITY_KIND__IDENTITY_KIND_WORKLOAD;
}

static void bh_alert_ep(Bulkhead__Telemetry__V1__Endpoint *pb, uint8_t *ip,
			struct bh_geo_info *g,
			const struct bh_detect_endpoint *e, struct bh_geo *geo)
{
	bulkhead__telemetry__v1__endpoint__init(pb);
	pb->ip.len = bh_pb_addr(&e->addr, ip);
	pb->ip.data = ip;
	pb->port = e->port;
	pb->identity = e->identity;
	pb->identity_kind = bh_alert_kind(e);
	if (e->name[0]) {
		if (pb->identity_kind ==
		    BULKHEAD__TELEMETRY__V1__IDENTITY_KIND__IDENTITY_KIND_EXTERNAL)
			pb->external_group = (char *)e->name;
		else
			pb->workload = (char *)e->name;
	}
	/* the same rule as for flow records: external endpoints only */
	if (!geo || !e->external || bh_geo_lookup(geo, &e->addr, g))
		return;
	if (g->flags & BH_GEO_F_COUNTRY)
		pb->country_code = g->country;
	if (g->flags & BH_GEO_F_CITY)
		pb->city = g->city;
	if (g->flags & BH_GEO_F_ASN)
		pb->asn = g->asn;
	if (g->flags & BH_GEO_F_ORG)
		pb->as_org = g->as_org;
}

void bh_pb_alert_init(struct bh_pb_alert *pb, const struct bh_detect_alert *a,
		      struct bh_geo *geo)
{
	Bulkhead__Telemetry__V1__Alert *al = &pb->alert;
	__u32 i, ip = 0;

	bulkhead__telemetry__v1__alert__init(al);
	snprintf(pb->id, sizeof(pb->id), "%016llx", (unsigned long long)a->id);
	al->id = pb->id;
	al->time_ns = a->time_ns;
	al->detector = (char *)a->detector_name;
	al->technique = (char *)a->technique;
	al->technique_name = (char *)bh_detect_technique_name(a->technique);
	/* proto Severity has UNSPEC at 0, the engine starts at INFO = 0 */
	al->severity = (Bulkhead__Telemetry__V1__Severity)(a->severity + 1);
	al->score = a->score / 100.0; /* the proto's scale is 0..1 */
	al->summary = (char *)a->summary;

	bh_alert_ep(&pb->source, pb->ip[ip], &pb->geo[ip], &a->source, geo);
	ip++;
	al->source = &pb->source;
	for (i = 0; i < a->n_targets && i < BH_DETECT_MAX_TARGETS; i++) {
		bh_alert_ep(&pb->targets[i], pb->ip[ip], &pb->geo[ip],
			    &a->targets[i], geo);
		ip++;
		pb->targets_p[i] = &pb->targets[i];
	}
	al->n_targets = i;
	al->targets = pb->targets_p;
	for (i = 0; i < a->path_len && i < BH_DETECT_MAX_PATH; i++) {
		bh_alert_ep(&pb->path[i], pb->ip[ip], &pb->geo[ip], &a->path[i],
			    geo);
		ip++;
		pb->path_p[i] = &pb->path[i];
	}
	al->n_path = i;
	al->path = pb->path_p;
	for (i = 0; i < a->n_evidence && i < BH_DETECT_MAX_EVIDENCE; i++)
		pb->evidence[i] = a->evidence[i];
	al->n_evidence_flow_ids = i;
	al->evidence_flow_ids = pb->evidence;

	al->state = a->state == BH_ALERT_NEW ?
			    BULKHEAD__TELEMETRY__V1__ALERT_STATE__ALERT_STATE_NEW :
		    a->state == BH_ALERT_UPDATE ?
			    BULKHEAD__TELEMETRY__V1__ALERT_STATE__ALERT_STATE_UPDATE :
			    BULKHEAD__TELEMETRY__V1__ALERT_STATE__ALERT_STATE_CLOSED;
	al->count = a->count;
	al->first_time_ns = a->first_ns;
	al->last_time_ns = a->last_ns;
	al->evidence_total = a->evidence_total;
}

static void bh_pipeline_alert(const struct bh_detect_alert *a, void *ctx)
{
	struct bh_pipeline *p = ctx;
	struct bh_pb_alert pb;

	bh_pb_alert_init(&pb, a, p->o.geo);
	p->st.alerts++;
	if (p->o.export)
		bh_export_alert(p->o.export, &pb.alert);
	if (p->o.on_alert)
		p->o.on_alert(p->o.ctx, a, &pb.alert);
}

/* ------------------------------------------------------------------------ */
/* Records.                                                                 */

static void bh_pipeline_enrich(struct bh_pipeline *p, struct bh_flow_record *r)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct bh_record_endpoint *e = &r->ep[i];
		struct bh_geo_info *g = &p->geo[i];

		if (!bh_geo_identity_is_external(e->identity,
						 e->identity_kind))
			continue;
		if (bh_geo_lookup(p->o.geo, &e->addr, g))
			continue;
		if (g->flags & BH_GEO_F_COUNTRY)
			snprintf(e->country_code, sizeof(e->country_code),
				 "%s", g->country);
		if (g->flags & BH_GEO_F_CITY)
			e->city = g->city;
		if (g->flags & BH_GEO_F_ASN)
			e->asn = g->asn;
		if (g->flags & BH_GEO_F_ORG)
			e->as_org = g->as_org;
		p->st.enriched++;
	}
}

static void bh_detect_peer_from(struct bh_detect_peer *d,
				const struct bh_record_endpoint *e, __u8 proto)
{
	memset(d, 0, sizeof(*d));
	d->addr = e->addr;
	d->identity = e->identity;
	/* Keyed by identity: replicas and re-addressed containers share the
	 * label set, hence the identity, hence their baselines. */
	d->workload = 0;
	d->name = e->workload ? e->workload : e->external_group;
	d->labels = e->labels;
	d->n_labels = (__u32)e->n_labels;
	/* ICMP "ports" are the echo id: detectors want none */
	d->port = (proto == 1 || proto == 58) ? 0 : e->port;
	d->external = e->identity == BH_ID_WORLD ||
		      e->identity_kind == BH_KIND_EXTERNAL;
}

/* bh_flow_record.mark: an earlier view of the flow was answered. */
#define BH_MARK_ANSWERED 0x01

/* One view of a flow for detection: a record (final, or at an active
 * timeout) or an interim view. Counters become cumulative over the flow:
 * a flow's first record and its interim views count from its start; after
 * an active-timeout record the sums of its records so far are kept in the
 * open-flow table. */
static void bh_pipeline_detect_view(struct bh_pipeline *p,
				    struct bh_flow_record *r, bool interim)
{
	bool final = !interim && r->end_reason != BH_END_ACTIVE_TIMEOUT;
	struct bh_open_flow *of = NULL;
	struct bh_detect_flow f;
	int i, ret;

	memset(&f, 0, sizeof(f));
	f.id = r->flow_id;
	f.start_ns = r->start_ns;
	f.end_ns = r->end_ns;
	bh_detect_peer_from(&f.init, &r->ep[BH_SIDE_INIT], r->proto);
	bh_detect_peer_from(&f.resp, &r->ep[BH_SIDE_RESP], r->proto);
	f.proto = r->proto;
	f.verdict = r->verdict;
	for (i = 0; i < 2; i++) {
		f.packets[i] = r->packets[i];
		f.bytes[i] = r->bytes[i];
		f.tcp_flags[i] = r->tcp_flags[i];
	}
	if (final)
		f.flags |= BH_DETECT_F_FINAL;
	if (r->proto == 6 && !(r->tcp_flags[BH_SIDE_INIT] & BH_TCP_SYN))
		f.flags |= BH_DETECT_F_MIDSTREAM;
	if (r->mark & BH_MARK_ANSWERED)
		f.flags |= BH_DETECT_F_CONT;

	/* Records before this one (active timeouts) left their sums. */
	if (r->record_index || (!interim && !final)) {
		of = bh_open_find(p, r->flow_id);
		if (!of && !interim && !final)
			of = bh_open_add(p, r->flow_id);
		/* table full: this interval's counters only */
		if (!of)
			p->st.open_dropped++;
	}
	for (i = 0; of && i < 2; i++) {
		f.packets[i] += of->packets[i];
		f.bytes[i] += of->bytes[i];
		/* an interim view reports nothing: the next record counts
		 * its packets again */
		if (!interim) {
			of->packets[i] = f.packets[i];
			of->bytes[i] = f.bytes[i];
		}
	}
	ret = bh_detect_flow(p->detect, &f);
	if (ret == BH_DETECT_ANSWERED)
		r->mark |= BH_MARK_ANSWERED;
	if (final && of)
		bh_open_del(p, of);
	if (interim)
		p->st.interim++;
	p->st.open_flows = p->open_n;
}

void bh_pipeline_record(void *ctx, struct bh_flow_record *r)
{
	struct bh_pipeline *p = ctx;

	p->st.records++;
	if (p->o.geo)
		bh_pipeline_enrich(p, r);
	if (p->detect)
		bh_pipeline_detect_view(p, r, false);
	if (p->o.export)
		bh_export_flow(p->o.export, r);
	if (p->o.on_record)
		p->o.on_record(p->o.ctx, r);
}

void bh_pipeline_interim(void *ctx, struct bh_flow_record *r)
{
	struct bh_pipeline *p = ctx;

	if (p->detect)
		bh_pipeline_detect_view(p, r, true);
}

__u64 bh_pipeline_interim_window(const struct bh_pipeline *p)
{
	/* a grace of 0 (judge at once): one view per flow, at its first poll */
	return p->detect ? (p->failure_grace_ns ?: 1) : 0;
}

void bh_pipeline_advance(struct bh_pipeline *p, __u64 now_ns)
{
	if (p->detect)
		bh_detect_advance(p->detect, now_ns);
}

void bh_pipeline_flush(struct bh_pipeline *p)
{
	if (p->detect)
		bh_detect_flush(p->detect);
}

struct bh_detect *bh_pipeline_detect(struct bh_pipeline *p)
{
	return p->detect;
}

struct bh_geo_detector *bh_pipeline_geo_detector(struct bh_pipeline *p)
{
	return p->geo_det;
}

void bh_pipeline_stats(const struct bh_pipeline *p,
		       struct bh_pipeline_stats *out)
{
	*out = p->st;
}

int bh_pipeline_new(struct bh_pipeline **out,
		    const struct bh_pipeline_opts *opts)
{
	struct bh_pipeline *p;
	int err;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->o = *opts;
	if (!p->o.max_open_flows)
		p->o.max_open_flows = 1u << 20;
	if (opts->detect) {
		p->failure_grace_ns = opts->detect->failure_grace_ns;
		err = bh_detect_new(&p->detect, opts->detect, bh_pipeline_alert,
				    p);
		if (err) {
			pr_warn("detection: cannot start: %s\n",
				strerror(-err));
			goto fail;
		}
	}
	if (p->detect && opts->geo && opts->geo_novelty &&
	    opts->geo_novelty->enabled) {
		err = bh_geo_detector_new(&p->geo_det, p->detect, opts->geo,
					  opts->geo_novelty);
		if (err) {
			pr_warn("geo novelty detector: cannot start: %s\n",
				strerror(-err));
			goto fail;
		}
	}
	*out = p;
	return 0;
fail:
	bh_pipeline_free(&p);
	return err;
}

void bh_pipeline_free(struct bh_pipeline **pp)
{
	struct bh_pipeline *p = *pp;

	if (!p)
		return;
	bh_detect_free(&p->detect);
	bh_geo_detector_free(&p->geo_det); /* the engine used it */
	free(p->open);
	free(p);
	*pp = NULL;
}
