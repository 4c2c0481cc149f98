// SPDX-License-Identifier: GPL-2.0-only
/* Diagnostics of `policy check`: collected, sorted by position, printed as
 * FILE:LINE:COLUMN: level: message (the format editors and CI jump to). */
#include "policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bh_diag_init(struct bh_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void bh_diag_release(struct bh_diag *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++)
		free(d->v[i].msg);
	free(d->v);
	free(d->file);
	memset(d, 0, sizeof(*d));
}

void bh_diag_vadd(struct bh_diag *d, enum bh_diag_level level, int line,
		  int col, const char *fmt, va_list ap)
{
	struct bh_diag_entry *e;
	char *msg, *c;
	int len;

	if (!d)
		return;
	/* Counted even when memory runs out, so an error is never lost as
	 * "the file is valid". */
	if (level == BH_DIAG_ERROR)
		d->n_errors++;
	else
		d->n_warnings++;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;

		e = realloc(d->v, cap * sizeof(*e));
		if (!e)
			return;
		d->v = e;
		d->cap = cap;
	}
	len = vasprintf(&msg, fmt, ap);
	if (len < 0)
		return;
	/* Messages quote file contents: keep control characters off the
	 * terminal. */
	for (c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	e = &d->v[d->n++];
	e->level = level;
	e->line = line;
	e->col = col;
	e->msg = msg;
}

void bh_diag_add(struct bh_diag *d, enum bh_diag_level level, int line, int col,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bh_diag_vadd(d, level, line, col, fmt, ap);
	va_end(ap);
}

static int bh_diag_cmp(const void *a, const void *b)
{
	const struct bh_diag_entry *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	/* Same place: qsort is not stable, order by text so that the output
	 * stays deterministic. */
	return strcmp(x->msg, y->msg);
}

void bh_diag_sort(struct bh_diag *d)
{
	if (d && d->n > 1)
		qsort(d->v, d->n, sizeof(d->v[0]), bh_diag_cmp);
}

void bh_diag_print(const struct bh_diag *d, FILE *out)
{
	const char *file = d->file ? d->file : "<policy>";
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct bh_diag_entry *e = &d->v[i];
		const char *lvl =
		    e->level == BH_DIAG_ERROR ? "error" : "warning";

		if (e->line > 0)
			fprintf(out, "%s:%d:%d: %s: %s\n", file, e->line,
				e->col, lvl, e->msg);
		else
			fprintf(out, "%s: %s: %s\n", file, lvl, e->msg);
	}
}
