/* SPDX-License-Identifier: GPL-2.0-only */
/* JSON text for the programs' -o json outputs. */
#ifndef BH_JSON_OUT_H
#define BH_JSON_OUT_H

#include <stddef.h>
#include <stdio.h>

/* s as a JSON string: quotes, backslashes and control characters escaped,
 * bytes that are not UTF-8 replaced by U+FFFD, so that the line stays valid
 * JSON whatever a name or a capture holds. NULL writes "". */
void bh_json_str(FILE *out, const char *s);

/* The same JSON string handed in pieces to put(ctx, bytes, n), for
 * writers other than a FILE. */
typedef void (*bh_json_put)(void *ctx, const char *p, size_t n);
void bh_json_escape(const char *s, bh_json_put put, void *ctx);

#endif /* BH_JSON_OUT_H */
