// SPDX-License-Identifier: GPL-2.0-only
/* The runtime endpoint registry: label syntax, add/del, the state file. */
#include "bh_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endpoints.h"

static const struct {
	const char *in;
	int ret;
	size_t n;
	const char *first_key; /* after sorting */
	const char *why;       /* substring of the reason */
} label_cases[] = {
    {"", 0, 0, NULL, NULL},
    {"app=web", 0, 1, "app", NULL},
    {"tier=frontend,app=web", 0, 2, "app", NULL},
    {"k8s.io/app=web,env=", 0, 2, "env", NULL},
    {"app", -EINVAL, 0, NULL, "is not key=value"},
    {"=web", -EINVAL, 0, NULL, "the key must have"},
    {"app=web,", -EINVAL, 0, NULL, "label '' is not key=value"},
    {"app=web,app=api", -EINVAL, 0, NULL, "given twice"},
    {"a pp=web", -EINVAL, 0, NULL, "label key 'a pp'"},
    {"app=w/b", -EINVAL, 0, NULL, "label value 'w/b'"},
    {"app=0123456789012345678901234567890123456789012345678901234567890123",
     -EINVAL, 0, NULL, "at most 63"},
};

static void test_labels(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(label_cases) / sizeof(label_cases[0]); i++) {
		struct bh_ep_label *l = NULL;
		char why[160] = "";
		size_t n = 99;
		int ret = bh_ep_parse_labels(label_cases[i].in, &l, &n, why,
					     sizeof(why));

		if (ret != label_cases[i].ret)
			fail_msg("'%s': ret %d want %d (%s)", label_cases[i].in,
				 ret, label_cases[i].ret, why);
		if (ret) {
			assert_null(l);
			if (!strstr(why, label_cases[i].why))
				fail_msg("'%s': reason '%s' lacks '%s'",
					 label_cases[i].in, why,
					 label_cases[i].why);
			continue;
		}
		assert_int_equal(n, label_cases[i].n);
		if (n)
			assert_string_equal(l[0].key, label_cases[i].first_key);
		bh_ep_labels_free(l, n);
	}
}

static void test_registry(void **state)
{
	struct bh_ep_registry r = {0};
	union bh_addr a;
	char why[160], text[64];

	(void)state;
	assert_int_equal(bh_ep_add(&r, "10.0.0.5", NULL, "tier=fe,app=web", why,
				   sizeof(why)),
			 0);
	assert_string_equal(r.v[0].name, "10.0.0.5");
	assert_string_equal(r.v[0].labels_str, "app=web,tier=fe");
	assert_int_equal(r.v[0].addr.h[5], 0xffff);
	assert_int_equal(
	    bh_ep_add(&r, "fd00::0:5", "db-1", "app=db", why, sizeof(why)), 0);
	assert_string_equal(r.v[1].addr_str, "fd00::5");
	assert_int_equal(bh_ep_add(&r, "10.0.0.5", "x", "", why, sizeof(why)),
			 -EEXIST);
	assert_int_equal(
	    bh_ep_add(&r, "10.0.0.6", "db-1", "", why, sizeof(why)), -EEXIST);
	assert_int_equal(
	    bh_ep_add(&r, "10.0.0.300", NULL, "", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not an IPv4 or IPv6 address"));
	assert_int_equal(
	    bh_ep_add(&r, "10.0.0.7", "bad name!", "", why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(r.n, 2);

	assert_int_equal(bh_ep_parse_addr("fd00::5", &a, text, sizeof(text)),
			 0);
	assert_non_null(bh_ep_find(&r, &a));
	assert_non_null(bh_ep_find_name(&r, "db-1"));
	assert_int_equal(bh_ep_del(&r, &a), 0);
	assert_int_equal(bh_ep_del(&r, &a), -ENOENT);
	assert_null(bh_ep_find_name(&r, "db-1"));
	assert_int_equal(r.n, 1);
	bh_ep_registry_release(&r);
}

static void test_state_file(void **state)
{
	struct bh_ep_registry r = {0}, back = {0};
	char path[64], why[160];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/bh-test-ep-%d", (int)getpid());
	assert_int_equal(bh_ep_load(&back, path), 0); /* missing: empty */
	assert_int_equal(back.n, 0);
	assert_int_equal(
	    bh_ep_add(&r, "10.0.0.5", "web-3", "app=web", why, sizeof(why)), 0);
	assert_int_equal(
	    bh_ep_add(&r, "10.0.0.6", "bare", "", why, sizeof(why)), 0);
	assert_int_equal(bh_ep_save(&r, path), 0);
	/* a damaged line is skipped, the others load */
	f = fopen(path, "a");
	assert_non_null(f);
	fprintf(f, "garbage\n10.0.0.7 x app=web,app=db\n10.0.0.8 ok app=ok\n");
	fclose(f);
	assert_int_equal(bh_ep_load(&back, path), 0);
	assert_int_equal(back.n, 3);
	assert_string_equal(back.v[0].name, "web-3");
	assert_string_equal(back.v[0].labels_str, "app=web");
	assert_int_equal(back.v[1].n_labels, 0);
	assert_string_equal(back.v[2].name, "ok");
	unlink(path);
	bh_ep_registry_release(&r);
	bh_ep_registry_release(&back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_labels),
	    cmocka_unit_test(test_registry),
	    cmocka_unit_test(test_state_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
