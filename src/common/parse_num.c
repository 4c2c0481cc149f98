// SPDX-License-Identifier: GPL-2.0-only
#include "parse_num.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The digits at *p, base 10, *p moved past them: -EINVAL when there is
 * none, -ERANGE when they overflow 64 bits (all of them are still taken,
 * so that the caller can tell bad syntax from a large value). */
static int take_digits(const char **p, __u64 *v, unsigned int *n)
{
	const char *s = *p;
	bool big = false;
	__u64 x = 0;

	if (!is_digit(*s))
		return -EINVAL;
	for (; is_digit(*s); s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (x > (UINT64_MAX - d) / 10)
			big = true;
		else
			x = x * 10 + d;
	}
	if (n)
		*n = (unsigned int)(s - *p);
	*p = s;
	*v = x;
	return big ? -ERANGE : 0;
}

int bh_parse_u64(const char *s, __u64 max, __u64 *v)
{
	__u64 x;
	int err;

	if (!s)
		return -EINVAL;
	err = take_digits(&s, &x, NULL);
	if (err == -EINVAL || *s)
		return -EINVAL;
	if (err || x > max)
		return -ERANGE;
	*v = x;
	return 0;
}

/* Largest first: components must come in this order. frac_digits is how
 * many fraction digits still make whole nanoseconds. */
static const struct {
	const char *name;
	__u64 ns;
	unsigned int frac_digits;
} dur_units[] = {
    {"d", 86400000000000ULL, 9}, {"h", 3600000000000ULL, 9},
    {"m", 60000000000ULL, 9},	 {"s", 1000000000ULL, 9},
    {"ms", 1000000ULL, 6},
};

#define N_DUR_UNITS (sizeof(dur_units) / sizeof(dur_units[0]))
#define DUR_SECONDS 3 /* dur_units[] index of "s" */

/* The unit at s ("m" is not the start of "ms"), or N_DUR_UNITS. */
static size_t dur_unit(const char *s)
{
	size_t i, len;

	for (i = 0; i < N_DUR_UNITS; i++) {
		len = strlen(dur_units[i].name);
		if (!strncmp(s, dur_units[i].name, len) &&
		    !(s[len] >= 'a' && s[len] <= 'z'))
			return i;
	}
	return N_DUR_UNITS;
}

int bh_parse_duration_ns(const char *s, unsigned int flags, __u64 max_ns,
			 __u64 *ns)
{
	static const __u64 pow10[] = {1,	 10,	    100,     1000,
				      10000,	 100000,    1000000, 10000000,
				      100000000, 1000000000};
	bool big = false, first = true;
	size_t next = 0, u;
	__u64 total = 0;

	if (!s || !*s)
		return -EINVAL;
	while (*s) {
		__u64 whole, frac = 0, part;
		unsigned int nfrac = 0;
		int err;

		err = take_digits(&s, &whole, NULL);
		if (err == -EINVAL)
			return -EINVAL;
		big |= err == -ERANGE;
		if (*s == '.') {
			if (!(flags & BH_PARSE_FRACTION))
				return -EINVAL;
			s++;
			err = take_digits(&s, &frac, &nfrac);
			if (err == -EINVAL)
				return -EINVAL;
			big |= err == -ERANGE;
		}
		if (!*s && first) {
			u = DUR_SECONDS; /* a lone number */
		} else {
			u = dur_unit(s);
			/* unknown, repeated or out of order ("30m1h") */
			if (u == N_DUR_UNITS || u < next)
				return -EINVAL;
			s += strlen(dur_units[u].name);
		}
		/* below a nanosecond: refused rather than rounded */
		if (nfrac > dur_units[u].frac_digits)
			return -EINVAL;
		next = u + 1;
		first = false;
		if (big || whole > max_ns / dur_units[u].ns) {
			big = true;
			continue;
		}
		/* frac < 10^nfrac, so this stays below one unit */
		part = whole * dur_units[u].ns +
		       frac * (dur_units[u].ns / pow10[nfrac]);
		if (part > max_ns - total)
			big = true;
		else
			total += part;
	}
	if (big)
		return -ERANGE;
	*ns = total;
	return 0;
}

int bh_parse_size(const char *s, __u64 max, __u64 *v)
{
	static const struct {
		const char *name;
		__u64 mult;
	} units[] = {
	    {"", 1},
	    {"B", 1},
	    {"K", 1ULL << 10},
	    {"KiB", 1ULL << 10},
	    {"M", 1ULL << 20},
	    {"MiB", 1ULL << 20},
	    {"G", 1ULL << 30},
	    {"GiB", 1ULL << 30},
	    {"KB", 1000},
	    {"MB", 1000000},
	    {"GB", 1000000000},
	};
	size_t i;
	__u64 x;
	int err;

	if (!s)
		return -EINVAL;
	err = take_digits(&s, &x, NULL);
	if (err == -EINVAL)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s, units[i].name))
			continue;
		if (err || x > max / units[i].mult)
			return -ERANGE;
		*v = x * units[i].mult;
		return 0;
	}
	return -EINVAL;
}

int bh_parse_decimal(const char *s, double *v)
{
	const char *p = s;
	__u64 unused;
	double x;
	char *end;

	if (!s)
		return -EINVAL;
	/* the grammar first: strtod alone would take blanks, signs, hex,
	 * exponents, "inf" and "nan" */
	if (take_digits(&p, &unused, NULL) == -EINVAL)
		return -EINVAL;
	if (*p == '.') {
		p++;
		if (take_digits(&p, &unused, NULL) == -EINVAL)
			return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	errno = 0;
	x = strtod(s, &end);
	if (errno == ERANGE || end != p)
		return errno == ERANGE ? -ERANGE : -EINVAL;
	*v = x;
	return 0;
}
