// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target for the "geoip.*" configuration values
 * (bh_geo_config_set): input "key=value". Any crash, or a value accepted
 * outside its documented bounds, is a finding. The value also goes through
 * the shared parsers every config section uses (parse_num.h), checked
 * against what their grammar promises. */
#include <errno.h>
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_geo_bounds.h"
#include "parse_num.h"

#define UNTOUCHED 0x5a5a5a5a5a5a5a5aULL

static void check(int ok)
{
	if (!ok)
		abort();
}

/* An accepted integer is its digits without leading zeros; a refused one
 * leaves the output alone and says why in the documented codes. */
static void check_u64(const char *v, __u64 max)
{
	char buf[32];
	__u64 x = UNTOUCHED;
	int ret = bh_parse_u64(v, max, &x);
	const char *p = v;

	check(ret == 0 || ret == -EINVAL || ret == -ERANGE);
	if (ret) {
		check(x == UNTOUCHED);
		return;
	}
	check(x <= max);
	while (*p == '0' && p[1])
		p++;
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)x);
	check(!strcmp(buf, p));
}

static void check_parsers(const char *v)
{
	static const __u64 maxes[] = {0, 1, 65535, UINT32_MAX, UINT64_MAX};
	__u64 a = UNTOUCHED, b = UNTOUCHED, s = UNTOUCHED;
	int ra, rb, rs;
	double d = -1;
	size_t i;

	for (i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++)
		check_u64(v, maxes[i]);

	/* fractions only widen the grammar, and never change a whole value */
	ra = bh_parse_duration_ns(v, 0, BH_PARSE_DURATION_MAX_NS, &a);
	rb = bh_parse_duration_ns(v, BH_PARSE_FRACTION,
				  BH_PARSE_DURATION_MAX_NS, &b);
	check(ra || (!rb && a == b));
	check(!ra || a == UNTOUCHED);
	check(!rb || b == UNTOUCHED);
	check(ra || a <= BH_PARSE_DURATION_MAX_NS);
	check(rb || b <= BH_PARSE_DURATION_MAX_NS);
	/* a smaller maximum refuses exactly the values above it */
	if (!rb) {
		__u64 c = UNTOUCHED;
		int rc = bh_parse_duration_ns(v, BH_PARSE_FRACTION, b / 2, &c);

		check(b == 0 ? !rc && c == 0 : rc == -ERANGE);
	}

	rs = bh_parse_size(v, UINT32_MAX, &s);
	check(rs == 0 || rs == -EINVAL || rs == -ERANGE);
	check(rs ? s == UNTOUCHED : s <= UINT32_MAX);
	/* every accepted size and duration starts with a digit */
	check((ra && rb && rs) || (v[0] >= '0' && v[0] <= '9'));

	if (!bh_parse_decimal(v, &d))
		check(d >= 0 && d <= DBL_MAX); /* no NaN, no infinity */
	else
		check(d == -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_geo_config cfg;
	const char *why = NULL;
	char *buf, *eq;
	int ret;

	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	eq = strchr(buf, '=');
	if (!eq) {
		free(buf);
		return 0;
	}
	*eq = '\0';
	check_parsers(eq + 1);
	bh_geo_config_init(&cfg);
	ret = bh_geo_config_set(&cfg, buf, eq + 1, &why);
	if (ret && !why)
		abort(); /* every refusal says why */
	if (!bh_fuzz_geo_in_bounds(&cfg))
		abort();
	free(buf);
	return 0;
}
