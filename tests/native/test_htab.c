// SPDX-License-Identifier: GPL-2.0-only
/* The native engine's tables (src/native/htab.h): hash and LRU semantics,
 * and what the replay's incremental polls rely on: stamps, walks of what
 * was used since a clock value, reads that do not count as use, and the
 * count of entries that left the table. */
#include "bh_test.h"

#include <errno.h>
#include <string.h>

#include "htab.h"

/* A key of the flow key's size: 40 bytes, only the first word varies. */
struct key {
	__u64 id;
	__u8 rest[32];
};

struct seen {
	__u64 ids[64];
	int n;
};

static struct key k(__u64 id)
{
	struct key x;

	memset(&x, 0, sizeof(x));
	x.id = id;
	x.rest[31] = 0x5a;
	return x;
}

static int collect(void *ctx, const void *key, void *val)
{
	struct seen *s = ctx;
	struct key x;

	(void)val;
	memcpy(&x, key, sizeof(x));
	if (s->n < 64)
		s->ids[s->n++] = x.id;
	return 0;
}

static struct seen since(struct bh_htab *t, __u64 clock)
{
	struct seen s = { .n = 0 };

	assert_int_equal(bh_htab_foreach_since(t, clock, collect, &s), 0);
	return s;
}

static void test_hash_basic(void **state)
{
	struct bh_htab *t;
	struct key x;
	__u64 v = 7, *p;
	int i;

	(void)state;
	assert_int_equal(bh_htab_new(&t, sizeof(struct key), sizeof(v), 4,
				     false), 0);
	for (i = 0; i < 4; i++) {
		x = k((__u64)i);
		v = (__u64)i * 10;
		assert_int_equal(bh_htab_update(t, &x, &v, BH_HTAB_NOEXIST), 0);
	}
	x = k(9);
	assert_int_equal(bh_htab_update(t, &x, &v, BH_HTAB_ANY), -E2BIG);
	x = k(2);
	assert_int_equal(bh_htab_update(t, &x, &v, BH_HTAB_NOEXIST), -EEXIST);
	p = bh_htab_lookup(t, &x);
	assert_non_null(p);
	assert_int_equal(*p, 20);
	x = k(9);
	assert_int_equal(bh_htab_update(t, &x, &v, BH_HTAB_EXIST), -ENOENT);
	assert_null(bh_htab_lookup(t, &x));
	x = k(2);
	assert_int_equal(bh_htab_delete(t, &x), 0);
	assert_int_equal(bh_htab_delete(t, &x), -ENOENT);
	assert_int_equal(bh_htab_count(t), 3);
	assert_int_equal(bh_htab_removals(t), 1);
	bh_htab_free(&t);
	assert_null(t);
	bh_htab_free(&t);
}

/* Many keys differing in one byte anywhere: all found, none confused (the
 * hash reads the key eight bytes at a time, with a short tail). */
static void test_hash_many(void **state)
{
	unsigned char key[13];
	struct bh_htab *t;
	__u32 v, *p;
	int i, b;

	(void)state;
	assert_int_equal(bh_htab_new(&t, sizeof(key), sizeof(v), 100000,
				     false), 0);
	for (b = 0; b < (int)sizeof(key); b++)
		for (i = 0; i < 256; i++) {
			memset(key, 0, sizeof(key));
			key[b] = (unsigned char)i;
			v = (__u32)(b * 256 + i);
			if (i == 0 && b > 0)
				continue; /* the all-zero key, once */
			assert_int_equal(bh_htab_update(t, key, &v,
							BH_HTAB_NOEXIST), 0);
		}
	for (b = 0; b < (int)sizeof(key); b++)
		for (i = 1; i < 256; i++) {
			memset(key, 0, sizeof(key));
			key[b] = (unsigned char)i;
			p = bh_htab_lookup(t, key);
			assert_non_null(p);
			assert_int_equal(*p, b * 256 + i);
		}
	assert_int_equal(bh_htab_count(t), sizeof(key) * 255 + 1);
	bh_htab_free(&t);
}

/* Entries removed (deleted, evicted) leave their nodes for the next
 * insertions: a reused node holds only the new entry, in the right bucket
 * and in use order, and the table still finds everything. */
static void test_nodes_reused(void **state)
{
	struct bh_htab *t;
	struct seen s;
	struct key x;
	__u64 v, *p;
	int round, i;

	(void)state;
	assert_int_equal(bh_htab_new(&t, sizeof(struct key), sizeof(v), 8,
				     true), 0);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 8; i++) {
			x = k((__u64)(round * 100 + i));
			v = (__u64)(round * 1000 + i);
			assert_int_equal(bh_htab_update(t, &x, &v,
							BH_HTAB_NOEXIST), 0);
		}
		for (i = 0; i < 8; i += 2) {
			x = k((__u64)(round * 100 + i));
			assert_int_equal(bh_htab_delete(t, &x), 0);
		}
	}
	/* 4 of the last round's left: each round's 8 insertions evicted
	 * the 4 left of the round before */
	assert_int_equal(bh_htab_count(t), 4);
	assert_int_equal(bh_htab_removals(t), 3 * 4 + 2 * 4);
	for (i = 1; i < 8; i += 2) {
		x = k((__u64)(200 + i));
		p = bh_htab_lookup(t, &x);
		assert_non_null(p);
		assert_int_equal(*p, 2000 + i);
		x = k((__u64)(200 + i - 1));
		assert_null(bh_htab_lookup(t, &x));
	}
	s = since(t, 0);
	assert_int_equal(s.n, 4);
	/* most recently used first: the lookups above, last one first */
	assert_int_equal(s.ids[0], 207);
	assert_int_equal(s.ids[3], 201);
	bh_htab_free(&t);
}

static void test_lru_evicts_least_recent(void **state)
{
	struct bh_htab *t;
	struct key x;
	__u64 v = 1;
	int i;

	(void)state;
	assert_int_equal(bh_htab_new(&t, sizeof(struct key), sizeof(v), 3,
				     true), 0);
	for (i = 0; i < 3; i++) {
		x = k((__u64)i);
		assert_int_equal(bh_htab_update(t, &x, &v, BH_HTAB_ANY), 0);
	}
	x = k(0);
	assert_non_null(bh_htab_lookup(t, &x)); /* 1 is now the oldest */
	x = k(3);
	assert_int_equal(bh_htab_update(t, &x, &v, BH_HTAB_ANY), 0);
	x = k(1);
	assert_null(bh_htab_peek(t, &x, NULL));
	assert_int_equal(bh_htab_removals(t), 1);
	assert_int_equal(bh_htab_count(t), 3);
	bh_htab_free(&t);
}

static void test_since(void **state)
{
	struct bh_htab *t;
	struct seen s;
	struct key x;
	__u64 v = 1, c0, c1, c2, *p;
	int i;

	(void)state;
	assert_int_equal(bh_htab_new(&t, sizeof(struct key), sizeof(v), 16,
				     true), 0);
	c0 = bh_htab_clock(t);
	for (i = 0; i < 5; i++) {
		x = k((__u64)i);
		assert_int_equal(bh_htab_update(t, &x, &v, BH_HTAB_ANY), 0);
	}
	s = since(t, c0);
	assert_int_equal(s.n, 5); /* everything, most recent first */
	assert_int_equal(s.ids[0], 4);
	assert_int_equal(s.ids[4], 0);

	c1 = bh_htab_clock(t);
	assert_int_equal(since(t, c1).n, 0);
	/* peek is not use; lookup is, also of the most recent entry */
	x = k(2);
	assert_non_null(bh_htab_peek(t, &x, NULL));
	assert_int_equal(since(t, c1).n, 0);
	x = k(4);
	p = bh_htab_lookup(t, &x);
	*p = 99; /* written through the pointer, as the classifier does */
	s = since(t, c1);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ids[0], 4);
	x = k(1);
	assert_non_null(bh_htab_lookup(t, &x));
	v = 5;
	x = k(3);
	assert_int_equal(bh_htab_update(t, &x, &v, BH_HTAB_EXIST), 0);
	s = since(t, c1);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ids[0], 3);
	assert_int_equal(s.ids[1], 1);
	assert_int_equal(s.ids[2], 4);

	/* a deleted entry is not reported; removals counts it */
	c2 = bh_htab_clock(t);
	x = k(1);
	assert_non_null(bh_htab_lookup(t, &x));
	assert_int_equal(bh_htab_delete(t, &x), 0);
	assert_int_equal(since(t, c2).n, 0);
	assert_int_equal(bh_htab_removals(t), 1);
	assert_int_equal(since(t, c0).n, 4);
	bh_htab_free(&t);
}

/* In a plain hash table only insertions stamp entries. */
static void test_since_hash(void **state)
{
	struct bh_htab *t;
	struct key x;
	__u64 v = 1, c;

	(void)state;
	assert_int_equal(bh_htab_new(&t, sizeof(struct key), sizeof(v), 16,
				     false), 0);
	x = k(1);
	assert_int_equal(bh_htab_update(t, &x, &v, BH_HTAB_ANY), 0);
	c = bh_htab_clock(t);
	assert_non_null(bh_htab_lookup(t, &x));
	assert_int_equal(since(t, c).n, 0);
	x = k(2);
	assert_int_equal(bh_htab_update(t, &x, &v, BH_HTAB_ANY), 0);
	assert_int_equal(since(t, c).n, 1);
	bh_htab_free(&t);
}

static void test_lpm(void **state)
{
	struct {
		__u32 plen;
		__u8 b[4];
	} key;
	struct bh_lpm *l;
	__u32 v, *p;

	(void)state;
	assert_int_equal(bh_lpm_new(&l, sizeof(key), sizeof(v), 8), 0);
	key.plen = 8;
	memcpy(key.b, "\x0a\x09\x09\x09", 4); /* 10/8, host bits ignored */
	v = 8;
	assert_int_equal(bh_lpm_update(l, &key, &v, BH_HTAB_ANY), 0);
	key.plen = 24;
	memcpy(key.b, "\x0a\x00\x01\x00", 4);
	v = 24;
	assert_int_equal(bh_lpm_update(l, &key, &v, BH_HTAB_ANY), 0);
	key.plen = 32;
	memcpy(key.b, "\x0a\x00\x01\x05", 4);
	p = bh_lpm_lookup(l, &key);
	assert_non_null(p);
	assert_int_equal(*p, 24);
	memcpy(key.b, "\x0a\x00\x02\x05", 4);
	p = bh_lpm_lookup(l, &key);
	assert_non_null(p);
	assert_int_equal(*p, 8);
	memcpy(key.b, "\x0b\x00\x02\x05", 4);
	assert_null(bh_lpm_lookup(l, &key));

	/* a default route; then the /24 goes: the /8 answers again */
	key.plen = 0;
	v = 0;
	assert_int_equal(bh_lpm_update(l, &key, &v, BH_HTAB_ANY), 0);
	key.plen = 32;
	memcpy(key.b, "\x0b\x00\x02\x05", 4);
	p = bh_lpm_lookup(l, &key);
	assert_non_null(p);
	assert_int_equal(*p, 0);
	key.plen = 24;
	memcpy(key.b, "\x0a\x00\x01\xff", 4);
	assert_int_equal(bh_lpm_delete(l, &key), 0);
	assert_int_equal(bh_lpm_delete(l, &key), -ENOENT);
	key.plen = 32;
	memcpy(key.b, "\x0a\x00\x01\x05", 4);
	p = bh_lpm_lookup(l, &key);
	assert_non_null(p);
	assert_int_equal(*p, 8);
	/* a lookup key shorter than the prefixes: only those it covers */
	key.plen = 4;
	p = bh_lpm_lookup(l, &key);
	assert_non_null(p);
	assert_int_equal(*p, 0);
	key.plen = 0;
	assert_int_equal(bh_lpm_delete(l, &key), 0);
	key.plen = 8;
	assert_int_equal(bh_lpm_delete(l, &key), 0);
	key.plen = 32;
	assert_null(bh_lpm_lookup(l, &key));
	assert_int_equal(bh_lpm_count(l), 0);
	bh_lpm_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_basic),
		cmocka_unit_test(test_hash_many),
		cmocka_unit_test(test_nodes_reused),
		cmocka_unit_test(test_lru_evicts_least_recent),
		cmocka_unit_test(test_since),
		cmocka_unit_test(test_since_hash),
		cmocka_unit_test(test_lpm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
