/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A network namespace of a data plane test, for attaching to veths that
 * exist nowhere else: created with the links the test asks for, entered
 * by the test's thread, left and removed (also from atexit on failure).
 */
#ifndef BH_TEST_DP_NETNS_H
#define BH_TEST_DP_NETNS_H

#include <stddef.h>

/* Create "<prefix>-<pid>" into ns (cap bytes) with a veth pair for each
 * two names in veths (ended by NULL), every link up, and enter it; *self
 * gets the caller's namespace to come back to. Asserts on failure. */
void tp_netns_enter(char *ns, size_t cap, const char *prefix,
		    const char *const *veths, int *self);
/* Back to self (closed). */
void tp_netns_leave(int self);
/* Remove ns if set, and clear it; for atexit too. */
void tp_netns_del(char *ns);

#endif /* BH_TEST_DP_NETNS_H */
