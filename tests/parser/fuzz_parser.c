// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the host build of xdp/bh_parse.h. The input is one
 * frame. It is parsed twice: as a whole frame (wire length = its size, as
 * XDP sees it) and as a capture cut of a longer frame (wire length larger,
 * as a pcap with a snaplen gives it). Every result must hold the invariants
 * of pkt_check.c, and the two must agree: the wire length only decides
 * whether a datagram that claims more bytes than the frame has is
 * TRUNCATED. A violation aborts, which libFuzzer reports as a crash.
 * ASan (BH_SANITIZE) catches reads past the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bh_parse.h"
#include "pkt_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct bh_pkt *p, __u32 cap, __u32 wire,
		  const char *what)
{
	const char *bad = pv_pkt_invariant(p, cap, wire);

	if (bad) {
		fprintf(stderr, "fuzz_parser: %s parse: %s (reason %s)\n",
			what, bad, bh_reason_str(p->reason));
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_pkt whole, cut;
	__u32 len = (__u32)size;
	char diff[4096];

	/* Frames are at most 64 KiB (the parser's offsets are 16-bit). */
	if (size > 0xffff)
		return -1;
	if (bh_parse(data, data + len, len, &whole) != whole.reason)
		abort();
	check(&whole, len, len, "whole-frame");

	bh_parse(data, data + len, len + 1500, &cut);
	check(&cut, len, len + 1500, "capture-cut");

	/* A fully parsed frame parses the same when it was cut from a longer
	 * one (only pkt_len differs). */
	if (whole.reason == BH_REASON_NONE) {
		cut.pkt_len = whole.pkt_len;
		if (pv_pkt_diff(&cut, &whole, diff, sizeof(diff))) {
			fprintf(stderr, "fuzz_parser: capture cut differs:\n%s",
				diff);
			abort();
		}
	}
	return 0;
}
