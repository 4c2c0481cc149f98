// SPDX-License-Identifier: GPL-2.0-only
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* Library warnings held back (bh_log_hold_libs): what does not fit is
 * dropped, and the release says so. */
static struct {
	bool on;
	bool cut;
	size_t len;
	char buf[8192];
} held;

/* A library message at level l: info is chatty (feature probes), kept for
 * -v -v; warnings are held back while an operation may still recover. */
static void lib_vlog(enum bh_log_level l, const char *fmt, va_list ap)
{
	int n;

	if (l == BH_LOG_INFO)
		l = BH_LOG_DEBUG;
	if (l != BH_LOG_WARN || !held.on) {
		bh_vlog(l, fmt, ap);
		return;
	}
	n = vsnprintf(held.buf + held.len, sizeof(held.buf) - held.len, fmt,
		      ap);
	if (n < 0 || (size_t)n >= sizeof(held.buf) - held.len) {
		held.buf[held.len] = '\0'; /* whole messages only */
		held.cut = true;
		return;
	}
	held.len += (size_t)n;
}

static int bh_libbpf_print(enum libbpf_print_level level, const char *fmt,
			   va_list ap)
{
	lib_vlog(level == LIBBPF_WARN	? BH_LOG_WARN :
		 level == LIBBPF_INFO	? BH_LOG_INFO :
					  BH_LOG_DEBUG,
		 fmt, ap);
	return 0;
}

static int bh_libxdp_print(enum libxdp_print_level level, const char *fmt,
			   va_list ap)
{
	lib_vlog(level == LIBXDP_WARN	? BH_LOG_WARN :
		 level == LIBXDP_INFO	? BH_LOG_INFO :
					  BH_LOG_DEBUG,
		 fmt, ap);
	return 0;
}

void bh_log_hold_libs(void)
{
	held.on = true;
	held.cut = false;
	held.len = 0;
	held.buf[0] = '\0';
}

bool bh_log_release_libs(bool as_warnings, const char *needle)
{
	enum bh_log_level l = as_warnings ? BH_LOG_WARN : BH_LOG_DEBUG;
	bool found = needle && strstr(held.buf, needle);

	held.on = false;
	if (held.len)
		bh_log(l, "%s", held.buf);
	if (held.cut)
		bh_log(l, "(more library messages were dropped)\n");
	held.len = 0;
	held.buf[0] = '\0';
	return found;
}

void bh_log_route_libs(void)
{
	libbpf_set_print(bh_libbpf_print);
	libxdp_set_print(bh_libxdp_print);
}
