/* SPDX-License-Identifier: GPL-2.0-only */
/* Logging for every userspace part: one printf-checked function, levels as
 * in xdp-tools (pr_warn/pr_info/pr_debug). libbpf and libxdp output is routed
 * through it so that their messages obey the same level. */
#ifndef BH_LOG_H
#define BH_LOG_H

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

#define pr_warn(...) bh_log(BH_LOG_WARN, __VA_ARGS__)
#define pr_info(...) bh_log(BH_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) bh_log(BH_LOG_DEBUG, __VA_ARGS__)

#endif /* BH_LOG_H */
