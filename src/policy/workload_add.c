// SPDX-License-Identifier: GPL-2.0-only
/* Workloads added to a loaded policy at run time (the daemon's
 * `endpoint add`): they take part in compilation exactly like workloads of
 * the file, so their identities and rule membership come from the same
 * selectors. */
#include "policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "hmap.h"

static int wa_label_cmp(const void *a, const void *b)
{
	const struct bh_policy_label *x = a, *y = b;

	return strcmp(x->key, y->key);
}

/* Fill w from nw in the policy's arena. */
static int wa_copy(struct bh_policy *p, struct bh_policy_workload *w,
		   const struct bh_policy_new_workload *nw)
{
	struct bh_policy_arena *a = p->arena;
	char *canon;
	size_t i, len;

	w->name = bh_policy_arena_strndup(a, nw->name, strlen(nw->name));
	w->labels = bh_policy_arena_calloc(a, nw->n_labels ? nw->n_labels : 1,
					   sizeof(*w->labels));
	w->prefixes = bh_policy_arena_calloc(a, 1, sizeof(*w->prefixes));
	if (!w->name || !w->labels || !w->prefixes)
		return -ENOMEM;
	for (i = 0; i < nw->n_labels; i++) {
		const struct bh_policy_label *l = &nw->labels[i];

		w->labels[i].key =
		    bh_policy_arena_strndup(a, l->key, strlen(l->key));
		w->labels[i].value =
		    bh_policy_arena_strndup(a, l->value, strlen(l->value));
		if (!w->labels[i].key || !w->labels[i].value)
			return -ENOMEM;
	}
	w->n_labels = nw->n_labels;
	qsort(w->labels, w->n_labels, sizeof(*w->labels), wa_label_cmp);
	len = bh_policy_labels_str(w->labels, w->n_labels, NULL, 0);
	canon = bh_policy_arena_calloc(a, len + 1, 1);
	if (!canon)
		return -ENOMEM;
	bh_policy_labels_str(w->labels, w->n_labels, canon, len + 1);
	w->canon = canon;
	w->prefixes[0].addr = nw->addr;
	w->prefixes[0].prefixlen = 128;
	w->n_prefixes = 1;
	return 0;
}

int bh_policy_add_workloads(struct bh_policy *p,
			    struct bh_policy_new_workload *v, size_t n)
{
	struct bh_policy_workload *ws;
	struct bh_hmap names, addrs;
	size_t i, j, count = p->n_workloads;
	int err = 0, r;

	bh_hmap_init(&names);
	bh_hmap_init(&addrs);
	/* what the file has: names of workloads and externals, workload
	 * addresses (a CIDR may contain a runtime address: exact wins) */
	for (i = 0; i < p->n_workloads + p->n_externals; i++) {
		const struct bh_policy_workload *w =
		    i < p->n_workloads ? &p->workloads[i]
				       : &p->externals[i - p->n_workloads];

		r = bh_hmap_put(&names, w->name, strlen(w->name), i, NULL);
		for (j = 0; r >= 0 && j < w->n_prefixes; j++)
			if (w->prefixes[j].prefixlen == 128)
				r = bh_hmap_put(&addrs, &w->prefixes[j].addr,
						sizeof(union bh_addr), i, NULL);
		if (r < 0) {
			err = r;
			goto out;
		}
	}
	ws = bh_policy_arena_calloc(p->arena, p->n_workloads + n + 1,
				    sizeof(*ws));
	if (!ws) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(ws, p->workloads, p->n_workloads * sizeof(*ws));
	for (i = 0; i < n; i++) {
		struct bh_policy_new_workload *nw = &v[i];
		size_t dummy;

		nw->result = 0;
		if (!strcmp(nw->name, "world") || !strcmp(nw->name, "host") ||
		    bh_hmap_get(&names, nw->name, strlen(nw->name), &dummy) ||
		    bh_hmap_get(&addrs, &nw->addr, sizeof(nw->addr), &dummy)) {
			nw->result = -EEXIST;
			continue;
		}
		err = wa_copy(p, &ws[count], nw);
		if (!err)
			err = bh_hmap_put(&names, ws[count].name,
					  strlen(ws[count].name), count, NULL);
		if (err >= 0)
			err = bh_hmap_put(&addrs, &ws[count].prefixes[0].addr,
					  sizeof(union bh_addr), count, NULL);
		if (err < 0)
			goto out;
		err = 0;
		count++;
	}
	p->workloads = ws;
	p->n_workloads = count;
out:
	bh_hmap_release(&names);
	bh_hmap_release(&addrs);
	return err;
}
