// SPDX-License-Identifier: GPL-2.0-only
#include "strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"

static bool strbuf_reserve(struct bh_strbuf *b, size_t extra)
{
	size_t need, cap;
	char *s;

	if (b->oom)
		return false;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

void bh_strbuf_append(struct bh_strbuf *b, const char *s, size_t n)
{
	if (!strbuf_reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void bh_strbuf_printf(struct bh_strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !strbuf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void strbuf_put(void *ctx, const char *p, size_t n)
{
	bh_strbuf_append(ctx, p, n);
}

void bh_strbuf_json_str(struct bh_strbuf *b, const char *s)
{
	bh_json_escape(s, strbuf_put, b);
}

void bh_strbuf_reset(struct bh_strbuf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->s)
		b->s[0] = '\0';
}

void bh_strbuf_release(struct bh_strbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

int bh_strbuf_error(const struct bh_strbuf *b)
{
	return b->oom ? -ENOMEM : 0;
}
