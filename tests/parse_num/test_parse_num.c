// SPDX-License-Identifier: GPL-2.0-only
/* The shared number, duration and size parsers (parse_num.h): every form
 * accepted and refused, and the boundaries. */
#include "bh_test.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "parse_num.h"

#define U64_MAX 18446744073709551615ULL
#define MS	1000000ULL
#define SEC	1000000000ULL
#define MIN	(60 * SEC)
#define HOUR	(3600 * SEC)
#define DAY	(86400 * SEC)

/* A value a case leaves alone on error, to see that it is left alone. */
#define UNTOUCHED 0xdeadbeefULL

/* A case of a parser taking (text, max, &value). */
struct max_case {
	const char *s;
	__u64 max;
	int ret;
	__u64 want;
};

/* Each case's result, and an output left alone on error. */
static void run_max_cases(int (*parse)(const char *, __u64, __u64 *),
			  const struct max_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		__u64 v = UNTOUCHED;
		int ret = parse(c[i].s, c[i].max, &v);
		__u64 want = ret ? UNTOUCHED : c[i].want;

		if (ret != c[i].ret || v != want)
			fail_msg("'%s' (max %llu): want %d %llu, got %d %llu",
				 c[i].s, (unsigned long long)c[i].max, c[i].ret,
				 (unsigned long long)c[i].want, ret,
				 (unsigned long long)v);
	}
	assert_int_equal(parse(NULL, 1, NULL), -EINVAL);
}

static const struct max_case u64_cases[] = {
    {"0", 10, 0, 0},
    {"7", 10, 0, 7},
    {"10", 10, 0, 10},
    {"11", 10, -ERANGE, 0},
    {"010", 100, 0, 10}, /* decimal, not octal 8 */
    {"0010", 100, 0, 10},
    {"09", 100, 0, 9}, /* not a bad octal digit */
    {"4294967295", 4294967295ULL, 0, 4294967295ULL},
    {"4294967296", 4294967295ULL, -ERANGE, 0},
    {"18446744073709551615", U64_MAX, 0, U64_MAX},
    {"18446744073709551616", U64_MAX, -ERANGE, 0},
    {"99999999999999999999999", U64_MAX, -ERANGE, 0},
    {"000000000000000000000000000001", U64_MAX, 0, 1},
    {"", U64_MAX, -EINVAL, 0},
    {"0x10", U64_MAX, -EINVAL, 0},
    {"0X10", U64_MAX, -EINVAL, 0},
    {"0b1", U64_MAX, -EINVAL, 0},
    {"-1", U64_MAX, -EINVAL, 0},
    {"-0", U64_MAX, -EINVAL, 0},
    {"+1", U64_MAX, -EINVAL, 0},
    {" 1", U64_MAX, -EINVAL, 0},
    {"1 ", U64_MAX, -EINVAL, 0},
    {"\t1", U64_MAX, -EINVAL, 0},
    {"1\n", U64_MAX, -EINVAL, 0},
    {"1x", U64_MAX, -EINVAL, 0},
    {"1.0", U64_MAX, -EINVAL, 0},
    {"1e3", U64_MAX, -EINVAL, 0},
    {"1,000", U64_MAX, -EINVAL, 0},
    {"1_000", U64_MAX, -EINVAL, 0},
    {"99999999999999999999999x", U64_MAX, -EINVAL, 0}, /* syntax first */
    {"x", U64_MAX, -EINVAL, 0},
};

static void test_u64(void **state)
{
	(void)state;
	run_max_cases(bh_parse_u64, u64_cases,
		      sizeof(u64_cases) / sizeof(u64_cases[0]));
}

#define YEAR (366 * DAY)
#define FRAC BH_PARSE_FRACTION
#define DMAX BH_PARSE_DURATION_MAX_NS

static const struct {
	const char *s;
	unsigned int flags;
	__u64 max;
	int ret;
	__u64 want;
} dur_cases[] = {
    /* one component; a lone number is seconds */
    {"0", 0, DMAX, 0, 0},
    {"30", 0, DMAX, 0, 30 * SEC},
    {"30s", 0, DMAX, 0, 30 * SEC},
    {"250ms", 0, DMAX, 0, 250 * MS},
    {"5m", 0, DMAX, 0, 5 * MIN},
    {"2h", 0, DMAX, 0, 2 * HOUR},
    {"2d", 0, DMAX, 0, 2 * DAY},
    {"0ms", 0, DMAX, 0, 0},
    {"010", 0, DMAX, 0, 10 * SEC},
    {"010m", 0, DMAX, 0, 10 * MIN},
    /* compound: each unit once, largest first */
    {"1h30m", 0, DMAX, 0, HOUR + 30 * MIN},
    {"2d12h", 0, DMAX, 0, 2 * DAY + 12 * HOUR},
    {"1d2h3m4s5ms", 0, DMAX, 0, DAY + 2 * HOUR + 3 * MIN + 4 * SEC + 5 * MS},
    {"1m30s", 0, DMAX, 0, 90 * SEC},
    {"1s500ms", 0, DMAX, 0, 1500 * MS},
    {"90m", 0, DMAX, 0, 90 * MIN}, /* no carry rule */
    {"1h30", 0, DMAX, -EINVAL, 0}, /* a unit is needed after the first */
    {"30m1h", 0, DMAX, -EINVAL, 0},
    {"1h1h", 0, DMAX, -EINVAL, 0},
    {"1ms1s", 0, DMAX, -EINVAL, 0},
    {"1h 30m", 0, DMAX, -EINVAL, 0},
    {"1h-30m", 0, DMAX, -EINVAL, 0},
    {"h", 0, DMAX, -EINVAL, 0},
    {"1hm", 0, DMAX, -EINVAL, 0},
    /* units are lower case and exact */
    {"5H", 0, DMAX, -EINVAL, 0},
    {"5sec", 0, DMAX, -EINVAL, 0},
    {"5mss", 0, DMAX, -EINVAL, 0},
    {"5us", 0, DMAX, -EINVAL, 0},
    {"5ns", 0, DMAX, -EINVAL, 0},
    {"5w", 0, DMAX, -EINVAL, 0},
    {"5y", 0, DMAX, -EINVAL, 0},
    /* base 10, no sign, no blanks, no junk */
    {"", 0, DMAX, -EINVAL, 0},
    {"0x10", 0, DMAX, -EINVAL, 0},
    {"0x10s", 0, DMAX, -EINVAL, 0},
    {"-5", 0, DMAX, -EINVAL, 0},
    {"-5s", 0, DMAX, -EINVAL, 0},
    {"+5s", 0, DMAX, -EINVAL, 0},
    {" 5", 0, DMAX, -EINVAL, 0},
    {"5 ", 0, DMAX, -EINVAL, 0},
    {"5 s", 0, DMAX, -EINVAL, 0},
    {"5s ", 0, DMAX, -EINVAL, 0},
    {"5s\n", 0, DMAX, -EINVAL, 0},
    {"5sx", 0, DMAX, -EINVAL, 0},
    {"1e3s", 0, DMAX, -EINVAL, 0},
    {"inf", 0, DMAX, -EINVAL, 0},
    {"nan", 0, DMAX, -EINVAL, 0},
    /* fractions only where the caller allows them */
    {"0.5s", 0, DMAX, -EINVAL, 0},
    {"1.5", 0, DMAX, -EINVAL, 0},
    {"0.5s", FRAC, DMAX, 0, 500 * MS},
    {"0.5", FRAC, DMAX, 0, 500 * MS},
    {"1.25h", FRAC, DMAX, 0, HOUR + 15 * MIN},
    {"1.5d", FRAC, DMAX, 0, DAY + 12 * HOUR},
    {"0.000000001s", FRAC, DMAX, 0, 1},
    {"0.000001ms", FRAC, DMAX, 0, 1},
    {"0.0000001ms", FRAC, DMAX, -EINVAL, 0}, /* below a nanosecond */
    {"0.0000000001s", FRAC, DMAX, -EINVAL, 0},
    {"0.1m", FRAC, DMAX, 0, 6 * SEC},
    {"1h0.5m", FRAC, DMAX, 0, HOUR + 30 * SEC},
    {"00.50s", FRAC, DMAX, 0, 500 * MS},
    {".5s", FRAC, DMAX, -EINVAL, 0},
    {"5.s", FRAC, DMAX, -EINVAL, 0},
    {"5.", FRAC, DMAX, -EINVAL, 0},
    {"5..5s", FRAC, DMAX, -EINVAL, 0},
    {"0.5.5s", FRAC, DMAX, -EINVAL, 0},
    {"0,5s", FRAC, DMAX, -EINVAL, 0},
    {"-0.5s", FRAC, DMAX, -EINVAL, 0},
    {"1e-1s", FRAC, DMAX, -EINVAL, 0},
    /* the caller's maximum, and 64 bits */
    {"366d", 0, YEAR, 0, YEAR},
    {"8784h", 0, YEAR, 0, YEAR},
    {"8784h1ms", 0, YEAR, -ERANGE, 0},
    {"367d", 0, YEAR, -ERANGE, 0},
    {"9999999h", 0, YEAR, -ERANGE, 0},
    {"31622400", 0, YEAR, 0, YEAR},
    {"31622401", 0, YEAR, -ERANGE, 0},
    {"365.99999999999d", FRAC, YEAR, -EINVAL, 0},
    {"365.999999999d", FRAC, YEAR, 0, YEAR - 86400},
    {"366.000000001d", FRAC, YEAR, -ERANGE, 0},
    {"9223372036854775807ms", 0, U64_MAX, -ERANGE, 0}, /* x1e6 overflows */
    {"9223372036s", 0, DMAX, 0, 9223372036ULL * SEC},
    {"9223372037s", 0, DMAX, -ERANGE, 0},
    {"106751d23h47m16s854ms", 0, DMAX, 0, 9223372036854000000ULL},
    {"106751d23h47m16s855ms", 0, DMAX, -ERANGE, 0},
    {"213503d", 0, U64_MAX, 0, 213503 * DAY},
    {"213504d", 0, U64_MAX, -ERANGE, 0}, /* the multiplication overflows */
    {"99999999999999999999999s", 0, U64_MAX, -ERANGE, 0},
    {"99999999999999999999999x", 0, U64_MAX, -EINVAL, 0},
    {"99999999999999999999999d1x", 0, U64_MAX, -EINVAL, 0},
    {"1s", 0, 999999999, -ERANGE, 0},
    {"999ms", 0, 999999999, 0, 999 * MS},
};

static void test_duration(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dur_cases) / sizeof(dur_cases[0]); i++) {
		__u64 ns = UNTOUCHED;
		int ret = bh_parse_duration_ns(
		    dur_cases[i].s, dur_cases[i].flags, dur_cases[i].max, &ns);
		__u64 want = ret ? UNTOUCHED : dur_cases[i].want;

		if (ret != dur_cases[i].ret || ns != want)
			fail_msg("'%s' (flags %u, max %llu): want %d %llu, "
				 "got %d %llu",
				 dur_cases[i].s, dur_cases[i].flags,
				 (unsigned long long)dur_cases[i].max,
				 dur_cases[i].ret,
				 (unsigned long long)dur_cases[i].want, ret,
				 (unsigned long long)ns);
	}
	assert_int_equal(bh_parse_duration_ns(NULL, 0, DMAX, NULL), -EINVAL);
}

#define KI (1ULL << 10)
#define MI (1ULL << 20)
#define GI (1ULL << 30)

static const struct max_case size_cases[] = {
    {"0", U64_MAX, 0, 0},
    {"1048576", U64_MAX, 0, MI},
    {"010", U64_MAX, 0, 10},
    {"512B", U64_MAX, 0, 512},
    {"64K", U64_MAX, 0, 64 * KI},
    {"64KiB", U64_MAX, 0, 64 * KI},
    {"8M", U64_MAX, 0, 8 * MI},
    {"8MiB", U64_MAX, 0, 8 * MI},
    {"2G", U64_MAX, 0, 2 * GI},
    {"2GiB", U64_MAX, 0, 2 * GI},
    {"64KB", U64_MAX, 0, 64000},
    {"8MB", U64_MAX, 0, 8000000},
    {"2GB", U64_MAX, 0, 2000000000},
    {"010M", U64_MAX, 0, 10 * MI},
    /* refused forms */
    {"", U64_MAX, -EINVAL, 0},
    {"K", U64_MAX, -EINVAL, 0},
    {"0x10", U64_MAX, -EINVAL, 0},
    {"0x10K", U64_MAX, -EINVAL, 0},
    {"-1", U64_MAX, -EINVAL, 0},
    {"+1K", U64_MAX, -EINVAL, 0},
    {" 1K", U64_MAX, -EINVAL, 0},
    {"1 K", U64_MAX, -EINVAL, 0},
    {"1K ", U64_MAX, -EINVAL, 0},
    {"1k", U64_MAX, -EINVAL, 0},
    {"1kb", U64_MAX, -EINVAL, 0},
    {"1Kib", U64_MAX, -EINVAL, 0},
    {"1T", U64_MAX, -EINVAL, 0},
    {"1TB", U64_MAX, -EINVAL, 0},
    {"1TiB", U64_MAX, -EINVAL, 0},
    {"1KK", U64_MAX, -EINVAL, 0},
    {"1.5M", U64_MAX, -EINVAL, 0},
    {"1M512K", U64_MAX, -EINVAL, 0},
    {"1e6", U64_MAX, -EINVAL, 0},
    {"99999999999999999999999Q", U64_MAX, -EINVAL, 0},
    /* boundaries */
    {"4G", 4 * GI, 0, 4 * GI},
    {"4096M", 4 * GI, 0, 4 * GI},
    {"4194304K", 4 * GI, 0, 4 * GI},
    {"4294967296", 4 * GI, 0, 4 * GI},
    {"4294967297", 4 * GI, -ERANGE, 0},
    {"4097M", 4 * GI, -ERANGE, 0},
    {"5GB", 4 * GI, -ERANGE, 0},
    {"17179869183G", U64_MAX, 0, 17179869183ULL * GI},
    {"17179869184G", U64_MAX, -ERANGE, 0}, /* x2^30 overflows */
    {"18014398509481983K", U64_MAX, 0, 18014398509481983ULL * KI},
    {"18014398509481984K", U64_MAX, -ERANGE, 0},
    {"18446744073709551615", U64_MAX, 0, U64_MAX},
    {"18446744073709551615B", U64_MAX, 0, U64_MAX},
    {"18446744073709551616", U64_MAX, -ERANGE, 0},
    {"99999999999999999999999K", U64_MAX, -ERANGE, 0},
};

static void test_size(void **state)
{
	(void)state;
	run_max_cases(bh_parse_size, size_cases,
		      sizeof(size_cases) / sizeof(size_cases[0]));
}

static const struct {
	const char *s;
	int ret;
	double want;
} dec_cases[] = {
    {"0", 0, 0},
    {"4", 0, 4},
    {"0.01", 0, 0.01},
    {"0.5", 0, 0.5},
    {"04.50", 0, 4.5},
    {"1000000", 0, 1e6},
    {"0.000000000000000000001", 0, 1e-21},
    {"", -EINVAL, 0},
    {".5", -EINVAL, 0},
    {"5.", -EINVAL, 0},
    {"1.2.3", -EINVAL, 0},
    {"-0.5", -EINVAL, 0},
    {"+0.5", -EINVAL, 0},
    {" 0.5", -EINVAL, 0},
    {"0.5 ", -EINVAL, 0},
    {"0,5", -EINVAL, 0},
    {"1e6", -EINVAL, 0},
    {"1E6", -EINVAL, 0},
    {"0x1p3", -EINVAL, 0},
    {"0x10", -EINVAL, 0},
    {"inf", -EINVAL, 0},
    {"infinity", -EINVAL, 0},
    {"nan", -EINVAL, 0},
    {"0.5x", -EINVAL, 0},
};

static void test_decimal(void **state)
{
	char huge[400];
	double v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dec_cases) / sizeof(dec_cases[0]); i++) {
		int ret;

		v = -1;
		ret = bh_parse_decimal(dec_cases[i].s, &v);
		if (ret != dec_cases[i].ret ||
		    (ret ? v != -1 : v != dec_cases[i].want))
			fail_msg("'%s': want %d %g, got %d %g", dec_cases[i].s,
				 dec_cases[i].ret, dec_cases[i].want, ret, v);
	}
	/* 1 and 399 zeros: beyond a double */
	memset(huge, '0', sizeof(huge) - 1);
	huge[0] = '1';
	huge[sizeof(huge) - 1] = '\0';
	v = -1;
	assert_int_equal(bh_parse_decimal(huge, &v), -ERANGE);
	assert_true(v == -1);
	assert_int_equal(bh_parse_decimal(NULL, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_u64),
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_size),
	    cmocka_unit_test(test_decimal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
