/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `policy test`: one flow judged by the data plane's own decision code (the
 * native engine, src/native) over the maps of a compiled policy. What the
 * command prints and what the equivalence tests check come from here.
 */
#ifndef BH_POLICY_PROBE_H
#define BH_POLICY_PROBE_H

#include "bh_compiled.h"
#include "bulkhead_abi.h"

struct bh_policy_probe;

struct bh_policy_verdict {
	struct bh_result res; /* verdict (mode applied), reason, rule_id */
	const struct bh_cp_rule *rule;	  /* deciding rule, NULL: default */
	const struct bh_cp_identity *src; /* identities the maps gave */
	const struct bh_cp_identity *dst;
};

/* A native engine with cp loaded (cp must outlive the probe). */
int bh_policy_probe_new(const struct bh_compiled_policy *cp,
			struct bh_policy_probe **out);
void bh_policy_probe_free(struct bh_policy_probe **pr);

int bh_policy_probe_decide(struct bh_policy_probe *pr, const union bh_addr *src,
			   const union bh_addr *dst, __u8 proto, __u16 port,
			   struct bh_policy_verdict *out);

#endif /* BH_POLICY_PROBE_H */
