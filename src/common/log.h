/* SPDX-License-Identifier: GPL-2.0-only */
/* Logging for every userspace part: one printf-checked function, levels as
 * in xdp-tools (pr_warn/pr_info/pr_debug). libbpf and libxdp output is routed
 * through it so that their messages obey the same level. */
#ifndef BH_LOG_H
#define BH_LOG_H

#include <stdbool.h>

enum bh_log_level {
	BH_LOG_WARN = 0,
	BH_LOG_INFO = 1,
	BH_LOG_DEBUG = 2,
};

void bh_log_set_level(enum bh_log_level level);
enum bh_log_level bh_log_get_level(void);
void bh_log(enum bh_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Route libbpf's and libxdp's print callbacks into bh_log. */
void bh_log_route_libs(void);
/* Hold the libraries' warnings back while an operation that may recover
 * from them runs (libxdp falling back from its dispatcher to a single
 * program prints the dispatcher's failed load on the way). release: print
 * them as warnings (the operation failed) or else as debug messages.
 * Returns whether a held message contained needle (NULL: none). Not
 * thread-safe: for the thread that attaches programs. */
void bh_log_hold_libs(void);
bool bh_log_release_libs(bool as_warnings, const char *needle);

#define pr_warn(...) bh_log(BH_LOG_WARN, __VA_ARGS__)
#define pr_info(...) bh_log(BH_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) bh_log(BH_LOG_DEBUG, __VA_ARGS__)

#endif /* BH_LOG_H */
