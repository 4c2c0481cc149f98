/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared pieces of the policy tests: test groups, a loader from strings,
 * the reference evaluator and the policy generator. */
#ifndef BH_POLICY_TEST_H
#define BH_POLICY_TEST_H

#include "bh_test.h"

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

int bh_test_policy_load_group(void);
int bh_test_policy_compile_group(void);
int bh_test_policy_equiv_group(void);

/* Load a policy from a string; asserts success (with diagnostics printed
 * on failure). diags may be NULL. */
struct bh_policy *pt_load(const char *yaml, struct bh_diag *diags);
/* Load and compile; asserts success. */
struct bh_compiled_policy *pt_compile(const char *yaml,
				      struct bh_policy **p_out);
/* Identity index of a workload (or external group, world, host) by name. */
size_t pt_ident(const struct bh_compiled_policy *cp, const struct bh_policy *p,
		const char *name);

/* ------------------------------------------------------------------------ */
/* Reference evaluation: the rules applied straight from the parsed policy
 * (label matching by string comparison, peers by name), independent of
 * the compiler's identities, bitmaps and port maps. */

enum ref_peer_kind { REF_WORKLOAD, REF_EXTERNAL, REF_WORLD, REF_HOST };

struct ref_peer {
	enum ref_peer_kind kind;
	size_t idx; /* workload or external index */
};

struct ref_verdict {
	__u8 action;	  /* enum bh_action */
	const char *rule; /* deciding rule's name, NULL for the default */
};

void ref_decide(const struct bh_policy *p, const struct ref_peer *src,
		const struct ref_peer *dst, __u8 proto, __u16 port,
		struct ref_verdict *out);

/* The maps' decision as bulkhead_abi.h describes it (exact port, port LPM,
 * any-protocol LPM; lowest bit of S & D), evaluated over the compiled
 * arrays: the test oracle for the encoding. Returns the rule id (0: none). */
__u32 ref_maps_rule(const struct bh_compiled_policy *cp, size_t src_idx,
		    size_t dst_idx, __u8 proto, __u16 port);

#endif /* BH_POLICY_TEST_H */
