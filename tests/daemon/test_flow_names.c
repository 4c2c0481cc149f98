// SPDX-License-Identifier: GPL-2.0-only
/* The daemon's names for flow records: the policy generation of an epoch
 * across switches, endpoint updates, adoption and a full history; names
 * of policy workloads, runtime endpoints and label sets added without a
 * switch; interface names. */
#include "bh_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow_names.h"
#include "policy.h"

static void expect_gen(const struct bh_epochs *h, __u32 epoch, int ret,
		       __u32 gen)
{
	__u32 g = 0;
	int r = bh_epochs_lookup(h, epoch, &g);

	if (r != ret || (!r && g != gen))
		fail_msg("epoch %u: want %d gen %u, got %d gen %u", epoch, ret,
			 gen, r, g);
}

static void test_epochs(void **state)
{
	struct bh_epochs h;
	__u32 i;

	(void)state;
	bh_epochs_init(&h);
	expect_gen(&h, 1, -ENOENT, 0);
	/* generation 1 at epoch 1, an endpoint update (epoch 3), a switch
	 * to generation 2 at epoch 4, an update (6) */
	bh_epochs_add(&h, 1, 1);
	expect_gen(&h, 0, -ENOENT, 0);
	expect_gen(&h, 1, 0, 1);
	expect_gen(&h, 3, 0, 1);
	bh_epochs_add(&h, 4, 2);
	expect_gen(&h, 3, 0, 1);
	expect_gen(&h, 4, 0, 2);
	expect_gen(&h, 6, 0, 2);

	/* adopted at epoch 7 (slot 1: generation 4, slot 0 kept 3), then
	 * our first switch: generation 5 at epoch 8 */
	bh_epochs_init(&h);
	bh_epochs_adopt(&h, 7, 3, 4);
	bh_epochs_add(&h, 8, 5);
	expect_gen(&h, 8, 0, 5);
	expect_gen(&h, 7, 0, 4);
	expect_gen(&h, 5, 0, 4); /* an endpoint update before the restart */
	expect_gen(&h, 6, 0, 3); /* the generation before */
	/* a pinned data plane that never had a policy in slot 0 */
	bh_epochs_init(&h);
	bh_epochs_adopt(&h, 1, 0, 1);
	expect_gen(&h, 0, -ENOENT, 0);
	expect_gen(&h, 1, 0, 1);

	/* the history is bounded: the oldest generations are forgotten,
	 * and with them what adoption knew */
	bh_epochs_init(&h);
	bh_epochs_adopt(&h, 1, 0, 1);
	for (i = 0; i < BH_EPOCH_HISTORY + 6; i++)
		bh_epochs_add(&h, 2 + i, 2 + i);
	expect_gen(&h, 1, -ENOENT, 0);
	expect_gen(&h, 7, -ENOENT, 0);
	expect_gen(&h, 8, 0, 8);
	expect_gen(&h, 2 + BH_EPOCH_HISTORY + 5, 0, 2 + BH_EPOCH_HISTORY + 5);
	expect_gen(&h, 1000, 0, 2 + BH_EPOCH_HISTORY + 5);
}

static const char policy_text[] =
    "version: 1\n"
    "workloads:\n"
    "  - {name: web, labels: {app: web}, addresses: [10.0.0.1]}\n"
    "  - {name: db, labels: {app: db}, addresses: [10.0.0.9]}\n"
    "rules:\n"
    "  - name: web-to-db\n"
    "    from: {matchLabels: {app: web}}\n"
    "    to: {matchLabels: {app: db}}\n"
    "    ports: [tcp/5432]\n";

static void compile_policy(struct bh_policy **p, struct bh_compiled_policy **cp)
{
	struct bh_diag diags;

	bh_diag_init(&diags);
	assert_int_equal(bh_policy_load_buf("p.yaml", policy_text,
					    strlen(policy_text), p, &diags),
			 0);
	assert_int_equal(bh_policy_compile_diag(*p, cp, &diags), 0);
	bh_diag_release(&diags);
}

static const char *test_iface(void *ctx, __u32 ifindex,
			      enum bh_iface_kind *kind)
{
	(void)ctx;
	if (ifindex == 7) {
		*kind = BH_IFACE_WORKLOAD;
		return "veth-web";
	}
	if (ifindex == 2) {
		*kind = BH_IFACE_UPLINK;
		return "eth0";
	}
	return NULL;
}

static union bh_addr v4(const char *s)
{
	union bh_addr a;
	char text[64];

	assert_int_equal(bh_ep_parse_addr(s, &a, text, sizeof(text)), 0);
	return a;
}

static void test_resolver(void **state)
{
	struct bh_compiled_policy *cp = NULL;
	struct bh_collector_resolver r;
	struct bh_resolver_identity id;
	struct bh_ep_registry eps = {0};
	struct bh_flow_names *n = NULL;
	struct bh_policy *p = NULL;
	struct bh_flow_names_src src;
	const struct bh_cp_identity *web;
	enum bh_iface_kind kind;
	struct bh_epochs h;
	union bh_addr a;
	char why[128];
	__u32 gen;
	size_t i;

	(void)state;
	compile_policy(&p, &cp);
	web = NULL;
	for (i = 0; i < cp->n_identities; i++)
		if (cp->identities[i].name &&
		    !strcmp(cp->identities[i].name, "web"))
			web = &cp->identities[i];
	assert_non_null(web);

	/* web-2: a replica (the policy's label set); job-1 and job-2: a
	 * label set added to the active slot without a switch */
	assert_int_equal(
	    bh_ep_add(&eps, "10.0.0.2", "web-2", "app=web", why, sizeof(why)),
	    0);
	assert_int_equal(bh_ep_add(&eps, "10.0.0.3", "job-1",
				   "app=batch,team=data", why, sizeof(why)),
			 0);
	assert_int_equal(bh_ep_add(&eps, "10.0.0.4", "job-2",
				   "app=batch,team=data", why, sizeof(why)),
			 0);
	eps.v[1].identity = 777777;
	eps.v[2].identity = 777777;
	bh_epochs_init(&h);
	bh_epochs_add(&h, 1, 3);

	src = (struct bh_flow_names_src){
	    .cp = cp, .eps = &eps, .epochs = &h, .iface = test_iface};
	assert_int_equal(bh_flow_names_new(&n, &src), 0);
	/* a snapshot: the registry may change afterwards */
	bh_ep_registry_release(&eps);
	bh_flow_names_resolver(n, &r);

	a = v4("10.0.0.1");
	assert_string_equal(r.workload(r.ctx, &a), "web");
	a = v4("10.0.0.2");
	assert_string_equal(r.workload(r.ctx, &a), "web-2");
	a = v4("10.0.0.4");
	assert_string_equal(r.workload(r.ctx, &a), "job-2");
	a = v4("10.0.0.77");
	assert_null(r.workload(r.ctx, &a));

	assert_int_equal(r.identity(r.ctx, web->id, &id), 0);
	assert_string_equal(id.name, "web");
	assert_int_equal(id.kind, BH_KIND_WORKLOAD);
	assert_int_equal(id.n_labels, 1);
	assert_string_equal(id.labels[0], "app=web");
	assert_int_equal(r.identity(r.ctx, 777777, &id), 0);
	assert_string_equal(id.name, "job-1");
	assert_int_equal(id.kind, BH_KIND_WORKLOAD);
	assert_int_equal(id.n_labels, 2);
	assert_string_equal(id.labels[0], "app=batch");
	assert_string_equal(id.labels[1], "team=data");
	assert_int_equal(r.identity(r.ctx, 123456, &id), -ENOENT);
	assert_int_equal(r.identity(r.ctx, BH_ID_WORLD, &id), 0);
	assert_string_equal(id.name, "world");

	assert_string_equal(r.rule(r.ctx, 1), "web-to-db");
	assert_null(r.rule(r.ctx, 0));
	assert_null(r.rule(r.ctx, 99));

	assert_int_equal(r.generation(r.ctx, 3, &gen), 0);
	assert_int_equal(gen, 3);
	/* read at each lookup: a switch after the snapshot counts */
	bh_epochs_add(&h, 4, 4);
	assert_int_equal(r.generation(r.ctx, 4, &gen), 0);
	assert_int_equal(gen, 4);
	assert_int_equal(r.generation(r.ctx, 0, &gen), -ENOENT);

	assert_string_equal(r.iface(r.ctx, 7, &kind), "veth-web");
	assert_int_equal(kind, BH_IFACE_WORKLOAD);
	assert_string_equal(r.iface(r.ctx, 2, &kind), "eth0");
	assert_int_equal(kind, BH_IFACE_UPLINK);
	kind = BH_IFACE_WORKLOAD;
	assert_null(r.iface(r.ctx, 8, &kind));
	assert_int_equal(kind, BH_IFACE_UNKNOWN);

	bh_flow_names_free(&n);
	assert_null(n);
	bh_flow_names_free(&n);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
}

/* No runtime endpoint, no interface callback. */
static void test_resolver_bare(void **state)
{
	struct bh_compiled_policy *cp = NULL;
	struct bh_collector_resolver r;
	struct bh_flow_names_src src = {0};
	struct bh_flow_names *n = NULL;
	struct bh_policy *p = NULL;
	enum bh_iface_kind kind;
	union bh_addr a;
	__u32 gen;

	(void)state;
	compile_policy(&p, &cp);
	src.cp = cp;
	assert_int_equal(bh_flow_names_new(&n, &src), 0);
	bh_flow_names_resolver(n, &r);
	a = v4("10.0.0.9");
	assert_string_equal(r.workload(r.ctx, &a), "db");
	assert_int_equal(r.generation(r.ctx, 1, &gen), -ENOENT);
	assert_null(r.iface(r.ctx, 1, &kind));
	bh_flow_names_free(&n);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_epochs),
	    cmocka_unit_test(test_resolver),
	    cmocka_unit_test(test_resolver_bare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
