// SPDX-License-Identifier: GPL-2.0-only
/* The daemon's resolver for flow records; see flow_names.h. */
#include "flow_names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_names.h"

/* ------------------------------------------------------------------------ */
/* Epochs.                                                                  */

void bh_epochs_init(struct bh_epochs *h)
{
	memset(h, 0, sizeof(*h));
}

void bh_epochs_add(struct bh_epochs *h, __u32 first_epoch, __u32 generation)
{
	h->v[h->next].first_epoch = first_epoch;
	h->v[h->next].generation = generation;
	h->next = (h->next + 1) % BH_EPOCH_HISTORY;
	if (h->n < BH_EPOCH_HISTORY)
		h->n++;
	else
		h->adopted = false; /* what came before is forgotten */
}

void bh_epochs_adopt(struct bh_epochs *h, __u32 epoch, __u32 slot0_gen,
		     __u32 slot1_gen)
{
	h->adopted = true;
	h->adopted_epoch = epoch;
	h->adopted_gen[0] = slot0_gen;
	h->adopted_gen[1] = slot1_gen;
}

int bh_epochs_lookup(const struct bh_epochs *h, __u32 epoch, __u32 *generation)
{
	unsigned int i;

	/* newest first: the latest switch at or before the epoch */
	for (i = 1; i <= h->n; i++) {
		unsigned int k =
		    (h->next + BH_EPOCH_HISTORY - i) % BH_EPOCH_HISTORY;

		if (h->v[k].first_epoch <= epoch) {
			*generation = h->v[k].generation;
			return 0;
		}
	}
	/* Before our first switch: the pinned data plane's slots say which
	 * generation each parity held last. Older generations of the same
	 * parity are not known apart; their flows were re-decided at their
	 * next packet, so only idle ones can be mislabelled. */
	if (h->adopted && epoch <= h->adopted_epoch &&
	    h->adopted_gen[epoch & 1]) {
		*generation = h->adopted_gen[epoch & 1];
		return 0;
	}
	return -ENOENT;
}

/* ------------------------------------------------------------------------ */
/* The snapshot.                                                            */

/* A runtime endpoint: its name by address. */
struct rt_addr {
	union bh_addr addr;
	char *name;
};

/* A label set added without a switch: an identity the policy lacks. */
struct rt_ident {
	__u32 id;
	char *name;    /* the first endpoint's */
	char **labels; /* "key=value", sorted by key */
	size_t n_labels;
};

struct bh_flow_names {
	struct bh_policy_names *pn;
	struct bh_collector_resolver pr; /* pn's own callbacks */
	struct rt_addr *addrs;		 /* sorted by address */
	size_t n_addrs;
	struct rt_ident *ids;
	size_t n_ids;
	const struct bh_epochs *epochs;
	const char *(*iface)(void *ctx, __u32 ifindex,
			     enum bh_iface_kind *kind);
	void *ctx;
};

static int addr_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct rt_addr *)a)->addr,
		      &((const struct rt_addr *)b)->addr,
		      sizeof(union bh_addr));
}

void bh_flow_names_free(struct bh_flow_names **np)
{
	struct bh_flow_names *n = np ? *np : NULL;
	size_t i, j;

	if (!n)
		return;
	bh_policy_names_free(&n->pn);
	for (i = 0; i < n->n_addrs; i++)
		free(n->addrs[i].name);
	free(n->addrs);
	for (i = 0; i < n->n_ids; i++) {
		for (j = 0; j < n->ids[i].n_labels; j++)
			free(n->ids[i].labels[j]);
		free(n->ids[i].labels);
		free(n->ids[i].name);
	}
	free(n->ids);
	free(n);
	*np = NULL;
}

static int add_ident(struct bh_flow_names *n, const struct bh_endpoint *e)
{
	struct rt_ident *id = &n->ids[n->n_ids];
	size_t i;

	for (i = 0; i < n->n_ids; i++)
		if (n->ids[i].id == e->identity)
			return 0; /* a replica of a label set already here */
	id->id = e->identity;
	id->name = strdup(e->name);
	id->labels = calloc(e->n_labels ? e->n_labels : 1, sizeof(char *));
	n->n_ids++; /* freed with what it got so far on error */
	if (!id->name || !id->labels)
		return -ENOMEM;
	for (i = 0; i < e->n_labels; i++) {
		if (asprintf(&id->labels[i], "%s=%s", e->labels[i].key,
			     e->labels[i].value) < 0)
			return -ENOMEM;
		id->n_labels++;
	}
	return 0;
}

int bh_flow_names_new(struct bh_flow_names **out,
		      const struct bh_flow_names_src *src)
{
	const struct bh_ep_registry *eps = src->eps;
	size_t neps = eps ? eps->n : 0, i;
	struct bh_flow_names *n;
	int err;

	*out = NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->epochs = src->epochs;
	n->iface = src->iface;
	n->ctx = src->ctx;
	/* generations come from the epoch history, not from pn */
	err = bh_policy_names_new(&n->pn, src->cp, 0, 0);
	if (err)
		goto err;
	bh_policy_names_resolver(n->pn, &n->pr);
	n->addrs = calloc(neps ? neps : 1, sizeof(*n->addrs));
	n->ids = calloc(neps ? neps : 1, sizeof(*n->ids));
	if (!n->addrs || !n->ids)
		goto nomem;
	for (i = 0; i < neps; i++) {
		const struct bh_endpoint *e = &eps->v[i];

		n->addrs[n->n_addrs].addr = e->addr;
		n->addrs[n->n_addrs].name = strdup(e->name);
		if (!n->addrs[n->n_addrs].name)
			goto nomem;
		n->n_addrs++;
		if (e->identity && add_ident(n, e))
			goto nomem;
	}
	qsort(n->addrs, n->n_addrs, sizeof(*n->addrs), addr_cmp);
	*out = n;
	return 0;
nomem:
	err = -ENOMEM;
err:
	bh_flow_names_free(&n);
	return err;
}

static int names_identity(void *ctx, __u32 id, struct bh_resolver_identity *out)
{
	struct bh_flow_names *n = ctx;
	size_t i;

	if (!n->pr.identity(n->pr.ctx, id, out))
		return 0;
	for (i = 0; i < n->n_ids; i++) {
		if (n->ids[i].id != id)
			continue;
		out->name = n->ids[i].name;
		out->labels = (const char *const *)n->ids[i].labels;
		out->n_labels = n->ids[i].n_labels;
		out->kind = BH_KIND_WORKLOAD;
		return 0;
	}
	return -ENOENT;
}

static const char *names_workload(void *ctx, const union bh_addr *addr)
{
	struct bh_flow_names *n = ctx;
	struct rt_addr key = {.addr = *addr};
	const struct rt_addr *a;

	a = n->n_addrs
		? bsearch(&key, n->addrs, n->n_addrs, sizeof(key), addr_cmp)
		: NULL;
	return a ? a->name : n->pr.workload(n->pr.ctx, addr);
}

static const char *names_rule(void *ctx, __u32 rule_id)
{
	struct bh_flow_names *n = ctx;

	return n->pr.rule(n->pr.ctx, rule_id);
}

static int names_generation(void *ctx, __u32 epoch, __u32 *generation)
{
	struct bh_flow_names *n = ctx;

	return n->epochs ? bh_epochs_lookup(n->epochs, epoch, generation)
			 : -ENOENT;
}

static const char *names_iface(void *ctx, __u32 ifindex,
			       enum bh_iface_kind *kind)
{
	struct bh_flow_names *n = ctx;

	*kind = BH_IFACE_UNKNOWN;
	return n->iface ? n->iface(n->ctx, ifindex, kind) : NULL;
}

void bh_flow_names_resolver(struct bh_flow_names *n,
			    struct bh_collector_resolver *out)
{
	memset(out, 0, sizeof(*out));
	out->ctx = n;
	out->identity = names_identity;
	out->workload = names_workload;
	out->rule = names_rule;
	out->generation = names_generation;
	out->iface = names_iface;
}
