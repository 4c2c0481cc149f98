// SPDX-License-Identifier: GPL-2.0-only
/*
 * The data plane, table-driven (dp_cases.c): every case runs through the
 * kernel program with BPF_PROG_TEST_RUN (bh_loader) and through the native
 * engine (bh_native). Each packet's result must be the expected one, and
 * the two engines must agree on every result, counter, flow entry and
 * event.
 */
#include "bh_test.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

#include "bh_pktgen.h"
#include "dp_cases.h"
#include "loader.h"
#include "log.h"
#include "native.h"

#define TP_CAP_DEFAULT 4096
#define TP_IFINDEX_LO 1 /* BPF_PROG_TEST_RUN's ingress_ifindex (lo) */

static struct bh_compiled_policy tp_cp[P_MAX];
static bool tp_kernel; /* run the kernel engine too */

/* ------------------------------------------------------------------------ */
/* Packets.                                                                 */

static bool tp_is_v4(const union bh_addr *a)
{
	return !a->w[0] && !a->w[1] && a->w[2] == __builtin_bswap32(0xffff);
}

static __u32 tp_v4(const union bh_addr *a)
{
	return __builtin_bswap32(a->w[3]);
}

/* L4 and what follows it. */
static void tp_l4(struct bh_pktgen *g, const struct tpkt *p, bool v6)
{
	switch (p->kind) {
	case K_TCP:
	case K_TRUNC:
		bh_pktgen_tcp(g, &(struct bh_pktgen_tcp){ .sport = p->sport,
							  .dport = p->dport,
							  .flags = p->flags });
		if (p->frag == 1)
			bh_pktgen_payload(g, NULL, 24);
		break;
	case K_UDP:
		bh_pktgen_udp(g, p->sport, p->dport, 0);
		bh_pktgen_payload(g, NULL, 8);
		break;
	case K_SCTP:
		bh_pktgen_sctp(g, p->sport, p->dport, 1);
		break;
	case K_ECHO:
		if (v6)
			bh_pktgen_icmp6(g, p->flags ? 129 : 128, 0, p->sport, 1);
		else
			bh_pktgen_icmp(g, p->flags ? 0 : 8, 0, p->sport, 1);
		break;
	default:
		bh_pktgen_payload(g, NULL, 16);
		break;
	}
}

static void tp_ip(struct bh_pktgen *g, const char *src, const char *dst,
		  __u8 proto, const struct tpkt *p, int *frag6_off)
{
	union bh_addr s, d;
	__u8 pl;
	int i;

	tp_addr(src, &s, &pl);
	tp_addr(dst, &d, &pl);
	if (tp_is_v4(&s)) {
		bh_pktgen_ipv4(g, &(struct bh_pktgen_ipv4){
					  .saddr = tp_v4(&s),
					  .daddr = tp_v4(&d),
					  .proto = proto,
					  .mf = p && p->frag == 1,
					  .frag_off = p && p->frag == 2 ? 5 : 0,
					  .id = p ? p->frag_id : 0,
					  .ihl = p && p->kind == K_BAD_IHL ? 3 :
									     0,
				  });
		return;
	}
	struct bh_pktgen_ipv6 ip6 = { .nexthdr = proto,
				      .nexthdr_set = proto != 0 };

	memcpy(ip6.saddr, s.b, 16);
	memcpy(ip6.daddr, d.b, 16);
	if (p && (p->v6ext || p->frag))
		ip6.nexthdr_set = false, ip6.nexthdr = 0;
	bh_pktgen_ipv6(g, &ip6);
	for (i = 0; p && i < p->v6ext; i++)
		bh_pktgen_ipv6_ext(g, i == 0 ? 0 : 60, 8);
	if (p && p->frag)
		*frag6_off = bh_pktgen_ipv6_frag(g, p->frag == 2 ? 5 : 0,
						 p->frag == 1, p->frag_id);
}

static __u8 tp_proto(const struct tpkt *p, bool v6)
{
	switch (p->kind) {
	case K_TCP:
	case K_TRUNC:
		return 6;
	case K_UDP:
		return 17;
	case K_SCTP:
		return 132;
	case K_ECHO:
	case K_ICMP_ERR:
		return v6 ? 58 : 1;
	case K_PROTO:
		return (__u8)p->dport;
	default:
		return 0;
	}
}

static int tp_build(const struct tpkt *p, __u8 *buf, size_t cap)
{
	struct bh_pktgen g;
	union bh_addr s, d;
	int frag6 = -1, len;
	__u8 pl, proto;
	bool v6;

	tp_addr(p->src, &s, &pl);
	tp_addr(p->dst, &d, &pl);
	v6 = !tp_is_v4(&s);
	proto = tp_proto(p, v6);
	bh_pktgen_init(&g, buf, cap);
	bh_pktgen_eth(&g, NULL);
	if (p->kind == K_ARP) {
		bh_pktgen_arp(&g, 1, tp_v4(&s), tp_v4(&d));
		return bh_pktgen_finish(&g);
	}
	if (p->vlan[0])
		bh_pktgen_vlan(&g,
			       p->qinq ? BH_PKTGEN_TPID_8021AD :
					 BH_PKTGEN_TPID_8021Q,
			       p->vlan[0]);
	if (p->vlan[1])
		bh_pktgen_vlan(&g, BH_PKTGEN_TPID_8021Q, p->vlan[1]);
	if (p->tun) {
		tp_ip(&g, "172.16.0.1", "172.16.0.2", 0, NULL, NULL);
		bh_pktgen_udp(&g, 49152,
			      p->tun == BH_TUN_VXLAN ? 4789 : 6081, 0);
		if (p->tun == BH_TUN_VXLAN)
			bh_pktgen_vxlan(&g, p->vni);
		else
			bh_pktgen_geneve(&g, &(struct bh_pktgen_geneve){
						     .vni = p->vni });
		bh_pktgen_eth(&g, NULL);
	}
	/* A later fragment carries payload only: its protocol is forced. */
	tp_ip(&g, p->src, p->dst,
	      (p->frag == 2 || p->kind == K_PROTO || p->kind == K_BAD_IHL) ?
		      proto :
		      0,
	      p, &frag6);
	if (p->kind == K_ICMP_ERR) {
		if (v6)
			bh_pktgen_icmp6(&g, 1, 0, 0, 0);
		else
			bh_pktgen_icmp(&g, 3, 1, 0, 0);
		tp_ip(&g, p->qsrc, p->qdst, 0, NULL, NULL);
		if (p->qproto == 6)
			bh_pktgen_tcp(&g, &(struct bh_pktgen_tcp){
						  .sport = p->qsport,
						  .dport = p->qdport,
						  .flags = BH_TCP_SYN });
		else
			bh_pktgen_udp(&g, p->qsport, p->qdport, 0);
	} else if (p->frag == 2) {
		bh_pktgen_payload(&g, NULL, 32);
	} else {
		tp_l4(&g, p, v6);
	}
	len = bh_pktgen_finish(&g);
	if (len < 0)
		return len;
	if (frag6 >= 0)
		buf[frag6] = proto; /* a later fragment's next header */
	if (p->kind == K_TRUNC)
		len -= 12; /* cut the TCP header short */
	return len;
}

/* ------------------------------------------------------------------------ */
/* Engines.                                                                 */

struct tp_eng {
	const char *name;
	struct bh_native *nat;
	struct bh_dp *dp;
	struct bh_event *ev;
	size_t n_ev, cap_ev;
};

static void tp_on_event(void *ctx, const struct bh_event *ev)
{
	struct tp_eng *e = ctx;

	if (e->n_ev == e->cap_ev) {
		e->cap_ev = e->cap_ev ? e->cap_ev * 2 : 64;
		e->ev = realloc(e->ev, e->cap_ev * sizeof(*e->ev));
		assert_non_null(e->ev);
	}
	e->ev[e->n_ev++] = *ev;
}

static void tp_cfg(struct bh_config *cfg, const struct tcase *c)
{
	if (c->ev_rate) {
		cfg->ev_rate = c->ev_rate;
		cfg->ev_burst = c->ev_burst;
	}
	if (c->deny_rate) {
		cfg->deny_cache_rate = c->deny_rate;
		cfg->deny_cache_burst = c->deny_burst;
	}
	if (c->tmo_udp_s)
		cfg->ct_timeout_ns[BH_CT_TMO_UDP] = c->tmo_udp_s * 1000000000ULL;
	if (c->tmo_tcp_est_s)
		cfg->ct_timeout_ns[BH_CT_TMO_TCP_EST] =
			c->tmo_tcp_est_s * 1000000000ULL;
}

static void tp_open(struct tp_eng *e, bool kernel, const struct tcase *c)
{
	memset(e, 0, sizeof(*e));
	e->name = kernel ? "kernel" : "native";
	if (kernel) {
		struct bh_dp_opts o = {
			.flow_entries = c->flow_cap ?: TP_CAP_DEFAULT,
			.denied_entries = c->denied_cap ?: TP_CAP_DEFAULT,
			.frag_entries = 1024,
			.id_entries = 1024,
			.cidr_entries = 256,
			.port_entries = 1024,
			.bitmap_entries = 1024,
			.ring_bytes = 1 << 20,
		};
		struct bh_dp_runtime rt;

		assert_int_equal(bh_dp_open(&e->dp, &o), 0);
		assert_int_equal(bh_dp_events_open(e->dp, tp_on_event, e), 0);
		tp_cfg(bh_dp_config(e->dp), c);
		/* and through the API, as the daemon will */
		assert_int_equal(bh_dp_runtime_get(e->dp, &rt), 0);
		assert_int_equal(bh_dp_runtime_set(e->dp, &rt), 0);
	} else {
		struct bh_native_opts o = {
			.flow_capacity = c->flow_cap ?: TP_CAP_DEFAULT,
			.deny_capacity = c->denied_cap ?: TP_CAP_DEFAULT,
			.frag_capacity = 1024,
		};

		assert_int_equal(bh_native_new(&e->nat, &o), 0);
		bh_native_set_event_cb(e->nat, tp_on_event, e);
		tp_cfg(bh_native_config(e->nat), c);
	}
}

static void tp_close(struct tp_eng *e)
{
	bh_dp_free(&e->dp);
	bh_native_free(&e->nat);
	free(e->ev);
	e->ev = NULL;
}

static void tp_load(struct tp_eng *e, const struct bh_compiled_policy *cp)
{
	__u32 gen = 0;

	if (e->dp)
		assert_int_equal(bh_dp_load_policy(e->dp, cp, &gen), 0);
	else
		assert_int_equal(bh_native_load_policy(e->nat, cp, 0), 0);
}

static void tp_endpoint(struct tp_eng *e, const struct bh_compiled_policy *cp,
			const char *addr, const char *ident)
{
	union bh_addr a;
	size_t i;
	__u8 pl;

	assert_int_equal(tp_addr(addr, &a, &pl), 0);
	for (i = 0; i < cp->n_identities; i++)
		if (!strcmp(cp->identities[i].name, ident))
			break;
	assert_true(i < cp->n_identities);
	if (e->dp)
		assert_int_equal(bh_dp_endpoint_add(e->dp, &a, pl,
						    &cp->identities[i].info),
				 0);
	else
		assert_int_equal(bh_native_endpoint_add(e->nat, &a, pl,
							&cp->identities[i].info),
				 0);
}

static int tp_run_pkt(struct tp_eng *e, const __u8 *frame, int len,
		      __u64 now, struct bh_result *res)
{
	int r;

	if (!e->dp)
		return bh_native_classify(e->nat, frame, (__u32)len,
					  (__u32)len, TP_IFINDEX_LO, now, res);
	r = bh_dp_test_run(e->dp, frame, (__u32)len, (__u32)len, now, res);
	assert_true(r == XDP_PASS || r == XDP_DROP);
	assert_true(bh_dp_events_poll(e->dp, 0) >= 0);
	return r == XDP_PASS;
}

static int tp_flow_cmp(const void *x, const void *y)
{
	return memcmp(&((const struct tp_flow *)x)->key,
		      &((const struct tp_flow *)y)->key,
		      sizeof(struct bh_flow_key));
}

struct tp_collect {
	struct tp_flow *v;
	size_t n, cap;
};

static int tp_collect_one(void *ctx, const struct bh_flow_key *key,
			  const struct bh_flow *flow)
{
	struct tp_collect *c = ctx;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		if (!c->v)
			return -ENOMEM;
	}
	c->v[c->n].key = *key;
	c->v[c->n].flow = *flow;
	c->n++;
	return 0;
}

static void tp_collect(struct tp_eng *e, bool denied, struct tp_flow **v,
		       size_t *n)
{
	struct tp_collect c = { 0 };

	if (e->dp)
		assert_int_equal(bh_dp_flows(e->dp, denied, tp_collect_one, &c),
				 0);
	else
		assert_int_equal(bh_native_flows(e->nat, denied, tp_collect_one,
						 &c),
				 0);
	if (c.n)
		qsort(c.v, c.n, sizeof(*c.v), tp_flow_cmp);
	*v = c.v;
	*n = c.n;
}

/* ------------------------------------------------------------------------ */
/* Runner.                                                                  */

static struct tstep tp_steps[TP_MAX_STEPS];

static unsigned int tp_case_steps(const struct tcase *c)
{
	unsigned int n = 0;

	if (c->gen)
		return c->gen(tp_steps, TP_MAX_STEPS);
	while (c->steps[n].op != OP_END && n < TP_MAX_STEPS) {
		tp_steps[n] = c->steps[n];
		n++;
	}
	return n;
}

static void tp_run_case(const struct tcase *c, bool kernel, struct tp_run *r)
{
	const struct bh_compiled_policy *cp = &tp_cp[c->policy];
	unsigned int n = tp_case_steps(c), i;
	struct tp_eng e;
	__u8 frame[512];
	int len, want_rule;

	memset(r, 0, sizeof(*r));
	tp_open(&e, kernel, c);
	tp_load(&e, cp);
	for (i = 0; i < n; i++) {
		const struct tstep *s = &tp_steps[i];
		struct bh_result *res = &r->res[i];

		if (s->op == OP_POLICY) {
			cp = &tp_cp[s->policy];
			tp_load(&e, cp);
			continue;
		}
		if (s->op == OP_ENDPOINT) {
			tp_endpoint(&e, cp, s->ep_addr, s->ep_ident);
			continue;
		}
		len = tp_build(&s->p, frame, sizeof(frame));
		if (len < 14)
			fail_msg("%s step %u: packet builder: %d", c->name, i,
				 len);
		r->pass[i] = tp_run_pkt(&e, frame, len, s->t_ms * 1000000ULL,
					res);
		want_rule = tp_rule_id(cp, s->rule);
		if (res->verdict != s->verdict || res->reason != s->reason ||
		    (int)res->rule_id != want_rule ||
		    r->pass[i] != (s->verdict != BH_VERDICT_DENY) ||
		    res->drop != (s->verdict == BH_VERDICT_DENY))
			fail_msg("%s (%s) step %u: got %s/%s rule %u pass %d, "
				 "want %s/%s rule %d",
				 c->name, e.name, i, bh_verdict_str(res->verdict),
				 bh_reason_str(res->reason), res->rule_id,
				 r->pass[i], bh_verdict_str(s->verdict),
				 bh_reason_str(s->reason), want_rule);
	}
	if (e.dp)
		assert_int_equal(bh_dp_stats(e.dp, &r->stats), 0);
	else
		bh_native_stats(e.nat, &r->stats);
	tp_collect(&e, false, &r->flows, &r->n_flows);
	tp_collect(&e, true, &r->denied, &r->n_denied);
	r->events = e.ev;
	r->n_events = e.n_ev;
	e.ev = NULL;
	tp_close(&e);
}

static void tp_run_free(struct tp_run *r)
{
	free(r->flows);
	free(r->denied);
	free(r->events);
}

/* Expectations on totals, for either engine. */
static void tp_check_totals(const struct tcase *c, const struct tp_run *r,
			    unsigned int n)
{
	__u64 pkts = 0;
	unsigned int v;

	if (c->flows >= 0 && (int)r->n_flows != c->flows)
		fail_msg("%s: %zu bh_flows entries, want %d", c->name,
			 r->n_flows, c->flows);
	if (c->denied >= 0 && (int)r->n_denied != c->denied)
		fail_msg("%s: %zu bh_denied entries, want %d", c->name,
			 r->n_denied, c->denied);
	if (c->ev_sent >= 0 && (int)r->stats.ev_sent != c->ev_sent)
		fail_msg("%s: %llu events sent, want %d", c->name,
			 (unsigned long long)r->stats.ev_sent, c->ev_sent);
	if ((int)r->stats.ev_suppressed != c->ev_suppressed)
		fail_msg("%s: %llu events suppressed, want %d", c->name,
			 (unsigned long long)r->stats.ev_suppressed,
			 c->ev_suppressed);
	if ((int)r->stats.denied_uncached != c->denied_uncached)
		fail_msg("%s: %llu denied flows not cached, want %d", c->name,
			 (unsigned long long)r->stats.denied_uncached,
			 c->denied_uncached);
	assert_int_equal(r->n_events, r->stats.ev_sent);
	assert_int_equal(r->stats.ev_ringfull, 0);
	assert_int_equal(r->stats.insert_failed, 0);
	for (v = 0; v < BH_VERDICT_MAX; v++)
		pkts += r->stats.verdict_pkts[v];
	assert_int_equal(pkts, n);
	if (c->check)
		c->check(r);
}

static void tp_compare(const struct tcase *c, const struct tp_run *k,
		       const struct tp_run *nt, unsigned int n)
{
	unsigned int i;
	size_t j;

	for (i = 0; i < n; i++)
		if (memcmp(&k->res[i], &nt->res[i], sizeof(k->res[i])))
			fail_msg("%s step %u: kernel and native results differ "
				 "(rule %u/%u, ids %u>%u / %u>%u, epoch %u/%u)",
				 c->name, i, k->res[i].rule_id,
				 nt->res[i].rule_id, k->res[i].src_identity,
				 k->res[i].dst_identity,
				 nt->res[i].src_identity,
				 nt->res[i].dst_identity, k->res[i].epoch,
				 nt->res[i].epoch);
	if (memcmp(&k->stats, &nt->stats, sizeof(k->stats)))
		fail_msg("%s: kernel and native counters differ", c->name);
	assert_int_equal(k->n_flows, nt->n_flows);
	for (j = 0; j < k->n_flows; j++)
		if (memcmp(&k->flows[j], &nt->flows[j], sizeof(k->flows[j])))
			fail_msg("%s: bh_flows entry %zu differs", c->name, j);
	if (!c->lru_differs) {
		assert_int_equal(k->n_denied, nt->n_denied);
		for (j = 0; j < k->n_denied; j++)
			if (memcmp(&k->denied[j], &nt->denied[j],
				   sizeof(k->denied[j])))
				fail_msg("%s: bh_denied entry %zu differs",
					 c->name, j);
	}
	assert_int_equal(k->n_events, nt->n_events);
	for (j = 0; j < k->n_events; j++)
		if (memcmp(&k->events[j], &nt->events[j],
			   sizeof(k->events[j])))
			fail_msg("%s: event %zu differs", c->name, j);
}

static void test_case(void **state)
{
	const struct tcase *c = *state;
	static struct tp_run rk, rn;
	unsigned int n = tp_case_steps(c), i, npkts = 0;

	for (i = 0; i < n; i++)
		npkts += tp_steps[i].op == OP_PKT;
	n = npkts;
	tp_run_case(c, false, &rn);
	tp_check_totals(c, &rn, n);
	if (tp_kernel) {
		tp_run_case(c, true, &rk);
		tp_check_totals(c, &rk, n);
		tp_compare(c, &rk, &rn, tp_case_steps(c));
		tp_run_free(&rk);
	}
	tp_run_free(&rn);
}

/* The decision alone, as `policy test` uses it. */
static void test_native_decide(void **state)
{
	const struct bh_compiled_policy *cp = &tp_cp[P_MAIN];
	struct bh_native *n = NULL;
	struct bh_result res;
	union bh_addr s, d;
	__u8 pl;

	(void)state;
	assert_int_equal(bh_native_new(&n, NULL), 0);
	tp_addr("10.0.1.10", &s, &pl);
	tp_addr("10.0.3.30", &d, &pl);
	assert_int_equal(bh_native_decide(n, &s, &d, 6, 22, &res), -ENOENT);
	assert_int_equal(bh_native_load_policy(n, cp, 7), 0);
	assert_int_equal(bh_native_decide(n, &s, &d, 6, 22, &res), 0);
	assert_int_equal(res.verdict, BH_VERDICT_DENY);
	assert_int_equal(res.reason, BH_REASON_POLICY_DENIED);
	assert_int_equal(res.rule_id, tp_rule_id(cp, "deny-web-db-ssh"));
	assert_int_equal(res.src_identity, 256);
	assert_int_equal(res.dst_identity, 258);
	assert_int_equal(bh_native_decide(n, &s, &d, 17, 53, &res), 0);
	assert_int_equal(res.verdict, BH_VERDICT_ALLOW);
	assert_int_equal(res.rule_id, tp_rule_id(cp, "web-db-any"));
	assert_int_equal(bh_native_decide(n, &d, &s, 6, 80, &res), 0);
	assert_int_equal(res.verdict, BH_VERDICT_DENY);
	assert_int_equal(res.reason, BH_REASON_DEFAULT_DENY);
	assert_int_equal(bh_native_config(n)->slot[1].generation, 7);
	bh_native_free(&n);
	assert_null(n);
	bh_native_free(&n);
}

int main(void)
{
	struct CMUnitTest *tests;
	unsigned int i;
	int rc, p;

	bh_log_route_libs();
	/* The rate limits are per-CPU token buckets; BPF_PROG_TEST_RUN runs
	 * the program on the caller's CPU. One CPU for the whole run keeps the
	 * kernel's buckets those of the native engine (one bucket). */
	{
		cpu_set_t set;
		int cpu = sched_getcpu();

		CPU_ZERO(&set);
		CPU_SET(cpu < 0 ? 0 : cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			perror("test_datapath: sched_setaffinity");
	}
	rc = bh_test_require_bpf();
	if (rc == BH_TEST_SKIP)
		fprintf(stderr, "test_datapath: native engine only\n");
	else if (rc)
		return rc;
	tp_kernel = rc == 0;
	for (p = 0; p < P_MAX; p++)
		if (tp_compile(&tp_policies[p], &tp_cp[p])) {
			fprintf(stderr, "cannot compile test policy %d\n", p);
			return 1;
		}
	tests = calloc(tp_n_cases + 1, sizeof(*tests));
	if (!tests)
		return 1;
	for (i = 0; i < tp_n_cases; i++) {
		tests[i].name = tp_cases[i].name;
		tests[i].test_func = test_case;
		tests[i].initial_state = (void *)&tp_cases[i];
	}
	tests[i] = (struct CMUnitTest)cmocka_unit_test(test_native_decide);
	rc = _cmocka_run_group_tests("datapath", tests, tp_n_cases + 1, NULL,
				     NULL);
	for (p = 0; p < P_MAX; p++)
		tp_free(&tp_cp[p]);
	free(tests);
	return rc;
}
