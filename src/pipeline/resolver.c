// SPDX-License-Identifier: GPL-2.0-only
#include "resolver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bh_policy_resolver {
	struct bh_collector_resolver res;
	const struct bh_compiled_policy *cp;
	__u32 generation;
	/* "key=value" strings per identity, in cp->identities order */
	char ***labels;
};

static int bh_res_identity(void *ctx, __u32 id, struct bh_resolver_identity *out)
{
	struct bh_policy_resolver *r = ctx;
	const struct bh_cp_identity *ci = bh_compiled_identity(r->cp, id);

	if (!ci)
		return -ENOENT;
	out->name = ci->name;
	out->labels = (const char *const *)r->labels[ci - r->cp->identities];
	out->n_labels = ci->n_labels;
	out->kind = ci->kind;
	return 0;
}

static const char *bh_res_workload(void *ctx, const union bh_addr *addr)
{
	struct bh_policy_resolver *r = ctx;
	const struct bh_cp_addr *a = bh_compiled_addr(r->cp, addr);

	return a ? a->workload : NULL;
}

static const char *bh_res_rule(void *ctx, __u32 rule_id)
{
	struct bh_policy_resolver *r = ctx;
	const struct bh_cp_rule *rule = bh_compiled_rule(r->cp, rule_id);

	return rule ? rule->name : NULL;
}

static int bh_res_generation(void *ctx, __u32 epoch, __u32 *generation)
{
	struct bh_policy_resolver *r = ctx;

	(void)epoch;
	*generation = r->generation;
	return 0;
}

void bh_policy_resolver_free(struct bh_policy_resolver **rp)
{
	struct bh_policy_resolver *r = *rp;
	size_t i, j;

	if (!r)
		return;
	for (i = 0; r->labels && i < r->cp->n_identities; i++) {
		for (j = 0; r->labels[i] && j < r->cp->identities[i].n_labels;
		     j++)
			free(r->labels[i][j]);
		free(r->labels[i]);
	}
	free(r->labels);
	free(r);
	*rp = NULL;
}

int bh_policy_resolver_new(struct bh_policy_resolver **out,
			   const struct bh_compiled_policy *cp,
			   __u32 generation)
{
	struct bh_policy_resolver *r;
	size_t i, j;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->cp = cp;
	r->generation = generation;
	r->labels = calloc(cp->n_identities ? cp->n_identities : 1,
			   sizeof(*r->labels));
	if (!r->labels)
		goto nomem;
	for (i = 0; i < cp->n_identities; i++) {
		const struct bh_cp_identity *ci = &cp->identities[i];

		r->labels[i] = calloc(ci->n_labels + 1, sizeof(char *));
		if (!r->labels[i])
			goto nomem;
		for (j = 0; j < ci->n_labels; j++)
			if (asprintf(&r->labels[i][j], "%s=%s",
				     ci->labels[j].key,
				     ci->labels[j].value) < 0) {
				r->labels[i][j] = NULL;
				goto nomem;
			}
	}
	r->res.ctx = r;
	r->res.identity = bh_res_identity;
	r->res.workload = bh_res_workload;
	r->res.rule = bh_res_rule;
	r->res.generation = bh_res_generation;
	*out = r;
	return 0;
nomem:
	bh_policy_resolver_free(&r);
	return -ENOMEM;
}

const struct bh_collector_resolver *
bh_policy_resolver_get(struct bh_policy_resolver *r)
{
	return &r->res;
}
