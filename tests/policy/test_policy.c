// SPDX-License-Identifier: GPL-2.0-only
/* The policy module's tests: loader (parsing, every error message with its
 * position, warnings), compiler (selectors, precedence, ports, addresses,
 * identities, determinism) and the equivalence of the compiled maps with
 * the rules evaluated straight from the policy. */
#include "policy_test.h"

#include <stdio.h>
#include <string.h>

struct bh_policy *pt_load(const char *yaml, struct bh_diag *diags)
{
	struct bh_policy *p = NULL;
	struct bh_diag local;
	struct bh_diag *d = diags ? diags : &local;
	int err;

	if (!diags)
		bh_diag_init(&local);
	err = bh_policy_load_buf("test.yaml", yaml, strlen(yaml), &p, d);
	if (err)
		bh_diag_print(d, stderr);
	assert_int_equal(err, 0);
	assert_non_null(p);
	if (!diags)
		bh_diag_release(&local);
	return p;
}

struct bh_compiled_policy *pt_compile(const char *yaml,
				      struct bh_policy **p_out)
{
	struct bh_compiled_policy *cp = NULL;
	struct bh_policy *p = pt_load(yaml, NULL);

	assert_int_equal(bh_policy_compile(p, &cp), 0);
	assert_non_null(cp);
	if (p_out)
		*p_out = p;
	else
		bh_policy_free(&p);
	return cp;
}

size_t pt_ident(const struct bh_compiled_policy *cp, const struct bh_policy *p,
		const char *name)
{
	size_t i;
	long idx;

	for (i = 0; i < p->n_workloads; i++) {
		if (strcmp(p->workloads[i].name, name))
			continue;
		idx = bh_compiled_workload_identity(cp, &p->workloads[i]);
		assert_true(idx >= 0);
		return (size_t)idx;
	}
	for (i = 0; i < cp->n_identities; i++)
		if (cp->identities[i].kind != BH_KIND_WORKLOAD &&
		    !strcmp(cp->identities[i].name, name))
			return i;
	fail_msg("no identity named '%s'", name);
	return 0;
}

int main(void)
{
	int failed = 0;

	failed += bh_test_policy_load_group();
	failed += bh_test_policy_compile_group();
	failed += bh_test_policy_equiv_group();
	return failed ? 1 : 0;
}
