// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host build of the packet parser (xdp/bh_parse.h) against the packet
 * vectors (parser_vectors.c): the complete result of every vector, then
 * every vector cut at every length, as a capture cut and as a wire cut,
 * against the truncation rule of parser_vectors.h. Each cut is parsed from
 * a heap buffer of exactly its length, so that ASan catches a read past it.
 *
 *   test_parser                      run the tests
 *   test_parser --write-corpus DIR   write each vector's frame to DIR/<name>
 *                                    (the fuzzer's seed corpus)
 */
#include "bh_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bh_parse.h"
#include "parser_vectors.h"

static void parse_copy(const __u8 *frame, __u32 cap, __u32 wire,
		       struct bh_pkt *out)
{
	__u8 *copy = malloc(cap ? cap : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, frame, cap);
	r = bh_parse(copy, copy + cap, wire, out);
	assert_int_equal(r, out->reason);
	free(copy);
}

static void build(size_t i, struct pv *v)
{
	int err = pv_build(&pv_vectors[i], v);

	if (err)
		fail_msg("vector %s: builder failed: %d", pv_vectors[i].name,
			 err);
}

static void test_vectors(void **state)
{
	static struct pv v;
	struct bh_pkt got;
	char diff[4096];
	const char *bad;
	size_t i;

	(void)state;
	for (i = 0; i < pv_nvectors; i++) {
		build(i, &v);
		parse_copy(v.frame, v.len, v.len, &got);
		if (pv_pkt_diff(&got, &v.want, diff, sizeof(diff)))
			fail_msg("vector %s (%u bytes): parsed != expected:\n%s",
				 pv_vectors[i].name, v.len, diff);
		bad = pv_pkt_invariant(&got, v.len, v.len);
		if (bad)
			fail_msg("vector %s: %s", pv_vectors[i].name, bad);
	}
}

/* Every cut of every vector, as a capture cut (wire = 0) or a wire cut. */
static void check_cuts(bool wire)
{
	static struct pv v;
	struct bh_pkt got, exp;
	char diff[4096];
	const char *bad;
	__u32 cut, n = 0;
	size_t i;

	for (i = 0; i < pv_nvectors; i++) {
		build(i, &v);
		for (cut = 0; cut <= v.len; cut++, n++) {
			__u32 wlen = wire ? cut : v.len;
			const char *name = pv_vectors[i].name;

			parse_copy(v.frame, cut, wlen, &got);
			bad = pv_pkt_invariant(&got, cut, wlen);
			if (bad)
				fail_msg("vector %s cut at %u/%u (%s): %s",
					 name, cut, v.len,
					 wire ? "wire" : "capture", bad);
			if (!pv_expect_cut(&v, cut, wire, &exp)) {
				if (got.reason != exp.reason)
					fail_msg("vector %s cut at %u/%u (%s): "
						 "reason %s, expected %s",
						 name, cut, v.len,
						 wire ? "wire" : "capture",
						 bh_reason_str(got.reason),
						 bh_reason_str(exp.reason));
				continue;
			}
			if (pv_pkt_diff(&got, &exp, diff, sizeof(diff)))
				fail_msg("vector %s cut at %u/%u (%s): parsed "
					 "!= expected:\n%s",
					 name, cut, v.len,
					 wire ? "wire" : "capture", diff);
		}
	}
	/* The sweep really ran: ~90 vectors of 40-400 bytes. */
	assert_true(n > 5000);
}

static void test_capture_cuts(void **state)
{
	(void)state;
	check_cuts(false);
}

static void test_wire_cuts(void **state)
{
	(void)state;
	check_cuts(true);
}

/* The vectors cover every parse reason and every tunnel type. */
static void test_coverage(void **state)
{
	static struct pv v;
	unsigned int reasons = 0, tunnels = 0;
	size_t i;

	(void)state;
	for (i = 0; i < pv_nvectors; i++) {
		build(i, &v);
		reasons |= 1u << v.want.reason;
		tunnels |= 1u << v.want.tun_type;
	}
	assert_int_equal(reasons, (1u << (BH_REASON_EXT_LIMIT + 1)) - 1);
	assert_int_equal(tunnels, 7);
}

/* The frame is only read: parsing leaves it unchanged, and parsing twice
 * gives the same result. */
static void test_read_only(void **state)
{
	static struct pv v;
	struct bh_pkt a, b;
	__u8 copy[PV_MAX_FRAME];
	size_t i;

	(void)state;
	for (i = 0; i < pv_nvectors; i++) {
		build(i, &v);
		memcpy(copy, v.frame, v.len);
		memset(&a, 0xa5, sizeof(a));
		bh_parse(copy, copy + v.len, v.len, &a);
		bh_parse(copy, copy + v.len, v.len, &b);
		assert_memory_equal(copy, v.frame, v.len);
		assert_memory_equal(&a, &b, sizeof(a));
	}
}

static int write_corpus(const char *dir)
{
	static struct pv v;
	char path[4096];
	size_t i;
	FILE *f;
	int err;

	for (i = 0; i < pv_nvectors; i++) {
		err = pv_build(&pv_vectors[i], &v);
		if (err) {
			fprintf(stderr, "vector %s: builder failed: %d\n",
				pv_vectors[i].name, err);
			return 1;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, pv_vectors[i].name);
		f = fopen(path, "wb");
		if (!f) {
			err = errno;
			fprintf(stderr, "cannot create %s: %s\n", path,
				strerror(err));
			return 1;
		}
		if (fwrite(v.frame, 1, v.len, f) != v.len || fclose(f)) {
			fprintf(stderr, "cannot write %s\n", path);
			return 1;
		}
	}
	printf("wrote %zu frames to %s\n", pv_nvectors, dir);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_capture_cuts),
		cmocka_unit_test(test_wire_cuts),
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_read_only),
	};

	if (argc == 3 && !strcmp(argv[1], "--write-corpus"))
		return write_corpus(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: %s [--write-corpus DIR]\n", argv[0]);
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
