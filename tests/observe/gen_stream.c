// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writes a deterministic telemetry stream through the real collector and
 * exporter: a scripted set of map snapshots and events (TCP closed by FIN
 * and RST, denied and audited flows, DNS to the world with an idle timeout,
 * ICMP with a Community ID, a long flow with active timeouts, an eviction,
 * VXLAN + VLAN, IPv6 with Geo/ASN fields), an alert and node statistics.
 *
 *   gen_stream [--expect FILE] DESTINATION
 *
 * DESTINATION is any exporter destination (file, -, tcp://...). --expect
 * writes, per envelope, a JSON line built from the C values (not from the
 * protobuf encoder), for the Python decode test to compare with.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "detect.h"
#include "export.h"

#define S(x) ((__u64)(x) * 1000000000ull)
#define T0 S(1700000000) /* 2023-11-14T22:13:20Z */

static struct bh_export *exp_;
static FILE *expect;
static __u64 seq;

/* ---- names -------------------------------------------------------------- */

static const char *const web_labels[] = { "app=web", "team=shop" };
static const char *const db_labels[] = { "app=db", "team=shop" };
static const char *const ops_labels[] = { "app=ops" };

static int res_identity(void *ctx, __u32 id, struct bh_resolver_identity *out)
{
	(void)ctx;
	memset(out, 0, sizeof(*out));
	switch (id) {
	case 256:
		*out = (struct bh_resolver_identity){ "web", web_labels, 2,
						      BH_KIND_WORKLOAD };
		return 0;
	case 257:
		*out = (struct bh_resolver_identity){ "db", db_labels, 2,
						      BH_KIND_WORKLOAD };
		return 0;
	case 258:
		*out = (struct bh_resolver_identity){ "ops", ops_labels, 1,
						      BH_KIND_WORKLOAD };
		return 0;
	case 300:
		*out = (struct bh_resolver_identity){ "partners", NULL, 0,
						      BH_KIND_EXTERNAL };
		return 0;
	case BH_ID_WORLD:
		*out = (struct bh_resolver_identity){ "world", NULL, 0,
						      BH_KIND_RESERVED };
		return 0;
	}
	return -ENOENT;
}

static const char *res_workload(void *ctx, const union bh_addr *a)
{
	(void)ctx;
	if (a->b[10] != 0xff || a->b[12] != 10)
		return NULL;
	switch (a->b[15]) {
	case 1:
		return "web-1";
	case 2:
		return "db-0";
	case 4:
		return "ops-0";
	case 5:
		return "web-2";
	}
	return NULL;
}

static const char *res_rule(void *ctx, __u32 id)
{
	(void)ctx;
	switch (id) {
	case 1:
		return "deny-ssh";
	case 2:
		return "allow-web-db";
	case 3:
		return "allow-dns";
	}
	return NULL;
}

static int res_generation(void *ctx, __u32 epoch, __u32 *gen)
{
	(void)ctx;
	*gen = 7 + epoch / 2;
	return 0;
}

static const char *res_iface(void *ctx, __u32 ifindex, enum bh_iface_kind *k)
{
	(void)ctx;
	if (ifindex == 2) {
		*k = BH_IFACE_UPLINK;
		return "eth0";
	}
	if (ifindex >= 10) {
		*k = BH_IFACE_WORKLOAD;
		return ifindex == 10 ? "veth-web1" : "veth-other";
	}
	return NULL;
}

static const struct bh_collector_resolver resolver = {
	.identity = res_identity,
	.workload = res_workload,
	.rule = res_rule,
	.generation = res_generation,
	.iface = res_iface,
};

/* ---- expectations ----------------------------------------------------- */

static void addr_text(const union bh_addr *a, char *buf, size_t len)
{
	if (!a->w[0] && !a->w[1] && a->h[4] == 0 && a->h[5] == 0xffff)
		inet_ntop(AF_INET, &a->b[12], buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
}

static void expect_endpoint(const char *name, const struct bh_record_endpoint *e)
{
	char ip[INET6_ADDRSTRLEN];
	size_t i;

	addr_text(&e->addr, ip, sizeof(ip));
	fprintf(expect,
		"\"%s\":{\"ip\":\"%s\",\"port\":%u,\"identity\":%u,"
		"\"identity_kind\":%u,\"workload\":\"%s\",\"external_group\":\"%s\","
		"\"ingress_ifindex\":%u,\"ingress_interface\":\"%s\","
		"\"country_code\":\"%s\",\"city\":\"%s\",\"asn\":%u,\"as_org\":\"%s\","
		"\"labels\":[",
		name, ip, e->port, e->identity, e->identity_kind,
		e->workload ? e->workload : "",
		e->external_group ? e->external_group : "", e->ifindex,
		e->ifname ? e->ifname : "", e->country_code,
		e->city ? e->city : "", e->asn, e->as_org ? e->as_org : "");
	for (i = 0; i < e->n_labels; i++)
		fprintf(expect, "%s\"%s\"", i ? "," : "", e->labels[i]);
	fputs("]}", expect);
}

static void expect_flow(const struct bh_flow_record *r)
{
	char o1[INET6_ADDRSTRLEN], o2[INET6_ADDRSTRLEN];
	int i;

	if (!expect)
		return;
	fprintf(expect,
		"{\"seq\":%llu,\"kind\":\"flow\",\"flow_id\":%llu,"
		"\"record_index\":%u,\"start_time_ns\":%llu,\"end_time_ns\":%llu,"
		"\"record_start_ns\":%llu,\"node\":\"%s\",\"direction\":%u,"
		"\"protocol\":%u,\"initiator_tcp_flags\":%u,"
		"\"responder_tcp_flags\":%u,\"initiator_packets\":%llu,"
		"\"initiator_bytes\":%llu,\"responder_packets\":%llu,"
		"\"responder_bytes\":%llu,\"verdict\":%u,\"reason\":%u,"
		"\"rule\":\"%s\",\"rule_id\":%u,\"policy_generation\":%u,"
		"\"policy_epoch\":%u,\"audit\":%s,\"end_reason\":%u,"
		"\"community_id\":\"%s\",",
		(unsigned long long)seq, (unsigned long long)r->flow_id,
		r->record_index, (unsigned long long)r->start_ns,
		(unsigned long long)r->end_ns,
		(unsigned long long)r->record_start_ns, r->node, r->direction,
		r->proto, r->tcp_flags[0], r->tcp_flags[1],
		(unsigned long long)r->packets[0],
		(unsigned long long)r->bytes[0],
		(unsigned long long)r->packets[1],
		(unsigned long long)r->bytes[1], r->verdict, r->reason,
		r->rule ? r->rule : "", r->rule_id, r->generation, r->epoch,
		r->audit ? "true" : "false", r->end_reason, r->community_id);
	if (r->has_icmp)
		fprintf(expect, "\"icmp\":{\"type\":%u,\"code\":%u},",
			r->icmp_type, r->icmp_code);
	if (r->tunneled) {
		addr_text(&r->outer_saddr, o1, sizeof(o1));
		addr_text(&r->outer_daddr, o2, sizeof(o2));
		fprintf(expect,
			"\"tunnel\":{\"type\":%u,\"outer_src_ip\":\"%s\","
			"\"outer_dst_ip\":\"%s\",\"vni\":%u},",
			r->tun_type, o1, o2, r->vni);
	}
	fputs("\"vlan_ids\":[", expect);
	for (i = 0; i < r->vlan_count; i++)
		fprintf(expect, "%s%u", i ? "," : "", r->vlan[i]);
	fputs("],", expect);
	expect_endpoint("initiator", &r->ep[BH_SIDE_INIT]);
	fputc(',', expect);
	expect_endpoint("responder", &r->ep[BH_SIDE_RESP]);
	fputs("}\n", expect);
}

/* Enrichment stand-in: Geo/ASN of the one public IPv6 peer. */
static void on_record(void *ctx, struct bh_flow_record *r)
{
	int i;

	(void)ctx;
	for (i = 0; i < 2; i++) {
		struct bh_record_endpoint *e = &r->ep[i];

		if (e->addr.b[0] == 0x20 && e->addr.b[1] == 0x01 &&
		    e->addr.b[15] == 0x80) {
			strcpy(e->country_code, "DE");
			e->city = "Berlin";
			e->asn = 64500;
			e->as_org = "Example Transit GmbH";
		}
	}
	expect_flow(r);
	if (bh_export_flow(exp_, r))
		fprintf(stderr, "gen_stream: export of flow %llu failed\n",
			(unsigned long long)r->flow_id);
	seq++;
}

/* ---- the script --------------------------------------------------------- */

static union bh_addr v4(const char *s)
{
	union bh_addr a = { .b = { 0 } };

	a.b[10] = a.b[11] = 0xff;
	inet_pton(AF_INET, s, &a.b[12]);
	return a;
}

static union bh_addr v6(const char *s)
{
	union bh_addr a;

	inet_pton(AF_INET6, s, a.b);
	return a;
}

#define MAX_ENTRIES 16

struct entry {
	struct bh_flow_key key;
	struct bh_flow flow;
	bool denied;
	bool live;
};

static struct entry map[MAX_ENTRIES];

/* A connection from src to dst, stored normalized as the data plane does. */
static struct entry *conn(int slot, union bh_addr src, __u16 sport,
			  union bh_addr dst, __u16 dport, __u8 proto,
			  __u32 src_id, __u32 dst_id, __u32 ifindex)
{
	struct entry *e = &map[slot];
	bool swap = memcmp(&src, &dst, sizeof(src)) > 0 ||
		    (!memcmp(&src, &dst, sizeof(src)) && sport > dport);
	int s = swap ? 1 : 0;

	memset(e, 0, sizeof(*e));
	e->key.a = swap ? dst : src;
	e->key.b = swap ? src : dst;
	e->key.a_port = swap ? dport : sport;
	e->key.b_port = swap ? sport : dport;
	e->key.proto = proto;
	e->flow.flags = swap ? BH_FLOW_F_INIT_B : 0;
	e->flow.identity[s] = src_id;
	e->flow.identity[1 - s] = dst_id;
	e->flow.ifindex[s] = ifindex;
	e->flow.verdict = BH_VERDICT_ALLOW;
	e->flow.ct_state = BH_CT_ESTABLISHED;
	e->flow.epoch = 2;
	e->live = true;
	return e;
}

/* Traffic: from the initiator (fwd) and back (rev), at time t. */
static void traffic(struct entry *e, __u64 t, __u64 fp, __u64 fb, __u64 rp,
		    __u64 rb, __u8 fflags, __u8 rflags)
{
	int s = (e->flow.flags & BH_FLOW_F_INIT_B) ? 1 : 0;

	if (!e->flow.first_seen_ns)
		e->flow.first_seen_ns = t;
	e->flow.last_seen_ns = t;
	e->flow.packets[s] += fp;
	e->flow.bytes[s] += fb;
	e->flow.packets[1 - s] += rp;
	e->flow.bytes[1 - s] += rb;
	e->flow.tcp_flags[s] |= fflags;
	e->flow.tcp_flags[1 - s] |= rflags;
	if (rp && !e->flow.ifindex[1 - s])
		e->flow.ifindex[1 - s] = 11;
}

static void poll_at(struct bh_collector *c, __u64 now)
{
	int i;

	bh_collector_poll_begin(c, now);
	for (i = 0; i < MAX_ENTRIES; i++)
		if (map[i].live)
			bh_collector_ingest(c, &map[i].key, &map[i].flow,
					    map[i].denied);
	bh_collector_poll_end(c, now);
}

static void script(struct bh_collector *c)
{
	struct entry *web_db, *ssh, *audit, *dns, *ping, *bulk, *evict, *vx,
		*v6e;
	struct bh_event ev;

	/* web-1 -> db-0:5432, closed by FIN. */
	web_db = conn(0, v4("10.0.0.1"), 40000, v4("10.0.0.2"), 5432, 6, 256,
		      257, 10);
	web_db->flow.rule_id = 2;
	traffic(web_db, T0 + S(1), 3, 180, 2, 120, BH_TCP_SYN | BH_TCP_ACK,
		BH_TCP_SYN | BH_TCP_ACK);

	/* web-1 -> db-0:22 denied by rule. */
	ssh = conn(1, v4("10.0.0.1"), 40001, v4("10.0.0.2"), 22, 6, 256, 257,
		   10);
	ssh->denied = true;
	ssh->flow.verdict = BH_VERDICT_DENY;
	ssh->flow.reason = BH_REASON_POLICY_DENIED;
	ssh->flow.rule_id = 1;
	ssh->flow.ct_state = BH_CT_NONE;
	traffic(ssh, T0 + S(2), 3, 180, 0, 0, BH_TCP_SYN, 0);

	/* ops-0 -> db-0:6379: no rule allows it; audit mode lets it pass. */
	audit = conn(2, v4("10.0.0.4"), 50000, v4("10.0.0.2"), 6379, 6, 258,
		     257, 12);
	audit->flow.verdict = BH_VERDICT_AUDIT;
	audit->flow.reason = BH_REASON_DEFAULT_DENY;
	audit->flow.epoch = 3;
	traffic(audit, T0 + S(2), 5, 400, 4, 900, BH_TCP_SYN | BH_TCP_ACK,
		BH_TCP_SYN | BH_TCP_ACK);

	/* web-2 -> 8.8.8.8:53 (world), ends by idle timeout. */
	dns = conn(3, v4("10.0.0.5"), 53000, v4("8.8.8.8"), 53, 17, 256,
		   BH_ID_WORLD, 13);
	dns->flow.rule_id = 3;
	dns->flow.ct_state = BH_CT_ESTABLISHED;
	traffic(dns, T0 + S(3), 1, 74, 1, 120, 0, 0);

	/* web-1 pings db-0: the event gives the ICMP type. */
	ping = conn(4, v4("10.0.0.1"), 77, v4("10.0.0.2"), 77, 1, 256, 257, 10);
	traffic(ping, T0 + S(4), 2, 196, 2, 196, 0, 0);
	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = T0 + S(4);
	ev.type = BH_EV_NEW_FLOW;
	ev.verdict = BH_VERDICT_ALLOW;
	ev.src_identity = 256;
	ev.dst_identity = 257;
	ev.ifindex = 10;
	ev.pkt.saddr = v4("10.0.0.1");
	ev.pkt.daddr = v4("10.0.0.2");
	ev.pkt.sport = ev.pkt.dport = 77;
	ev.pkt.ip_proto = 1;
	ev.pkt.icmp_type = 8;
	ev.pkt.pkt_len = 98;
	ev.pkt.flags = BH_PKT_HAS_L4;
	bh_collector_event(c, &ev);

	/* A bulk transfer lasting 130 s: two active-timeout records. */
	bulk = conn(5, v4("10.0.0.5"), 41000, v4("10.0.0.2"), 5432, 6, 256,
		    257, 13);
	bulk->flow.rule_id = 2;

	/* A flow the LRU will drop. */
	evict = conn(6, v4("10.0.0.4"), 42000, v4("10.0.0.1"), 8080, 6, 258,
		     256, 12);
	traffic(evict, T0 + S(5), 4, 300, 3, 2000, BH_TCP_SYN | BH_TCP_ACK,
		BH_TCP_SYN | BH_TCP_ACK);

	/* From another node through VXLAN on VLAN 100. */
	vx = conn(7, v4("10.0.1.9"), 45000, v4("10.0.0.2"), 5432, 6, 256, 257,
		  2);
	vx->flow.flags |= BH_FLOW_F_TUNNEL;
	vx->flow.vni = 4096;
	vx->flow.vlan[0] = 100;
	vx->flow.outer_saddr = v4("192.168.50.2");
	vx->flow.outer_daddr = v4("192.168.50.1");
	vx->flow.rule_id = 2;
	traffic(vx, T0 + S(6), 6, 700, 5, 3000, BH_TCP_SYN | BH_TCP_ACK,
		BH_TCP_SYN | BH_TCP_ACK);

	/* IPv6 partner on the internet -> web-1, closed by RST. */
	v6e = conn(8, v6("2001:db8:77::80"), 51000, v6("2001:db8:1::1"), 443,
		   6, 300, 256, 2);
	v6e->flow.flags |= BH_FLOW_F_IPV6;
	traffic(v6e, T0 + S(6), 2, 150, 1, 60, BH_TCP_SYN,
		BH_TCP_RST | BH_TCP_ACK);
	v6e->flow.ct_state = BH_CT_CLOSED;

	for (__u64 t = 1; t <= 140; t++) {
		if (t <= 130)
			traffic(bulk, T0 + S(t), 100, 150000, 50, 3000,
				BH_TCP_ACK | (t == 1 ? BH_TCP_SYN : 0),
				BH_TCP_ACK | (t == 1 ? BH_TCP_SYN : 0));
		if (t == 8) { /* web -> db closes */
			traffic(web_db, T0 + S(8), 2, 120, 2, 1200,
				BH_TCP_FIN, BH_TCP_FIN);
			web_db->flow.ct_state = BH_CT_CLOSED;
		}
		if (t == 20)
			evict->live = false;
		if (t == 30)
			traffic(ssh, T0 + S(30), 1, 60, 0, 0, BH_TCP_SYN, 0);
		poll_at(c, T0 + S(t) + S(1) / 2);
	}
	bh_collector_flush(c, T0 + S(141));
}

static void send_alert(void)
{
	Bulkhead__Telemetry__V1__Alert a;
	Bulkhead__Telemetry__V1__Endpoint src, dst[2], *dstp[2];
	static uint64_t evidence[] = { 2, 6 };
	static uint8_t ip_src[4] = { 10, 0, 0, 4 }, ip_db[4] = { 10, 0, 0, 2 },
		       ip_web[4] = { 10, 0, 0, 1 };

	bulkhead__telemetry__v1__alert__init(&a);
	bulkhead__telemetry__v1__endpoint__init(&src);
	bulkhead__telemetry__v1__endpoint__init(&dst[0]);
	bulkhead__telemetry__v1__endpoint__init(&dst[1]);
	src.ip = (ProtobufCBinaryData){ 4, ip_src };
	src.workload = "ops-0";
	src.identity = 258;
	dst[0].ip = (ProtobufCBinaryData){ 4, ip_db };
	dst[0].workload = "db-0";
	dst[0].port = 6379;
	dst[1].ip = (ProtobufCBinaryData){ 4, ip_web };
	dst[1].workload = "web-1";
	dst[1].port = 8080;
	dstp[0] = &dst[0];
	dstp[1] = &dst[1];
	a.id = "node-a-1";
	a.time_ns = T0 + S(21);
	a.detector = "fan-out";
	a.technique = "T1046";
	a.technique_name = "Network Service Discovery";
	a.severity = BULKHEAD__TELEMETRY__V1__SEVERITY__SEVERITY_MEDIUM;
	a.score = 0.75;
	a.source = &src;
	a.n_targets = 2;
	a.targets = dstp;
	a.summary = "ops-0 reached 2 new services in 20 s";
	a.n_evidence_flow_ids = 2;
	a.evidence_flow_ids = evidence;
	if (expect)
		fprintf(expect,
			"{\"seq\":%llu,\"kind\":\"alert\",\"id\":\"%s\","
			"\"time_ns\":%llu,\"technique\":\"%s\",\"severity\":%d,"
			"\"score\":%.2f,\"targets\":2,\"evidence_flow_ids\":[2,6]}\n",
			(unsigned long long)seq, a.id,
			(unsigned long long)a.time_ns, a.technique, a.severity,
			a.score);
	bh_export_alert(exp_, &a);
	seq++;
}

static void send_stats(struct bh_collector *c)
{
	static struct bh_detect_stats det = {
	    .flows = 120,
	    .flows_invalid = 1,
	    .mem_bytes = 34800000,
	    .mem_used_bytes = 730200,
	    .sources = 195,
	    .sources_max = 8192,
	    .edges = 34,
	    .edges_max = 65536,
	    .workloads = 13,
	    .workloads_max = 16384,
	    .pivots = 2,
	    .pivots_max = 1024,
	    .alerts_open = 1,
	    .alerts_max = 1024,
	    .source_evictions = 5,
	    .n_detectors = 2,
	    .detector_names = {"sweep", "portscan"},
	    .alerts = {2, 1},
	    .aggregated = {4, 0},
	    .allowlisted = {0, 1},
	};
	struct bh_node_stats ns;

	memset(&ns, 0, sizeof(ns));
	ns.time_ns = T0 + S(141);
	ns.node = "node-a";
	ns.have_dp = true;
	ns.dp.verdict_pkts[BH_VERDICT_ALLOW] = 20000;
	ns.dp.verdict_bytes[BH_VERDICT_ALLOW] = 20000000;
	ns.dp.verdict_pkts[BH_VERDICT_DENY] = 4;
	ns.dp.verdict_bytes[BH_VERDICT_DENY] = 240;
	ns.dp.reason_pkts[BH_REASON_POLICY_DENIED] = 4;
	ns.dp.ev_sent = 9;
	ns.dp.ev_suppressed = 3;
	ns.have_collector = true;
	bh_collector_stats(c, &ns.col);
	ns.n_maps = 1;
	ns.maps[0] = (struct bh_map_occupancy){ "bh_flows", 9, 262144 };
	ns.policy_generation = 8;
	ns.detect = &det;
	if (expect)
		fprintf(expect,
			"{\"seq\":%llu,\"kind\":\"stats\",\"records_emitted\":%llu,"
			"\"flows_evicted\":%llu,\"events_suppressed\":3,"
			"\"policy_generation\":8,\"drop_packets_policy_denied\":%llu,"
			"\"alerts\":{\"sweep\":2,\"portscan\":1}}\n",
			(unsigned long long)seq,
			(unsigned long long)ns.col.records_total,
			(unsigned long long)ns.col.flows_evicted,
			(unsigned long long)
				ns.col.drop_packets[BH_REASON_POLICY_DENIED]);
	bh_export_node_stats(exp_, &ns);
	seq++;
}

static __u64 fixed_wall(void)
{
	return T0 + S(200);
}

int main(int argc, char **argv)
{
	struct bh_collector_opts co;
	struct bh_export_opts eo;
	struct bh_collector *c;
	struct bh_export_stats st;
	struct bh_clock clock;
	const char *dest;
	int err;

	if (argc == 4 && !strcmp(argv[1], "--expect")) {
		expect = fopen(argv[2], "w");
		if (!expect) {
			perror(argv[2]);
			return 1;
		}
		dest = argv[3];
	} else if (argc == 2) {
		dest = argv[1];
	} else {
		fprintf(stderr, "usage: gen_stream [--expect FILE] DESTINATION\n");
		return 2;
	}
	bh_export_opts_default(&eo);
	eo.node_id = "node-a";
	eo.instance = 0x5eed;
	eo.wall_now_ns = fixed_wall;
	eo.block_when_full = true;
	eo.drain_timeout_ms = 10000;
	err = bh_export_new(&exp_, &eo);
	if (!err)
		err = bh_export_add_sink(exp_, dest);
	if (err) {
		fprintf(stderr, "gen_stream: cannot export to %s: %s\n", dest,
			strerror(-err));
		return 1;
	}
	bh_clock_init_replay(&clock);
	bh_collector_opts_default(&co);
	co.max_flows = 64;
	co.node = "node-a";
	co.clock = &clock;
	co.resolver = &resolver;
	co.emit = on_record;
	err = bh_collector_new(&c, &co);
	if (err)
		return 1;
	script(c);
	send_alert();
	send_stats(c);
	err = bh_export_flush(exp_, 10000);
	bh_export_stats(exp_, &st);
	bh_collector_free(&c);
	bh_export_free(&exp_);
	if (expect)
		fclose(expect);
	if (err || st.dropped) {
		fprintf(stderr, "gen_stream: %llu envelope(s) not delivered\n",
			(unsigned long long)st.dropped);
		return 1;
	}
	return 0;
}
