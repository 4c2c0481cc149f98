/* SPDX-License-Identifier: GPL-2.0-only */
/* A bump allocator for the loaded policy: thousands of small strings and
 * arrays that live and die together, freed in one call, which keeps the
 * loader's error paths simple. Private to src/policy. */
#ifndef BH_POLICY_ARENA_H
#define BH_POLICY_ARENA_H

#include <stddef.h>

struct bh_policy_arena;

struct bh_policy_arena *bh_policy_arena_new(void);
void bh_policy_arena_free(struct bh_policy_arena **a);
/* Zeroed, 16-byte aligned; NULL when out of memory. n * size must not
 * overflow (checked). */
void *bh_policy_arena_calloc(struct bh_policy_arena *a, size_t n, size_t size);
char *bh_policy_arena_strndup(struct bh_policy_arena *a, const char *s,
			      size_t len);

#endif /* BH_POLICY_ARENA_H */
