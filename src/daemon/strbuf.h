/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A growable text buffer for control-socket replies, with the few JSON
 * helpers `status -o json` and `endpoint list -o json` need. After a failed
 * allocation the buffer stays in its "oom" state and every append is a
 * no-op, so callers check once at the end (bh_strbuf_error()).
 */
#ifndef BH_STRBUF_H
#define BH_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct bh_strbuf {
	char *s; /* NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
	bool oom;
};

void bh_strbuf_printf(struct bh_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void bh_strbuf_append(struct bh_strbuf *b, const char *s, size_t n);
/* s as a JSON string literal, quotes included. */
void bh_strbuf_json_str(struct bh_strbuf *b, const char *s);
void bh_strbuf_reset(struct bh_strbuf *b);
void bh_strbuf_release(struct bh_strbuf *b);
/* 0 or -ENOMEM. */
int bh_strbuf_error(const struct bh_strbuf *b);

#endif /* BH_STRBUF_H */
