/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared test helpers. cmocka must be included after its prerequisites. */
#ifndef BH_TEST_H
#define BH_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

/* Exit code ctest counts as "skipped" (SKIP_RETURN_CODE). */
#define BH_TEST_SKIP 77

/* True when running under CI (CI=true): skipping is then a failure. */
bool bh_test_in_ci(void);

/* Exit code for "cannot run here": 77 outside CI, 1 under CI=true, with the
 * reason on stderr either way. */
int bh_test_skip_code(const char *why);

/* Returns 0 when running as root with BPF available (and bpffs mounted,
 * mounting it if needed), else bh_test_skip_code(). Call from main(). */
int bh_test_require_bpf(void);

/* Path of a file in the source tree ("pcaps/x.pcap"); static buffer. */
const char *bh_test_src_path(const char *rel);

#endif /* BH_TEST_H */
