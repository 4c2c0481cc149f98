// SPDX-License-Identifier: GPL-2.0-only
/* The replay's memory of the collector's names (resolver_cache.h): the
 * same answers as the resolver it wraps, negative ones too, asked once per
 * key while no other key takes its place, and every callback passed on. */
#include "bh_test.h"

#include <errno.h>
#include <string.h>

#include "resolver_cache.h"

static int calls_identity, calls_workload, calls_other;
static const char *labels[] = { "app=web" };

static int fake_identity(void *ctx, __u32 id, struct bh_resolver_identity *out)
{
	(void)ctx;
	calls_identity++;
	if (id % 7 == 3)
		return -ENOENT;
	out->name = id % 2 ? "odd" : "even";
	out->labels = labels;
	out->n_labels = id % 2;
	out->kind = (__u8)(id % 5);
	return 0;
}

static const char *fake_workload(void *ctx, const union bh_addr *a)
{
	(void)ctx;
	calls_workload++;
	return a->b[15] % 3 ? (a->b[15] % 2 ? "web-1" : "api-1") : NULL;
}

static const char *fake_rule(void *ctx, __u32 id)
{
	(void)ctx;
	calls_other++;
	return id ? "rule" : NULL;
}

static int fake_generation(void *ctx, __u32 epoch, __u32 *gen)
{
	(void)ctx;
	calls_other++;
	*gen = epoch / 2;
	return 0;
}

static const char *fake_iface(void *ctx, __u32 ifindex,
			      enum bh_iface_kind *kind)
{
	(void)ctx;
	calls_other++;
	*kind = BH_IFACE_UPLINK;
	return ifindex == 2 ? "eth0" : NULL;
}

static union bh_addr addr(unsigned int i)
{
	union bh_addr a;

	memset(&a, 0, sizeof(a));
	a.b[10] = a.b[11] = 0xff;
	a.b[12] = 10;
	a.b[13] = (__u8)(i >> 16);
	a.b[14] = (__u8)(i >> 8);
	a.b[15] = (__u8)i;
	return a;
}

static void test_same_answers(void **state)
{
	const struct bh_collector_resolver in = {
		.identity = fake_identity,
		.workload = fake_workload,
		.rule = fake_rule,
		.generation = fake_generation,
		.iface = fake_iface,
	};
	struct bh_resolver_identity a, b;
	struct bh_collector_resolver res;
	struct bh_resolver_cache *c;
	enum bh_iface_kind kind;
	union bh_addr x;
	__u32 id, gen, round;
	int ra, rb;

	(void)state;
	assert_int_equal(bh_resolver_cache_new(&c, &in, &res), 0);
	for (round = 0; round < 3; round++) {
		for (id = 0; id < 1000; id++) {
			memset(&a, 0, sizeof(a));
			memset(&b, 0, sizeof(b));
			ra = fake_identity(NULL, id, &a);
			rb = res.identity(res.ctx, id, &b);
			assert_int_equal(ra, rb);
			if (!ra) {
				assert_ptr_equal(a.name, b.name);
				assert_ptr_equal(a.labels, b.labels);
				assert_int_equal(a.n_labels, b.n_labels);
				assert_int_equal(a.kind, b.kind);
			}
		}
		for (id = 0; id < 20000; id += 7) {
			x = addr(id);
			assert_ptr_equal(fake_workload(NULL, &x),
					 res.workload(res.ctx, &x));
		}
	}
	/* a few keys, asked again: answered from memory */
	calls_identity = calls_workload = 0;
	for (round = 0; round < 100; round++) {
		for (id = 0; id < 50; id++) {
			res.identity(res.ctx, id, &b);
			x = addr(id);
			res.workload(res.ctx, &x);
		}
	}
	assert_true(calls_identity <= 50);
	assert_true(calls_workload <= 50);
	/* the rest goes straight through */
	calls_other = 0;
	assert_string_equal(res.rule(res.ctx, 4), "rule");
	assert_int_equal(res.generation(res.ctx, 6, &gen), 0);
	assert_int_equal(gen, 3);
	assert_string_equal(res.iface(res.ctx, 2, &kind), "eth0");
	assert_int_equal(kind, BH_IFACE_UPLINK);
	assert_int_equal(calls_other, 3);
	bh_resolver_cache_free(&c);
	assert_null(c);
	bh_resolver_cache_free(&c);
}

static void test_missing_callbacks(void **state)
{
	const struct bh_collector_resolver in = { .workload = fake_workload };
	struct bh_collector_resolver res;
	struct bh_resolver_cache *c;

	(void)state;
	assert_int_equal(bh_resolver_cache_new(&c, &in, &res), 0);
	assert_null(res.identity);
	assert_non_null(res.workload);
	assert_null(res.rule);
	assert_null(res.generation);
	assert_null(res.iface);
	bh_resolver_cache_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_answers),
		cmocka_unit_test(test_missing_callbacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
