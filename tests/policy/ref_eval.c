// SPDX-License-Identifier: GPL-2.0-only
/* Test oracles: the rules evaluated straight from the parsed policy, and
 * the compiled arrays evaluated the way bulkhead_abi.h says the data plane
 * looks them up. Written apart from src/policy on purpose. */
#include "policy_test.h"

#include <string.h>

static bool ref_labels_match(const struct bh_policy_workload *w,
			     const struct bh_policy_peer *pe)
{
	size_t i, j, k;

	for (i = 0; i < pe->n_exprs; i++) {
		const struct bh_policy_sel_expr *e = &pe->exprs[i];
		const char *val = NULL;
		bool in = false;

		for (j = 0; j < w->n_labels; j++)
			if (!strcmp(w->labels[j].key, e->key))
				val = w->labels[j].value;
		for (k = 0; val && k < e->n_values; k++)
			if (!strcmp(val, e->values[k]))
				in = true;
		if (e->op == BH_SEL_IN && !in)
			return false;
		if (e->op == BH_SEL_NOT_IN && in)
			return false;
		if (e->op == BH_SEL_EXISTS && !val)
			return false;
		if (e->op == BH_SEL_DOES_NOT_EXIST && val)
			return false;
	}
	return true;
}

static bool ref_peers_match(const struct bh_policy *p,
			    const struct bh_policy_peers *ps,
			    const struct ref_peer *x)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		const struct bh_policy_peer *pe = &ps->v[i];

		switch (pe->kind) {
		case BH_PEER_SELECTOR:
			if (x->kind == REF_WORKLOAD &&
			    ref_labels_match(&p->workloads[x->idx], pe))
				return true;
			break;
		case BH_PEER_EXTERNAL:
			if (x->kind == REF_EXTERNAL && x->idx == pe->external)
				return true;
			break;
		case BH_PEER_WORLD:
			if (x->kind == REF_WORLD)
				return true;
			break;
		case BH_PEER_HOST:
			if (x->kind == REF_HOST)
				return true;
			break;
		}
	}
	return false;
}

static bool ref_ports_match(const struct bh_policy_rule *r, __u8 proto,
			    __u16 port)
{
	size_t i;

	for (i = 0; i < r->n_ports; i++) {
		const struct bh_policy_port *pt = &r->ports[i];

		if (pt->proto == BH_PROTO_ANY)
			return true;
		if (pt->proto == proto && pt->lo <= port && port <= pt->hi)
			return true;
	}
	return false;
}

void ref_decide(const struct bh_policy *p, const struct ref_peer *src,
		const struct ref_peer *dst, __u8 proto, __u16 port,
		struct ref_verdict *out)
{
	const char *deny = NULL, *allow = NULL;
	size_t i;

	for (i = 0; i < p->n_rules; i++) {
		const struct bh_policy_rule *r = &p->rules[i];
		const char **best;

		if (!ref_peers_match(p, &r->from, src) ||
		    !ref_peers_match(p, &r->to, dst) ||
		    !ref_ports_match(r, proto, port))
			continue;
		best = r->action == BH_ACTION_DENY ? &deny : &allow;
		if (!*best || strcmp(r->name, *best) < 0)
			*best = r->name;
	}
	if (deny) {
		out->action = BH_ACTION_DENY;
		out->rule = deny;
	} else if (allow) {
		out->action = BH_ACTION_ALLOW;
		out->rule = allow;
	} else {
		out->action = p->default_action;
		out->rule = NULL;
	}
}

__u32 ref_maps_rule(const struct bh_compiled_policy *cp, size_t src_idx,
		    size_t dst_idx, __u8 proto, __u16 port)
{
	const struct bh_rule_bitmap *s =
	    &cp->bitmaps[cp->identities[src_idx].info.src_bitmap];
	__u32 cls = cp->identities[dst_idx].info.dst_class;
	const struct bh_cp_port *exact = NULL, *lpm = NULL, *any = NULL;
	const struct bh_rule_bitmap *d;
	size_t i;
	__u32 w;

	for (i = 0; i < cp->n_ports; i++) {
		const struct bh_cp_port *e = &cp->ports[i];
		__u32 shift = 16u - e->prefixlen;

		if (e->dst_class != cls)
			continue;
		if (e->prefixlen == 16) {
			if (e->proto == proto && e->port == port)
				exact = e;
			continue;
		}
		if (e->proto == BH_PROTO_ANY && e->prefixlen == 0)
			any = e;
		if (e->proto == proto &&
		    (__u32)e->port >> shift == (__u32)port >> shift &&
		    (!lpm || e->prefixlen > lpm->prefixlen))
			lpm = e;
	}
	d = exact ? &cp->bitmaps[exact->bitmap]
	    : lpm ? &cp->bitmaps[lpm->bitmap]
	    : any ? &cp->bitmaps[any->bitmap]
		  : NULL;
	if (!d)
		return 0;
	for (w = 0; w < cp->hdr.n_words; w++) {
		__u64 m = s->w[w] & d->w[w];

		if (m)
			return w * 64 + (__u32)__builtin_ctzll(m) + 1;
	}
	return 0;
}
