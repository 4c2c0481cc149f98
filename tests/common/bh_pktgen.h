/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packet builder for tests: frames are built layer by layer into a caller
 * buffer, outermost layer first, then bh_pktgen_finish() fills in what
 * depends on what follows.
 *
 *	__u8 buf[256];
 *	struct bh_pktgen g;
 *	int len;
 *
 *	bh_pktgen_init(&g, buf, sizeof(buf));
 *	bh_pktgen_eth(&g, NULL);
 *	bh_pktgen_ipv4(&g, &(struct bh_pktgen_ipv4){
 *		.saddr = BH_PKTGEN_IP4(10, 0, 0, 1),
 *		.daddr = BH_PKTGEN_IP4(10, 0, 0, 2) });
 *	bh_pktgen_tcp(&g, &(struct bh_pktgen_tcp){
 *		.sport = 40000, .dport = 80, .flags = BH_TCP_SYN });
 *	len = bh_pktgen_finish(&g);	// frame length, or -errno
 *
 * What the builder does for you:
 *  - "next protocol" fields: the Ethernet/VLAN ethertype, the IPv4 protocol,
 *    the IPv6 and extension next header, the Geneve protocol type are set
 *    from the layer appended after them (an option can force a value);
 *  - lengths: IPv4 total length, IPv6 payload length and UDP length extend
 *    to the end of the frame unless an option gives a value (ICMP errors
 *    quote a cut packet whose lengths are larger than the quote);
 *  - checksums: IPv4 header, TCP, UDP, ICMP, ICMPv6 (pseudo-header of the
 *    enclosing IP header) and SCTP (CRC32c), computed at finish so that a
 *    frame injected into a real stack is accepted. A checksum over a
 *    fragment covers that fragment only.
 *
 * Every append returns the offset of the header it wrote (so that a test
 * can corrupt a field afterwards; call bh_pktgen_ipv4_csum() after editing
 * an IPv4 header), or -ENOSPC when the buffer is full, -E2BIG past
 * BH_PKTGEN_MAX_LAYERS layers. Errors are sticky: bh_pktgen_finish()
 * returns the first one, so a sequence of appends needs one check.
 *
 * Numbers in the option structs are in host byte order; IPv4 addresses too
 * (BH_PKTGEN_IP4 builds them), IPv6 addresses are 16 bytes as on the wire.
 * Zero means "default" where a field says so.
 */
#ifndef BH_PKTGEN_H
#define BH_PKTGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define BH_PKTGEN_MAX_LAYERS 24

/* Host-order IPv4 address from its dotted quad. */
#define BH_PKTGEN_IP4(a, b, c, d)                                              \
	((__u32)(a) << 24 | (__u32)(b) << 16 | (__u32)(c) << 8 | (__u32)(d))

struct bh_pktgen_layer {
	__u16 off;   /* header offset in the frame */
	__u8 kind;   /* internal layer kind */
	__u8 l3;     /* index of the enclosing IP layer, 0xff if none */
	__u32 len;   /* forced length field, 0 = to the end of the frame */
};

struct bh_pktgen {
	__u8 *buf;
	size_t cap;
	size_t len; /* bytes written so far */
	int err;    /* first error, sticky */
	int nh_off; /* "next protocol" field waiting for the next layer, or -1 */
	__u8 nh_kind;
	__u8 cur_l3; /* index of the innermost IP layer, 0xff if none */
	unsigned int n;
	struct bh_pktgen_layer layer[BH_PKTGEN_MAX_LAYERS];
};

/* Start a frame in buf[0, cap). */
void bh_pktgen_init(struct bh_pktgen *g, void *buf, size_t cap);

/* Fill lengths and checksums; returns the frame length or the first error.
 * An IPv6 next header still waiting for a layer becomes 59 (no next
 * header). Finishing again after editing the frame is harmless. */
int bh_pktgen_finish(struct bh_pktgen *g);

struct bh_pktgen_eth {
	__u8 dst[6]; /* all zero: 02:00:00:00:00:02 */
	__u8 src[6]; /* all zero: 02:00:00:00:00:01 */
	__u16 type;  /* 0: from the next layer */
};
/* Ethernet header; o may be NULL for the defaults. */
int bh_pktgen_eth(struct bh_pktgen *g, const struct bh_pktgen_eth *o);

#define BH_PKTGEN_TPID_8021Q 0x8100
#define BH_PKTGEN_TPID_8021AD 0x88a8
/* One VLAN tag: tpid (0x8100 802.1Q, 0x88a8 802.1ad; 0 = 802.1Q) goes into
 * the previous ethertype field, then TCI (pcp 0) and the next ethertype. */
int bh_pktgen_vlan(struct bh_pktgen *g, __u16 tpid, __u16 vid);

struct bh_pktgen_ipv4 {
	__u32 saddr; /* host order (BH_PKTGEN_IP4) */
	__u32 daddr;
	__u8 ttl;          /* 0: 64 */
	__u8 tos;
	__u8 proto;        /* 0: from the next layer */
	bool df;           /* don't fragment */
	bool mf;           /* more fragments */
	bool evil;         /* reserved flag bit (RFC 3514), for tests */
	__u16 id;
	__u16 frag_off;    /* in 8-byte units */
	__u16 tot_len;     /* 0: to the end of the frame */
	__u8 ihl;          /* 0: from options; else written as is (tests) */
	__u8 version;      /* 0: 4 */
	const void *opts;  /* IP options, padded with zeros (EOL) to 4 */
	size_t opts_len;   /* at most 40 */
};
int bh_pktgen_ipv4(struct bh_pktgen *g, const struct bh_pktgen_ipv4 *o);

struct bh_pktgen_ipv6 {
	__u8 saddr[16];
	__u8 daddr[16];
	__u8 hop_limit;   /* 0: 64 */
	__u8 tclass;
	__u8 nexthdr;     /* 0: from the next layer (hop-by-hop is an ext) */
	bool nexthdr_set; /* write nexthdr even when 0 */
	__u32 flowlabel;
	__u16 plen;       /* 0: to the end of the frame */
	bool jumbo;       /* write payload length 0 (RFC 2675) */
	__u8 version;     /* 0: 6 */
};
int bh_pktgen_ipv6(struct bh_pktgen *g, const struct bh_pktgen_ipv6 *o);

/* IPv6 extension header: type is 0 (hop-by-hop), 43 (routing),
 * 60 (destination options) or 51 (AH). len is the whole header in bytes:
 * a multiple of 8 from 8 (AH: a multiple of 4 from 12). The body is zeros:
 * Pad1 options; a type 0 routing header with no segments left; AH with
 * SPI 0. Use bh_pktgen_ipv6_frag() for fragment headers. */
int bh_pktgen_ipv6_ext(struct bh_pktgen *g, __u8 type, unsigned int len);

/* IPv6 fragment header: offset in 8-byte units. */
int bh_pktgen_ipv6_frag(struct bh_pktgen *g, __u16 frag_off, bool more,
			__u32 id);

struct bh_pktgen_tcp {
	__u16 sport;
	__u16 dport;
	__u8 flags;       /* BH_TCP_* (bulkhead_abi.h) */
	__u32 seq;
	__u32 ack;
	__u16 window;     /* 0: 65535 */
	const void *opts; /* TCP options, padded with zeros (EOL) to 4 */
	size_t opts_len;  /* at most 40 */
	__u8 doff;        /* 0: from options; else written as is (tests) */
};
int bh_pktgen_tcp(struct bh_pktgen *g, const struct bh_pktgen_tcp *o);

/* UDP header; len 0: UDP length to the end of the frame. */
int bh_pktgen_udp(struct bh_pktgen *g, __u16 sport, __u16 dport, __u16 len);

/* SCTP common header (no chunks: append them as payload). */
int bh_pktgen_sctp(struct bh_pktgen *g, __u16 sport, __u16 dport, __u32 vtag);

/* ICMP / ICMPv6 header. Echo and other id-carrying types: id and seq; an
 * error: id and seq are the second word (unused, MTU or pointer) and the
 * quoted packet is appended after it as ordinary layers (IP header, L4). */
int bh_pktgen_icmp(struct bh_pktgen *g, __u8 type, __u8 code, __u16 id,
		   __u16 seq);
int bh_pktgen_icmp6(struct bh_pktgen *g, __u8 type, __u8 code, __u16 id,
		    __u16 seq);

/* VXLAN header: I flag set, vni 24 bits; the next layer is normally an
 * Ethernet header. */
int bh_pktgen_vxlan(struct bh_pktgen *g, __u32 vni);

struct bh_pktgen_geneve {
	__u32 vni;
	__u8 version;     /* written as is: 0 is the only defined version */
	bool oam;         /* O flag */
	bool critical;    /* C flag */
	__u16 proto;      /* 0: from the next layer (Ethernet: 0x6558) */
	const void *opts; /* options (TLVs), length a multiple of 4, <= 252 */
	size_t opts_len;
};
int bh_pktgen_geneve(struct bh_pktgen *g, const struct bh_pktgen_geneve *o);

/* ARP request (Ethernet/IPv4, 28 bytes) from spa for tpa, host order. */
int bh_pktgen_arp(struct bh_pktgen *g, __u16 op, __u32 spa, __u32 tpa);

/* len payload bytes: a copy of data, or when data is NULL a pattern
 * (byte i = i & 0xff). */
int bh_pktgen_payload(struct bh_pktgen *g, const void *data, size_t len);

/* Recompute the IPv4 header checksum of the header at frame offset off
 * (after a test edited it). */
void bh_pktgen_ipv4_csum(void *frame, size_t off);

/* Shortcut for the common case: one Ethernet + IPv4/IPv6 + L4 packet. */
struct bh_pktgen_flow {
	bool ipv6;
	__u8 saddr[16]; /* IPv6, or IPv4-mapped (::ffff:a.b.c.d) for IPv4 */
	__u8 daddr[16];
	__u8 proto;     /* 6 TCP, 17 UDP, 132 SCTP, 1/58 ICMP echo (sport =
			 * id), anything else: that protocol, no L4 header */
	__u16 sport;
	__u16 dport;
	__u8 tcp_flags;
	__u16 vlan;     /* 0: untagged */
	size_t payload_len;
};
/* Builds the frame into buf; returns its length or -errno. */
int bh_pktgen_build_flow(void *buf, size_t cap,
			 const struct bh_pktgen_flow *f);

/* IPv4-mapped address into a 16-byte buffer (for bh_pktgen_flow). */
void bh_pktgen_v4mapped(__u8 out[16], __u32 addr);

#endif /* BH_PKTGEN_H */
