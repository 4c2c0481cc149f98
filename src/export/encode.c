// SPDX-License-Identifier: GPL-2.0-only
#include "encode.h"

#include <string.h>

size_t bh_pb_addr(const union bh_addr *a, uint8_t *out)
{
	if (!a->w[0] && !a->w[1] && a->h[4] == 0 && a->h[5] == 0xffff) {
		memcpy(out, &a->b[12], 4);
		return 4;
	}
	memcpy(out, a->b, 16);
	return 16;
}

/* protobuf-c wants char * for strings it only reads. */
static char *str(const char *s)
{
	return (char *)s;
}

static void endpoint(Bulkhead__Telemetry__V1__Endpoint *p,
		     const struct bh_record_endpoint *e, uint8_t *ip)
{
	bulkhead__telemetry__v1__endpoint__init(p);
	p->ip.len = bh_pb_addr(&e->addr, ip);
	p->ip.data = ip;
	p->port = e->port;
	p->identity = e->identity;
	p->identity_kind =
		(Bulkhead__Telemetry__V1__IdentityKind)e->identity_kind;
	p->workload = str(e->workload);
	p->labels = (char **)e->labels;
	p->n_labels = e->n_labels;
	p->external_group = str(e->external_group);
	p->ingress_ifindex = e->ifindex;
	p->ingress_interface = str(e->ifname);
	p->country_code = str(e->country_code);
	p->city = str(e->city);
	p->asn = e->asn;
	p->as_org = str(e->as_org);
}

void bh_pb_flow_init(struct bh_pb_flow *pb, const struct bh_flow_record *r)
{
	Bulkhead__Telemetry__V1__FlowRecord *f = &pb->flow;
	int i;

	bulkhead__telemetry__v1__flow_record__init(f);
	f->flow_id = r->flow_id;
	f->record_index = r->record_index;
	f->start_time_ns = r->start_ns;
	f->end_time_ns = r->end_ns;
	f->record_start_ns = r->record_start_ns;
	f->node = str(r->node);
	f->direction = (Bulkhead__Telemetry__V1__TrafficDirection)r->direction;
	endpoint(&pb->ep[0], &r->ep[BH_SIDE_INIT], pb->ip[0]);
	endpoint(&pb->ep[1], &r->ep[BH_SIDE_RESP], pb->ip[1]);
	f->initiator = &pb->ep[0];
	f->responder = &pb->ep[1];
	f->protocol = r->proto;
	if (r->has_icmp) {
		bulkhead__telemetry__v1__icmp__init(&pb->icmp);
		pb->icmp.type = r->icmp_type;
		pb->icmp.code = r->icmp_code;
		f->icmp = &pb->icmp;
	}
	f->initiator_tcp_flags = r->tcp_flags[BH_SIDE_INIT];
	f->responder_tcp_flags = r->tcp_flags[BH_SIDE_RESP];
	f->initiator_packets = r->packets[BH_SIDE_INIT];
	f->initiator_bytes = r->bytes[BH_SIDE_INIT];
	f->responder_packets = r->packets[BH_SIDE_RESP];
	f->responder_bytes = r->bytes[BH_SIDE_RESP];
	f->verdict = (Bulkhead__Telemetry__V1__Verdict)r->verdict;
	f->reason = (Bulkhead__Telemetry__V1__Reason)r->reason;
	f->rule = str(r->rule);
	f->rule_id = r->rule_id;
	f->policy_generation = r->generation;
	f->policy_epoch = r->epoch;
	f->audit = r->audit;
	if (r->tunneled) {
		bulkhead__telemetry__v1__tunnel__init(&pb->tunnel);
		pb->tunnel.type = (Bulkhead__Telemetry__V1__TunnelType)r->tun_type;
		pb->tunnel.outer_src_ip.len =
			bh_pb_addr(&r->outer_saddr, pb->outer[0]);
		pb->tunnel.outer_src_ip.data = pb->outer[0];
		pb->tunnel.outer_dst_ip.len =
			bh_pb_addr(&r->outer_daddr, pb->outer[1]);
		pb->tunnel.outer_dst_ip.data = pb->outer[1];
		pb->tunnel.vni = r->vni;
		f->tunnel = &pb->tunnel;
	}
	for (i = 0; i < r->vlan_count && i < BH_MAX_VLAN_TAGS; i++)
		pb->vlan[i] = r->vlan[i];
	f->n_vlan_ids = i;
	f->vlan_ids = pb->vlan;
	f->end_reason = (Bulkhead__Telemetry__V1__EndReason)r->end_reason;
	f->community_id = str(r->community_id);
}

static size_t slen(const char *s)
{
	return s ? strlen(s) : 0;
}

/* Every field at its largest: a tag (<= 2 bytes), a varint (<= 10) or a
 * length prefix (<= 5) and its bytes. */
#define FIELD_MAX 12
#define LEN_MAX 7 /* tag + length prefix */

static size_t endpoint_bound(const struct bh_record_endpoint *e)
{
	size_t n = 5 * FIELD_MAX + LEN_MAX + 16 + 6 * LEN_MAX, i;

	n += slen(e->workload) + slen(e->external_group) + slen(e->ifname) +
	     strnlen(e->country_code, sizeof(e->country_code)) +
	     slen(e->city) + slen(e->as_org);
	for (i = 0; i < e->n_labels; i++)
		n += LEN_MAX + slen(e->labels[i]);
	return n;
}

size_t bh_pb_flow_bound(const struct bh_flow_record *r)
{
	size_t n = 0;

	n += 21 * FIELD_MAX;                   /* scalar fields */
	n += 3 * LEN_MAX + slen(r->node) + slen(r->rule) +
	     strnlen(r->community_id, sizeof(r->community_id));
	n += 2 * LEN_MAX + endpoint_bound(&r->ep[0]) +
	     endpoint_bound(&r->ep[1]);
	n += LEN_MAX + 2 * FIELD_MAX;          /* icmp */
	n += LEN_MAX + 2 * FIELD_MAX + 2 * (LEN_MAX + 16); /* tunnel */
	n += LEN_MAX + BH_MAX_VLAN_TAGS * FIELD_MAX;       /* vlan ids */
	return n;
}

/* Nonzero reason counters as ReasonCounter messages; returns how many. */
static size_t reasons(Bulkhead__Telemetry__V1__ReasonCounter *rc,
		      Bulkhead__Telemetry__V1__ReasonCounter **rp,
		      const __u64 *pkts, const __u64 *bytes)
{
	size_t i, n = 0;

	for (i = 0; i < BH_REASON_MAX; i++) {
		if (!pkts[i] && (!bytes || !bytes[i]))
			continue;
		bulkhead__telemetry__v1__reason_counter__init(&rc[n]);
		rc[n].reason = (Bulkhead__Telemetry__V1__Reason)i;
		rc[n].packets = pkts[i];
		rc[n].bytes = bytes ? bytes[i] : 0;
		rp[n] = &rc[n];
		n++;
	}
	return n;
}

static void occupancy(Bulkhead__Telemetry__V1__MapOccupancy *m,
		      const char *name, __u64 entries, __u64 capacity)
{
	bulkhead__telemetry__v1__map_occupancy__init(m);
	m->map = str(name);
	m->entries = entries;
	m->capacity = capacity;
}

static void detection_stats(struct bh_pb_stats *pb,
			    const struct bh_detect_stats *d)
{
	Bulkhead__Telemetry__V1__DetectionStats *s = &pb->det;
	struct bh_detect_table_stats tables[BH_DETECT_TABLES];
	unsigned int i, n = d->n_detectors < BH_DETECT_MAX ? d->n_detectors
							   : BH_DETECT_MAX;

	bulkhead__telemetry__v1__detection_stats__init(s);
	s->flows = d->flows;
	s->flows_invalid = d->flows_invalid;
	s->learning = d->learning;
	for (i = 0; i < n; i++) {
		Bulkhead__Telemetry__V1__DetectorStats *o = &pb->detector[i];

		bulkhead__telemetry__v1__detector_stats__init(o);
		o->detector = str(d->detector_names[i]);
		o->alerts = d->alerts[i];
		o->occurrences = d->aggregated[i];
		o->allowlisted = d->allowlisted[i];
		pb->detector_p[i] = o;
	}
	s->n_detectors = n;
	s->detectors = pb->detector_p;
	bh_detect_stats_tables(d, tables);
	for (i = 0; i < BH_DETECT_TABLES; i++) {
		occupancy(&pb->table[i], tables[i].name, tables[i].entries,
			  tables[i].capacity);
		pb->table_p[i] = &pb->table[i];
	}
	s->n_tables = BH_DETECT_TABLES;
	s->tables = pb->table_p;
	s->source_evictions = d->source_evictions;
	s->memory_bytes = d->mem_bytes;
	s->memory_used_bytes = d->mem_used_bytes;
}

void bh_pb_stats_init(struct bh_pb_stats *pb, const struct bh_node_stats *ns)
{
	Bulkhead__Telemetry__V1__NodeStats *s = &pb->st;
	unsigned int i;

	bulkhead__telemetry__v1__node_stats__init(s);
	s->time_ns = ns->time_ns;
	s->node = str(ns->node);
	if (ns->have_dp) {
		for (i = 0; i < BH_VERDICT_MAX; i++) {
			bulkhead__telemetry__v1__verdict_counter__init(
				&pb->verdict[i]);
			pb->verdict[i].verdict =
				(Bulkhead__Telemetry__V1__Verdict)i;
			pb->verdict[i].packets = ns->dp.verdict_pkts[i];
			pb->verdict[i].bytes = ns->dp.verdict_bytes[i];
			pb->verdict_p[i] = &pb->verdict[i];
		}
		s->n_verdicts = BH_VERDICT_MAX;
		s->verdicts = pb->verdict_p;
		s->n_reasons = reasons(pb->reason[0], pb->reason_p[0],
				       ns->dp.reason_pkts, NULL);
		s->reasons = pb->reason_p[0];
		s->events_sent = ns->dp.ev_sent;
		s->events_suppressed = ns->dp.ev_suppressed;
		s->events_ring_full = ns->dp.ev_ringfull;
		s->flows_created = ns->dp.flows_created + ns->dp.denied_created;
	}
	if (ns->have_collector) {
		const struct bh_collector_stats *c = &ns->col;

		s->n_drops = reasons(pb->reason[1], pb->reason_p[1],
				     c->drop_packets, c->drop_bytes);
		s->drops = pb->reason_p[1];
		s->n_audit_drops = reasons(pb->reason[2], pb->reason_p[2],
					   c->audit_packets, c->audit_bytes);
		s->audit_drops = pb->reason_p[2];
		s->events_received = c->events_new_flow + c->events_deny +
				     c->events_invalid;
		s->flows_active = c->flows_active;
		s->flows_discovered = c->flows_discovered;
		s->flows_evicted = c->flows_evicted;
		s->flows_untracked = c->flows_untracked;
		s->records_emitted = c->records_total;
		s->collector_memory_bytes = c->memory_bytes;
	}
	for (i = 0; i < ns->n_maps && i < BH_NODE_MAX_MAPS; i++) {
		occupancy(&pb->map[i], str(ns->maps[i].name),
			  ns->maps[i].entries, ns->maps[i].capacity);
		pb->map_p[i] = &pb->map[i];
	}
	s->n_maps = i;
	s->maps = pb->map_p;
	if (ns->have_export) {
		for (i = 0; i < ns->exp.n_sinks && i < BH_EXPORT_MAX_SINKS;
		     i++) {
			const struct bh_sink_stats *k = &ns->exp.sinks[i];
			Bulkhead__Telemetry__V1__SinkStats *p = &pb->sink[i];

			bulkhead__telemetry__v1__sink_stats__init(p);
			p->sink = str(k->url);
			p->envelopes = k->envelopes;
			p->bytes = k->bytes;
			p->dropped_queue_full = k->dropped_queue_full;
			p->dropped_sink_error = k->dropped_sink_error;
			p->reconnects = k->reconnects;
			p->queue_bytes = k->queue_bytes;
			pb->sink_p[i] = p;
		}
		s->n_sinks = i;
		s->sinks = pb->sink_p;
		s->export_dropped = ns->exp.dropped;
	}
	s->policy_generation = ns->policy_generation;
	if (ns->detect) {
		detection_stats(pb, ns->detect);
		s->detection = &pb->det;
	}
}
