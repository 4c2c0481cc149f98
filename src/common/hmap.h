/* SPDX-License-Identifier: GPL-2.0-only */
/* An open-addressing hash map from byte strings to indexes (the policy
 * compiler interns labels and bitmaps with it, replay its report tables). Keys
 * are not copied: they must outlive the map. */
#ifndef BH_HMAP_H
#define BH_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bh_hmap_slot {
	const void *key; /* NULL: empty */
	size_t len;
	uint64_t hash;
	size_t val;
};

struct bh_hmap {
	struct bh_hmap_slot *slots;
	size_t cap; /* power of two */
	size_t n;
};

uint64_t bh_hmap_hash(const void *key, size_t len);
void bh_hmap_init(struct bh_hmap *m);
void bh_hmap_release(struct bh_hmap *m);
/* Value for key, or false. */
bool bh_hmap_get(const struct bh_hmap *m, const void *key, size_t len,
		 size_t *val);
/* Insert key -> val unless present. Returns 1 when inserted, 0 when the
 * key existed (*existing gets its value, may be NULL), -ENOMEM. */
int bh_hmap_put(struct bh_hmap *m, const void *key, size_t len, size_t val,
		size_t *existing);

#endif /* BH_HMAP_H */
