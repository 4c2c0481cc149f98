/* SPDX-License-Identifier: GPL-2.0-only */
/* Decimal numbers in text files (baselines, state records): digits only,
 * no sign, no blanks, no overflow. */
#ifndef BH_PARSE_NUM_H
#define BH_PARSE_NUM_H

#include <linux/types.h>

/* 0 with *v, or -EINVAL when s is not a decimal number up to max. */
int bh_parse_u64(const char *s, __u64 max, __u64 *v);

#endif /* BH_PARSE_NUM_H */
