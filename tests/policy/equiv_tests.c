// SPDX-License-Identifier: GPL-2.0-only
/*
 * Equivalence on generated policies: for every pair of identities and a set
 * of (protocol, port) probes around every port boundary of the policy,
 *   - `policy test`'s answer: peer name -> address (bh_policy_resolve_peer)
 *     -> the data plane's decision code over the compiled maps (the native
 *     engine, bh_policy_probe_decide),
 *   - the compiled maps as the ABI describes their lookup (ref_maps_rule),
 *   - the access read-back of `policy show` (bh_compiled_access),
 *   - the rules evaluated straight from the parsed policy (ref_decide),
 * all give the same verdict and deciding rule.
 */
#include "policy_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_gen.h"
#include "probe.h"

struct probe {
	__u8 proto;
	__u16 port;
};

struct probes {
	struct probe *v;
	size_t n, cap;
};

static void probe_add(struct probes *ps, __u8 proto, long port)
{
	size_t i;

	if (port < 0 || port > 65535)
		return;
	for (i = 0; i < ps->n; i++)
		if (ps->v[i].proto == proto && ps->v[i].port == port)
			return;
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 64;
		ps->v = realloc(ps->v, ps->cap * sizeof(*ps->v));
		assert_non_null(ps->v);
	}
	ps->v[ps->n++] = (struct probe){proto, (__u16)port};
}

/* Ports on both sides of every boundary, for each protocol in the policy
 * and a few it does not name. */
static void probes_for(const struct bh_policy *p, struct probes *ps)
{
	static const __u8 protos[] = {6, 17, 132, 1, 58, 47, 50};
	size_t i, j, k;

	for (k = 0; k < sizeof(protos); k++) {
		probe_add(ps, protos[k], 0);
		probe_add(ps, protos[k], 65535);
		probe_add(ps, protos[k], 443);
	}
	for (i = 0; i < p->n_rules; i++) {
		for (j = 0; j < p->rules[i].n_ports; j++) {
			const struct bh_policy_port *pt = &p->rules[i].ports[j];
			__u8 pr = pt->proto ? pt->proto : 6;

			probe_add(ps, pr, (long)pt->lo - 1);
			probe_add(ps, pr, pt->lo);
			probe_add(ps, pr, ((long)pt->lo + pt->hi) / 2);
			probe_add(ps, pr, pt->hi);
			probe_add(ps, pr, (long)pt->hi + 1);
		}
	}
}

struct access_list {
	struct bh_cp_access *v;
	size_t n, cap;
};

static int access_add(void *ctx, const struct bh_cp_access *a)
{
	struct access_list *l = ctx;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			return -1;
	}
	l->v[l->n++] = *a;
	return 0;
}

static const struct bh_cp_access *access_find(const struct access_list *l,
					      __u8 proto, __u16 port)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].proto == proto && l->v[i].lo <= port &&
		    port <= l->v[i].hi)
			return &l->v[i];
	/* Protocols without entries of their own: the last, any-proto. */
	return &l->v[l->n - 1];
}

/* The reference peer of each identity. */
static void ref_peers(const struct bh_policy *p,
		      const struct bh_compiled_policy *cp, struct ref_peer *out,
		      bool *have)
{
	size_t i;

	for (i = 0; i < cp->n_identities; i++) {
		const struct bh_cp_identity *id = &cp->identities[i];

		have[i] = id->kind != BH_KIND_WORKLOAD;
		if (id->id == BH_ID_WORLD)
			out[i] = (struct ref_peer){REF_WORLD, 0};
		else if (id->id == BH_ID_HOST)
			out[i] = (struct ref_peer){REF_HOST, 0};
	}
	for (i = 0; i < p->n_externals; i++) {
		size_t j;

		for (j = 0; j < cp->n_identities; j++)
			if (cp->identities[j].kind == BH_KIND_EXTERNAL &&
			    !strcmp(cp->identities[j].name,
				    p->externals[i].name))
				out[j] = (struct ref_peer){REF_EXTERNAL, i};
	}
	for (i = 0; i < p->n_workloads; i++) {
		long idx = bh_compiled_workload_identity(cp, &p->workloads[i]);

		assert_true(idx >= 0);
		if (!have[idx]) {
			out[idx] = (struct ref_peer){REF_WORKLOAD, i};
			have[idx] = true;
		}
	}
}

/* The verdict the data plane gives for a decision: deny becomes would-deny
 * where the effective mode is audit (destination override, then source
 * override, then the global mode). */
static __u8 expected_verdict(const struct bh_compiled_policy *cp,
			     const struct bh_cp_identity *s,
			     const struct bh_cp_identity *d, __u8 action)
{
	__u8 fs = s->info.flags, fd = d->info.flags;
	bool audit = cp->hdr.mode == BH_MODE_AUDIT;

	if (action == BH_ACTION_ALLOW)
		return BH_VERDICT_ALLOW;
	if (fd & BH_IDF_MODE_SET)
		audit = fd & BH_IDF_AUDIT;
	else if (fs & BH_IDF_MODE_SET)
		audit = fs & BH_IDF_AUDIT;
	return audit ? BH_VERDICT_AUDIT : BH_VERDICT_DENY;
}

static void equiv_one(const struct pgen_opts *o)
{
	struct bh_policy_probe *probe = NULL;
	struct bh_compiled_policy *cp;
	union bh_addr *addrs;
	struct access_list al = {0};
	struct probes ps = {0};
	struct ref_peer *peers;
	struct bh_policy *p;
	size_t s, d, k, checked = 0, allowed = 0, denied_by_rule = 0;
	char *yaml = pgen_policy(o);
	bool *have;

	assert_non_null(yaml);
	cp = pt_compile(yaml, &p);
	peers = calloc(cp->n_identities, sizeof(*peers));
	have = calloc(cp->n_identities, sizeof(*have));
	assert_non_null(peers);
	assert_non_null(have);
	ref_peers(p, cp, peers, have);
	probes_for(p, &ps);
	addrs = calloc(cp->n_identities, sizeof(*addrs));
	assert_non_null(addrs);
	for (s = 0; s < cp->n_identities; s++) {
		char err[256];

		if (bh_policy_resolve_peer(p, cp, cp->identities[s].name,
					   &addrs[s], err, sizeof(err)))
			fail_msg("%s: %s", cp->identities[s].name, err);
	}
	assert_int_equal(bh_policy_probe_new(cp, &probe), 0);

	for (s = 0; s < cp->n_identities; s++) {
		for (d = 0; d < cp->n_identities; d++) {
			al.n = 0;
			assert_int_equal(
			    bh_compiled_access(cp, s, d, access_add, &al), 0);
			assert_true(al.n > 0);
			assert_int_equal(al.v[al.n - 1].proto, BH_PROTO_ANY);
			for (k = 0; k < ps.n; k++) {
				const struct probe *pr = &ps.v[k];
				__u32 rid = ref_maps_rule(cp, s, d, pr->proto,
							  pr->port);
				const struct bh_cp_rule *r =
				    bh_compiled_rule(cp, rid);
				const struct bh_cp_access *a =
				    access_find(&al, pr->proto, pr->port);
				struct ref_verdict rv;
				struct bh_policy_verdict nv;
				__u8 act =
				    r ? r->action : cp->hdr.default_action;
				__u8 want;

				ref_decide(p, &peers[s], &peers[d], pr->proto,
					   pr->port, &rv);
				if (act != rv.action ||
				    (rv.rule ? !r || strcmp(rv.rule, r->name)
					     : r != NULL) ||
				    a->rule_id != rid)
					fail_msg(
					    "seed %llu: %s -> %s proto %u port "
					    "%u: maps %s (%s), access rule %u, "
					    "reference %s (%s)",
					    o->seed, cp->identities[s].name,
					    cp->identities[d].name, pr->proto,
					    pr->port, act ? "allow" : "deny",
					    r ? r->name : "default", a->rule_id,
					    rv.action ? "allow" : "deny",
					    rv.rule ? rv.rule : "default");
				/* The data plane's own decision code. */
				assert_int_equal(
				    bh_policy_probe_decide(probe, &addrs[s],
							   &addrs[d], pr->proto,
							   pr->port, &nv),
				    0);
				want = expected_verdict(cp, &cp->identities[s],
							&cp->identities[d],
							rv.action);
				if (nv.res.src_identity !=
					cp->identities[s].id ||
				    nv.res.dst_identity !=
					cp->identities[d].id ||
				    nv.res.rule_id != rid ||
				    nv.res.verdict != want ||
				    nv.res.reason !=
					(rv.action == BH_ACTION_ALLOW
					     ? BH_REASON_NONE
					 : rid ? BH_REASON_POLICY_DENIED
					       : BH_REASON_DEFAULT_DENY))
					fail_msg(
					    "seed %llu: %s -> %s proto %u port "
					    "%u: native identities %u -> %u, "
					    "rule %u, %s (%s); expected %u -> "
					    "%u, rule %u (%s), %s",
					    o->seed, cp->identities[s].name,
					    cp->identities[d].name, pr->proto,
					    pr->port, nv.res.src_identity,
					    nv.res.dst_identity, nv.res.rule_id,
					    bh_verdict_str(nv.res.verdict),
					    bh_reason_str(nv.res.reason),
					    cp->identities[s].id,
					    cp->identities[d].id, rid,
					    rv.rule ? rv.rule : "default",
					    bh_verdict_str(want));
				checked++;
				allowed += act == BH_ACTION_ALLOW;
				denied_by_rule += r && !act;
			}
		}
	}
	/* The generated policy must exercise both outcomes, or this test
	 * proves little. */
	assert_true(allowed > 0);
	assert_true(denied_by_rule > 0);
	assert_true(allowed < checked);
	print_message("seed %llu: %zu identities, %zu rules, %zu probes, %zu "
		      "checks (%zu allowed, %zu denied by a rule)\n",
		      o->seed, cp->n_identities, cp->n_rules, ps.n, checked,
		      allowed, denied_by_rule);
	bh_policy_probe_free(&probe);
	free(addrs);
	free(al.v);
	free(ps.v);
	free(peers);
	free(have);
	free(yaml);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
}

static void test_equiv_generated(void **state)
{
	static const struct pgen_opts cases[] = {
	    {.workloads = 30,
	     .rules = 25,
	     .externals = 2,
	     .apps = 6,
	     .deny_pct = 25,
	     .seed = 1},
	    {.workloads = 60,
	     .rules = 40,
	     .externals = 3,
	     .apps = 10,
	     .deny_pct = 30,
	     .ipv6 = true,
	     .seed = 2},
	    {.workloads = 80,
	     .rules = 70,
	     .externals = 4,
	     .apps = 12,
	     .deny_pct = 15,
	     .ipv6 = true,
	     .seed = 3},
	    {.workloads = 40,
	     .rules = 130,
	     .externals = 2,
	     .apps = 5,
	     .deny_pct = 40,
	     .seed = 4}, /* > 64 rules: 3 words */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		equiv_one(&cases[i]);
}

/* The generator is deterministic, and its policies are valid. */
static void test_generator(void **state)
{
	struct pgen_opts o = {.workloads = 200,
			      .rules = 100,
			      .externals = 3,
			      .deny_pct = 20,
			      .ipv6 = true,
			      .seed = 42};
	char *a = pgen_policy(&o), *b = pgen_policy(&o);
	struct bh_compiled_policy *cp;
	struct bh_policy *p;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a, b);
	o.seed = 43;
	free(b);
	b = pgen_policy(&o);
	assert_string_not_equal(a, b);
	cp = pt_compile(a, &p);
	assert_int_equal(p->n_workloads, 200);
	assert_int_equal(cp->n_rules, 100);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
	free(a);
	free(b);
}

int bh_test_policy_equiv_group(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_generator),
	    cmocka_unit_test(test_equiv_generated),
	};

	return cmocka_run_group_tests_name("policy_equiv", tests, NULL, NULL);
}
