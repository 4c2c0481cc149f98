// SPDX-License-Identifier: GPL-2.0-only
/* JSON strings (src/common/json_out.h): escapes, UTF-8 kept, bytes that
 * are not UTF-8 replaced, the same text to a FILE and to any writer. */
#include "bh_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"

struct sink {
	char buf[256];
	size_t len;
	int calls;
};

static void put(void *ctx, const char *p, size_t n)
{
	struct sink *k = ctx;

	assert_true(k->len + n < sizeof(k->buf));
	memcpy(k->buf + k->len, p, n);
	k->len += n;
	k->buf[k->len] = '\0';
	k->calls++;
}

static const struct {
	const char *in, *out;
} cases[] = {
	{ NULL, "\"\"" },
	{ "", "\"\"" },
	{ "web-1", "\"web-1\"" },
	{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
	{ "l1\nl2\r\t", "\"l1\\nl2\\r\\t\"" },
	{ "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", /* é € 🔒 kept */
	  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92\"" },
	{ "x\xff" "y", "\"x\\ufffdy\"" },             /* not UTF-8 */
	{ "\xc3", "\"\\ufffd\"" },                     /* cut short */
	{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },          /* overlong */
	{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" }, /* surrogate */
};

static void test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sink k = { .len = 0 };
		char *file_out = NULL;
		size_t file_len = 0;
		FILE *f = open_memstream(&file_out, &file_len);

		assert_non_null(f);
		bh_json_str(f, cases[i].in);
		fclose(f);
		bh_json_escape(cases[i].in, put, &k);
		if (strcmp(k.buf, cases[i].out) || strcmp(file_out, k.buf))
			fail_msg("case %zu: got %s and %s, want %s", i, k.buf,
				 file_out, cases[i].out);
		free(file_out);
	}
}

/* Plain text goes to the writer in one piece between the quotes. */
static void test_runs(void **state)
{
	struct sink k = { .len = 0 };

	(void)state;
	bh_json_escape("a long plain name, no escapes at all", put, &k);
	assert_int_equal(k.calls, 3);
	k.len = 0;
	k.calls = 0;
	bh_json_escape("one\"two", put, &k);
	assert_int_equal(k.calls, 5); /* ", one, \", two, " */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
