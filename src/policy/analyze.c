// SPDX-License-Identifier: GPL-2.0-only
/*
 * Warnings of `policy check` that need the compiled form: selectors that
 * match nothing, rules shadowed by another rule, allow rules that deny rules
 * cancel entirely, identities with conflicting mode overrides.
 *
 * Rule sets are read back from the compiled maps: an identity's source
 * bitmap is the set of rules whose `from` selects it, and the union of a
 * destination class's port bitmaps is the set of rules whose `to` selects
 * it (every such rule covers at least one port, so it is in some entry).
 */
#include "policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

/* Cancellation is checked pair by pair (source bitmap x destination class
 * x port entry) with an early exit; this bounds the worst case. */
#define BH_ANALYZE_BUDGET 50000000ULL

struct ba {
	const struct bh_policy *p;
	const struct bh_compiled_policy *cp;
	struct bh_diag *d;
	size_t rwords;
	size_t n_classes;
	__u64 *classvec; /* n_classes x rwords: rules whose `to` match */
	size_t *class_lo, *class_hi; /* the class's run in cp->ports */
	size_t *rule_of_bit;	     /* bit -> index in p->rules */
	__u64 deny[BH_RULE_WORDS];
	unsigned long long budget;
};

static bool ba_bit(const __u64 *v, size_t b)
{
	return v[b / 64] >> (b % 64) & 1;
}

static const struct bh_cp_label *ba_label(const struct bh_cp_identity *id,
					  const char *key)
{
	size_t lo = 0, hi = id->n_labels;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(id->labels[mid].key, key);

		if (!c)
			return &id->labels[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A label selector against one workload identity (Kubernetes semantics:
 * NotIn and DoesNotExist match when the key is absent). */
static bool ba_selector_match(const struct bh_policy_peer *pe,
			      const struct bh_cp_identity *id)
{
	size_t i, j;

	if (id->kind != BH_KIND_WORKLOAD)
		return false;
	for (i = 0; i < pe->n_exprs; i++) {
		const struct bh_policy_sel_expr *e = &pe->exprs[i];
		const struct bh_cp_label *l = ba_label(id, e->key);
		bool in = false;

		if (l && (e->op == BH_SEL_IN || e->op == BH_SEL_NOT_IN))
			for (j = 0; j < e->n_values && !in; j++)
				in = !strcmp(l->value, e->values[j]);
		switch (e->op) {
		case BH_SEL_IN:
			if (!in)
				return false;
			break;
		case BH_SEL_NOT_IN:
			if (in)
				return false;
			break;
		case BH_SEL_EXISTS:
			if (!l)
				return false;
			break;
		case BH_SEL_DOES_NOT_EXIST:
			if (l)
				return false;
			break;
		}
	}
	return true;
}

static void ba_warn(struct ba *a, struct bh_policy_pos pos, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

static void ba_warn(struct ba *a, struct bh_policy_pos pos, const char *fmt,
		    ...)
{
	va_list ap;

	va_start(ap, fmt);
	bh_diag_vadd(a->d, BH_DIAG_WARNING, pos.line, pos.col, fmt, ap);
	va_end(ap);
}

static void ba_peers_nothing(struct ba *a, const struct bh_policy_peers *ps)
{
	size_t i, j;

	for (i = 0; i < ps->n; i++) {
		const struct bh_policy_peer *pe = &ps->v[i];

		if (pe->kind == BH_PEER_HOST && !a->p->n_host)
			ba_warn(a, pe->pos,
				"'host' matches no traffic: "
				"defaults.host_addresses lists no address");
		if (pe->kind != BH_PEER_SELECTOR)
			continue;
		for (j = 0; j < a->cp->n_identities; j++)
			if (ba_selector_match(pe, &a->cp->identities[j]))
				break;
		if (j == a->cp->n_identities)
			ba_warn(a, pe->pos, "selector matches no workload");
	}
}

static int ba_classes(struct ba *a)
{
	const struct bh_compiled_policy *cp = a->cp;
	size_t i, w;

	a->n_classes = 1;
	for (i = 0; i < cp->n_identities; i++)
		if (cp->identities[i].info.dst_class >= a->n_classes)
			a->n_classes = cp->identities[i].info.dst_class + 1;
	a->classvec = calloc(a->n_classes * a->rwords + 1, sizeof(__u64));
	a->class_lo = calloc(a->n_classes, sizeof(size_t));
	a->class_hi = calloc(a->n_classes, sizeof(size_t));
	if (!a->classvec || !a->class_lo || !a->class_hi)
		return -ENOMEM;
	for (i = 0; i < cp->n_ports; i++) {
		const struct bh_cp_port *e = &cp->ports[i];
		__u64 *v = a->classvec + e->dst_class * a->rwords;

		if (e->dst_class >= a->n_classes)
			continue;
		if (!a->class_hi[e->dst_class])
			a->class_lo[e->dst_class] = i;
		a->class_hi[e->dst_class] = i + 1;
		for (w = 0; w < a->rwords; w++)
			v[w] |= cp->bitmaps[e->bitmap].w[w];
	}
	return 0;
}

/* True when every port entry of rule x is covered by rule y's ports. */
static bool ba_ports_cover(const struct bh_policy_rule *x,
			   const struct bh_policy_rule *y)
{
	size_t i, j;

	for (i = 0; i < x->n_ports; i++) {
		const struct bh_policy_port *px = &x->ports[i];
		__u32 next = px->lo; /* first port of px not yet covered */
		bool progress = true;

		/* y's ranges of the same protocol (or any) may cover px in
		 * pieces: extend the covered prefix until no range helps. */
		while (next <= px->hi && progress) {
			progress = false;
			for (j = 0; j < y->n_ports; j++) {
				const struct bh_policy_port *py = &y->ports[j];

				if (py->proto != BH_PROTO_ANY &&
				    py->proto != px->proto)
					continue;
				if (px->proto == BH_PROTO_ANY &&
				    py->proto != BH_PROTO_ANY)
					continue;
				if (py->lo <= next && py->hi >= next) {
					next = py->hi + 1u;
					progress = true;
				}
			}
		}
		if (next <= px->hi)
			return false;
	}
	return true;
}

/* Rules (of the same action) whose `from` and `to` contain those of bit. */
static bool ba_candidates(struct ba *a, size_t bit, __u64 *cand)
{
	const struct bh_compiled_policy *cp = a->cp;
	const struct bh_cp_rule *r = &cp->rules[bit];
	bool any_src = false, any_dst = false;
	size_t i, w;

	for (w = 0; w < a->rwords; w++)
		cand[w] =
		    r->action == BH_ACTION_DENY ? a->deny[w] : ~a->deny[w];
	for (i = 0; i < cp->n_identities; i++) {
		const __u64 *s =
		    cp->bitmaps[cp->identities[i].info.src_bitmap].w;

		if (!ba_bit(s, bit))
			continue;
		any_src = true;
		for (w = 0; w < a->rwords; w++)
			cand[w] &= s[w];
	}
	for (i = 1; i < a->n_classes; i++) {
		const __u64 *t = a->classvec + i * a->rwords;

		if (!ba_bit(t, bit))
			continue;
		any_dst = true;
		for (w = 0; w < a->rwords; w++)
			cand[w] &= t[w];
	}
	return any_src && any_dst;
}

static int ba_shadowed(struct ba *a)
{
	const struct bh_compiled_policy *cp = a->cp;
	const struct bh_policy *p = a->p;
	size_t bit, o, rw = a->rwords ? a->rwords : 1;
	__u64 *cand;
	bool *valid;

	cand = calloc(cp->n_rules * rw + 1, sizeof(*cand));
	valid = calloc(cp->n_rules + 1, sizeof(*valid));
	if (!cand || !valid) {
		free(cand);
		free(valid);
		return -ENOMEM;
	}
	for (bit = 0; bit < cp->n_rules; bit++)
		valid[bit] = ba_candidates(a, bit, cand + bit * rw);
	for (bit = 0; bit < cp->n_rules; bit++) {
		const struct bh_policy_rule *x = &p->rules[a->rule_of_bit[bit]];

		if (!valid[bit])
			continue; /* matches nothing: warned as such */
		for (o = 0; o < cp->n_rules; o++) {
			const struct bh_policy_rule *y =
			    &p->rules[a->rule_of_bit[o]];
			bool mutual;

			if (o == bit || !ba_bit(cand + bit * rw, o) ||
			    !ba_ports_cover(x, y))
				continue;
			/* Two rules that cover each other: only the later in
			 * the file is the redundant one. */
			mutual = valid[o] && ba_bit(cand + o * rw, bit) &&
				 ba_ports_cover(y, x);
			if (mutual && (y->pos.line > x->pos.line ||
				       (y->pos.line == x->pos.line &&
					y->pos.col > x->pos.col)))
				continue;
			ba_warn(a, x->pos,
				"rule '%s' is shadowed by rule '%s' (line %d): "
				"same action, and '%s' covers every source, "
				"destination and port of '%s'",
				x->name, y->name, y->pos.line, y->name,
				x->name);
			break;
		}
	}
	free(cand);
	free(valid);
	return 0;
}

/* Allow rule `bit` decides nothing when every (source, destination, port)
 * it covers is also covered by a deny rule. Returns the deny bit of a
 * witness (+1), 0 when the rule is effective somewhere, -1 out of budget. */
static long ba_cancelled(struct ba *a, size_t bit, unsigned char *seen)
{
	const struct bh_compiled_policy *cp = a->cp;
	long witness = 0;
	size_t i, c, k, w;

	memset(seen, 0, cp->n_bitmaps);
	for (i = 0; i < cp->n_identities; i++) {
		__u32 sb = cp->identities[i].info.src_bitmap;
		const __u64 *s = cp->bitmaps[sb].w;

		if (seen[sb] || !ba_bit(s, bit))
			continue;
		seen[sb] = 1;
		for (c = 1; c < a->n_classes; c++) {
			if (!ba_bit(a->classvec + c * a->rwords, bit))
				continue;
			for (k = a->class_lo[c]; k < a->class_hi[c]; k++) {
				const __u64 *d =
				    cp->bitmaps[cp->ports[k].bitmap].w;
				__u64 m = 0;

				if (!ba_bit(d, bit))
					continue;
				if (a->budget < a->rwords)
					return -1;
				a->budget -= a->rwords;
				for (w = 0; w < a->rwords && !m; w++) {
					m = s[w] & d[w] & a->deny[w];
					if (m && !witness)
						witness =
						    (long)(w * 64 +
							   (size_t)
							       __builtin_ctzll(
								   m)) +
						    1;
				}
				if (!m)
					return 0;
			}
		}
	}
	return witness;
}

static int ba_cancelled_all(struct ba *a)
{
	const struct bh_compiled_policy *cp = a->cp;
	unsigned char *seen;
	size_t bit;

	if (!cp->hdr.n_deny)
		return 0;
	seen = calloc(cp->n_bitmaps + 1, 1);
	if (!seen)
		return -ENOMEM;
	for (bit = cp->hdr.n_deny; bit < cp->n_rules; bit++) {
		const struct bh_policy_rule *x =
		    &a->p->rules[a->rule_of_bit[bit]];
		long wit = ba_cancelled(a, bit, seen);

		if (wit < 0) {
			bh_diag_add(
			    a->d, BH_DIAG_WARNING, 0, 0,
			    "analysis stopped early: the policy is too large "
			    "to check every allow rule against the deny rules");
			break;
		}
		if (wit > 0)
			ba_warn(a, x->pos,
				"allow rule '%s' never allows anything: deny "
				"rules cancel it entirely (e.g. '%s')",
				x->name, cp->rules[wit - 1].name);
	}
	free(seen);
	return 0;
}

static void ba_overrides(struct ba *a)
{
	const struct bh_policy *p = a->p;
	const struct bh_compiled_policy *cp = a->cp;
	size_t i, j, k, l;

	/* Pairs of overrides with different modes that select a common
	 * identity; few overrides in practice. */
	for (i = 0; i < p->n_overrides; i++) {
		for (j = i + 1; j < p->n_overrides; j++) {
			const struct bh_policy_override *x = &p->overrides[i];
			const struct bh_policy_override *y = &p->overrides[j];

			if (x->mode == y->mode)
				continue;
			for (k = 0; k < cp->n_identities; k++) {
				const struct bh_cp_identity *id =
				    &cp->identities[k];
				bool in_x = false, in_y = false;

				for (l = 0; l < x->selector.n && !in_x; l++)
					in_x = ba_selector_match(
					    &x->selector.v[l], id);
				for (l = 0; l < y->selector.n && !in_y; l++)
					in_y = ba_selector_match(
					    &y->selector.v[l], id);
				if (!in_x || !in_y)
					continue;
				ba_warn(a, y->pos,
					"identity '%s' is selected by this "
					"override and the one at line %d with "
					"a different mode: enforce applies",
					id->name, x->pos.line);
				break;
			}
		}
	}
}

int bh_policy_analyze(const struct bh_policy *p,
		      const struct bh_compiled_policy *cp,
		      struct bh_diag *diags)
{
	struct ba a = {
	    .p = p, .cp = cp, .d = diags, .budget = BH_ANALYZE_BUDGET};
	struct bh_hmap names;
	size_t i, idx;
	int err;

	bh_hmap_init(&names);
	a.rwords = cp->hdr.n_words;
	a.rule_of_bit = calloc(cp->n_rules + 1, sizeof(size_t));
	if (!a.rule_of_bit) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < p->n_rules; i++) {
		err = bh_hmap_put(&names, p->rules[i].name,
				  strlen(p->rules[i].name), i, NULL);
		if (err < 0)
			goto out;
	}
	for (i = 0; i < cp->n_rules; i++) {
		if (!bh_hmap_get(&names, cp->rules[i].name,
				 strlen(cp->rules[i].name), &idx)) {
			err = -EINVAL; /* not compiled from this policy */
			goto out;
		}
		a.rule_of_bit[i] = idx;
		if (i < cp->hdr.n_deny)
			a.deny[i / 64] |= 1ULL << (i % 64);
	}
	for (i = 0; i < p->n_rules; i++) {
		ba_peers_nothing(&a, &p->rules[i].from);
		ba_peers_nothing(&a, &p->rules[i].to);
	}
	for (i = 0; i < p->n_overrides; i++)
		ba_peers_nothing(&a, &p->overrides[i].selector);
	ba_overrides(&a);
	err = ba_classes(&a);
	if (err)
		goto out;
	err = ba_shadowed(&a);
	if (!err)
		err = ba_cancelled_all(&a);
out:
	bh_hmap_release(&names);
	free(a.rule_of_bit);
	free(a.classvec);
	free(a.class_lo);
	free(a.class_hi);
	return err < 0 ? err : 0;
}
