/* SPDX-License-Identifier: GPL-2.0-only */
/* Numbers, durations and sizes as users write them in configuration files
 * and on the command line, and decimal numbers in state files. One grammar
 * everywhere: base 10 only (a leading zero is still decimal, "0x10" is
 * refused), no sign, no blanks, nothing after the number but its unit.
 *
 * Every function returns 0 and stores the value, -EINVAL when the text is
 * not of the form, or -ERANGE when it is but the value exceeds the caller's
 * maximum (or 64 bits); the output is left alone on error. Callers word
 * their own messages (file, line, key). */
#ifndef BH_PARSE_NUM_H
#define BH_PARSE_NUM_H

#include <linux/types.h>

/* The longest duration any caller needs: what fits in a signed 64-bit
 * nanosecond count (about 292 years). */
#define BH_PARSE_DURATION_MAX_NS 0x7fffffffffffffffULL

/* bh_parse_duration_ns() flag: a component may have a decimal fraction
 * ("0.5s", "1.25h"), down to whole nanoseconds. */
#define BH_PARSE_FRACTION 0x1u

/* Decimal digits only: "0", "42", "010" (= 10), up to max. */
int bh_parse_u64(const char *s, __u64 max, __u64 *v);

/* A duration in nanoseconds, up to max_ns: one or more components
 * NUMBER UNIT with units d, h, m, s, ms, each at most once and largest
 * first ("90s", "250ms", "1h30m", "2d12h"); a lone number without a unit
 * is seconds ("30"). */
int bh_parse_duration_ns(const char *s, unsigned int flags, __u64 max_ns,
			 __u64 *ns);

/* A size or count, up to max: digits and an optional suffix, binary K, M,
 * G (also written KiB, MiB, GiB), decimal KB, MB, GB, or B for bytes
 * ("1048576", "64K", "8MiB", "8MB"). */
int bh_parse_size(const char *s, __u64 max, __u64 *v);

/* A decimal number with an optional fraction ("4", "0.01"), no exponent;
 * the caller checks its bounds. */
int bh_parse_decimal(const char *s, double *v);

#endif /* BH_PARSE_NUM_H */
