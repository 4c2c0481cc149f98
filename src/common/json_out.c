// SPDX-License-Identifier: GPL-2.0-only
#include "json_out.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at s (max n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void bh_json_escape(const char *str, bh_json_put put, void *ctx)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	const unsigned char *run = s; /* bytes to copy as they are */
	size_t n = strlen((const char *)s), l;
	const char *esc;
	char u[8];

	put(ctx, "\"", 1);
	while (*s) {
		esc = NULL;
		l = 1;
		switch (*s) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				snprintf(u, sizeof(u), "\\u%04x", *s);
				esc = u;
			} else if (!(l = utf8_len(s, n))) {
				esc = "\\ufffd"; /* not UTF-8 */
				l = 1;
			}
		}
		if (esc) {
			if (s > run)
				put(ctx, (const char *)run, (size_t)(s - run));
			put(ctx, esc, strlen(esc));
			run = s + l;
		}
		s += l;
		n -= l;
	}
	if (s > run)
		put(ctx, (const char *)run, (size_t)(s - run));
	put(ctx, "\"", 1);
}

static void put_file(void *ctx, const char *p, size_t n)
{
	fwrite(p, 1, n, ctx);
}

void bh_json_str(FILE *out, const char *s)
{
	bh_json_escape(s, put_file, out);
}
