// SPDX-License-Identifier: GPL-2.0-only
/* The daemon's policy: reload (compile, then one atomic switch, or refuse
 * and keep the old one) and runtime endpoints. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_int.h"
#include "log.h"

/* Print diagnostics into msgs ("FILE:LINE:COL: level: message" lines). */
static void diags_to(const struct bh_diag *diags, struct bh_strbuf *msgs)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	bh_diag_print(diags, f);
	fclose(f);
	bh_strbuf_append(msgs, text, len);
	free(text);
}

/* The policy model from buf with every runtime endpoint added as a
 * workload. An endpoint the file now claims (its address or name) is left
 * out with a warning. */
static int build_model(struct bh_daemon *d, const char *buf, size_t len,
		       struct bh_policy **out, size_t *n_file,
		       struct bh_strbuf *msgs)
{
	struct bh_policy_new_workload *nw = NULL;
	struct bh_policy_label *labels = NULL;
	struct bh_policy *p = NULL;
	struct bh_diag diags;
	size_t i;
	int err;

	bh_diag_init(&diags);
	err = bh_policy_load_buf(d->cfg->policy, buf, len, &p, &diags);
	if (err) {
		bh_diag_sort(&diags);
		diags_to(&diags, msgs);
		if (err != -EINVAL)
			bh_strbuf_printf(msgs, "%s: cannot load: %s\n",
					 d->cfg->policy, strerror(-err));
		goto out;
	}
	*n_file = p->n_workloads;
	if (d->eps.n) {
		nw = calloc(d->eps.n, sizeof(*nw));
		labels = calloc(d->eps.n * BH_EP_MAX_LABELS, sizeof(*labels));
		if (!nw || !labels) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < d->eps.n; i++) {
		const struct bh_endpoint *e = &d->eps.v[i];
		struct bh_policy_label *l = &labels[i * BH_EP_MAX_LABELS];
		size_t j;

		for (j = 0; j < e->n_labels; j++) {
			l[j].key = e->labels[j].key;
			l[j].value = e->labels[j].value;
		}
		nw[i].name = e->name;
		nw[i].labels = l;
		nw[i].n_labels = e->n_labels;
		nw[i].addr = e->addr;
	}
	err = bh_policy_add_workloads(p, nw, d->eps.n);
	if (err)
		goto out;
	for (i = 0; i < d->eps.n; i++)
		if (nw[i].result)
			bh_strbuf_printf(msgs,
					 "warning: runtime endpoint %s (%s) "
					 "left out: the policy file has its "
					 "address or name\n",
					 d->eps.v[i].addr_str, d->eps.v[i].name);
	*out = p;
	p = NULL;
out:
	free(nw);
	free(labels);
	bh_diag_release(&diags);
	bh_policy_free(&p);
	return err;
}

/* Compile buf (+ endpoints) and switch the data plane to it. On success
 * the daemon owns buf; on failure nothing changes. */
static int switch_to(struct bh_daemon *d, char *buf, size_t len,
		     struct bh_strbuf *msgs)
{
	struct bh_compiled_policy *cp = NULL;
	struct bh_policy *p = NULL;
	struct bh_diag diags;
	size_t n_file = 0;
	__u32 gen = 0;
	int err;

	bh_diag_init(&diags);
	err = build_model(d, buf, len, &p, &n_file, msgs);
	if (err)
		goto out;
	err = bh_policy_compile(p, &cp);
	if (err) {
		bh_strbuf_printf(msgs, "%s: cannot compile: %s\n",
				 d->cfg->policy,
				 err == -E2BIG ?
					 "too large for the data plane's maps" :
					 strerror(-err));
		goto out;
	}
	/* warnings do not block a policy; they are shown with the result */
	if (!bh_policy_analyze(p, cp, &diags)) {
		bh_diag_sort(&diags);
		diags_to(&diags, msgs);
	}
	err = bh_dp_load_policy(d->dp, cp, &gen);
	if (err) {
		bh_strbuf_printf(msgs, "cannot load the policy into the data "
				       "plane: %s\n",
				 strerror(-err));
		goto out;
	}
	bh_compiled_policy_free(&d->cp);
	bh_policy_free(&d->policy);
	if (d->policy_buf != buf)
		free(d->policy_buf);
	d->policy_buf = buf;
	d->policy_len = len;
	d->policy = p;
	d->cp = cp;
	d->n_file_workloads = n_file;
	d->generation = gen;
	d->loaded_at = time(NULL);
	p = NULL;
	cp = NULL;
	bh_strbuf_printf(msgs,
			 "policy generation %u in force: %s (sha256 %.16s), "
			 "%zu identities, %zu rules\n",
			 gen, d->cfg->policy, d->cp->source_sha256,
			 d->cp->n_identities, d->cp->n_rules);
out:
	bh_diag_release(&diags);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
	return err;
}

int bh_daemon_reload(struct bh_daemon *d, struct bh_strbuf *msgs)
{
	bool initial = !d->cp; /* the start, not a reload */
	char *buf = NULL;
	size_t len = 0;
	int err;

	err = bh_daemon_read_policy(d->cfg->policy, &buf, &len);
	if (err) {
		bh_strbuf_printf(msgs, "%s: cannot read: %s\n", d->cfg->policy,
				 strerror(-err));
		d->reload_failures += !initial;
		return err;
	}
	err = switch_to(d, buf, len, msgs);
	if (err) {
		free(buf);
		d->reload_failures += !initial;
		return err;
	}
	d->reloads += !initial;
	return 0;
}

int bh_daemon_recompile(struct bh_daemon *d, struct bh_strbuf *msgs)
{
	return switch_to(d, d->policy_buf, d->policy_len, msgs);
}

/* The workload identity of exactly this label set, if the policy has
 * one. Both label lists are sorted by key. */
static const struct bh_cp_identity *
find_identity(const struct bh_compiled_policy *cp, const struct bh_ep_label *l,
	      size_t n)
{
	size_t i, j;

	for (i = 0; cp && i < cp->n_identities; i++) {
		const struct bh_cp_identity *id = &cp->identities[i];

		if (id->kind != BH_KIND_WORKLOAD || id->n_labels != n)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(id->labels[j].key, l[j].key) ||
			    strcmp(id->labels[j].value, l[j].value))
				break;
		if (j == n)
			return id;
	}
	return NULL;
}

__u32 bh_daemon_endpoint_identity(const struct bh_daemon *d,
				  const struct bh_endpoint *e)
{
	const struct bh_cp_identity *id =
		find_identity(d->cp, e->labels, e->n_labels);

	return id ? id->id : 0;
}

/* Whether the policy file (not a runtime endpoint) has this address as a
 * workload address, or this name; *owner names the workload. */
static bool file_claims(const struct bh_daemon *d, const struct bh_endpoint *e,
			const char **owner)
{
	const struct bh_policy *p = d->policy;
	size_t i, j;

	for (i = 0; p && i < d->n_file_workloads; i++) {
		const struct bh_policy_workload *w = &p->workloads[i];

		*owner = w->name;
		if (!strcmp(w->name, e->name))
			return true;
		for (j = 0; j < w->n_prefixes; j++)
			if (w->prefixes[j].prefixlen == 128 &&
			    !memcmp(&w->prefixes[j].addr, &e->addr,
				    sizeof(e->addr)))
				return true;
	}
	for (i = 0; p && i < p->n_externals; i++) {
		*owner = p->externals[i].name;
		if (!strcmp(p->externals[i].name, e->name))
			return true;
	}
	return false;
}

static void save_state(struct bh_daemon *d, struct bh_strbuf *out)
{
	int err = bh_ep_save(&d->eps, d->ep_state_path);

	if (!err)
		return;
	/* in force now, but a restarted daemon would not know it */
	pr_warn("cannot save runtime endpoints to %s: %s\n", d->ep_state_path,
		strerror(-err));
	bh_strbuf_printf(out, "warning: cannot save %s: %s\n",
			 d->ep_state_path, strerror(-err));
}

int bh_daemon_endpoint_add(struct bh_daemon *d, const char *addr,
			   const char *labels, const char *name,
			   struct bh_strbuf *out)
{
	const struct bh_cp_identity *id;
	struct bh_strbuf msgs = { 0 };
	struct bh_endpoint *e;
	const char *owner = NULL;
	char why[256];
	int err;

	err = bh_ep_add(&d->eps, addr, name, labels, why, sizeof(why));
	if (err) {
		bh_strbuf_printf(out, "%s", why);
		return err;
	}
	e = &d->eps.v[d->eps.n - 1];
	if (file_claims(d, e, &owner)) {
		bh_strbuf_printf(out,
				 "endpoint %s (%s) clashes with '%s' of the "
				 "policy file: change the file and reload "
				 "instead",
				 e->addr_str, e->name, owner);
		err = -EEXIST;
		goto err_del;
	}
	id = find_identity(d->cp, e->labels, e->n_labels);
	if (id) {
		/* a known label set: one map update in the active slot */
		err = bh_dp_endpoint_add(d->dp, &e->addr, 128, &id->info);
		if (err) {
			bh_strbuf_printf(out, "cannot add %s to the data "
					      "plane: %s",
					 e->addr_str, strerror(-err));
			goto err_del;
		}
		bh_strbuf_printf(out,
				 "endpoint %s (%s) added: identity %u (%s), "
				 "policy generation %u unchanged\n",
				 e->addr_str, e->name, id->id,
				 e->labels_str[0] ? e->labels_str : "no labels",
				 d->generation);
		pr_info("endpoint %s (%s) added: identity %u\n", e->addr_str,
			e->name, id->id);
	} else {
		/* a new label set: its rule membership comes from the
		 * compiler; the policy in force is recompiled from the same
		 * file bytes with the endpoint and switched atomically */
		err = bh_daemon_recompile(d, &msgs);
		if (err) {
			bh_strbuf_printf(out, "cannot add %s: %s", e->addr_str,
					 msgs.s ? msgs.s : strerror(-err));
			goto err_del;
		}
		e = &d->eps.v[d->eps.n - 1];
		bh_strbuf_printf(out,
				 "endpoint %s (%s) added: new identity %u "
				 "(%s), policy generation %u\n",
				 e->addr_str, e->name,
				 bh_daemon_endpoint_identity(d, e),
				 e->labels_str[0] ? e->labels_str : "no labels",
				 d->generation);
		pr_info("endpoint %s (%s) added with a new label set: policy "
			"generation %u\n",
			e->addr_str, e->name, d->generation);
	}
	bh_strbuf_release(&msgs);
	save_state(d, out);
	return 0;
err_del:
	bh_strbuf_release(&msgs);
	bh_ep_del(&d->eps, &d->eps.v[d->eps.n - 1].addr);
	return err;
}

int bh_daemon_endpoint_del(struct bh_daemon *d, const char *addr,
			   struct bh_strbuf *out)
{
	char text[64];
	union bh_addr a;
	struct bh_endpoint *e;
	int err;

	if (bh_ep_parse_addr(addr, &a, text, sizeof(text))) {
		bh_strbuf_printf(out, "'%s' is not an IPv4 or IPv6 address",
				 addr);
		return -EINVAL;
	}
	e = bh_ep_find(&d->eps, &a);
	if (!e) {
		struct bh_endpoint probe = { .addr = a, .name = "" };
		const char *owner = NULL;

		if (file_claims(d, &probe, &owner)) {
			bh_strbuf_printf(out,
					 "%s belongs to '%s' of the policy "
					 "file: change the file and reload",
					 text, owner);
			return -EPERM;
		}
		bh_strbuf_printf(out, "no runtime endpoint %s", text);
		return -ENOENT;
	}
	err = bh_dp_endpoint_del(d->dp, &a, 128);
	if (err && err != -ENOENT) {
		bh_strbuf_printf(out, "cannot remove %s from the data plane: %s",
				 text, strerror(-err));
		return err;
	}
	bh_strbuf_printf(out, "endpoint %s (%s) removed\n", e->addr_str,
			 e->name);
	pr_info("endpoint %s (%s) removed\n", e->addr_str, e->name);
	bh_ep_del(&d->eps, &a);
	save_state(d, out);
	return 0;
}
