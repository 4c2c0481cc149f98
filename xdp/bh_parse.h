/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parser, written once for both targets (DESIGN.md decision 1): the
 * XDP program compiles it with clang -target bpf, the native replay engine,
 * the unit tests and the fuzzers with the host compiler.
 *
 * Rules that keep it verifier-friendly and memory-safe on the host:
 *  - a cursor walks the frame; every read is preceded by a check that the
 *    bytes are inside [start, end);
 *  - every loop has a constant bound;
 *  - fields are read by byte offset through bh_ld16/bh_ld32, never through
 *    a header struct pointer: on the host a frame may sit at any alignment
 *    (UBSan would rightly complain), in BPF the loads stay single loads.
 *
 * Output: struct bh_pkt (bulkhead_abi.h); the return value and pkt->reason
 * are an enum bh_reason, BH_REASON_NONE when the packet was fully parsed.
 * A parse reason never means "drop" by itself: the classifier decides.
 */
#ifndef BH_PARSE_H
#define BH_PARSE_H

#include "bh_compat.h"
#include "bulkhead_abi.h"

#define BH_ETH_HLEN 14
#define BH_ETH_P_IP 0x0800
#define BH_ETH_P_IPV6 0x86dd
#define BH_ETH_P_8021Q 0x8100
#define BH_ETH_P_8021AD 0x88a8
#define BH_ETH_P_TEB 0x6558 /* Geneve: transparent Ethernet bridging */

#define BH_IPPROTO_HOPOPTS 0
#define BH_IPPROTO_ICMP 1
#define BH_IPPROTO_TCP 6
#define BH_IPPROTO_UDP 17
#define BH_IPPROTO_ROUTING 43
#define BH_IPPROTO_FRAGMENT 44
#define BH_IPPROTO_AH 51
#define BH_IPPROTO_ICMPV6 58
#define BH_IPPROTO_NONE 59
#define BH_IPPROTO_DSTOPTS 60
#define BH_IPPROTO_SCTP 132

/* Offsets of L3/L4 headers stay below this: bounds every variable offset
 * for the verifier; a header chain that reaches further is an EXT_LIMIT. */
#define BH_MAX_L3_OFF 0x3fff

#define BH_VXLAN_PORT 4789
#define BH_GENEVE_PORT 6081

/* ICMP error types whose payload quotes the offending packet. */
#define BH_ICMP_DEST_UNREACH 3
#define BH_ICMP_SOURCE_QUENCH 4
#define BH_ICMP_REDIRECT 5
#define BH_ICMP_TIME_EXCEEDED 11
#define BH_ICMP_PARAMETERPROB 12
#define BH_ICMPV6_DEST_UNREACH 1
#define BH_ICMPV6_PKT_TOOBIG 2
#define BH_ICMPV6_TIME_EXCEED 3
#define BH_ICMPV6_PARAMPROB 4

struct bh_cursor {
	const __u8 *start; /* first byte of the frame */
	const __u8 *pos;   /* next unread byte */
	const __u8 *end;   /* one past the last captured byte */
};

/* ------------------------------------------------------------------------ */
/* Loads (network byte order values, converted by the caller).              */

#ifdef __bpf__
#define bh_ld16(p) (*(const __u16 *)(p))
#define bh_ld32(p) (*(const __u32 *)(p))
#else
static __always_inline __u16 bh_ld16(const void *p)
{
	__u16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static __always_inline __u32 bh_ld32(const void *p)
{
	__u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}
#endif

/* Move the cursor to frame offset off (callers checked off <= BH_MAX_L3_OFF).
 * In BPF the offset is masked behind an asm barrier: the mask is a no-op for
 * valid offsets, but every path then reaches the next header with the same
 * pointer shape (var_off 0..0x3fff), so the verifier prunes them as one
 * state instead of verifying the rest of the parser once per header length. */
static __always_inline void bh_cursor_seek(struct bh_cursor *c, __u64 off)
{
#ifdef __bpf__
	asm volatile("%0 &= 0x3fff" : "+r"(off));
#endif
	c->pos = c->start + off;
}

/* Advance the cursor to p + len (see bh_cursor_seek). */
static __always_inline __u16 bh_cursor_off(const struct bh_cursor *c,
					   const __u8 *p);
static __always_inline int bh_cursor_advance(struct bh_cursor *c,
					     const __u8 *p, __u32 len)
{
	__u32 off = (__u32)bh_cursor_off(c, p) + len;

	if (off > BH_MAX_L3_OFF)
		return BH_REASON_UNSUPPORTED;
	bh_cursor_seek(c, off);
	return BH_REASON_NONE;
}

/* True when n bytes from p are inside the frame. */
#define bh_has(c, p, n) ((const __u8 *)(p) + (n) <= (c)->end)

static __always_inline __u16 bh_cursor_off(const struct bh_cursor *c,
					   const __u8 *p)
{
#ifdef __bpf__
	/* Keep the subtraction 64-bit: clang would otherwise narrow pointer
	 * arithmetic to 32 bits, which the verifier refuses. */
	__u64 pos = (__u64)p, start = (__u64)c->start;

	asm volatile("" : "+r"(pos), "+r"(start));
	return (__u16)(pos - start);
#else
	return (__u16)(p - c->start);
#endif
}

static __always_inline void bh_addr_from_v4(union bh_addr *a, __u32 be_addr)
{
	a->w[0] = 0;
	a->w[1] = 0;
	a->w[2] = bh_htonl(0x0000ffff);
	a->w[3] = be_addr;
}

static __always_inline void bh_addr_from_v6(union bh_addr *a, const __u8 *p)
{
	a->w[0] = bh_ld32(p);
	a->w[1] = bh_ld32(p + 4);
	a->w[2] = bh_ld32(p + 8);
	a->w[3] = bh_ld32(p + 12);
}

/* ------------------------------------------------------------------------ */
/* Ethernet and VLAN tags.                                                  */

/* Walks Ethernet and up to BH_MAX_VLAN_TAGS tags; leaves the ethertype in
 * *proto. Tags are recorded only for the outer frame (record != 0). */
static __always_inline int bh_parse_eth(struct bh_cursor *c,
					struct bh_pkt *pkt, __u16 *proto,
					int record)
{
	const __u8 *p = c->pos;
	__u16 type;
	int i;

	if (!bh_has(c, p, BH_ETH_HLEN))
		return BH_REASON_TRUNCATED;
	type = bh_ntohs(bh_ld16(p + 12));
	p += BH_ETH_HLEN;

	for (i = 0; i < BH_MAX_VLAN_TAGS; i++) {
		if (type != BH_ETH_P_8021Q && type != BH_ETH_P_8021AD)
			break;
		if (!bh_has(c, p, 4))
			return BH_REASON_TRUNCATED;
		if (record) {
			pkt->vlan[i] = bh_ntohs(bh_ld16(p)) & 0x0fff;
			pkt->vlan_count = i + 1;
		}
		type = bh_ntohs(bh_ld16(p + 2));
		p += 4;
	}
	if (type == BH_ETH_P_8021Q || type == BH_ETH_P_8021AD)
		return BH_REASON_VLAN_DEPTH;
	*proto = type;
	return bh_cursor_advance(c, p, 0);
}

/* ------------------------------------------------------------------------ */
/* IPv4 and IPv6. Fill addresses, protocol, fragment info; leave the cursor */
/* at the L4 header. The end of the datagram per its length fields is kept  */
/* as an offset in pkt->payload_len until bh_parse() turns it into the      */
/* payload length: a scalar in map memory, which the verifier does not      */
/* track, rather than one more packet pointer whose range splits states.    */

static __always_inline int bh_parse_ipv4(struct bh_cursor *c,
					 struct bh_pkt *pkt)
{
	const __u8 *p = c->pos;
	__u32 ihl, tot_len;
	__u16 frag;

	if (!bh_has(c, p, 20))
		return BH_REASON_TRUNCATED;
	if ((p[0] >> 4) != 4)
		return BH_REASON_MALFORMED;
	ihl = (__u32)(p[0] & 0x0f) * 4;
	if (ihl < 20)
		return BH_REASON_MALFORMED;
	if (!bh_has(c, p, ihl))
		return BH_REASON_TRUNCATED;
	tot_len = bh_ntohs(bh_ld16(p + 2));
	if (tot_len < ihl)
		return BH_REASON_MALFORMED;
	if (ihl > 20)
		pkt->flags |= BH_PKT_IP_OPTIONS;

	frag = bh_ntohs(bh_ld16(p + 6));
	if (frag & 0x8000) /* reserved "evil" bit */
		return BH_REASON_MALFORMED;
	pkt->frag_off = frag & 0x1fff;
	if (frag & 0x2000)
		pkt->frag_flags |= BH_FRAG_MORE;
	if (pkt->frag_off || (frag & 0x2000)) {
		pkt->frag_flags |= BH_FRAG_IS_FRAG;
		pkt->frag_id = bh_ntohs(bh_ld16(p + 4));
		if (!pkt->frag_off)
			pkt->frag_flags |= BH_FRAG_FIRST;
	}
	pkt->ttl = p[8];
	pkt->ip_proto = p[9];
	bh_addr_from_v4(&pkt->saddr, bh_ld32(p + 12));
	bh_addr_from_v4(&pkt->daddr, bh_ld32(p + 16));
	pkt->l3_proto = BH_ETH_P_IP;
	pkt->flags &= ~BH_PKT_IPV6;

	pkt->payload_len = bh_cursor_off(c, p) + tot_len;
	/* The datagram claims more bytes than the frame has on the wire. */
	if (pkt->payload_len > pkt->pkt_len)
		return BH_REASON_TRUNCATED;
	return bh_cursor_advance(c, p, ihl);
}

static __always_inline int bh_ipv6_is_ext(__u8 nh)
{
	return nh == BH_IPPROTO_HOPOPTS || nh == BH_IPPROTO_ROUTING ||
	       nh == BH_IPPROTO_FRAGMENT || nh == BH_IPPROTO_DSTOPTS ||
	       nh == BH_IPPROTO_AH;
}

static __always_inline int bh_parse_ipv6(struct bh_cursor *c,
					 struct bh_pkt *pkt)
{
	const __u8 *p = c->pos;
	__u32 off;
	__u8 nh;
	int i;

	if (!bh_has(c, p, 40))
		return BH_REASON_TRUNCATED;
	if ((p[0] >> 4) != 6)
		return BH_REASON_MALFORMED;
	nh = p[6];
	pkt->ttl = p[7];
	bh_addr_from_v6(&pkt->saddr, p + 8);
	bh_addr_from_v6(&pkt->daddr, p + 24);
	pkt->l3_proto = BH_ETH_P_IPV6;
	pkt->flags |= BH_PKT_IPV6;
	/* Payload length 0: a jumbogram (RFC 2675), or a BIG TCP packet on
	 * the TC path, which drops the hop-by-hop header: the datagram then
	 * extends to the end of the frame. */
	pkt->payload_len = bh_cursor_off(c, p) + 40 + bh_ntohs(bh_ld16(p + 4));
	if (!bh_ntohs(bh_ld16(p + 4)))
		pkt->payload_len = pkt->pkt_len;
	if (pkt->payload_len > pkt->pkt_len)
		return BH_REASON_TRUNCATED;
	/* Walk the chain by scalar offset, not by packet pointer: a bounded
	 * scalar lets the verifier prune the states of the different header
	 * lengths instead of multiplying them. */
	off = bh_cursor_off(c, p) + 40;
	for (i = 0; i < BH_MAX_IPV6_EXT; i++) {
		const __u8 *h;
		__u32 len;

		if (!bh_ipv6_is_ext(nh))
			break;
		/* Hop-by-hop options only directly after the IPv6 header. */
		if (nh == BH_IPPROTO_HOPOPTS && i)
			return BH_REASON_MALFORMED;
		if (off > BH_MAX_L3_OFF)
			return BH_REASON_EXT_LIMIT;
		bh_cursor_seek(c, off);
		h = c->pos;
		if (!bh_has(c, h, 8))
			return BH_REASON_TRUNCATED;
		if (nh == BH_IPPROTO_FRAGMENT) {
			__u16 fo = bh_ntohs(bh_ld16(h + 2));

			/* A datagram is fragmented once (RFC 8200 4.5). */
			if (pkt->frag_flags)
				return BH_REASON_MALFORMED;
			pkt->frag_flags |= BH_FRAG_IS_FRAG;
			pkt->frag_off = fo >> 3;
			if (fo & 1)
				pkt->frag_flags |= BH_FRAG_MORE;
			if (!pkt->frag_off)
				pkt->frag_flags |= BH_FRAG_FIRST;
			pkt->frag_id = bh_ntohl(bh_ld32(h + 4));
			len = 8;
		} else if (nh == BH_IPPROTO_AH) {
			len = ((__u32)h[1] + 2) * 4; /* RFC 4302 */
		} else {
			len = ((__u32)h[1] + 1) * 8;
		}
		pkt->ext_count = i + 1;
		nh = h[0];
		off += len;
		/* The rest of a non-first fragment is not a header. */
		if (pkt->frag_off)
			break;
	}
	pkt->ip_proto = nh;
	if (off > BH_MAX_L3_OFF)
		return BH_REASON_EXT_LIMIT;
	if (pkt->frag_off) /* non-first fragment: no L4 header follows */
		return BH_REASON_NONE;
	if (bh_ipv6_is_ext(nh))
		return BH_REASON_EXT_LIMIT;
	bh_cursor_seek(c, off);
	if (!bh_has(c, c->pos, 0))
		return BH_REASON_TRUNCATED;
	return BH_REASON_NONE;
}

/* ------------------------------------------------------------------------ */
/* L4.                                                                      */

static __always_inline int bh_icmp_is_error(__u8 type)
{
	return type == BH_ICMP_DEST_UNREACH || type == BH_ICMP_SOURCE_QUENCH ||
	       type == BH_ICMP_REDIRECT || type == BH_ICMP_TIME_EXCEEDED ||
	       type == BH_ICMP_PARAMETERPROB;
}

/* Echo, timestamp, information and address-mask messages carry an id that
 * pairs request and reply. */
static __always_inline int bh_icmp_has_id(__u8 type)
{
	return type == 0 || type == 8 || (type >= 13 && type <= 18);
}

static __always_inline int bh_icmp6_is_error(__u8 type)
{
	return type >= BH_ICMPV6_DEST_UNREACH && type <= BH_ICMPV6_PARAMPROB;
}

/* The quoted header of an ICMP error is best effort: if it is cut short
 * the packet is still fully parsed, just without BH_PKT_ICMP_ERR. */
static __always_inline void bh_parse_icmp_quote(struct bh_cursor *c,
						struct bh_pkt *pkt,
						const __u8 *p, int v6)
{
	__u8 proto;

	if (!v6) {
		__u32 ihl;

		if (!bh_has(c, p, 20) || (p[0] >> 4) != 4)
			return;
		ihl = (__u32)(p[0] & 0x0f) * 4;
		if (ihl < 20 || !bh_has(c, p, ihl))
			return;
		proto = p[9];
		bh_addr_from_v4(&pkt->err_saddr, bh_ld32(p + 12));
		bh_addr_from_v4(&pkt->err_daddr, bh_ld32(p + 16));
		pkt->err_proto = proto;
		pkt->flags |= BH_PKT_ICMP_ERR;
		/* A quoted non-first fragment has no ports to quote. */
		if (bh_ntohs(bh_ld16(p + 6)) & 0x1fff)
			return;
		p += ihl;
	} else {
		if (!bh_has(c, p, 40) || (p[0] >> 4) != 6)
			return;
		proto = p[6]; /* extension headers are not walked here */
		bh_addr_from_v6(&pkt->err_saddr, p + 8);
		bh_addr_from_v6(&pkt->err_daddr, p + 24);
		pkt->err_proto = proto;
		pkt->flags |= BH_PKT_ICMP_ERR;
		p += 40;
	}
	if (proto == BH_IPPROTO_TCP || proto == BH_IPPROTO_UDP ||
	    proto == BH_IPPROTO_SCTP) {
		if (!bh_has(c, p, 4))
			return;
		pkt->err_sport = bh_ntohs(bh_ld16(p));
		pkt->err_dport = bh_ntohs(bh_ld16(p + 2));
	} else if ((proto == BH_IPPROTO_ICMP && !v6 && bh_has(c, p, 8) &&
		    bh_icmp_has_id(p[0])) ||
		   (proto == BH_IPPROTO_ICMPV6 && v6 && bh_has(c, p, 8) &&
		    (p[0] == 128 || p[0] == 129))) {
		pkt->err_sport = bh_ntohs(bh_ld16(p + 4));
		pkt->err_dport = pkt->err_sport;
	}
}

static __always_inline int bh_parse_l4(struct bh_cursor *c, struct bh_pkt *pkt)
{
	const __u8 *p = c->pos;
	__u32 hlen;

	/* A non-first fragment carries no L4 header. */
	if ((pkt->frag_flags & BH_FRAG_IS_FRAG) && pkt->frag_off)
		return BH_REASON_NONE;

	pkt->l4_off = bh_cursor_off(c, p);
	switch (pkt->ip_proto) {
	case BH_IPPROTO_TCP:
		if (!bh_has(c, p, 20))
			return BH_REASON_TRUNCATED;
		hlen = (__u32)(p[12] >> 4) * 4;
		if (hlen < 20)
			return BH_REASON_MALFORMED;
		if (!bh_has(c, p, hlen))
			return BH_REASON_TRUNCATED;
		pkt->sport = bh_ntohs(bh_ld16(p));
		pkt->dport = bh_ntohs(bh_ld16(p + 2));
		pkt->tcp_flags = p[13];
		break;
	case BH_IPPROTO_UDP:
		hlen = 8;
		if (!bh_has(c, p, hlen))
			return BH_REASON_TRUNCATED;
		pkt->sport = bh_ntohs(bh_ld16(p));
		pkt->dport = bh_ntohs(bh_ld16(p + 2));
		if (bh_ntohs(bh_ld16(p + 4)) < 8 && bh_ntohs(bh_ld16(p + 4)))
			return BH_REASON_MALFORMED;
		break;
	case BH_IPPROTO_SCTP:
		hlen = 12;
		if (!bh_has(c, p, hlen))
			return BH_REASON_TRUNCATED;
		pkt->sport = bh_ntohs(bh_ld16(p));
		pkt->dport = bh_ntohs(bh_ld16(p + 2));
		break;
	case BH_IPPROTO_ICMP:
	case BH_IPPROTO_ICMPV6:
		hlen = 8;
		if (!bh_has(c, p, hlen))
			return BH_REASON_TRUNCATED;
		/* ICMP in IPv6 / ICMPv6 in IPv4 is nonsense. */
		if ((pkt->ip_proto == BH_IPPROTO_ICMP) !=
		    !(pkt->flags & BH_PKT_IPV6))
			return BH_REASON_MALFORMED;
		pkt->icmp_type = p[0];
		pkt->icmp_code = p[1];
		if (pkt->ip_proto == BH_IPPROTO_ICMP) {
			if (bh_icmp_has_id(p[0])) {
				pkt->sport = bh_ntohs(bh_ld16(p + 4));
				pkt->dport = pkt->sport;
			} else if (bh_icmp_is_error(p[0])) {
				bh_parse_icmp_quote(c, pkt, p + 8, 0);
			}
		} else {
			if (p[0] == 128 || p[0] == 129) {
				pkt->sport = bh_ntohs(bh_ld16(p + 4));
				pkt->dport = pkt->sport;
			} else if (bh_icmp6_is_error(p[0])) {
				bh_parse_icmp_quote(c, pkt, p + 8, 1);
			}
		}
		break;
	default:
		/* Classified by protocol alone (GRE, ESP, OSPF...). */
		pkt->l4_off = 0;
		return BH_REASON_NONE;
	}
	/* The header must lie inside the datagram, not in frame padding. */
	if ((__u32)pkt->l4_off + hlen > pkt->payload_len)
		return BH_REASON_MALFORMED;
	pkt->flags |= BH_PKT_HAS_L4;
	pkt->payload_off = bh_cursor_off(c, p + hlen);
	c->pos = p + hlen;
	return BH_REASON_NONE;
}

/* ------------------------------------------------------------------------ */
/* Tunnels: VXLAN (RFC 7348) and Geneve (RFC 8926), one level.              */

/* At a UDP payload: returns 1 and leaves the cursor at the inner frame when
 * the packet is a tunnel we decapsulate, 0 when it is plain UDP, or a
 * negative reason. *inner_type is the inner ethertype for Geneve carrying
 * IP directly, 0 when an Ethernet frame follows. */
static __always_inline int bh_parse_tunnel(struct bh_cursor *c,
					   struct bh_pkt *pkt,
					   __u16 *inner_type)
{
	const __u8 *p = c->pos;

	*inner_type = 0;
	if (pkt->dport == BH_VXLAN_PORT) {
		if (!bh_has(c, p, 8))
			return -BH_REASON_TRUNCATED;
		if (!(p[0] & 0x08)) /* I flag: VNI valid */
			return 0;
		pkt->tun_type = BH_TUN_VXLAN;
		pkt->vni = bh_ntohl(bh_ld32(p + 4)) >> 8;
		c->pos = p + 8;
		return 1;
	}
	if (pkt->dport == BH_GENEVE_PORT) {
		__u32 optlen;
		__u16 type;

		if (!bh_has(c, p, 8))
			return -BH_REASON_TRUNCATED;
		if ((p[0] >> 6) != 0)
			return -BH_REASON_UNSUPPORTED; /* unknown version */
		optlen = (__u32)(p[0] & 0x3f) * 4;
		type = bh_ntohs(bh_ld16(p + 2));
		if (type != BH_ETH_P_TEB && type != BH_ETH_P_IP &&
		    type != BH_ETH_P_IPV6)
			return -BH_REASON_UNSUPPORTED;
		if (!bh_has(c, p, 8 + optlen))
			return -BH_REASON_TRUNCATED;
		pkt->tun_type = BH_TUN_GENEVE;
		pkt->vni = bh_ntohl(bh_ld32(p + 4)) >> 8;
		if (type != BH_ETH_P_TEB)
			*inner_type = type;
		optlen = bh_cursor_advance(c, p, 8 + optlen);
		return optlen ? -(int)optlen : 1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Entry point.                                                             */

/* pkt->payload_len held the end of the datagram (see bh_parse_ipv4):
 * make it the L4 payload length, clamped to the captured bytes cap. */
static __always_inline int bh_parse_done(struct bh_pkt *pkt, __u32 cap,
					 int reason)
{
	if (pkt->payload_len > cap)
		pkt->payload_len = cap;
	if (pkt->payload_off && pkt->payload_len > pkt->payload_off)
		pkt->payload_len -= pkt->payload_off;
	else
		pkt->payload_len = 0;
	pkt->reason = (__u8)reason;
	return reason;
}

/* One layer: Ethernet (unless a Geneve tunnel carries IP directly, *type
 * then set), IP, L4. */
static __always_inline int bh_parse_layer(struct bh_cursor *c,
					  struct bh_pkt *pkt, __u16 type,
					  int outer)
{
	int r;

	if (!type) {
		r = bh_parse_eth(c, pkt, &type, outer);
		if (r)
			return r;
	}
	pkt->l3_off = bh_cursor_off(c, c->pos);
	if (type == BH_ETH_P_IP)
		r = bh_parse_ipv4(c, pkt);
	else if (type == BH_ETH_P_IPV6)
		r = bh_parse_ipv6(c, pkt);
	else
		return BH_REASON_NON_IP;
	if (r)
		return r;
	return bh_parse_l4(c, pkt);
}

/* Parse the frame [data, data_end); wire_len is its length on the wire
 * (XDP: the frame length; replay: the capture's original length). */
static __always_inline int bh_parse(const void *data, const void *data_end,
				    __u32 wire_len, struct bh_pkt *pkt)
{
	struct bh_cursor c = {
		.start = (const __u8 *)data,
		.pos = (const __u8 *)data,
		.end = (const __u8 *)data_end,
	};
	__u32 cap = (__u32)((const __u8 *)data_end - (const __u8 *)data);
	__u16 inner_type;
	int r;

	bh_memset(pkt, 0, sizeof(*pkt));
	pkt->pkt_len = wire_len;

	r = bh_parse_layer(&c, pkt, 0, 1);
	if (r)
		return bh_parse_done(pkt, cap, r);

	/* A fragmented outer datagram is not decapsulated: its inner frame is
	 * incomplete. */
	if (pkt->ip_proto == BH_IPPROTO_UDP && (pkt->flags & BH_PKT_HAS_L4) &&
	    !(pkt->frag_flags & BH_FRAG_IS_FRAG)) {
		r = bh_parse_tunnel(&c, pkt, &inner_type);
		if (r < 0)
			return bh_parse_done(pkt, cap, -r);
		if (r > 0) {
			/* Decapsulate: keep the outer addresses for telemetry;
			 * the inner flow is the one that is classified. */
			pkt->outer_saddr = pkt->saddr;
			pkt->outer_daddr = pkt->daddr;
			if (pkt->flags & BH_PKT_IPV6)
				pkt->flags |= BH_PKT_OUTER_IPV6;
			pkt->flags &= ~(BH_PKT_HAS_L4 | BH_PKT_IPV6 |
					BH_PKT_IP_OPTIONS);
			bh_memset(&pkt->saddr, 0, sizeof(pkt->saddr));
			bh_memset(&pkt->daddr, 0, sizeof(pkt->daddr));
			pkt->sport = 0;
			pkt->dport = 0;
			pkt->ip_proto = 0;
			pkt->l3_proto = 0;
			pkt->ttl = 0;
			pkt->l4_off = 0;
			pkt->payload_off = 0;
			pkt->payload_len = 0;
			pkt->ext_count = 0;
			r = bh_parse_layer(&c, pkt, inner_type, 0);
			if (r)
				return bh_parse_done(pkt, cap, r);
		}
	}

	return bh_parse_done(pkt, cap, BH_REASON_NONE);
}

#endif /* BH_PARSE_H */
