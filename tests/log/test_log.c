// SPDX-License-Identifier: GPL-2.0-only
/* Library messages routed through bh_log, and held back while an attach
 * that may recover runs: shown as warnings when it failed, else only at
 * debug level. A real libbpf warning (opening a missing object) is the
 * message; stderr goes to a file to be read back. */
#include "bh_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "log.h"

static char err_path[64];

/* What went to stderr since the last call. */
static char *stderr_text(void)
{
	static char buf[32768];
	FILE *f;
	size_t n;

	fflush(stderr);
	f = fopen(err_path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(freopen(err_path, "w", stderr));
	return buf;
}

static void libbpf_warns(void)
{
	struct bpf_object *o = bpf_object__open_file("/nonexistent/bh.o", NULL);

	assert_true(libbpf_get_error(o) != 0);
}

static void test_hold_release(void **state)
{
	(void)state;
	bh_log_route_libs();
	bh_log_set_level(BH_LOG_WARN);

	/* not held: printed as it comes */
	libbpf_warns();
	assert_non_null(strstr(stderr_text(), "libbpf: "));

	/* held, the operation recovered: not shown at the warning level */
	bh_log_hold_libs();
	libbpf_warns();
	assert_string_equal(stderr_text(), "");
	assert_true(bh_log_release_libs(false, "/nonexistent/bh.o"));
	assert_string_equal(stderr_text(), "");

	/* ... but at debug level */
	bh_log_set_level(BH_LOG_DEBUG);
	bh_log_hold_libs();
	libbpf_warns();
	assert_false(bh_log_release_libs(false, "xdp-dispatcher"));
	assert_non_null(strstr(stderr_text(), "/nonexistent/bh.o"));
	bh_log_set_level(BH_LOG_WARN);

	/* held, the operation failed: shown as warnings, in order */
	bh_log_hold_libs();
	libbpf_warns();
	pr_warn("own message while held\n");
	assert_string_equal(stderr_text(),
			    "bulkhead: own message while held\n");
	assert_true(bh_log_release_libs(true, "/nonexistent/bh.o"));
	assert_non_null(strstr(stderr_text(), "/nonexistent/bh.o"));

	/* many messages: cut at whole messages, the cut said */
	bh_log_hold_libs();
	for (int i = 0; i < 200; i++)
		libbpf_warns();
	bh_log_release_libs(true, NULL);
	assert_non_null(strstr(stderr_text(), "library messages were dropped"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hold_release),
	};
	int rc;

	snprintf(err_path, sizeof(err_path), "/tmp/bh-test-log-%d",
		 (int)getpid());
	if (!freopen(err_path, "w", stderr))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(err_path);
	return rc;
}
