// SPDX-License-Identifier: GPL-2.0-only
/* Compiler: identities and their stability, determinism, selector
 * semantics, precedence, port ranges, addresses, overrides, map shapes. */
#include "policy_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V1 "version: 1\n"

static struct ref_peer peer_of(const struct bh_policy *p, const char *name)
{
	struct ref_peer r = {.kind = REF_WORLD};
	size_t i;

	if (!strcmp(name, "world"))
		return r;
	if (!strcmp(name, "host")) {
		r.kind = REF_HOST;
		return r;
	}
	for (i = 0; i < p->n_workloads; i++)
		if (!strcmp(p->workloads[i].name, name))
			return (struct ref_peer){REF_WORKLOAD, i};
	for (i = 0; i < p->n_externals; i++)
		if (!strcmp(p->externals[i].name, name))
			return (struct ref_peer){REF_EXTERNAL, i};
	fail_msg("no peer '%s'", name);
	return r;
}

struct find_ctx {
	__u8 proto;
	__u16 port;
	struct bh_cp_access found;
	bool have;
};

static int find_cb(void *ctx, const struct bh_cp_access *a)
{
	struct find_ctx *f = ctx;

	if (!f->have && (a->proto == f->proto || a->proto == BH_PROTO_ANY) &&
	    a->lo <= f->port && f->port <= a->hi) {
		f->found = *a;
		f->have = true;
	}
	return 0;
}

/* The decision for one flow by the three paths (map oracle, the access
 * read-back of `policy show`, the reference), which must agree. */
static void expect_flow(const struct bh_compiled_policy *cp,
			const struct bh_policy *p, const char *from,
			const char *to, __u8 proto, __u16 port, __u8 action,
			const char *rule)
{
	size_t s = pt_ident(cp, p, from), d = pt_ident(cp, p, to);
	struct ref_peer rs = peer_of(p, from), rd = peer_of(p, to);
	__u32 rid = ref_maps_rule(cp, s, d, proto, port);
	const struct bh_cp_rule *r = bh_compiled_rule(cp, rid);
	struct find_ctx f = {.proto = proto, .port = port};
	struct ref_verdict rv;
	__u8 got = r ? r->action : cp->hdr.default_action;

	if (got != action || (rule ? !r || strcmp(r->name, rule) : !!r))
		fail_msg("%s -> %s proto %u port %u: got %s by %s, expected %s "
			 "by %s",
			 from, to, proto, port,
			 got == BH_ACTION_ALLOW ? "allow" : "deny",
			 r ? r->name : "default",
			 action == BH_ACTION_ALLOW ? "allow" : "deny",
			 rule ? rule : "default");
	ref_decide(p, &rs, &rd, proto, port, &rv);
	assert_int_equal(rv.action, action);
	if (rule)
		assert_string_equal(rv.rule, rule);
	else
		assert_null(rv.rule);
	assert_int_equal(bh_compiled_access(cp, s, d, find_cb, &f), 0);
	assert_true(f.have);
	assert_int_equal(f.found.action, action);
	assert_int_equal(f.found.rule_id, rid);
}

/* A flow and what must decide it (rule NULL: the default action). */
struct flow_case {
	const char *from, *to;
	__u8 proto;
	__u16 port;
	__u8 action;
	const char *rule;
};

#define ALLOW	 BH_ACTION_ALLOW
#define DENY	 BH_ACTION_DENY
#define FLOWS(t) (sizeof(t) / sizeof((t)[0]))

static void expect_flows(const struct bh_compiled_policy *cp,
			 const struct bh_policy *p, const struct flow_case *c,
			 size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		expect_flow(cp, p, c[i].from, c[i].to, c[i].proto, c[i].port,
			    c[i].action, c[i].rule);
}

static size_t rule_bit(const struct bh_compiled_policy *cp, const char *name)
{
	size_t i;

	for (i = 0; i < cp->n_rules; i++)
		if (!strcmp(cp->rules[i].name, name))
			return i;
	fail_msg("no rule '%s'", name);
	return 0;
}

static bool bm_test(const struct bh_rule_bitmap *b, size_t bit)
{
	return b->w[bit / 64] >> (bit % 64) & 1;
}

/* ------------------------------------------------------------------------ */

/* clang-format off */
static const char ident_yaml[] =
	V1
	"workloads:\n"
	"  - {name: web-2, labels: {app: web, env: prod}, addresses: [10.0.0.2]}\n"
	"  - {name: web-1, labels: {env: prod, app: web}, addresses: [10.0.0.1]}\n"
	"  - {name: db, labels: {app: db}, addresses: [10.0.1.1]}\n"
	"  - {name: bare, addresses: [10.0.2.1]}\n"
	"external:\n"
	"  - {name: corp, cidrs: [192.0.2.0/24]}\n"
	"rules:\n"
	"  - {name: b-rule, from: {matchLabels: {app: web}}, to: {matchLabels: {app: db}}, ports: [tcp/5432]}\n"
	"  - {name: a-rule, from: world, to: {}, ports: [tcp/22], action: deny}\n";
/* clang-format on */

static void test_identities(void **state)
{
	struct bh_policy *p;
	struct bh_compiled_policy *cp = pt_compile(ident_yaml, &p);
	size_t i, web1, web2;

	(void)state;
	/* host, world, 3 label sets (web replicas share one), 1 external */
	assert_int_equal(cp->n_identities, 6);
	assert_int_equal(cp->identities[0].id, BH_ID_HOST);
	assert_string_equal(cp->identities[0].name, "host");
	assert_int_equal(cp->identities[1].id, BH_ID_WORLD);
	assert_int_equal(cp->hdr.world.id, BH_ID_WORLD);
	assert_memory_equal(&cp->hdr.world, &cp->identities[1].info,
			    sizeof(cp->hdr.world));
	for (i = 1; i < cp->n_identities; i++)
		assert_true(cp->identities[i - 1].id < cp->identities[i].id);
	for (i = 2; i < cp->n_identities; i++) {
		assert_true(cp->identities[i].id >= BH_ID_FIRST_USER);
		assert_true(cp->identities[i].id < 0x80000000u);
		assert_int_equal(cp->identities[i].info.id,
				 cp->identities[i].id);
	}
	web1 = pt_ident(cp, p, "web-1");
	web2 = pt_ident(cp, p, "web-2");
	assert_int_equal(web1, web2);
	/* The identity is named after its smallest workload name. */
	assert_string_equal(cp->identities[web1].name, "web-1");
	assert_int_equal(cp->identities[web1].kind, BH_KIND_WORKLOAD);
	assert_int_equal(cp->identities[web1].n_labels, 2);
	assert_string_equal(cp->identities[web1].labels[0].key, "app");
	assert_int_equal(cp->identities[pt_ident(cp, p, "corp")].kind,
			 BH_KIND_EXTERNAL);
	assert_int_equal(cp->identities[pt_ident(cp, p, "bare")].n_labels, 0);
	assert_non_null(bh_compiled_identity(cp, cp->identities[web1].id));
	assert_null(bh_compiled_identity(cp, 3));

	/* Rules: deny first, then allow; each by name. */
	assert_int_equal(cp->hdr.n_rules, 2);
	assert_int_equal(cp->hdr.n_deny, 1);
	assert_int_equal(cp->hdr.n_words, 1);
	assert_string_equal(cp->rules[0].name, "a-rule");
	assert_int_equal(cp->rules[0].action, BH_ACTION_DENY);
	assert_string_equal(cp->rules[1].name, "b-rule");
	assert_int_equal(cp->rules[1].line, 10);
	assert_string_equal(bh_compiled_rule(cp, 2)->name, "b-rule");
	assert_null(bh_compiled_rule(cp, 0));
	assert_null(bh_compiled_rule(cp, 3));
	bh_compiled_policy_free(&cp);
	assert_null(cp);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
}

/* What the ids depend on: the label set (or the group's name), nothing
 * else. Reordering the file or adding workloads keeps them. */
static void test_identity_stability(void **state)
{
	/* clang-format off */
	static const char reordered[] =
		V1
		"rules:\n"
		"  - {name: a-rule, from: world, to: {}, ports: [tcp/22], action: deny}\n"
		"  - {name: b-rule, from: {matchLabels: {app: web}}, to: {matchLabels: {app: db}}, ports: [tcp/5432]}\n"
		"external:\n"
		"  - {name: corp, cidrs: [192.0.2.0/24]}\n"
		"workloads:\n"
		"  - {name: bare, addresses: [10.0.2.1]}\n"
		"  - {name: db, labels: {app: db}, addresses: [10.0.1.1]}\n"
		"  - {name: web-1, labels: {env: prod, app: web}, addresses: [10.0.0.1]}\n"
		"  - {name: web-2, labels: {app: web, env: prod}, addresses: [10.0.0.2]}\n";
	/* clang-format on */
	static const char *const names[] = {"web-1", "web-2", "db",  "bare",
					    "corp",  "world", "host"};
	struct bh_compiled_policy *a, *b, *c;
	struct bh_policy *pa, *pb, *pc;
	char *grown;
	size_t i, len = strlen(ident_yaml);
	int n;

	(void)state;
	a = pt_compile(ident_yaml, &pa);
	b = pt_compile(reordered, &pb);
	/* ident_yaml plus 50 workloads and 5 external groups. */
	grown = malloc(len + 50 * 100 + 5 * 80 + 64);
	assert_non_null(grown);
	memcpy(grown, ident_yaml, len);
	/* Insert new workloads right after "workloads:\n". */
	{
		const char *at = strstr(ident_yaml, "external:");
		size_t head = (size_t)(at - ident_yaml), off = head;

		for (i = 0; i < 50; i++) {
			n = sprintf(grown + off,
				    "  - {name: new-%zu, labels: {app: "
				    "new%zu}, addresses: [10.1.0.%zu]}\n",
				    i, i, i);
			off += (size_t)n;
		}
		n = sprintf(grown + off, "external:\n");
		off += (size_t)n;
		for (i = 0; i < 5; i++) {
			n = sprintf(
			    grown + off,
			    "  - {name: ext%zu, cidrs: [198.51.%zu.0/24]}\n", i,
			    i);
			off += (size_t)n;
		}
		strcpy(grown + off, at + strlen("external:\n"));
	}
	c = pt_compile(grown, &pc);
	assert_int_equal(c->n_identities, a->n_identities + 55);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		__u32 ida = a->identities[pt_ident(a, pa, names[i])].id;

		assert_int_equal(ida,
				 b->identities[pt_ident(b, pb, names[i])].id);
		assert_int_equal(ida,
				 c->identities[pt_ident(c, pc, names[i])].id);
	}
	/* Reordering keeps the whole compiled form, byte for byte. */
	assert_int_equal(a->n_ports, b->n_ports);
	assert_memory_equal(a->ports, b->ports, a->n_ports * sizeof(*a->ports));
	assert_int_equal(a->n_bitmaps, b->n_bitmaps);
	assert_memory_equal(a->bitmaps, b->bitmaps,
			    a->n_bitmaps * sizeof(*a->bitmaps));
	for (i = 0; i < a->n_identities; i++)
		assert_memory_equal(&a->identities[i].info,
				    &b->identities[i].info,
				    sizeof(a->identities[i].info));
	free(grown);
	bh_compiled_policy_free(&a);
	bh_compiled_policy_free(&b);
	bh_compiled_policy_free(&c);
	bh_policy_free(&pa);
	bh_policy_free(&pb);
	bh_policy_free(&pc);
}

static void assert_same_compiled(const struct bh_compiled_policy *a,
				 const struct bh_compiled_policy *b)
{
	size_t i;

	assert_memory_equal(&a->hdr, &b->hdr, sizeof(a->hdr));
	assert_int_equal(a->n_identities, b->n_identities);
	for (i = 0; i < a->n_identities; i++) {
		assert_int_equal(a->identities[i].id, b->identities[i].id);
		assert_memory_equal(&a->identities[i].info,
				    &b->identities[i].info,
				    sizeof(a->identities[i].info));
		assert_string_equal(a->identities[i].name,
				    b->identities[i].name);
	}
	assert_int_equal(a->n_exact, b->n_exact);
	for (i = 0; i < a->n_exact; i++) {
		assert_memory_equal(&a->exact[i].addr, &b->exact[i].addr, 16);
		assert_int_equal(a->exact[i].identity, b->exact[i].identity);
		assert_string_equal(a->exact[i].workload, b->exact[i].workload);
	}
	assert_int_equal(a->n_cidrs, b->n_cidrs);
	for (i = 0; i < a->n_cidrs; i++) {
		assert_memory_equal(&a->cidrs[i].addr, &b->cidrs[i].addr, 16);
		assert_int_equal(a->cidrs[i].prefixlen, b->cidrs[i].prefixlen);
	}
	assert_int_equal(a->n_bitmaps, b->n_bitmaps);
	assert_memory_equal(a->bitmaps, b->bitmaps,
			    a->n_bitmaps * sizeof(*a->bitmaps));
	assert_int_equal(a->n_ports, b->n_ports);
	assert_memory_equal(a->ports, b->ports, a->n_ports * sizeof(*a->ports));
	assert_int_equal(a->n_rules, b->n_rules);
	assert_string_equal(a->source_sha256, b->source_sha256);
}

static void test_determinism(void **state)
{
	struct bh_compiled_policy *a = NULL, *b = NULL;
	struct bh_policy *p = NULL;
	struct bh_diag d;

	(void)state;
	bh_diag_init(&d);
	assert_int_equal(
	    bh_policy_load(bh_test_src_path("config/policy-example.yaml"), &p,
			   &d),
	    0);
	assert_int_equal(bh_policy_compile(p, &a), 0);
	assert_int_equal(bh_policy_compile(p, &b), 0);
	assert_same_compiled(a, b);
	bh_compiled_policy_free(&a);
	bh_compiled_policy_free(&b);
	bh_policy_free(&p);
	bh_diag_release(&d);
}

/* ------------------------------------------------------------------------ */
/* Selector semantics: which workloads each `from` selects.                 */

/* clang-format off */
static const char sel_yaml[] =
	V1
	"workloads:\n"
	"  - {name: web-prod, labels: {app: web, env: prod, tier: fe}, addresses: [10.0.0.1]}\n"
	"  - {name: web-dev, labels: {app: web, env: dev, tier: fe}, addresses: [10.0.0.2]}\n"
	"  - {name: api-prod, labels: {app: api, env: prod}, addresses: [10.0.0.3]}\n"
	"  - {name: db, labels: {app: db, env: prod, tier: data}, addresses: [10.0.0.4]}\n"
	"  - {name: tool, labels: {team: ops}, addresses: [10.0.0.5]}\n"
	"  - {name: empty-val, labels: {app: \"\", env: prod}, addresses: [10.0.0.6]}\n"
	"external:\n"
	"  - {name: corp, cidrs: [192.0.2.0/24]}\n"
	"  - {name: mon, cidrs: [198.51.100.0/24]}\n"
	"defaults:\n"
	"  host_addresses: [10.255.0.1]\n"
	"rules:\n"
	"  - {name: s-label, from: {matchLabels: {app: web}}, to: world}\n"
	"  - {name: s-labels-and, from: {matchLabels: {app: web, env: prod}}, to: world}\n"
	"  - {name: s-in, from: {matchExpressions: [{key: app, operator: In, values: [api, db]}]}, to: world}\n"
	"  - {name: s-notin, from: {matchExpressions: [{key: app, operator: NotIn, values: [web]}]}, to: world}\n"
	"  - {name: s-exists, from: {matchExpressions: [{key: tier, operator: Exists}]}, to: world}\n"
	"  - {name: s-dne, from: {matchExpressions: [{key: tier, operator: DoesNotExist}]}, to: world}\n"
	"  - {name: s-all, from: {}, to: world}\n"
	"  - {name: s-combined, from: {matchLabels: {env: prod}, matchExpressions: [{key: tier, operator: NotIn, values: [data]}, {key: app, operator: Exists}]}, to: world}\n"
	"  - {name: s-empty-value, from: {matchLabels: {app: \"\"}}, to: world}\n"
	"  - {name: s-world, from: world, to: world}\n"
	"  - {name: s-host, from: host, to: world}\n"
	"  - {name: s-external, from: {external: corp}, to: world}\n"
	"  - {name: s-externals, from: {external: [corp, mon]}, to: world}\n"
	"  - {name: s-list, from: [{matchLabels: {app: db}}, {external: mon}, host], to: world}\n"
	"  - {name: s-nomatch, from: {matchLabels: {app: nothing}}, to: world}\n";
/* clang-format on */

static void test_selectors(void **state)
{
	/* clang-format off */
	static const struct {
		const char *rule;
		const char *selected; /* space-separated peer names */
	} cases[] = {
		{ "s-label", "web-prod web-dev" },
		{ "s-labels-and", "web-prod" },
		{ "s-in", "api-prod db" },
		/* NotIn matches workloads without the key (Kubernetes). */
		{ "s-notin", "api-prod db tool empty-val" },
		{ "s-exists", "web-prod web-dev db" },
		{ "s-dne", "api-prod tool empty-val" },
		/* {} is every workload, never external groups, world, host. */
		{ "s-all", "web-prod web-dev api-prod db tool empty-val" },
		{ "s-combined", "web-prod api-prod empty-val" },
		{ "s-empty-value", "empty-val" },
		{ "s-world", "world" },
		{ "s-host", "host" },
		{ "s-external", "corp" },
		{ "s-externals", "corp mon" },
		{ "s-list", "db mon host" },
		{ "s-nomatch", "" },
	};
	/* clang-format on */
	static const char *const peers[] = {
	    "web-prod",	 "web-dev", "api-prod", "db",	 "tool",
	    "empty-val", "corp",    "mon",	"world", "host"};
	struct bh_policy *p;
	struct bh_compiled_policy *cp = pt_compile(sel_yaml, &p);
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t bit = rule_bit(cp, cases[i].rule);

		for (j = 0; j < sizeof(peers) / sizeof(peers[0]); j++) {
			const struct bh_cp_identity *id =
			    &cp->identities[pt_ident(cp, p, peers[j])];
			char word[32];
			bool want, got;

			snprintf(word, sizeof(word), " %s ", peers[j]);
			{
				char padded[256];

				snprintf(padded, sizeof(padded), " %s ",
					 cases[i].selected);
				want = strstr(padded, word) != NULL;
			}
			got = bm_test(&cp->bitmaps[id->info.src_bitmap], bit);
			if (want != got)
				fail_msg("rule %s, peer %s: selected %d, "
					 "expected %d",
					 cases[i].rule, peers[j], got, want);
		}
	}
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
}

/* ------------------------------------------------------------------------ */
/* Precedence: deny beats allow, in any order; names break ties.            */

/* clang-format off */
static const char prec_yaml[] =
	V1
	"workloads:\n"
	"  - {name: web, labels: {app: web}, addresses: [10.0.0.1]}\n"
	"  - {name: db, labels: {app: db}, addresses: [10.0.0.2]}\n"
	"  - {name: other, labels: {app: other}, addresses: [10.0.0.3]}\n"
	"rules:\n"
	"  - {name: z-allow-db, from: {matchLabels: {app: web}}, to: {matchLabels: {app: db}}, ports: [tcp/5432, tcp/22]}\n"
	"  - {name: m-deny-ssh, from: {}, to: {}, ports: [tcp/22], action: deny}\n"
	"  - {name: a-allow-db, from: {}, to: {matchLabels: {app: db}}, ports: [tcp/5432]}\n"
	"  - {name: b-deny-ssh, from: {matchLabels: {app: web}}, to: {}, ports: [tcp/22], action: deny}\n"
	"  - {name: c-allow-any, from: {matchLabels: {app: other}}, to: {}}\n";
/* clang-format on */

/* clang-format off */
static const struct flow_case precedence_flows[] = {
	/* Two allows: the first by name reports. */
	{ "web", "db", 6, 5432, ALLOW, "a-allow-db" },
	/* An allow and two denies: deny, the first deny by name. */
	{ "web", "db", 6, 22, DENY, "b-deny-ssh" },
	{ "other", "db", 6, 22, DENY, "m-deny-ssh" },
	/* Allow-any loses to the ssh deny, wins elsewhere. */
	{ "other", "web", 6, 22, DENY, "m-deny-ssh" },
	{ "other", "web", 17, 53, ALLOW, "c-allow-any" },
	/* Nothing matches: the default. */
	{ "web", "other", 6, 80, DENY, NULL },
	{ "world", "db", 6, 5432, DENY, NULL },
};
/* clang-format on */

static void test_precedence(void **state)
{
	struct bh_policy *p;
	struct bh_compiled_policy *cp = pt_compile(prec_yaml, &p);

	(void)state;
	expect_flows(cp, p, precedence_flows, FLOWS(precedence_flows));
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
}

/* clang-format off */
static const struct flow_case default_allow_flows[] = {
	{ "a", "a", 6, 80, ALLOW, NULL },
	{ "a", "a", 6, 23, DENY, "no-telnet" },
	{ "world", "a", 6, 23, ALLOW, NULL },
};
/* clang-format on */

static void test_default_allow(void **state)
{
	/* clang-format off */
	static const char yaml[] =
		V1
		"defaults: {action: allow, mode: audit, conntrack: loose}\n"
		"workloads:\n"
		"  - {name: a, labels: {app: a}, addresses: [10.0.0.1]}\n"
		"rules:\n"
		"  - {name: no-telnet, from: {}, to: {}, ports: [tcp/23], action: deny}\n";
	/* clang-format on */
	struct bh_policy *p;
	struct bh_compiled_policy *cp = pt_compile(yaml, &p);

	(void)state;
	assert_int_equal(cp->hdr.default_action, BH_ACTION_ALLOW);
	assert_int_equal(cp->hdr.mode, BH_MODE_AUDIT);
	assert_int_equal(cp->hdr.ct_loose, 1);
	expect_flows(cp, p, default_allow_flows, FLOWS(default_allow_flows));
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
}

/* ------------------------------------------------------------------------ */
/* Ports.                                                                   */

/* clang-format off */
static const char port_yaml[] =
	V1
	"workloads:\n"
	"  - {name: a, labels: {app: a}, addresses: [10.0.0.1]}\n"
	"  - {name: b, labels: {app: b}, addresses: [10.0.0.2]}\n"
	"rules:\n"
	"  - {name: range, from: {}, to: {matchLabels: {app: b}}, ports: [tcp/8000-8100]}\n"
	"  - {name: overlap, from: {}, to: {matchLabels: {app: b}}, ports: [tcp/8050-8200]}\n"
	"  - {name: hole, from: {}, to: {matchLabels: {app: b}}, ports: [tcp/8080], action: deny}\n"
	"  - {name: tcp-any, from: {matchLabels: {app: a}}, to: {matchLabels: {app: b}}, ports: [tcp]}\n"
	"  - {name: udp-dns, from: {}, to: {}, ports: [udp/53]}\n"
	"  - {name: full-range, from: {}, to: {matchLabels: {app: a}}, ports: [udp/0-65535]}\n"
	"  - {name: icmp, from: {}, to: {matchLabels: {app: a}}, ports: [icmp, icmpv6]}\n"
	"  - {name: gre, from: {}, to: {matchLabels: {app: a}}, ports: [proto/47, sctp/3868]}\n"
	"  - {name: zz-any, from: {matchLabels: {app: b}}, to: {matchLabels: {app: a}}}\n"
	"  - {name: edges, from: {}, to: {matchLabels: {app: a}}, ports: [tcp/0, tcp/65535, tcp/1-1]}\n";
/* clang-format on */

/* clang-format off */
static const struct flow_case ports_flows[] = {
	/* Range boundaries. */
	{ "b", "b", 6, 7999, DENY, NULL },
	{ "b", "b", 6, 8000, ALLOW, "range" },
	{ "b", "b", 6, 8049, ALLOW, "range" },
	/* Overlap: both match, the first by name reports. */
	{ "b", "b", 6, 8050, ALLOW, "overlap" },
	{ "b", "b", 6, 8100, ALLOW, "overlap" },
	{ "b", "b", 6, 8101, ALLOW, "overlap" },
	{ "b", "b", 6, 8200, ALLOW, "overlap" },
	{ "b", "b", 6, 8201, DENY, NULL },
	/* An exact deny inside the ranges. */
	{ "b", "b", 6, 8079, ALLOW, "overlap" },
	{ "b", "b", 6, 8080, DENY, "hole" },
	{ "b", "b", 6, 8081, ALLOW, "overlap" },
	{ "a", "b", 6, 8080, DENY, "hole" },
	/* Any TCP port, but not UDP. */
	{ "a", "b", 6, 1, ALLOW, "tcp-any" },
	{ "a", "b", 6, 65535, ALLOW, "tcp-any" },
	{ "a", "b", 6, 8090, ALLOW, "overlap" },
	{ "a", "b", 17, 1, DENY, NULL },
	{ "a", "b", 17, 53, ALLOW, "udp-dns" },
	{ "a", "b", 17, 54, DENY, NULL },
	/* udp/0-65535 is any UDP port. */
	{ "b", "a", 17, 0, ALLOW, "full-range" },
	{ "b", "a", 17, 53, ALLOW, "full-range" },
	{ "a", "a", 17, 65535, ALLOW, "full-range" },
	/* ICMP: every type; other protocols by number. */
	{ "a", "a", 1, 8, ALLOW, "icmp" },
	{ "a", "a", 58, 128, ALLOW, "icmp" },
	{ "a", "a", 47, 0, ALLOW, "gre" },
	{ "a", "a", 132, 3868, ALLOW, "gre" },
	{ "a", "a", 132, 3869, DENY, NULL },
	{ "a", "a", 50, 0, DENY, NULL },
	/* Any protocol: what has no entry of its own falls back to it. */
	{ "b", "a", 50, 0, ALLOW, "zz-any" },
	{ "b", "a", 6, 443, ALLOW, "zz-any" },
	{ "b", "a", 1, 0, ALLOW, "icmp" },
	/* Edges of the port space. */
	{ "a", "a", 6, 0, ALLOW, "edges" },
	{ "a", "a", 6, 1, ALLOW, "edges" },
	{ "a", "a", 6, 2, DENY, NULL },
	{ "a", "a", 6, 65534, DENY, NULL },
	{ "a", "a", 6, 65535, ALLOW, "edges" },
};
/* clang-format on */

static void test_ports(void **state)
{
	struct bh_policy *p;
	struct bh_compiled_policy *cp = pt_compile(port_yaml, &p);
	size_t i;

	(void)state;
	expect_flows(cp, p, ports_flows, FLOWS(ports_flows));

	/* Entry shape: exact entries are single ports, LPM entries aligned
	 * blocks, one any-port entry per (class, proto). */
	for (i = 0; i < cp->n_ports; i++) {
		const struct bh_cp_port *e = &cp->ports[i];
		__u32 size = 1u << (16 - e->prefixlen);

		assert_true(e->prefixlen <= 16);
		assert_int_equal(e->port % size, 0);
		assert_true(e->bitmap < cp->n_bitmaps);
		if (i)
			assert_true(memcmp(&cp->ports[i - 1], e, sizeof(*e)) !=
				    0);
	}
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
}

/* ------------------------------------------------------------------------ */
/* Addresses: IPv4 (stored IPv4-mapped) and IPv6, exact and CIDRs.          */

static void addr(const char *s, union bh_addr *a)
{
	assert_int_equal(bh_policy_parse_addr(s, a), 0);
}

static const char *owner(const struct bh_compiled_policy *cp, const char *s)
{
	union bh_addr a;
	const struct bh_cp_addr *e;

	addr(s, &a);
	e = bh_compiled_addr(cp, &a);
	return e ? e->workload : "world";
}

static void test_addresses(void **state)
{
	/* clang-format off */
	static const char yaml[] =
		V1
		"defaults: {host_addresses: [10.9.9.9, \"fd00::9\"]}\n"
		"workloads:\n"
		"  - {name: v4, labels: {app: a}, addresses: [10.0.0.1]}\n"
		"  - {name: v6, labels: {app: b}, addresses: [\"fd00::1\", \"2001:db8::ff\"]}\n"
		"  - {name: pool4, labels: {app: c}, cidrs: [10.1.0.0/16]}\n"
		"  - {name: pool6, labels: {app: d}, cidrs: [\"fd00:1::/64\"]}\n"
		"  - {name: in-pool, labels: {app: c}, addresses: [10.1.2.3]}\n"
		"external:\n"
		"  - {name: corp, cidrs: [10.0.0.0/8, \"2001:db8::/32\"]}\n"
		"  - {name: corp-lab, cidrs: [10.7.0.0/16]}\n"
		"  - {name: internet, cidrs: [0.0.0.0/0]}\n";
	/* clang-format on */
	struct bh_policy *p;
	struct bh_compiled_policy *cp = pt_compile(yaml, &p);
	union bh_addr a;
	size_t i;

	(void)state;
	assert_string_equal(owner(cp, "10.0.0.1"), "v4");
	assert_string_equal(owner(cp, "::ffff:10.0.0.1"), "v4");
	assert_string_equal(owner(cp, "fd00::1"), "v6");
	assert_string_equal(owner(cp, "2001:db8::ff"), "v6");
	assert_string_equal(owner(cp, "10.1.200.7"), "pool4");
	assert_string_equal(owner(cp, "10.1.2.3"), "in-pool");
	assert_string_equal(owner(cp, "fd00:1::abcd"), "pool6");
	assert_string_equal(owner(cp, "fd00:2::1"), "world");
	/* Longest prefix wins: the lab inside corp, corp inside internet. */
	assert_string_equal(owner(cp, "10.7.1.1"), "corp-lab");
	assert_string_equal(owner(cp, "10.8.1.1"), "corp");
	assert_string_equal(owner(cp, "2001:db8:5::1"), "corp");
	assert_string_equal(owner(cp, "8.8.8.8"), "internet");
	assert_string_equal(owner(cp, "2001:4860::8888"), "world");
	assert_string_equal(owner(cp, "10.9.9.9"), "host");
	assert_string_equal(owner(cp, "fd00::9"), "host");

	/* Storage: IPv4 prefixes as IPv4-mapped, 96 + prefix. */
	addr("10.1.0.0", &a);
	for (i = 0; i < cp->n_cidrs; i++)
		if (!memcmp(&cp->cidrs[i].addr, &a, 16))
			break;
	assert_true(i < cp->n_cidrs);
	assert_int_equal(cp->cidrs[i].prefixlen, 96 + 16);
	assert_memory_equal(&cp->cidrs[i].info,
			    &cp->identities[cp->cidrs[i].identity].info,
			    sizeof(cp->cidrs[i].info));
	assert_int_equal(cp->n_exact, 6);
	assert_int_equal(cp->n_cidrs, 6);
	for (i = 1; i < cp->n_exact; i++)
		assert_true(
		    memcmp(&cp->exact[i - 1].addr, &cp->exact[i].addr, 16) < 0);
	for (i = 0; i < cp->n_exact; i++)
		assert_int_equal(cp->exact[i].prefixlen, 128);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
}

/* Longest-prefix lookups against a scan of every CIDR, on a policy of
 * many random, nested IPv4 and IPv6 prefixes and addresses drawn mostly
 * inside them. */
static bool ref_contains(const struct bh_cp_addr *c, const union bh_addr *a)
{
	unsigned int full = c->prefixlen / 8, bits = c->prefixlen % 8;

	if (memcmp(c->addr.b, a->b, full))
		return false;
	return !bits ||
	       !((c->addr.b[full] ^ a->b[full]) & (__u8)(0xff << (8 - bits)));
}

static const struct bh_cp_addr *ref_lookup(const struct bh_compiled_policy *cp,
					   const union bh_addr *a)
{
	const struct bh_cp_addr *best = NULL;
	size_t i;

	for (i = 0; i < cp->n_exact; i++)
		if (!memcmp(cp->exact[i].addr.b, a->b, 16))
			return &cp->exact[i];
	for (i = 0; i < cp->n_cidrs; i++)
		if ((!best || cp->cidrs[i].prefixlen > best->prefixlen) &&
		    ref_contains(&cp->cidrs[i], a))
			best = &cp->cidrs[i];
	return best;
}

/* A random prefix: IPv4 (as text a.b.c.d/len) or IPv6, host bits clear. */
static void random_prefix(unsigned int *seed, char *out, size_t len,
			  union bh_addr *a, unsigned int *plen)
{
	unsigned int i, l;
	char text[64];

	memset(a, 0, sizeof(*a));
	if (rand_r(seed) % 3) {
		/* IPv4 inside 10/8 and 172.16/12 so that prefixes nest */
		l = 8 + (unsigned int)rand_r(seed) % 25;
		a->b[10] = a->b[11] = 0xff;
		a->b[12] = rand_r(seed) % 2 ? 10 : 172;
		for (i = 13; i < 16; i++)
			a->b[i] = (__u8)(rand_r(seed) % 4);
		*plen = 96 + l;
	} else {
		l = 16 + (unsigned int)rand_r(seed) % 112;
		a->b[0] = 0xfd;
		for (i = 1; i < 16; i++)
			a->b[i] = (__u8)(rand_r(seed) % 3);
		*plen = l;
	}
	for (i = *plen; i < 128; i++)
		a->b[i / 8] &= (__u8) ~(0x80 >> (i % 8));
	if (*plen >= 96 && a->b[10] == 0xff) {
		inet_ntop(AF_INET, a->b + 12, text, sizeof(text));
		snprintf(out, len, "%s/%u", text, *plen - 96);
	} else {
		inet_ntop(AF_INET6, a->b, text, sizeof(text));
		snprintf(out, len, "\"%s/%u\"", text, *plen);
	}
}

static void test_address_lookup_many(void **state)
{
	enum { N_PREFIXES = 400, N_LOOKUPS = 20000 };
	size_t cap = N_PREFIXES * 96 + 256, used, i, n = 0;
	union bh_addr *nets = calloc(N_PREFIXES, sizeof(*nets));
	unsigned int *plens = calloc(N_PREFIXES, sizeof(*plens));
	char *yaml = malloc(cap), prefix[96];
	struct bh_compiled_policy *cp;
	unsigned int seed = 7, plen;
	struct bh_policy *p;
	union bh_addr a;

	(void)state;
	assert_non_null(nets);
	assert_non_null(plens);
	assert_non_null(yaml);
	used = (size_t)snprintf(yaml, cap, "%s", V1 "external:\n");
	while (n < N_PREFIXES) {
		random_prefix(&seed, prefix, sizeof(prefix), &a, &plen);
		for (i = 0; i < n; i++)
			if (plens[i] == plen && !memcmp(&nets[i], &a, 16))
				break;
		if (i < n)
			continue; /* one owner per prefix */
		nets[n] = a;
		plens[n] = plen;
		used += (size_t)snprintf(yaml + used, cap - used,
					 "  - {name: x%zu, cidrs: [%s]}\n", n,
					 prefix);
		n++;
	}
	cp = pt_compile(yaml, &p);
	assert_int_equal(cp->n_cidrs + cp->n_exact,
			 N_PREFIXES); /* /32s are exact */
	for (i = 0; i < N_LOOKUPS; i++) {
		const struct bh_cp_addr *got, *want;
		unsigned int b;

		/* inside a random prefix, with random host bits */
		a = nets[(size_t)rand_r(&seed) % N_PREFIXES];
		for (b = 8; b < 16; b++)
			a.b[b] ^= (__u8)(rand_r(&seed) % 4 ? 0 : rand_r(&seed));
		if (a.b[10] == 0xff && a.b[11] == 0xff)
			a.b[15] ^= (__u8)rand_r(&seed);
		got = bh_compiled_addr(cp, &a);
		want = ref_lookup(cp, &a);
		if (got != want)
			fail_msg("lookup %zu: got %s/%u, want %s/%u", i,
				 got ? got->workload : "world",
				 got ? got->prefixlen : 0,
				 want ? want->workload : "world",
				 want ? want->prefixlen : 0);
	}
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
	free(yaml);
	free(plens);
	free(nets);
}

static void test_overrides(void **state)
{
	/* clang-format off */
	static const char yaml[] =
		V1
		"defaults:\n"
		"  mode: enforce\n"
		"  overrides:\n"
		"    - {selector: {matchLabels: {env: dev}}, mode: audit}\n"
		"    - {selector: [{matchLabels: {app: db}}, {external: corp}], mode: audit}\n"
		"    - {selector: {matchLabels: {app: db, env: dev}}, mode: enforce}\n"
		"workloads:\n"
		"  - {name: web-dev, labels: {app: web, env: dev}, addresses: [10.0.0.1]}\n"
		"  - {name: web-prod, labels: {app: web, env: prod}, addresses: [10.0.0.2]}\n"
		"  - {name: db-dev, labels: {app: db, env: dev}, addresses: [10.0.0.3]}\n"
		"  - {name: db-prod, labels: {app: db, env: prod}, addresses: [10.0.0.4]}\n"
		"external:\n"
		"  - {name: corp, cidrs: [192.0.2.0/24]}\n";
	/* clang-format on */
	/* clang-format off */
	static const struct {
		const char *name;
		__u8 flags;
	} want[] = {
		{ "web-dev", BH_IDF_MODE_SET | BH_IDF_AUDIT },
		{ "web-prod", 0 },
		/* audit by two overrides, enforce by a third: enforce. */
		{ "db-dev", BH_IDF_MODE_SET },
		{ "db-prod", BH_IDF_MODE_SET | BH_IDF_AUDIT },
		{ "corp", BH_IDF_MODE_SET | BH_IDF_AUDIT },
		{ "world", 0 },
	};
	/* clang-format on */
	struct bh_policy *p;
	struct bh_compiled_policy *cp = pt_compile(yaml, &p);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct bh_cp_identity *id =
		    &cp->identities[pt_ident(cp, p, want[i].name)];

		if (id->info.flags != want[i].flags)
			fail_msg("%s: flags %#x, expected %#x", want[i].name,
				 id->info.flags, want[i].flags);
	}
	/* Addresses carry their identity's flags. */
	for (i = 0; i < cp->n_exact; i++)
		assert_int_equal(
		    cp->exact[i].info.flags,
		    cp->identities[cp->exact[i].identity].info.flags);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
}

/* No cross product: N distinct label sets and a rule between all of them
 * give one destination class, one source bitmap, a handful of entries. */
static void test_no_cross_product(void **state)
{
	size_t cap = 200 * 96 + 256, off, i;
	char *yaml = malloc(cap);
	struct bh_compiled_policy *cp;
	struct bh_policy *p;
	struct bh_cp_sizes sz;

	(void)state;
	assert_non_null(yaml);
	off = (size_t)snprintf(yaml, cap, V1 "workloads:\n");
	for (i = 0; i < 200; i++)
		off += (size_t)snprintf(yaml + off, cap - off,
					"  - {name: w%zu, labels: {app: a%zu}, "
					"addresses: [10.0.%zu.%zu]}\n",
					i, i, i / 256, i % 256);
	snprintf(yaml + off, cap - off,
		 "rules:\n"
		 "  - {name: mesh, from: {}, to: {}, ports: [tcp/8080, "
		 "tcp/9000-9100]}\n"
		 "  - {name: no-ssh, from: {}, to: {}, ports: [tcp/22], "
		 "action: deny}\n");
	cp = pt_compile(yaml, &p);
	bh_compiled_sizes(cp, &sz);
	assert_int_equal(cp->n_identities, 202);
	assert_int_equal(sz.n_dst_classes, 2); /* none, and "every workload" */
	assert_int_equal(cp->n_bitmaps, 4);    /* empty, src, two port sets */
	assert_int_equal(sz.map[BH_CP_MAP_ID_EXACT].entries, 200);
	assert_true(cp->n_ports < 16);
	assert_int_equal(sz.map[BH_CP_MAP_PORT_EXACT].entries +
			     sz.map[BH_CP_MAP_PORT_LPM].entries,
			 cp->n_ports);
	assert_int_equal(sz.map[BH_CP_MAP_BITMAPS].bytes,
			 cp->n_bitmaps * (8 + sizeof(struct bh_rule_bitmap)));
	assert_int_equal(sz.total_entries,
			 200 + cp->n_ports + cp->n_bitmaps + cp->n_rules);
	assert_int_equal(sz.map[BH_CP_MAP_ID_EXACT].capacity,
			 BH_ID_MAP_SIZE / 2);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
	free(yaml);
}

/* More addresses than the data plane's map holds for one slot: refused,
 * with the map named. */
static void test_too_big(void **state)
{
	size_t n = BH_ID_MAP_SIZE / 2 + 1, cap = n * 80 + 128, off, i;
	struct bh_compiled_policy *cp = NULL;
	struct bh_policy *p;
	struct bh_diag d;
	char *yaml = malloc(cap);

	(void)state;
	assert_non_null(yaml);
	off = (size_t)snprintf(yaml, cap, V1 "workloads:\n");
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(yaml + off, cap - off,
					"  - {name: w%zu, labels: {app: a}, "
					"addresses: [10.%zu.%zu.%zu]}\n",
					i, i >> 16, (i >> 8) & 255, i & 255);
	p = pt_load(yaml, NULL);
	bh_diag_init(&d);
	assert_int_equal(bh_policy_compile_diag(p, &cp, &d), -E2BIG);
	assert_null(cp);
	assert_int_equal(d.n_errors, 1);
	assert_string_equal(d.v[0].msg,
			    "compiled policy needs 32769 entries in map "
			    "bh_id_exact, which holds 32768 per policy slot: "
			    "split the policy or raise the map size");
	bh_diag_release(&d);
	bh_policy_free(&p);
	free(yaml);
}

static void test_empty_policy(void **state)
{
	struct bh_policy *p;
	struct bh_compiled_policy *cp = pt_compile(V1, &p);

	(void)state;
	assert_int_equal(cp->n_identities, 2);
	assert_int_equal(cp->hdr.n_rules, 0);
	assert_int_equal(cp->hdr.n_words, 0);
	assert_int_equal(cp->n_ports, 0);
	assert_int_equal(cp->n_bitmaps, 1);
	expect_flow(cp, p, "world", "host", 6, 80, BH_ACTION_DENY, NULL);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
}

int bh_test_policy_compile_group(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identities),
	    cmocka_unit_test(test_identity_stability),
	    cmocka_unit_test(test_determinism),
	    cmocka_unit_test(test_selectors),
	    cmocka_unit_test(test_precedence),
	    cmocka_unit_test(test_default_allow),
	    cmocka_unit_test(test_ports),
	    cmocka_unit_test(test_addresses),
	    cmocka_unit_test(test_address_lookup_many),
	    cmocka_unit_test(test_overrides),
	    cmocka_unit_test(test_no_cross_product),
	    cmocka_unit_test(test_empty_policy),
	    cmocka_unit_test(test_too_big),
	};

	return cmocka_run_group_tests_name("policy_compile", tests, NULL, NULL);
}
