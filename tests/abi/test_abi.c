// SPDX-License-Identifier: GPL-2.0-only
/* ABI checks that the compiler cannot do alone: enum names are complete and
 * distinct. (Struct sizes are _Static_asserts in the header itself.) */
#include "bh_test.h"

#include <string.h>

#include "bulkhead_abi.h"

static void test_verdict_names(void **state)
{
	unsigned int i, j;

	(void)state;
	for (i = 0; i < BH_VERDICT_MAX; i++) {
		assert_string_not_equal(bh_verdict_str(i), "invalid");
		for (j = 0; j < i; j++)
			assert_string_not_equal(bh_verdict_str(i),
						bh_verdict_str(j));
	}
	assert_string_equal(bh_verdict_str(BH_VERDICT_MAX), "invalid");
	assert_string_equal(bh_verdict_str(BH_VERDICT_AUDIT), "would-deny");
}

static void test_reason_names(void **state)
{
	unsigned int i, j;

	(void)state;
	for (i = 0; i < BH_REASON_MAX; i++) {
		assert_string_not_equal(bh_reason_str(i), "invalid");
		for (j = 0; j < i; j++)
			assert_string_not_equal(bh_reason_str(i),
						bh_reason_str(j));
	}
	assert_string_equal(bh_reason_str(BH_REASON_FRAG_UNTRACKED),
			    "frag_untracked");
	assert_string_equal(bh_reason_str(BH_REASON_POLICY_DENIED),
			    "policy_denied");
}

static void test_bitmap_words(void **state)
{
	(void)state;
	assert_int_equal(BH_MAX_RULES % 64, 0);
	assert_int_equal(sizeof(struct bh_rule_bitmap), BH_RULE_WORDS * 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_names),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_bitmap_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
