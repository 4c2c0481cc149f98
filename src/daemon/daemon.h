/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The node daemon, `bulkhead run --config FILE`: attaches the data plane to
 * the configured interfaces (and to matching links as they appear), loads
 * the policy, serves the control socket, reloads on SIGHUP and stops on
 * SIGTERM/SIGINT leaving enforcement in place (on_exit: keep) or removing
 * it (on_exit: detach).
 */
#ifndef BH_DAEMON_H
#define BH_DAEMON_H

#include <stdio.h>

/* Run until stopped. Returns 0, or -errno when it could not start (the
 * reason printed to err and the log). */
int bh_daemon_run(const char *config_path, FILE *err);

/* `bulkhead detach` without a daemon: remove bulkhead's XDP programs from
 * every interface of this network namespace and the pins under pin_path.
 * Prints what it did to out. Returns 0 or -errno. */
int bh_daemon_detach_offline(const char *pin_path, FILE *out);

#endif /* BH_DAEMON_H */
