// SPDX-License-Identifier: GPL-2.0-only
/* bh_policy_add_workloads(): runtime workloads compile like file ones. */
#include "bh_test.h"

#include <errno.h>
#include <string.h>

#include "policy.h"

static const char policy_text[] = "version: 1\n"
				  "workloads:\n"
				  "  - name: web-1\n"
				  "    labels: {app: web}\n"
				  "    addresses: [10.0.0.1]\n"
				  "  - name: db-1\n"
				  "    labels: {app: db}\n"
				  "    addresses: [10.0.0.3]\n"
				  "rules:\n"
				  "  - name: web-to-db\n"
				  "    from: {matchLabels: {app: web}}\n"
				  "    to: {matchLabels: {app: db}}\n"
				  "    ports: [tcp/5432]\n";

static union bh_addr v4(const char *s)
{
	union bh_addr a;

	assert_int_equal(bh_policy_parse_addr(s, &a), 0);
	return a;
}

static const struct bh_cp_identity *
ident_of(const struct bh_compiled_policy *cp, const char *addr)
{
	union bh_addr a = v4(addr);
	const struct bh_cp_addr *e = bh_compiled_addr(cp, &a);

	assert_non_null(e);
	return &cp->identities[e->identity];
}

static void test_add(void **state)
{
	struct bh_policy_label web[] = {{"app", "web"}};
	struct bh_policy_label newl[] = {{"tier", "x"}, {"app", "db"}};
	struct bh_policy_new_workload nw[4] = {
	    {.name = "web-2", .labels = web, .n_labels = 1},
	    {.name = "db-2", .labels = newl, .n_labels = 2},
	    {.name = "web-1", .labels = web, .n_labels = 1}, /* name */
	    {.name = "other", .labels = web, .n_labels = 1}, /* addr */
	};
	struct bh_compiled_policy *cp = NULL;
	const struct bh_cp_identity *a, *b, *c;
	struct bh_policy *p = NULL;
	struct bh_diag d;

	(void)state;
	nw[0].addr = v4("10.0.0.2");
	nw[1].addr = v4("10.0.0.4");
	nw[2].addr = v4("10.0.0.5");
	nw[3].addr = v4("10.0.0.3");
	bh_diag_init(&d);
	assert_int_equal(bh_policy_load_buf("t.yaml", policy_text,
					    strlen(policy_text), &p, &d),
			 0);
	assert_int_equal(bh_policy_add_workloads(p, nw, 4), 0);
	assert_int_equal(nw[0].result, 0);
	assert_int_equal(nw[1].result, 0);
	assert_int_equal(nw[2].result, -EEXIST);
	assert_int_equal(nw[3].result, -EEXIST);
	assert_int_equal(p->n_workloads, 4);
	assert_string_equal(p->workloads[3].canon, "app=db,tier=x");
	assert_int_equal(bh_policy_compile(p, &cp), 0);

	/* a replica gets the identity of its label set */
	a = ident_of(cp, "10.0.0.1");
	b = ident_of(cp, "10.0.0.2");
	assert_int_equal(a->id, b->id);
	/* a new label set gets its own identity, and is selected by the
	 * rule's `to` (app=db) like the file's db */
	c = ident_of(cp, "10.0.0.4");
	assert_int_not_equal(c->id, ident_of(cp, "10.0.0.3")->id);
	assert_int_equal(c->info.dst_class,
			 ident_of(cp, "10.0.0.3")->info.dst_class);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
	bh_diag_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
