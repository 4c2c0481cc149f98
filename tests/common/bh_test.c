// SPDX-License-Identifier: GPL-2.0-only
#include "bh_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

bool bh_test_in_ci(void)
{
	const char *ci = getenv("CI");

	return ci && (!strcmp(ci, "true") || !strcmp(ci, "1"));
}

int bh_test_skip_code(const char *why)
{
	if (bh_test_in_ci()) {
		fprintf(stderr, "FAIL: cannot run under CI=true: %s\n", why);
		return 1;
	}
	fprintf(stderr, "SKIP: %s\n", why);
	return BH_TEST_SKIP;
}

int bh_test_require_bpf(void)
{
	struct statfs st;

	if (geteuid() != 0)
		return bh_test_skip_code("needs root for BPF");
	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	mkdir("/sys/fs/bpf", 0700);
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL) && errno != EBUSY) {
		char why[128];

		snprintf(why, sizeof(why), "cannot mount bpffs: %s",
			 strerror(errno));
		return bh_test_skip_code(why);
	}
	return 0;
}

const char *bh_test_src_path(const char *rel)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", BH_SOURCE_DIR, rel);
	return buf;
}
