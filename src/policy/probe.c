// SPDX-License-Identifier: GPL-2.0-only
#include "probe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "native.h"

struct bh_policy_probe {
	struct bh_native *n;
	const struct bh_compiled_policy *cp;
};

int bh_policy_probe_new(const struct bh_compiled_policy *cp,
			struct bh_policy_probe **out)
{
	/* Decisions only: no flow table worth the name. */
	struct bh_native_opts opts = {
	    .flow_capacity = 16, .deny_capacity = 16, .frag_capacity = 16};
	struct bh_policy_probe *pr;
	int err;

	*out = NULL;
	pr = calloc(1, sizeof(*pr));
	if (!pr)
		return -ENOMEM;
	pr->cp = cp;
	err = bh_native_new(&pr->n, &opts);
	if (!err)
		err = bh_native_load_policy(pr->n, cp, 1);
	if (err) {
		bh_policy_probe_free(&pr);
		return err;
	}
	*out = pr;
	return 0;
}

void bh_policy_probe_free(struct bh_policy_probe **pr)
{
	if (!pr || !*pr)
		return;
	bh_native_free(&(*pr)->n);
	free(*pr);
	*pr = NULL;
}

int bh_policy_probe_decide(struct bh_policy_probe *pr, const union bh_addr *src,
			   const union bh_addr *dst, __u8 proto, __u16 port,
			   struct bh_policy_verdict *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = bh_native_decide(pr->n, src, dst, proto, port, &out->res);
	if (err)
		return err;
	out->rule = bh_compiled_rule(pr->cp, out->res.rule_id);
	out->src = bh_compiled_identity(pr->cp, out->res.src_identity);
	out->dst = bh_compiled_identity(pr->cp, out->res.dst_identity);
	return 0;
}
