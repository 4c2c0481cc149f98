// SPDX-License-Identifier: GPL-2.0-only
/* The data plane test table (see dp_cases.h). */
#include "dp_cases.h"

#include <string.h>

#include "bh_test.h"
#include "bh_ct.h"

#define WEB "10.0.1.10"
#define API "10.0.2.20"
#define DB "10.0.3.30"
#define WEB6 "fd00::10"
#define API6 "fd00::20"
#define NET "198.51.100.7" /* world */
#define CORP "192.0.2.5"   /* external group "corp" */

#define ALLOW BH_VERDICT_ALLOW
#define DENY BH_VERDICT_DENY
#define AUDIT BH_VERDICT_AUDIT
#define R(x) BH_REASON_##x

#define SYN BH_TCP_SYN
#define ACK BH_TCP_ACK
#define SA (BH_TCP_SYN | BH_TCP_ACK)
#define FA (BH_TCP_FIN | BH_TCP_ACK)

/* A packet step: t ms, packet, expected verdict, reason, rule. */
#define PKT(t, pk, v, r, rule_)                                                \
	{ .op = OP_PKT, .t_ms = (t), .p = pk, .verdict = (v), .reason = (r),   \
	  .rule = (rule_) }
#define TCP(s, sp, d, dp, fl, ...)                                             \
	((struct tpkt){ .kind = K_TCP, .src = (s), .sport = (sp), .dst = (d),  \
			.dport = (dp), .flags = (fl), __VA_ARGS__ })
#define UDP(s, sp, d, dp, ...)                                                 \
	((struct tpkt){ .kind = K_UDP, .src = (s), .sport = (sp), .dst = (d),  \
			.dport = (dp), __VA_ARGS__ })
#define END { .op = OP_END }

/* ------------------------------------------------------------------------ */
/* Policies.                                                                */

static const struct tp_ident ids_main[] = {
	{ .name = "web", .id = 256, .kind = BH_KIND_WORKLOAD,
	  .addrs = { WEB, WEB6 } },
	{ .name = "api", .id = 257, .kind = BH_KIND_WORKLOAD,
	  .addrs = { API, API6 } },
	{ .name = "db", .id = 258, .kind = BH_KIND_WORKLOAD, .addrs = { DB } },
	{ .name = "corp", .id = 259, .kind = BH_KIND_EXTERNAL,
	  .addrs = { "192.0.2.0/24", "2001:db8:1::/48" } },
	{ 0 },
};

/* Modes: web audit, api enforce, db audit, under a global enforce. */
static const struct tp_ident ids_override[] = {
	{ .name = "web", .id = 256, .kind = BH_KIND_WORKLOAD,
	  .flags = BH_IDF_MODE_SET | BH_IDF_AUDIT, .addrs = { WEB, WEB6 } },
	{ .name = "api", .id = 257, .kind = BH_KIND_WORKLOAD,
	  .flags = BH_IDF_MODE_SET, .addrs = { API, API6 } },
	{ .name = "db", .id = 258, .kind = BH_KIND_WORKLOAD,
	  .flags = BH_IDF_MODE_SET | BH_IDF_AUDIT, .addrs = { DB } },
	{ .name = "corp", .id = 259, .kind = BH_KIND_EXTERNAL,
	  .addrs = { "192.0.2.0/24" } },
	{ 0 },
};

/* rule ids, deny first then by name: deny-web-db-ssh 1, api-db-udp 2,
 * corp-web 3, web-api 4, web-api-range 5, web-db-any 6, world-web-icmp 7 */
static const struct tp_rule rules_main[] = {
	{ .name = "web-api", .action = BH_ACTION_ALLOW, .from = { "web" },
	  .to = { "api" }, .ports = { "tcp/8080" } },
	{ .name = "web-api-range", .action = BH_ACTION_ALLOW,
	  .from = { "web" }, .to = { "api" }, .ports = { "tcp/9000-9099" } },
	{ .name = "web-db-any", .action = BH_ACTION_ALLOW, .from = { "web" },
	  .to = { "db" } },
	{ .name = "deny-web-db-ssh", .action = BH_ACTION_DENY,
	  .from = { "web" }, .to = { "db" }, .ports = { "tcp/22" } },
	{ .name = "corp-web", .action = BH_ACTION_ALLOW, .from = { "corp" },
	  .to = { "web" }, .ports = { "tcp/443" } },
	{ .name = "world-web-icmp", .action = BH_ACTION_ALLOW,
	  .from = { "world" }, .to = { "web" }, .ports = { "icmp", "icmpv6" } },
	{ .name = "api-db-udp", .action = BH_ACTION_ALLOW, .from = { "api" },
	  .to = { "db" }, .ports = { "udp" } },
	{ 0 },
};

static const struct tp_rule rules_switched[] = {
	{ .name = "web-api-v2", .action = BH_ACTION_ALLOW, .from = { "web" },
	  .to = { "api" }, .ports = { "tcp/9999" } },
	{ 0 },
};

const struct tp_policy tp_policies[P_MAX] = {
	[P_MAIN] = { .idents = ids_main, .rules = rules_main },
	[P_AUDIT] = { .idents = ids_main, .rules = rules_main,
		      .mode = BH_MODE_AUDIT },
	[P_LOOSE] = { .idents = ids_main, .rules = rules_main, .ct_loose = 1 },
	[P_OVERRIDE] = { .idents = ids_override, .rules = rules_main },
	[P_SWITCHED] = { .idents = ids_main, .rules = rules_switched },
	[P_DEFAULT_ALLOW] = { .idents = ids_main, .rules = rules_main,
			      .default_action = BH_ACTION_ALLOW },
};

/* ------------------------------------------------------------------------ */
/* Checks on flow entries.                                                  */

const struct bh_flow *tp_find_flow(const struct tp_run *r, bool denied,
				   const char *src, __u16 sport,
				   const char *dst, __u16 dport, __u8 proto)
{
	return tp_find_flow_vni(r, denied, src, sport, dst, dport, proto, 0);
}

const struct bh_flow *tp_find_flow_vni(const struct tp_run *r, bool denied,
				       const char *src, __u16 sport,
				       const char *dst, __u16 dport,
				       __u8 proto, __u32 vni)
{
	const struct tp_flow *v = denied ? r->denied : r->flows;
	size_t n = denied ? r->n_denied : r->n_flows, i;
	union bh_addr s, d;
	struct bh_flow_key k;
	__u8 pl;

	if (tp_addr(src, &s, &pl) || tp_addr(dst, &d, &pl))
		return NULL;
	bh_flow_key_make(&k, &s, sport, &d, dport, proto, vni);
	for (i = 0; i < n; i++)
		if (!memcmp(&v[i].key, &k, sizeof(k)))
			return &v[i].flow;
	return NULL;
}

static const struct bh_flow *must_flow_vni(const struct tp_run *r,
					   bool denied, const char *src,
					   __u16 sport, const char *dst,
					   __u16 dport, __u8 proto, __u32 vni)
{
	const struct bh_flow *f = tp_find_flow_vni(r, denied, src, sport, dst,
						   dport, proto, vni);

	if (!f)
		fail_msg("no %s entry for %s:%u -> %s:%u proto %u vni %u",
			 denied ? "bh_denied" : "bh_flows", src, sport, dst,
			 dport, proto, vni);
	return f;
}

static const struct bh_flow *must_flow(const struct tp_run *r, bool denied,
				       const char *src, __u16 sport,
				       const char *dst, __u16 dport,
				       __u8 proto)
{
	return must_flow_vni(r, denied, src, sport, dst, dport, proto, 0);
}

static void check_handshake(const struct tp_run *r)
{
	const struct bh_flow *f = must_flow(r, false, WEB, 40000, API, 8080, 6);
	int init = bh_flow_init_dir(f);

	assert_int_equal(f->ct_state, BH_CT_CLOSED);
	assert_int_equal(f->packets[init], 3);
	assert_int_equal(f->packets[init ^ 1], 2);
	assert_int_equal(f->tcp_flags[init], SYN | ACK | BH_TCP_FIN);
	assert_int_equal(f->tcp_flags[init ^ 1], SA | BH_TCP_FIN);
	assert_int_equal(f->identity[init], 256);
	assert_int_equal(f->identity[init ^ 1], 257);
	assert_int_equal(f->rule_id, 4);
	assert_int_equal(f->first_seen_ns, 1000 * 1000000ULL);
	assert_int_equal(f->last_seen_ns, 1004 * 1000000ULL);
	assert_int_equal(f->bytes[init], 3 * 54); /* wire length */
}

static void check_udp(const struct tp_run *r)
{
	const struct bh_flow *f = must_flow(r, false, API, 5353, DB, 53, 17);

	assert_int_equal(f->ct_state, BH_CT_ESTABLISHED);
	assert_int_equal(f->policy_port, 53);
}

static void check_loose(const struct tp_run *r)
{
	const struct bh_flow *f = must_flow(r, false, WEB, 40011, API, 8080, 6);

	assert_int_equal(f->ct_state, BH_CT_ESTABLISHED);
}

static void check_frag(const struct tp_run *r)
{
	const struct bh_flow *f = must_flow(r, false, WEB, 40014, API, 8080, 6);

	assert_true(f->flags & BH_FLOW_F_FRAGS);
	assert_int_equal(f->packets[bh_flow_init_dir(f)], 2);
	f = must_flow(r, false, WEB6, 40041, API6, 8080, 6);
	assert_true(f->flags & BH_FLOW_F_FRAGS);
	assert_true(f->flags & BH_FLOW_F_IPV6);
}

static void check_vlan(const struct tp_run *r)
{
	const struct bh_flow *f = must_flow(r, false, WEB, 40016, API, 8080, 6);

	assert_int_equal(f->vlan[0], 100);
	assert_int_equal(f->vlan[1], 0);
	f = must_flow(r, false, WEB, 40017, API, 8080, 6);
	assert_int_equal(f->vlan[0], 200);
	assert_int_equal(f->vlan[1], 300);
}

static void check_tunnel(const struct tp_run *r)
{
	const struct bh_flow *f =
		must_flow_vni(r, false, WEB, 40018, API, 8080, 6, 42);
	union bh_addr o;
	__u8 pl;

	assert_int_equal(f->vni, 42);
	assert_true(f->flags & BH_FLOW_F_TUNNEL);
	tp_addr("172.16.0.1", &o, &pl);
	assert_memory_equal(&f->outer_saddr, &o, 16);
	f = must_flow_vni(r, true, API, 40019, WEB, 22, 6, 43);
	assert_int_equal(f->vni, 43);
	/* the VNI is part of the key */
	assert_null(tp_find_flow(r, false, WEB, 40018, API, 8080, 6));
}

/* One inner tuple in two VNIs: two connections. Tenant 43's SYN-ACK is
 * not a reply to tenant 42's SYN (it was, as ct_reply, while the VNI was
 * not in the key); tenant 42's is. */
static void check_vni_tenants(const struct tp_run *r)
{
	const struct bh_flow *f =
		must_flow_vni(r, false, WEB, 40050, API, 8080, 6, 42);
	int init = bh_flow_init_dir(f);

	assert_int_equal(f->packets[init], 1);
	assert_int_equal(f->packets[init ^ 1], 1);
	assert_int_equal(f->ct_state, BH_CT_SYN_RECV);
	f = must_flow_vni(r, false, WEB, 40050, API, 8080, 6, 43);
	assert_int_equal(f->packets[bh_flow_init_dir(f)], 1);
	assert_null(tp_find_flow_vni(r, true, API, 8080, WEB, 40050, 6, 42));
}

static void check_world(const struct tp_run *r)
{
	const struct bh_flow *f = must_flow(r, false, NET, 7, WEB, 7, 1);
	int init = bh_flow_init_dir(f);

	assert_int_equal(f->identity[init], BH_ID_WORLD);
	assert_int_equal(f->identity[init ^ 1], 256);
	assert_int_equal(f->policy_port, 8); /* echo request type */
	f = must_flow(r, false, CORP, 40023, WEB, 443, 6);
	assert_int_equal(f->identity[bh_flow_init_dir(f)], 259);
}

static void check_switch(const struct tp_run *r)
{
	const struct bh_flow *f = must_flow(r, false, API, 40032, WEB, 22, 6);

	assert_int_equal(f->verdict, ALLOW);
	assert_null(tp_find_flow(r, true, API, 40032, WEB, 22, 6));
}

static void check_flood(const struct tp_run *r)
{
	assert_true(r->n_denied <= 16);
	assert_int_equal(r->stats.denied_created, 100);
}

static void check_deny_cache(const struct tp_run *r)
{
	const struct bh_flow *f = must_flow(r, true, API, 41100, WEB, 22, 6);

	assert_int_equal(f->packets[bh_flow_init_dir(f)], 1);
	f = must_flow(r, true, API, 41101, WEB, 22, 6);
	assert_int_equal(f->packets[bh_flow_init_dir(f)], 2);
	assert_null(tp_find_flow(r, true, API, 41103, WEB, 22, 6));
	/* 41100, 41101, 4 in flood mode, the allowed SYN twice (flood
	 * check, then as a new flow), 41104 */
	assert_int_equal(r->stats.policy_evals, 9);
}

/* ------------------------------------------------------------------------ */
/* Cases.                                                                   */

static const struct tstep s_handshake[] = {
	PKT(1000, TCP(WEB, 40000, API, 8080, SYN), ALLOW, R(NONE), "web-api"),
	PKT(1001, TCP(API, 8080, WEB, 40000, SA), ALLOW, R(CT_REPLY), "web-api"),
	PKT(1002, TCP(WEB, 40000, API, 8080, ACK), ALLOW, R(NONE), "web-api"),
	PKT(1003, TCP(WEB, 40000, API, 8080, FA), ALLOW, R(NONE), "web-api"),
	PKT(1004, TCP(API, 8080, WEB, 40000, FA), ALLOW, R(CT_REPLY), "web-api"),
	END,
};

static const struct tstep s_deny[] = {
	PKT(1000, TCP(API, 40001, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	PKT(1001, TCP(API, 40001, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	END,
};

static const struct tstep s_deny_beats_allow[] = {
	PKT(1000, TCP(WEB, 40002, DB, 22, SYN), DENY, R(POLICY_DENIED),
	    "deny-web-db-ssh"),
	PKT(1001, TCP(WEB, 40003, DB, 5432, SYN), ALLOW, R(NONE), "web-db-any"),
	END,
};

static const struct tstep s_audit[] = {
	PKT(1000, TCP(API, 40004, WEB, 22, SYN), AUDIT, R(DEFAULT_DENY), NULL),
	PKT(1001, TCP(WEB, 22, API, 40004, SA), AUDIT, R(DEFAULT_DENY), NULL),
	PKT(1002, TCP(WEB, 40005, DB, 22, SYN), AUDIT, R(POLICY_DENIED),
	    "deny-web-db-ssh"),
	PKT(1003, TCP(WEB, 40006, API, 8080, SYN), ALLOW, R(NONE), "web-api"),
	END,
};

static const struct tstep s_override[] = {
	/* destination db: audit */
	PKT(1000, TCP(API, 40006, DB, 9999, SYN), AUDIT, R(DEFAULT_DENY), NULL),
	/* destination api (enforce) beats source web (audit) */
	PKT(1001, TCP(WEB, 40007, API, 9999, SYN), DENY, R(DEFAULT_DENY), NULL),
	/* source web: audit */
	PKT(1002, TCP(WEB, 40008, NET, 80, SYN), AUDIT, R(DEFAULT_DENY), NULL),
	/* global enforce */
	PKT(1003, TCP(NET, 40009, CORP, 80, SYN), DENY, R(DEFAULT_DENY), NULL),
	END,
};

static const struct tstep s_udp[] = {
	PKT(1000, UDP(API, 5353, DB, 53), ALLOW, R(NONE), "api-db-udp"),
	PKT(1001, UDP(DB, 53, API, 5353), ALLOW, R(CT_REPLY), "api-db-udp"),
	PKT(1002, UDP(DB, 53, API, 5354), DENY, R(DEFAULT_DENY), NULL),
	END,
};

static const struct tstep s_non_syn[] = {
	PKT(1000, TCP(WEB, 40010, API, 8080, ACK), DENY, R(CT_INVALID), NULL),
	PKT(1001, TCP(WEB, 40010, API, 8080, ACK | BH_TCP_PSH), DENY,
	    R(CT_INVALID), NULL),
	PKT(1002, TCP(API, 8080, WEB, 40010, SA), DENY, R(CT_INVALID), NULL),
	END,
};

static const struct tstep s_loose[] = {
	PKT(1000, TCP(WEB, 40011, API, 8080, ACK), ALLOW, R(NONE), "web-api"),
	PKT(1001, TCP(API, 8080, WEB, 40011, ACK), ALLOW, R(CT_REPLY),
	    "web-api"),
	PKT(1002, TCP(API, 40012, WEB, 22, ACK), DENY, R(DEFAULT_DENY), NULL),
	END,
};

static const struct tstep s_icmp_err[] = {
	PKT(1000, TCP(WEB, 40013, API, 8080, SYN), ALLOW, R(NONE), "web-api"),
	PKT(1001,
	    ((struct tpkt){ .kind = K_ICMP_ERR, .src = API, .dst = WEB,
			    .qsrc = WEB, .qdst = API, .qproto = 6,
			    .qsport = 40013, .qdport = 8080 }),
	    ALLOW, R(CT_RELATED), "web-api"),
	/* from a router on the path (world) */
	PKT(1002,
	    ((struct tpkt){ .kind = K_ICMP_ERR, .src = NET, .dst = WEB,
			    .qsrc = WEB, .qdst = API, .qproto = 6,
			    .qsport = 40013, .qdport = 8080 }),
	    ALLOW, R(CT_RELATED), "web-api"),
	/* quoting a connection that does not exist */
	PKT(1003,
	    ((struct tpkt){ .kind = K_ICMP_ERR, .src = API, .dst = WEB,
			    .qsrc = WEB, .qdst = API, .qproto = 6,
			    .qsport = 40099, .qdport = 8080 }),
	    DENY, R(DEFAULT_DENY), NULL),
	/* IPv6 */
	PKT(1004, TCP(WEB6, 40013, API6, 8080, SYN), ALLOW, R(NONE), "web-api"),
	PKT(1005,
	    ((struct tpkt){ .kind = K_ICMP_ERR, .src = API6, .dst = WEB6,
			    .qsrc = WEB6, .qdst = API6, .qproto = 6,
			    .qsport = 40013, .qdport = 8080 }),
	    ALLOW, R(CT_RELATED), "web-api"),
	END,
};

static const struct tstep s_frag[] = {
	PKT(1000, TCP(WEB, 40014, API, 8080, SYN, .frag = 1, .frag_id = 77),
	    ALLOW, R(NONE), "web-api"),
	PKT(1001, TCP(WEB, 40014, API, 8080, 0, .frag = 2, .frag_id = 77),
	    ALLOW, R(FRAG_TRACKED), "web-api"),
	PKT(1002, TCP(WEB, 40014, API, 8080, 0, .frag = 2, .frag_id = 99),
	    DENY, R(FRAG_UNTRACKED), NULL),
	PKT(1003, TCP(API, 40015, WEB, 22, SYN, .frag = 1, .frag_id = 78),
	    DENY, R(DEFAULT_DENY), NULL),
	PKT(1004, TCP(API, 40015, WEB, 22, 0, .frag = 2, .frag_id = 78), DENY,
	    R(FRAG_UNTRACKED), NULL),
	PKT(1005, TCP(WEB6, 40041, API6, 8080, SYN, .frag = 1, .frag_id = 5),
	    ALLOW, R(NONE), "web-api"),
	PKT(1006, TCP(WEB6, 40041, API6, 8080, 0, .frag = 2, .frag_id = 5),
	    ALLOW, R(FRAG_TRACKED), "web-api"),
	PKT(1007, TCP(WEB6, 40041, API6, 8080, 0, .frag = 2, .frag_id = 6),
	    DENY, R(FRAG_UNTRACKED), NULL),
	END,
};

static const struct tstep s_vlan[] = {
	PKT(1000, TCP(WEB, 40016, API, 8080, SYN, .vlan = { 100 }), ALLOW,
	    R(NONE), "web-api"),
	PKT(1001, TCP(API, 8080, WEB, 40016, SA, .vlan = { 100 }), ALLOW,
	    R(CT_REPLY), "web-api"),
	PKT(1002,
	    TCP(WEB, 40017, API, 8080, SYN, .vlan = { 200, 300 }, .qinq = true),
	    ALLOW, R(NONE), "web-api"),
	PKT(1003,
	    TCP(API, 40017, WEB, 22, SYN, .vlan = { 200, 300 }, .qinq = true),
	    DENY, R(DEFAULT_DENY), NULL),
	END,
};

static const struct tstep s_tunnel[] = {
	PKT(1000,
	    TCP(WEB, 40018, API, 8080, SYN, .tun = BH_TUN_VXLAN, .vni = 42),
	    ALLOW, R(NONE), "web-api"),
	PKT(1001, TCP(API, 8080, WEB, 40018, SA, .tun = BH_TUN_VXLAN, .vni = 42),
	    ALLOW, R(CT_REPLY), "web-api"),
	PKT(1002, TCP(API, 40019, WEB, 22, SYN, .tun = BH_TUN_GENEVE, .vni = 43),
	    DENY, R(DEFAULT_DENY), NULL),
	PKT(1003,
	    TCP(WEB, 40020, API, 8080, SYN, .tun = BH_TUN_GENEVE, .vni = 43),
	    ALLOW, R(NONE), "web-api"),
	END,
};

static const struct tstep s_vni_tenants[] = {
	PKT(1000,
	    TCP(WEB, 40050, API, 8080, SYN, .tun = BH_TUN_VXLAN, .vni = 42),
	    ALLOW, R(NONE), "web-api"),
	PKT(1001, TCP(API, 8080, WEB, 40050, SA, .tun = BH_TUN_VXLAN, .vni = 43),
	    DENY, R(CT_INVALID), NULL),
	PKT(1002, TCP(API, 8080, WEB, 40050, SA, .tun = BH_TUN_VXLAN, .vni = 42),
	    ALLOW, R(CT_REPLY), "web-api"),
	PKT(1003,
	    TCP(WEB, 40050, API, 8080, SYN, .tun = BH_TUN_GENEVE, .vni = 43),
	    ALLOW, R(NONE), "web-api"),
	END,
};

static const struct tstep s_ipv6[] = {
	PKT(1000, TCP(WEB6, 40020, API6, 8080, SYN, .v6ext = 2), ALLOW, R(NONE),
	    "web-api"),
	PKT(1001, TCP(API6, 8080, WEB6, 40020, SA), ALLOW, R(CT_REPLY),
	    "web-api"),
	PKT(1002, TCP(API6, 40021, WEB6, 22, SYN, .v6ext = 1), DENY,
	    R(DEFAULT_DENY), NULL),
	PKT(1003,
	    ((struct tpkt){ .kind = K_ECHO, .src = "2001:db8:2::1", .dst = WEB6,
			    .sport = 9 }),
	    ALLOW, R(NONE), "world-web-icmp"),
	PKT(1004,
	    TCP("2001:db8:1::7", 40022, WEB6, 443, SYN),
	    ALLOW, R(NONE), "corp-web"),
	END,
};

static const struct tstep s_world[] = {
	PKT(1000, ((struct tpkt){ .kind = K_ECHO, .src = NET, .dst = WEB,
				  .sport = 7 }),
	    ALLOW, R(NONE), "world-web-icmp"),
	PKT(1001, ((struct tpkt){ .kind = K_ECHO, .src = WEB, .dst = NET,
				  .sport = 7, .flags = 1 }),
	    ALLOW, R(CT_REPLY), "world-web-icmp"),
	PKT(1002, TCP(NET, 40022, WEB, 443, SYN), DENY, R(DEFAULT_DENY), NULL),
	PKT(1003, TCP(CORP, 40023, WEB, 443, SYN), ALLOW, R(NONE), "corp-web"),
	PKT(1004, TCP("192.0.3.5", 40024, WEB, 443, SYN), DENY,
	    R(DEFAULT_DENY), NULL),
	/* echo toward api: world-web-icmp does not cover it */
	PKT(1005, ((struct tpkt){ .kind = K_ECHO, .src = NET, .dst = API,
				  .sport = 8 }),
	    DENY, R(DEFAULT_DENY), NULL),
	END,
};

static const struct tstep s_ports[] = {
	PKT(1000, TCP(WEB, 40025, API, 9000, SYN), ALLOW, R(NONE),
	    "web-api-range"),
	PKT(1001, TCP(WEB, 40026, API, 9099, SYN), ALLOW, R(NONE),
	    "web-api-range"),
	PKT(1002, TCP(WEB, 40027, API, 9100, SYN), DENY, R(DEFAULT_DENY), NULL),
	PKT(1003, TCP(WEB, 40028, API, 8999, SYN), DENY, R(DEFAULT_DENY), NULL),
	PKT(1004, TCP(WEB, 40029, API, 9050, SYN), ALLOW, R(NONE),
	    "web-api-range"),
	PKT(1005, TCP(WEB, 40030, DB, 6000, SYN), ALLOW, R(NONE), "web-db-any"),
	PKT(1006, UDP(WEB, 5000, DB, 53), ALLOW, R(NONE), "web-db-any"),
	PKT(1007, ((struct tpkt){ .kind = K_SCTP, .src = WEB, .dst = DB,
				  .sport = 3868, .dport = 3868 }),
	    ALLOW, R(NONE), "web-db-any"),
	PKT(1008, ((struct tpkt){ .kind = K_PROTO, .src = WEB, .dst = DB,
				  .dport = 47 }),
	    ALLOW, R(NONE), "web-db-any"),
	PKT(1009, ((struct tpkt){ .kind = K_PROTO, .src = WEB, .dst = API,
				  .dport = 47 }),
	    DENY, R(DEFAULT_DENY), NULL),
	PKT(1010, UDP(API, 1, DB, 65535), ALLOW, R(NONE), "api-db-udp"),
	PKT(1011, TCP(API, 40031, DB, 65535, SYN), DENY, R(DEFAULT_DENY), NULL),
	END,
};

static const struct tstep s_malformed[] = {
	PKT(1000, ((struct tpkt){ .kind = K_BAD_IHL, .src = WEB, .dst = API }),
	    DENY, R(MALFORMED), NULL),
	PKT(1001, ((struct tpkt){ .kind = K_TRUNC, .src = WEB, .dst = API }),
	    DENY, R(TRUNCATED), NULL),
	PKT(1002, ((struct tpkt){ .kind = K_ARP, .src = WEB, .dst = API }),
	    ALLOW, R(NON_IP), NULL),
	END,
};

static const struct tstep s_malformed_audit[] = {
	PKT(1000, ((struct tpkt){ .kind = K_BAD_IHL, .src = WEB, .dst = API }),
	    AUDIT, R(MALFORMED), NULL),
	PKT(1001, ((struct tpkt){ .kind = K_TRUNC, .src = WEB, .dst = API }),
	    AUDIT, R(TRUNCATED), NULL),
	END,
};

static const struct tstep s_switch[] = {
	PKT(1000, TCP(WEB, 40030, API, 8080, SYN), ALLOW, R(NONE), "web-api"),
	PKT(1001, TCP(API, 8080, WEB, 40030, SA), ALLOW, R(CT_REPLY), "web-api"),
	{ .op = OP_POLICY, .policy = P_SWITCHED },
	PKT(1002, TCP(WEB, 40030, API, 8080, ACK), DENY, R(DEFAULT_DENY), NULL),
	PKT(1003, TCP(API, 8080, WEB, 40030, ACK), DENY, R(DEFAULT_DENY), NULL),
	PKT(1004, TCP(WEB, 40031, API, 9999, SYN), ALLOW, R(NONE),
	    "web-api-v2"),
	PKT(1005, TCP(API, 40032, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	{ .op = OP_POLICY, .policy = P_DEFAULT_ALLOW },
	PKT(1006, TCP(WEB, 40030, API, 8080, ACK), ALLOW, R(NONE), "web-api"),
	PKT(1007, TCP(API, 40032, WEB, 22, SYN), ALLOW, R(NONE), NULL),
	PKT(1008, TCP(WEB, 40031, API, 9999, ACK), ALLOW, R(NONE), NULL),
	END,
};

static const struct tstep s_rate[] = {
	PKT(1000, TCP(API, 41000, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	PKT(1000, TCP(API, 41001, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	PKT(1000, TCP(API, 41002, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	PKT(1000, TCP(API, 41003, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	PKT(1000, TCP(API, 41004, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	PKT(2000, TCP(API, 41005, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	PKT(2100, TCP(API, 41006, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	END,
};

/* 8 connections, a flood of 100 denied new flows into a 16-entry
 * bh_denied, then the 8 connections' replies. */
static unsigned int gen_flood(struct tstep *o, unsigned int max)
{
	unsigned int n = 0, i;

	for (i = 0; i < 8 && n < max; i++)
		o[n++] = (struct tstep)PKT(1000,
					   TCP(WEB, (__u16)(42000 + i), API,
					       8080, SYN),
					   ALLOW, R(NONE), "web-api");
	for (i = 0; i < 100 && n < max; i++)
		o[n++] = (struct tstep)PKT(1001,
					   TCP(API, (__u16)(43000 + i), WEB, 22,
					       SYN),
					   DENY, R(DEFAULT_DENY), NULL);
	for (i = 0; i < 8 && n < max; i++)
		o[n++] = (struct tstep)PKT(1002,
					   TCP(API, 8080, WEB,
					       (__u16)(42000 + i), SA),
					   ALLOW, R(CT_REPLY), "web-api");
	return n;
}

static const struct tstep s_timeouts[] = {
	PKT(1000, UDP(API, 5400, DB, 53), ALLOW, R(NONE), "api-db-udp"),
	PKT(5000, UDP(DB, 53, API, 5400), ALLOW, R(CT_REPLY), "api-db-udp"),
	/* 11 s idle > 10 s UDP timeout: a new flow db -> api, refused */
	PKT(16000, UDP(DB, 53, API, 5400), DENY, R(DEFAULT_DENY), NULL),
	PKT(17000, TCP(WEB, 40040, API, 8080, SYN), ALLOW, R(NONE), "web-api"),
	PKT(17100, TCP(API, 8080, WEB, 40040, SA), ALLOW, R(CT_REPLY),
	    "web-api"),
	PKT(17200, TCP(WEB, 40040, API, 8080, ACK), ALLOW, R(NONE), "web-api"),
	PKT(30000, TCP(WEB, 40040, API, 8080, ACK), ALLOW, R(NONE), "web-api"),
	/* 20.3 s idle > 20 s established timeout */
	PKT(50300, TCP(WEB, 40040, API, 8080, ACK), DENY, R(CT_INVALID), NULL),
	/* a new SYN on the expired tuple opens it again */
	PKT(50400, TCP(WEB, 40040, API, 8080, SYN), ALLOW, R(NONE), "web-api"),
	END,
};

/* Admission of new denied flows: 1/s, burst 2. */
static const struct tstep s_deny_cache[] = {
	/* two tokens: two bh_denied entries */
	PKT(1000, TCP(API, 41100, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	PKT(1000, TCP(API, 41101, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	/* bucket empty: flood mode, SYNs judged by policy alone */
	PKT(1000, TCP(API, 41102, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	PKT(1000, TCP(API, 41103, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	PKT(1001, TCP(API, 41103, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	/* even a cached flow's SYN (not accounted to its entry) */
	PKT(1001, TCP(API, 41100, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	/* a non-SYN packet of a cached flow still finds its entry */
	PKT(1002, TCP(API, 41101, WEB, 22, ACK), DENY, R(DEFAULT_DENY), NULL),
	/* an allowed SYN in flood mode is a new flow as usual */
	PKT(1003, TCP(WEB, 41105, API, 8080, SYN), ALLOW, R(NONE), "web-api"),
	/* 1.1 s later, one more token: out of flood mode */
	PKT(2100, TCP(API, 41104, WEB, 22, SYN), DENY, R(DEFAULT_DENY), NULL),
	END,
};

static const struct tstep s_endpoint[] = {
	PKT(1000, TCP("10.0.1.11", 40050, API, 8080, SYN), DENY,
	    R(DEFAULT_DENY), NULL),
	{ .op = OP_ENDPOINT, .ep_addr = "10.0.1.11", .ep_ident = "web" },
	PKT(1001, TCP("10.0.1.11", 40050, API, 8080, SYN), ALLOW, R(NONE),
	    "web-api"),
	PKT(1002, TCP("10.0.1.11", 40051, API, 8080, SYN), ALLOW, R(NONE),
	    "web-api"),
	{ .op = OP_ENDPOINT, .ep_addr = "10.0.9.0/24", .ep_ident = "api" },
	PKT(1003, TCP(WEB, 40052, "10.0.9.9", 8080, SYN), ALLOW, R(NONE),
	    "web-api"),
	END,
};

const struct tcase tp_cases[] = {
	{ .name = "allow_tcp_handshake", .policy = P_MAIN,
	  .steps = s_handshake, .flows = 1, .denied = 0, .ev_sent = 1,
	  .check = check_handshake },
	{ .name = "deny_enforce", .policy = P_MAIN, .steps = s_deny,
	  .flows = 0, .denied = 1, .ev_sent = 1 },
	{ .name = "deny_beats_allow", .policy = P_MAIN,
	  .steps = s_deny_beats_allow, .flows = 1, .denied = 1, .ev_sent = 2 },
	{ .name = "audit_would_deny", .policy = P_AUDIT, .steps = s_audit,
	  .flows = 3, .denied = 0, .ev_sent = 3 },
	{ .name = "mode_override", .policy = P_OVERRIDE, .steps = s_override,
	  .flows = 2, .denied = 2, .ev_sent = 4 },
	{ .name = "udp_reply_conntrack", .policy = P_MAIN, .steps = s_udp,
	  .flows = 1, .denied = 1, .ev_sent = 2, .check = check_udp },
	{ .name = "non_syn_without_entry", .policy = P_MAIN,
	  .steps = s_non_syn, .flows = 0, .denied = 0, .ev_sent = 3 },
	{ .name = "non_syn_loose", .policy = P_LOOSE, .steps = s_loose,
	  .flows = 1, .denied = 1, .ev_sent = 2, .check = check_loose },
	{ .name = "icmp_error_related", .policy = P_MAIN, .steps = s_icmp_err,
	  .flows = 2, .denied = 1, .ev_sent = 3 },
	{ .name = "fragments", .policy = P_MAIN, .steps = s_frag, .flows = 2,
	  .denied = 1, .ev_sent = 6, .check = check_frag },
	{ .name = "vlan_qinq", .policy = P_MAIN, .steps = s_vlan, .flows = 2,
	  .denied = 1, .ev_sent = 3, .check = check_vlan },
	{ .name = "vxlan_geneve_inner", .policy = P_MAIN, .steps = s_tunnel,
	  .flows = 2, .denied = 1, .ev_sent = 3, .check = check_tunnel },
	{ .name = "vni_separates_tenants", .policy = P_MAIN,
	  .steps = s_vni_tenants, .flows = 2, .denied = 0, .ev_sent = 3,
	  .check = check_vni_tenants },
	{ .name = "ipv6_ext_headers", .policy = P_MAIN, .steps = s_ipv6,
	  .flows = 3, .denied = 1, .ev_sent = 4 },
	{ .name = "world_and_external", .policy = P_MAIN, .steps = s_world,
	  .flows = 2, .denied = 3, .ev_sent = 5, .check = check_world },
	{ .name = "port_ranges_wildcards", .policy = P_MAIN, .steps = s_ports,
	  .flows = 8, .denied = 4, .ev_sent = 12 },
	{ .name = "malformed", .policy = P_MAIN, .steps = s_malformed,
	  .flows = 0, .denied = 0, .ev_sent = 2 },
	{ .name = "malformed_audit", .policy = P_AUDIT,
	  .steps = s_malformed_audit, .flows = 0, .denied = 0, .ev_sent = 2 },
	{ .name = "policy_switch_mid_flow", .policy = P_MAIN,
	  .steps = s_switch, .flows = 3, .denied = 0, .ev_sent = 6,
	  .check = check_switch },
	{ .name = "event_rate_limit", .policy = P_MAIN, .steps = s_rate,
	  .ev_rate = 1, .ev_burst = 2, .flows = 0, .denied = 7, .ev_sent = 3,
	  .ev_suppressed = 4 },
	{ .name = "denied_flood_keeps_flows", .policy = P_MAIN,
	  .gen = gen_flood, .flow_cap = 64, .denied_cap = 16, .flows = 8,
	  .denied = -1, .ev_sent = -1, .lru_differs = true,
	  .check = check_flood },
	{ .name = "conntrack_timeouts", .policy = P_MAIN, .steps = s_timeouts,
	  .tmo_udp_s = 10, .tmo_tcp_est_s = 20, .flows = 1, .denied = 1,
	  .ev_sent = 5 },
	{ .name = "denied_flow_admission", .policy = P_MAIN,
	  .steps = s_deny_cache, .deny_rate = 1, .deny_burst = 2, .flows = 1,
	  .denied = 3, .denied_uncached = 4, .ev_sent = 8,
	  .check = check_deny_cache },
	{ .name = "endpoint_add", .policy = P_MAIN, .steps = s_endpoint,
	  .flows = 3, .denied = 0, .ev_sent = 4 },
};

const unsigned int tp_n_cases = sizeof(tp_cases) / sizeof(tp_cases[0]);
