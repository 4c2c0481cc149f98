// SPDX-License-Identifier: GPL-2.0-only
#include "policy_names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bh_policy_names {
	const struct bh_compiled_policy *cp;
	__u32 generation;
	__u32 first_epoch;
	/* labels of identity i as "key=value", built once */
	char ***labels;
};

void bh_policy_names_free(struct bh_policy_names **np)
{
	struct bh_policy_names *n;
	size_t i, j;

	if (!np || !*np)
		return;
	n = *np;
	for (i = 0; n->labels && i < n->cp->n_identities; i++) {
		for (j = 0; n->labels[i] && j < n->cp->identities[i].n_labels;
		     j++)
			free(n->labels[i][j]);
		free(n->labels[i]);
	}
	free(n->labels);
	free(n);
	*np = NULL;
}

int bh_policy_names_new(struct bh_policy_names **out,
			const struct bh_compiled_policy *cp, __u32 generation,
			__u32 first_epoch)
{
	struct bh_policy_names *n;
	size_t i, j;

	*out = NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->cp = cp;
	n->generation = generation;
	n->first_epoch = first_epoch;
	n->labels = calloc(cp->n_identities ? cp->n_identities : 1,
			   sizeof(*n->labels));
	if (!n->labels)
		goto nomem;
	for (i = 0; i < cp->n_identities; i++) {
		const struct bh_cp_identity *id = &cp->identities[i];

		if (!id->n_labels)
			continue;
		n->labels[i] = calloc(id->n_labels, sizeof(char *));
		if (!n->labels[i])
			goto nomem;
		for (j = 0; j < id->n_labels; j++)
			if (asprintf(&n->labels[i][j], "%s=%s",
				     id->labels[j].key,
				     id->labels[j].value) < 0) {
				n->labels[i][j] = NULL;
				goto nomem;
			}
	}
	*out = n;
	return 0;
nomem:
	bh_policy_names_free(&n);
	return -ENOMEM;
}

static int names_identity(void *ctx, __u32 id, struct bh_resolver_identity *out)
{
	struct bh_policy_names *n = ctx;
	const struct bh_cp_identity *cid = bh_compiled_identity(n->cp, id);

	if (!cid)
		return -ENOENT;
	out->name = cid->name;
	out->kind = cid->kind;
	out->labels = (const char *const *)n->labels[cid - n->cp->identities];
	out->n_labels = cid->n_labels;
	return 0;
}

static const char *names_workload(void *ctx, const union bh_addr *addr)
{
	struct bh_policy_names *n = ctx;
	const struct bh_cp_addr *a = bh_compiled_addr(n->cp, addr);

	return a ? a->workload : NULL;
}

static const char *names_rule(void *ctx, __u32 rule_id)
{
	struct bh_policy_names *n = ctx;
	const struct bh_cp_rule *r = bh_compiled_rule(n->cp, rule_id);

	return r ? r->name : NULL;
}

static int names_generation(void *ctx, __u32 epoch, __u32 *generation)
{
	struct bh_policy_names *n = ctx;

	/* Epochs of this policy: its first, and later ones with the same
	 * slot (endpoint updates add 2). */
	if (epoch < n->first_epoch || (epoch - n->first_epoch) % 2)
		return -ENOENT;
	*generation = n->generation;
	return 0;
}

void bh_policy_names_resolver(struct bh_policy_names *n,
			      struct bh_collector_resolver *out)
{
	memset(out, 0, sizeof(*out));
	out->ctx = n;
	out->identity = names_identity;
	out->workload = names_workload;
	out->rule = names_rule;
	out->generation = names_generation;
}
