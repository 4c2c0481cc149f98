// SPDX-License-Identifier: GPL-2.0-only
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BH_ARENA_CHUNK (64 * 1024)
#define BH_ARENA_ALIGN 16

struct bh_arena_chunk {
	struct bh_arena_chunk *next;
	size_t used, size;
	_Alignas(BH_ARENA_ALIGN) unsigned char data[];
};

struct bh_policy_arena {
	struct bh_arena_chunk *head;
};

struct bh_policy_arena *bh_policy_arena_new(void)
{
	return calloc(1, sizeof(struct bh_policy_arena));
}

void bh_policy_arena_free(struct bh_policy_arena **a)
{
	struct bh_arena_chunk *c, *next;

	if (!a || !*a)
		return;
	for (c = (*a)->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(*a);
	*a = NULL;
}

void *bh_policy_arena_calloc(struct bh_policy_arena *a, size_t n, size_t size)
{
	struct bh_arena_chunk *c = a->head;
	size_t len, off;

	if (size && n > SIZE_MAX / 2 / size)
		return NULL;
	len = n * size;
	if (!len)
		len = 1;
	len = (len + BH_ARENA_ALIGN - 1) & ~(size_t)(BH_ARENA_ALIGN - 1);
	if (!c || c->size - c->used < len) {
		size_t csize = len > BH_ARENA_CHUNK / 4 ? len : BH_ARENA_CHUNK;

		/* Big blocks get a chunk of their own behind the head, so
		 * the head keeps serving small allocations. */
		c = malloc(sizeof(*c) + csize);
		if (!c)
			return NULL;
		c->size = csize;
		c->used = 0;
		if (csize != BH_ARENA_CHUNK && a->head) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	off = c->used;
	c->used += len;
	memset(c->data + off, 0, len);
	return c->data + off;
}

char *bh_policy_arena_strndup(struct bh_policy_arena *a, const char *s,
			      size_t len)
{
	char *d = bh_policy_arena_calloc(a, len + 1, 1);

	if (d)
		memcpy(d, s, len);
	return d;
}
