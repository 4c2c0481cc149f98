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
					 d->eps.v[i].addr_str,
					 d->eps.v[i].name);
	*out = p;
	p = NULL;
out:
	free(nw);
	free(labels);
	bh_diag_release(&diags);
	bh_policy_free(&p);
	return err;
}

/* Compile buf with the runtime endpoints; diagnostics (errors, and the
 * analysis warnings, which do not block) go to msgs. */
static int compile_all(struct bh_daemon *d, const char *buf, size_t len,
		       struct bh_policy **pout,
		       struct bh_compiled_policy **cpout, size_t *n_file,
		       struct bh_strbuf *msgs)
{
	struct bh_compiled_policy *cp = NULL;
	struct bh_policy *p = NULL;
	struct bh_diag diags;
	int err;

	bh_diag_init(&diags);
	err = build_model(d, buf, len, &p, n_file, msgs);
	if (err)
		goto out;
	err = bh_policy_compile_diag(p, &cp, &diags);
	if (err) {
		bh_diag_sort(&diags);
		diags_to(&diags, msgs);
		if (err != -E2BIG)
			bh_strbuf_printf(msgs, "%s: cannot compile: %s\n",
					 d->cfg->policy, strerror(-err));
		goto out;
	}
	if (!bh_policy_analyze(p, cp, &diags)) {
		bh_diag_sort(&diags);
		diags_to(&diags, msgs);
	}
	*pout = p;
	*cpout = cp;
	p = NULL;
	cp = NULL;
out:
	bh_diag_release(&diags);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
	return err;
}

/* Switch the data plane to cp (compiled from buf): inactive slot, then
 * one atomic flip. On success the daemon owns buf, p and cp (the pointers
 * are cleared); on failure nothing changes. */
static int install(struct bh_daemon *d, char *buf, size_t len,
		   struct bh_policy **p, struct bh_compiled_policy **cp,
		   size_t n_file, struct bh_strbuf *msgs)
{
	__u32 gen = 0;
	size_t i;
	int err;

	err = bh_dp_load_policy(d->dp, *cp, &gen);
	if (err) {
		bh_strbuf_printf(msgs,
				 "cannot load the policy into the data "
				 "plane: %s\n",
				 strerror(-err));
		return err;
	}
	bh_compiled_policy_free(&d->cp);
	bh_policy_free(&d->policy);
	if (d->policy_buf != buf)
		free(d->policy_buf);
	d->policy_buf = buf;
	d->policy_len = len;
	d->policy = *p;
	d->cp = *cp;
	*p = NULL;
	*cp = NULL;
	d->n_file_workloads = n_file;
	d->generation = gen;
	d->loaded_at = time(NULL);
	/* every runtime identity is in the compiled policy now */
	for (i = 0; i < d->eps.n; i++)
		d->eps.v[i].identity = 0;
	bh_strbuf_printf(msgs,
			 "policy generation %u in force: %s (sha256 %.16s), "
			 "%zu identities, %zu rules\n",
			 gen, d->cfg->policy, d->cp->source_sha256,
			 d->cp->n_identities, d->cp->n_rules);
	return 0;
}

/* Compile buf (+ endpoints) and switch the data plane to it. */
static int switch_to(struct bh_daemon *d, char *buf, size_t len,
		     struct bh_strbuf *msgs)
{
	struct bh_compiled_policy *cp = NULL;
	struct bh_policy *p = NULL;
	size_t n_file = 0;
	int err;

	err = compile_all(d, buf, len, &p, &cp, &n_file, msgs);
	if (!err)
		err = install(d, buf, len, &p, &cp, n_file, msgs);
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

	return id ? id->id : e->identity;
}

/* A runtime identity added without a switch, by label set. */
static const struct bh_endpoint *find_runtime(const struct bh_daemon *d,
					      const struct bh_endpoint *e)
{
	size_t i;

	for (i = 0; i < d->eps.n; i++)
		if (&d->eps.v[i] != e && d->eps.v[i].identity &&
		    !strcmp(d->eps.v[i].labels_str, e->labels_str))
			return &d->eps.v[i];
	return NULL;
}

/* Index of a bitmap of cp with the same bits as b, or -1. */
static long same_bitmap(const struct bh_compiled_policy *cp,
			const struct bh_rule_bitmap *b)
{
	size_t i;

	for (i = 0; i < cp->n_bitmaps; i++)
		if (!memcmp(&cp->bitmaps[i], b, sizeof(*b)))
			return (long)i;
	return -1;
}

/* Whether destination class ca of a and class cb of b have the same port
 * entries with the same rule bits. Port entries are sorted by (dst_class,
 * proto, port, prefixlen), so each class is a run compared in order. */
static bool same_class(const struct bh_compiled_policy *a, __u32 ca,
		       const struct bh_compiled_policy *b, __u32 cb)
{
	size_t i = 0, j = 0;

	while (i < a->n_ports && a->ports[i].dst_class != ca)
		i++;
	while (j < b->n_ports && b->ports[j].dst_class != cb)
		j++;
	for (;; i++, j++) {
		bool ea = i == a->n_ports || a->ports[i].dst_class != ca;
		bool eb = j == b->n_ports || b->ports[j].dst_class != cb;
		const struct bh_cp_port *pa = &a->ports[i], *pb = &b->ports[j];

		if (ea || eb)
			return ea && eb;
		if (pa->proto != pb->proto || pa->port != pb->port ||
		    pa->prefixlen != pb->prefixlen ||
		    memcmp(&a->bitmaps[pa->bitmap], &b->bitmaps[pb->bitmap],
			   sizeof(struct bh_rule_bitmap)))
			return false;
	}
}

/* The identity id2 of cp2 (the policy in force recompiled with a new
 * label set) expressed in the tables of the policy in force, cp: its
 * source rule bitmap and its destination class must exist there already
 * (rules are numbered the same: adding a workload changes no rule).
 * Returns 0 with *info, or -ENOENT when cp lacks either. */
static int transplant(const struct bh_compiled_policy *cp,
		      const struct bh_compiled_policy *cp2,
		      const struct bh_cp_identity *id2,
		      struct bh_identity_info *info)
{
	long src;
	size_t i;

	if (cp->n_rules != cp2->n_rules || cp->hdr.n_deny != cp2->hdr.n_deny)
		return -ENOENT;
	src = same_bitmap(cp, &cp2->bitmaps[id2->info.src_bitmap]);
	if (src < 0)
		return -ENOENT;
	for (i = 0; i < cp->n_identities; i++) {
		const struct bh_cp_identity *id = &cp->identities[i];

		if (id->kind != BH_KIND_WORKLOAD ||
		    !same_class(cp, id->info.dst_class, cp2,
				id2->info.dst_class))
			continue;
		*info = id2->info;
		info->src_bitmap = (__u32)src;
		info->dst_class = id->info.dst_class;
		return 0;
	}
	return -ENOENT;
}

/* A new label set: the compiler decides its rule membership from the
 * selectors, by compiling the policy in force (its file bytes as loaded)
 * with the endpoint. When its source bitmap and destination class exist
 * in the active tables, the identity is added there with one map update;
 * else the recompiled policy is switched in atomically, as a reload. */
static int add_new_label_set(struct bh_daemon *d, struct bh_endpoint *e,
			     bool *switched, struct bh_strbuf *msgs)
{
	struct bh_compiled_policy *cp2 = NULL;
	const struct bh_cp_identity *id2;
	struct bh_policy *p2 = NULL;
	struct bh_identity_info info;
	size_t n_file = 0;
	int err;

	*switched = false;
	err = compile_all(d, d->policy_buf, d->policy_len, &p2, &cp2, &n_file,
			  msgs);
	if (err)
		goto out;
	id2 = find_identity(cp2, e->labels, e->n_labels);
	if (!id2) {
		bh_strbuf_printf(msgs, "the policy file claims this endpoint");
		err = -EEXIST;
		goto out;
	}
	if (!transplant(d->cp, cp2, id2, &info)) {
		err = bh_dp_endpoint_add(d->dp, &e->addr, 128, &info);
		if (err) {
			bh_strbuf_printf(msgs, "data plane: %s",
					 strerror(-err));
			goto out;
		}
		e->identity = info.id;
		e->info = info;
		goto out;
	}
	bh_strbuf_reset(msgs);
	err = install(d, d->policy_buf, d->policy_len, &p2, &cp2, n_file, msgs);
	*switched = !err;
out:
	bh_compiled_policy_free(&cp2);
	bh_policy_free(&p2);
	return err;
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
	bh_strbuf_printf(out, "warning: cannot save %s: %s\n", d->ep_state_path,
			 strerror(-err));
}

int bh_daemon_endpoint_add(struct bh_daemon *d, const char *addr,
			   const char *labels, const char *name,
			   struct bh_strbuf *out)
{
	const struct bh_cp_identity *id;
	const struct bh_endpoint *rt;
	struct bh_strbuf msgs = {0};
	struct bh_identity_info info;
	struct bh_endpoint *e;
	const char *owner = NULL;
	bool switched = false;
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
	rt = find_runtime(d, e);
	if (id || rt) {
		/* a known label set: one map update in the active slot */
		info = id ? id->info : rt->info;
		err = bh_dp_endpoint_add(d->dp, &e->addr, 128, &info);
		if (err) {
			bh_strbuf_printf(out,
					 "cannot add %s to the data "
					 "plane: %s",
					 e->addr_str, strerror(-err));
			goto err_del;
		}
		if (!id) {
			e->identity = rt->identity;
			e->info = rt->info;
		}
	} else {
		err = add_new_label_set(d, e, &switched, &msgs);
		if (err) {
			bh_strbuf_printf(out, "cannot add %s: %s", e->addr_str,
					 msgs.len ? msgs.s : strerror(-err));
			goto err_del;
		}
		e = &d->eps.v[d->eps.n - 1];
	}
	bh_strbuf_printf(out,
			 "endpoint %s (%s) added: %sidentity %u (%s), policy "
			 "generation %u%s\n",
			 e->addr_str, e->name, id || rt ? "" : "new ",
			 bh_daemon_endpoint_identity(d, e),
			 e->labels_str[0] ? e->labels_str : "no labels",
			 d->generation,
			 switched ? " (switched: the label set needed new "
				    "rule tables)"
				  : " unchanged");
	pr_info("endpoint %s (%s) added: identity %u%s\n", e->addr_str, e->name,
		bh_daemon_endpoint_identity(d, e),
		switched ? ", policy switched" : "");
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
		struct bh_endpoint probe = {.addr = a, .name = ""};
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
		bh_strbuf_printf(out,
				 "cannot remove %s from the data plane: %s",
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
