// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parity of the two builds of xdp/bh_parse.h: the parser compiled for BPF
 * (inside the minimal XDP program xdp/bh_parse_test.bpf.c, loaded on this
 * kernel and run through BPF_PROG_TEST_RUN) and compiled for the host must
 * produce the same struct bh_pkt, field for field, on:
 *  - every packet vector (parser_vectors.c);
 *  - every cut of every vector (a wire cut: the program sees a short frame);
 *  - a few thousand deterministic mutations of the vectors (bit flips,
 *    byte and 16-bit word sets, cuts), from a fixed-seed PRNG so that a
 *    failure reproduces.
 * BPF_PROG_TEST_RUN refuses XDP frames shorter than an Ethernet header
 * (14 bytes): cuts below that are checked by the host tests only.
 * Needs root and BPF.
 */
#include "bh_test.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "bh_parse.h"
#include "parser_vectors.h"
#include "bh_parse_test.skel.h"

#define MIN_XDP_FRAME 14
#define N_MUTATIONS 20000
#define MUTATION_SEED 0x62756c6b68656164ull /* "bulkhead" */

struct parity {
	struct bh_parse_test *skel;
	int prog_fd;
	unsigned long runs;
};

static struct parity P;

static int setup(void **state)
{
	(void)state;
	P.skel = bh_parse_test__open_and_load();
	if (!P.skel) {
		fprintf(stderr, "cannot load bh_parse_test.bpf.o: %s\n",
			strerror(errno));
		return -1;
	}
	P.prog_fd = bpf_program__fd(P.skel->progs.bh_parse_test);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bh_parse_test__destroy(P.skel);
	P.skel = NULL;
	return 0;
}

static void hexdump(const __u8 *p, __u32 len)
{
	__u32 i;

	for (i = 0; i < len; i++)
		fprintf(stderr, "%02x%s", p[i],
			(i % 16 == 15 || i + 1 == len) ? "\n" : " ");
}

/* Runs frame through the BPF parser and the host parser; fails the test
 * with a readable report when they differ. what names the input. */
static void check_parity(const __u8 *frame, __u32 len, const char *what)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = len, .repeat = 1);
	struct bh_pkt host, kern;
	__u32 runs_before;
	char diff[4096];
	const char *bad;
	int err;

	runs_before = P.skel->bss->bh_parse_runs;
	err = bpf_prog_test_run_opts(P.prog_fd, &opts);
	if (err)
		fail_msg("%s: BPF_PROG_TEST_RUN failed: %s", what,
			 strerror(-err));
	if (opts.retval != XDP_PASS)
		fail_msg("%s: program returned %u, not XDP_PASS", what,
			 opts.retval);
	if (P.skel->bss->bh_parse_runs != runs_before + 1)
		fail_msg("%s: the program did not run", what);
	kern = P.skel->bss->bh_parse_out;
	bh_parse(frame, frame + len, len, &host);
	P.runs++;
	if (pv_pkt_diff(&kern, &host, diff, sizeof(diff))) {
		fprintf(stderr, "%s (%u bytes):\n", what, len);
		hexdump(frame, len);
		fail_msg("%s: BPF != host (left BPF, right host):\n%s", what,
			 diff);
	}
	bad = pv_pkt_invariant(&kern, len, len);
	if (bad)
		fail_msg("%s: %s", what, bad);
}

static void build(size_t i, struct pv *v)
{
	int err = pv_build(&pv_vectors[i], v);

	if (err)
		fail_msg("vector %s: builder failed: %d", pv_vectors[i].name,
			 err);
}

static void test_vectors_and_cuts(void **state)
{
	static struct pv v;
	char what[128];
	__u32 cut;
	size_t i;

	(void)state;
	for (i = 0; i < pv_nvectors; i++) {
		build(i, &v);
		for (cut = MIN_XDP_FRAME; cut <= v.len; cut++) {
			snprintf(what, sizeof(what), "vector %s cut at %u/%u",
				 pv_vectors[i].name, cut, v.len);
			check_parity(v.frame, cut, what);
		}
	}
	printf("parity: %lu frames from %zu vectors\n", P.runs, pv_nvectors);
}

/* xorshift64*: deterministic, so that a failing mutation reproduces. */
static __u64 rnd(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static void mutate(__u8 *f, __u32 *len, __u64 *s)
{
	static const __u8 interesting[] = { 0x00, 0x01, 0x04, 0x05, 0x06,
					    0x08, 0x0f, 0x11, 0x2c, 0x33,
					    0x3a, 0x3c, 0x40, 0x45, 0x60,
					    0x7f, 0x80, 0x81, 0xff };
	__u32 n = 1 + rnd(s) % 4, pos;

	while (n--) {
		pos = (__u32)(rnd(s) % *len);
		switch (rnd(s) % 10) {
		case 0:
		case 1:
		case 2:
			f[pos] ^= (__u8)(1u << (rnd(s) % 8));
			break;
		case 3:
		case 4:
			f[pos] = interesting[rnd(s) % sizeof(interesting)];
			break;
		case 5:
			f[pos] = (__u8)rnd(s);
			break;
		case 6:
		case 7:
		case 8: /* a 16-bit field: length, ethertype, port */
			if (pos + 1 < *len) {
				__u16 w = (__u16)rnd(s);

				if (rnd(s) % 2)
					w = (__u16)(rnd(s) % 64);
				f[pos] = w >> 8;
				f[pos + 1] = w & 0xff;
			}
			break;
		case 9:
			if (*len > MIN_XDP_FRAME)
				*len = MIN_XDP_FRAME +
				       (__u32)(rnd(s) % (*len - MIN_XDP_FRAME));
			break;
		}
	}
}

static void test_mutations(void **state)
{
	static struct pv v;
	__u64 seed = MUTATION_SEED;
	__u8 frame[PV_MAX_FRAME];
	unsigned int m, differ = 0;
	char what[160];
	size_t i;
	__u32 len;

	(void)state;
	for (m = 0; m < N_MUTATIONS; m++) {
		i = rnd(&seed) % pv_nvectors;
		build(i, &v);
		memcpy(frame, v.frame, v.len);
		len = v.len;
		mutate(frame, &len, &seed);
		snprintf(what, sizeof(what), "mutation %u of vector %s", m,
			 pv_vectors[i].name);
		check_parity(frame, len, what);
		differ += P.skel->bss->bh_parse_out.reason != BH_REASON_NONE;
	}
	/* The mutations reach the error paths, not only the happy one. */
	printf("parity: %u mutations, %u ended with a parse reason\n",
	       N_MUTATIONS, differ);
	assert_true(differ > N_MUTATIONS / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_and_cuts),
		cmocka_unit_test(test_mutations),
	};
	int err = bh_test_require_bpf();

	if (err)
		return err;
	return cmocka_run_group_tests(tests, setup, teardown);
}
