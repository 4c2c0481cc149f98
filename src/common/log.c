// SPDX-License-Identifier: GPL-2.0-only
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

static enum bh_log_level bh_log_level_cur = BH_LOG_WARN;

void bh_log_set_level(enum bh_log_level level)
{
	bh_log_level_cur = level;
}

enum bh_log_level bh_log_get_level(void)
{
	return bh_log_level_cur;
}

static void bh_vlog(enum bh_log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = {
		[BH_LOG_WARN] = "bulkhead: ",
		[BH_LOG_INFO] = "bulkhead: ",
		[BH_LOG_DEBUG] = "bulkhead: debug: ",
	};

	if (level > bh_log_level_cur)
		return;
	fputs(prefix[level], stderr);
	vfprintf(stderr, fmt, ap);
}

void bh_log(enum bh_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bh_vlog(level, fmt, ap);
	va_end(ap);
}

static int bh_libbpf_print(enum libbpf_print_level level, const char *fmt,
			   va_list ap)
{
	enum bh_log_level l = level == LIBBPF_WARN   ? BH_LOG_WARN :
			      level == LIBBPF_INFO   ? BH_LOG_INFO :
						       BH_LOG_DEBUG;
	/* libbpf's info output is chatty (feature probes): keep it for -v -v */
	if (l == BH_LOG_INFO)
		l = BH_LOG_DEBUG;
	bh_vlog(l, fmt, ap);
	return 0;
}

static int bh_libxdp_print(enum libxdp_print_level level, const char *fmt,
			   va_list ap)
{
	enum bh_log_level l = level == LIBXDP_WARN ? BH_LOG_WARN :
			      level == LIBXDP_INFO ? BH_LOG_INFO :
						     BH_LOG_DEBUG;
	if (l == BH_LOG_INFO)
		l = BH_LOG_DEBUG;
	bh_vlog(l, fmt, ap);
	return 0;
}

void bh_log_route_libs(void)
{
	libbpf_set_print(bh_libbpf_print);
	libxdp_set_print(bh_libxdp_print);
}
