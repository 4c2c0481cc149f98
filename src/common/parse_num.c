// SPDX-License-Identifier: GPL-2.0-only
#include "parse_num.h"

#include <errno.h>
#include <stdlib.h>

int bh_parse_u64(const char *s, __u64 max, __u64 *v)
{
	unsigned long long x;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x > max)
		return -EINVAL;
	*v = x;
	return 0;
}
