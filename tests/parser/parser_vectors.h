/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packet vectors for the parser tests: each builds one frame with bh_pktgen
 * and states the complete struct bh_pkt the parser must produce, plus what
 * the truncation rule needs to know about the frame. Shared by the host
 * unit test, the BPF parity test and the fuzzer's seed corpus.
 *
 * Truncation rule (pv_expect_cut), for a frame cut to its first `cut`
 * bytes. Two ways to cut:
 *  - capture cut (snaplen): the wire length stays the full frame length;
 *  - wire cut: the wire length is the cut too (what XDP sees of a short
 *    frame, and what BPF_PROG_TEST_RUN feeds).
 * Then:
 *  1. cut < need (the end of the last header the parser reads: L4 header,
 *     tunnel headers, IPv6 extension headers, VLAN tags...) -> TRUNCATED;
 *  2. wire cut shorter than the outer IP datagram's length field
 *     (dgram_end) -> TRUNCATED, unless the parser decided the reason
 *     before looking at lengths (early: non-IP, VLAN depth, a bad IP
 *     version, IHL or reserved bit);
 *  3. otherwise the full result, with pkt_len the wire length and
 *     payload_len clamped to the captured bytes; and the quoted packet of
 *     an ICMP error is best effort: its addresses and protocol are there
 *     when its whole IP header was captured (quote_ip_end), its ports when
 *     their bytes were (quote_ports_end).
 */
#ifndef BH_PARSER_VECTORS_H
#define BH_PARSER_VECTORS_H

#include <stdbool.h>
#include <stddef.h>

#include "bh_pktgen.h"
#include "bulkhead_abi.h"
#include "pkt_check.h"

#define PV_MAX_FRAME 2048

struct pv {
	struct bh_pktgen g;
	__u8 frame[PV_MAX_FRAME];
	__u32 len;
	struct bh_pkt want;   /* full result of the uncut frame */
	__u32 need;           /* 0: want.payload_off (set by the vector
			       * when the reason is not NONE or no L4) */
	__u32 dgram_end;      /* end of the outer IP datagram, 0 if none */
	bool early;           /* reason decided before the length checks */
	__u32 quote_ip_end;   /* ICMP error: end of the quoted IP header */
	__u32 quote_ports_end; /* ICMP error: end of the quoted ports/id */
	int outer_l3;         /* offset of the first IP header, -1 if none */
};

struct pv_vector {
	const char *name;
	void (*build)(struct pv *v);
};

extern const struct pv_vector pv_vectors[];
extern const size_t pv_nvectors;

/* Build vector i into v; returns 0 or -errno from the builder. */
int pv_build(const struct pv_vector *vec, struct pv *v);

/* Expected result of parsing the first cut bytes of v->frame with wire
 * length wire ? cut : v->len (see the rule above). Returns true when the
 * whole struct is predicted, false when only the reason (TRUNCATED) is:
 * exp->reason is set either way. */
bool pv_expect_cut(const struct pv *v, __u32 cut, bool wire,
		   struct bh_pkt *exp);

#endif /* BH_PARSER_VECTORS_H */
