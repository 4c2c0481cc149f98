// SPDX-License-Identifier: GPL-2.0-only
/* Packet builder for tests (see bh_pktgen.h). */
#include "bh_pktgen.h"

#include <errno.h>
#include <string.h>

enum bh_pktgen_kind {
	PG_ETH = 1,
	PG_VLAN,
	PG_IPV4,
	PG_IPV6,
	PG_IPV6_EXT,
	PG_TCP,
	PG_UDP,
	PG_SCTP,
	PG_ICMP,
	PG_ICMP6,
	PG_VXLAN,
	PG_GENEVE,
	PG_ARP,
};

/* What the pending "next protocol" field holds. */
enum bh_pktgen_nh {
	NH_NONE = 0,
	NH_ETHERTYPE, /* Ethernet type or VLAN inner type */
	NH_IPPROTO,   /* IPv4 protocol */
	NH_IPV6,      /* IPv6 or extension header next header */
	NH_GENEVE,    /* Geneve protocol type: an ethertype, 0x6558 = Ethernet */
};

#define PG_NO_L3 0xff

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

void bh_pktgen_init(struct bh_pktgen *g, void *buf, size_t cap)
{
	memset(g, 0, sizeof(*g));
	g->buf = buf;
	g->cap = cap;
	g->nh_off = -1;
	g->cur_l3 = PG_NO_L3;
}

/* Write the pending next-protocol field for a layer identified by its
 * ethertype and IP protocol number (0: not expressible that way). */
static void set_next(struct bh_pktgen *g, __u16 ethertype, __u8 ipproto)
{
	if (g->nh_off < 0)
		return;
	switch (g->nh_kind) {
	case NH_ETHERTYPE:
		if (ethertype && ethertype != 0x6558)
			put16(g->buf + g->nh_off, ethertype);
		break;
	case NH_GENEVE:
		if (ethertype)
			put16(g->buf + g->nh_off, ethertype);
		break;
	case NH_IPPROTO:
	case NH_IPV6:
		if (ipproto)
			g->buf[g->nh_off] = ipproto;
		break;
	}
	g->nh_off = -1;
	g->nh_kind = NH_NONE;
}

static void expect_next(struct bh_pktgen *g, size_t off, __u8 kind)
{
	g->nh_off = (int)off;
	g->nh_kind = kind;
}

/* Reserve len zeroed bytes for a header of the given kind; returns its
 * offset or a negative errno. */
static int reserve(struct bh_pktgen *g, __u8 kind, size_t len, __u16 ethertype,
		   __u8 ipproto)
{
	struct bh_pktgen_layer *l;
	size_t off = g->len;

	if (g->err)
		return g->err;
	if (g->n >= BH_PKTGEN_MAX_LAYERS)
		return g->err = -E2BIG;
	if (len > g->cap - g->len || off > 0xffff)
		return g->err = -ENOSPC;
	set_next(g, ethertype, ipproto);
	memset(g->buf + off, 0, len);
	g->len += len;
	l = &g->layer[g->n++];
	l->off = (__u16)off;
	l->kind = kind;
	l->l3 = g->cur_l3;
	l->len = 0;
	return (int)off;
}

int bh_pktgen_eth(struct bh_pktgen *g, const struct bh_pktgen_eth *o)
{
	static const __u8 def_dst[6] = { 2, 0, 0, 0, 0, 2 };
	static const __u8 def_src[6] = { 2, 0, 0, 0, 0, 1 };
	static const __u8 zero[6];
	struct bh_pktgen_eth d = { 0 };
	int off;
	__u8 *p;

	if (o)
		d = *o;
	off = reserve(g, PG_ETH, 14, 0x6558, 0);
	if (off < 0)
		return off;
	p = g->buf + off;
	memcpy(p, memcmp(d.dst, zero, 6) ? d.dst : def_dst, 6);
	memcpy(p + 6, memcmp(d.src, zero, 6) ? d.src : def_src, 6);
	if (d.type)
		put16(p + 12, d.type);
	else
		expect_next(g, off + 12, NH_ETHERTYPE);
	return off;
}

int bh_pktgen_vlan(struct bh_pktgen *g, __u16 tpid, __u16 vid)
{
	int off;

	if (!tpid)
		tpid = BH_PKTGEN_TPID_8021Q;
	off = reserve(g, PG_VLAN, 4, tpid, 0);
	if (off < 0)
		return off;
	put16(g->buf + off, vid & 0x0fff);
	expect_next(g, off + 2, NH_ETHERTYPE);
	return off;
}

int bh_pktgen_ipv4(struct bh_pktgen *g, const struct bh_pktgen_ipv4 *o)
{
	size_t optlen = (o->opts_len + 3) & ~(size_t)3;
	__u16 frag;
	int off;
	__u8 *p;

	if (o->opts_len > 40)
		return g->err ? g->err : (g->err = -EINVAL);
	off = reserve(g, PG_IPV4, 20 + optlen, 0x0800, 4);
	if (off < 0)
		return off;
	p = g->buf + off;
	p[0] = (__u8)((o->version ? o->version : 4) << 4 |
		      (o->ihl ? o->ihl : (20 + optlen) / 4));
	p[1] = o->tos;
	put16(p + 4, o->id);
	frag = o->frag_off & 0x1fff;
	if (o->mf)
		frag |= 0x2000;
	if (o->df)
		frag |= 0x4000;
	if (o->evil)
		frag |= 0x8000;
	put16(p + 6, frag);
	p[8] = o->ttl ? o->ttl : 64;
	put32(p + 12, o->saddr);
	put32(p + 16, o->daddr);
	if (o->opts_len)
		memcpy(p + 20, o->opts, o->opts_len);
	g->layer[g->n - 1].len = o->tot_len;
	g->cur_l3 = (__u8)(g->n - 1);
	if (o->proto)
		p[9] = o->proto;
	else
		expect_next(g, off + 9, NH_IPPROTO);
	return off;
}

int bh_pktgen_ipv6(struct bh_pktgen *g, const struct bh_pktgen_ipv6 *o)
{
	int off;
	__u8 *p;

	off = reserve(g, PG_IPV6, 40, 0x86dd, 41);
	if (off < 0)
		return off;
	p = g->buf + off;
	put32(p, (__u32)(o->version ? o->version : 6) << 28 |
			 (__u32)o->tclass << 20 | (o->flowlabel & 0xfffff));
	p[7] = o->hop_limit ? o->hop_limit : 64;
	memcpy(p + 8, o->saddr, 16);
	memcpy(p + 24, o->daddr, 16);
	/* Jumbogram: the payload length stays 0 (len 1 marks it forced). */
	g->layer[g->n - 1].len = o->jumbo ? 0x10000 : o->plen;
	g->cur_l3 = (__u8)(g->n - 1);
	if (o->nexthdr || o->nexthdr_set)
		p[6] = o->nexthdr;
	else
		expect_next(g, off + 6, NH_IPV6);
	return off;
}

int bh_pktgen_ipv6_ext(struct bh_pktgen *g, __u8 type, unsigned int len)
{
	bool bad;
	int off;

	if (type == 51)
		bad = len < 12 || len % 4 || len > 1028;
	else
		bad = len < 8 || len % 8 || len > 2048 || type == 44;
	if (bad)
		return g->err ? g->err : (g->err = -EINVAL);
	off = reserve(g, PG_IPV6_EXT, len, 0, type);
	if (off < 0)
		return off;
	/* AH counts 4-byte units minus 2 (RFC 4302), the others 8-byte units
	 * minus 1 (RFC 8200). */
	g->buf[off + 1] = (__u8)(type == 51 ? len / 4 - 2 : len / 8 - 1);
	expect_next(g, off, NH_IPV6);
	return off;
}

int bh_pktgen_ipv6_frag(struct bh_pktgen *g, __u16 frag_off, bool more,
			__u32 id)
{
	int off;

	off = reserve(g, PG_IPV6_EXT, 8, 0, 44);
	if (off < 0)
		return off;
	put16(g->buf + off + 2, (__u16)(frag_off << 3 | (more ? 1 : 0)));
	put32(g->buf + off + 4, id);
	expect_next(g, off, NH_IPV6);
	return off;
}

int bh_pktgen_tcp(struct bh_pktgen *g, const struct bh_pktgen_tcp *o)
{
	size_t optlen = (o->opts_len + 3) & ~(size_t)3;
	int off;
	__u8 *p;

	if (o->opts_len > 40)
		return g->err ? g->err : (g->err = -EINVAL);
	off = reserve(g, PG_TCP, 20 + optlen, 0, 6);
	if (off < 0)
		return off;
	p = g->buf + off;
	put16(p, o->sport);
	put16(p + 2, o->dport);
	put32(p + 4, o->seq);
	put32(p + 8, o->ack);
	p[12] = (__u8)((o->doff ? o->doff : (20 + optlen) / 4) << 4);
	p[13] = o->flags;
	put16(p + 14, o->window ? o->window : 65535);
	if (o->opts_len)
		memcpy(p + 20, o->opts, o->opts_len);
	return off;
}

int bh_pktgen_udp(struct bh_pktgen *g, __u16 sport, __u16 dport, __u16 len)
{
	int off;

	off = reserve(g, PG_UDP, 8, 0, 17);
	if (off < 0)
		return off;
	put16(g->buf + off, sport);
	put16(g->buf + off + 2, dport);
	g->layer[g->n - 1].len = len;
	return off;
}

int bh_pktgen_sctp(struct bh_pktgen *g, __u16 sport, __u16 dport, __u32 vtag)
{
	int off;

	off = reserve(g, PG_SCTP, 12, 0, 132);
	if (off < 0)
		return off;
	put16(g->buf + off, sport);
	put16(g->buf + off + 2, dport);
	put32(g->buf + off + 4, vtag);
	return off;
}

static int icmp_common(struct bh_pktgen *g, __u8 kind, __u8 proto, __u8 type,
		       __u8 code, __u16 id, __u16 seq)
{
	int off;

	off = reserve(g, kind, 8, 0, proto);
	if (off < 0)
		return off;
	g->buf[off] = type;
	g->buf[off + 1] = code;
	put16(g->buf + off + 4, id);
	put16(g->buf + off + 6, seq);
	return off;
}

int bh_pktgen_icmp(struct bh_pktgen *g, __u8 type, __u8 code, __u16 id,
		   __u16 seq)
{
	return icmp_common(g, PG_ICMP, 1, type, code, id, seq);
}

int bh_pktgen_icmp6(struct bh_pktgen *g, __u8 type, __u8 code, __u16 id,
		    __u16 seq)
{
	return icmp_common(g, PG_ICMP6, 58, type, code, id, seq);
}

int bh_pktgen_vxlan(struct bh_pktgen *g, __u32 vni)
{
	int off;

	off = reserve(g, PG_VXLAN, 8, 0, 0);
	if (off < 0)
		return off;
	g->buf[off] = 0x08;
	put32(g->buf + off + 4, vni << 8);
	return off;
}

int bh_pktgen_geneve(struct bh_pktgen *g, const struct bh_pktgen_geneve *o)
{
	int off;
	__u8 *p;

	if (o->opts_len % 4 || o->opts_len > 252)
		return g->err ? g->err : (g->err = -EINVAL);
	off = reserve(g, PG_GENEVE, 8 + o->opts_len, 0, 0);
	if (off < 0)
		return off;
	p = g->buf + off;
	p[0] = (__u8)((o->version & 3) << 6 | o->opts_len / 4);
	p[1] = (__u8)((o->oam ? 0x80 : 0) | (o->critical ? 0x40 : 0));
	put32(p + 4, o->vni << 8);
	if (o->opts_len)
		memcpy(p + 8, o->opts, o->opts_len);
	if (o->proto)
		put16(p + 2, o->proto);
	else
		expect_next(g, off + 2, NH_GENEVE);
	return off;
}

int bh_pktgen_arp(struct bh_pktgen *g, __u16 op, __u32 spa, __u32 tpa)
{
	static const __u8 sha[6] = { 2, 0, 0, 0, 0, 1 };
	int off;
	__u8 *p;

	off = reserve(g, PG_ARP, 28, 0x0806, 0);
	if (off < 0)
		return off;
	p = g->buf + off;
	put16(p, 1);	  /* Ethernet */
	put16(p + 2, 0x0800);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, op);
	memcpy(p + 8, sha, 6);
	put32(p + 14, spa);
	put32(p + 24, tpa);
	return off;
}

int bh_pktgen_payload(struct bh_pktgen *g, const void *data, size_t len)
{
	size_t off = g->len, i;

	if (g->err)
		return g->err;
	if (len > g->cap - g->len)
		return g->err = -ENOSPC;
	if (data)
		memcpy(g->buf + off, data, len);
	else
		for (i = 0; i < len; i++)
			g->buf[off + i] = (__u8)i;
	g->len += len;
	return (int)off;
}

/* ------------------------------------------------------------------------ */
/* Checksums.                                                               */

static __u32 csum_add(__u32 sum, const __u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

void bh_pktgen_ipv4_csum(void *frame, size_t off)
{
	__u8 *p = (__u8 *)frame + off;
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;

	if (ihl < 20)
		ihl = 20;
	put16(p + 10, 0);
	put16(p + 10, csum_fold(csum_add(0, p, ihl)));
}

/* Pseudo-header sum of the IP layer l3 for an upper layer of len bytes. */
static __u32 pseudo_sum(const struct bh_pktgen *g, __u8 l3, __u8 proto,
			size_t len)
{
	const struct bh_pktgen_layer *ip;
	__u32 sum = proto + (__u32)(len & 0xffff) + (__u32)(len >> 16);
	const __u8 *p;

	if (l3 == PG_NO_L3)
		return sum;
	ip = &g->layer[l3];
	p = g->buf + ip->off;
	if (ip->kind == PG_IPV4)
		return csum_add(sum, p + 12, 8);
	return csum_add(sum, p + 8, 32);
}

static void l4_csum(struct bh_pktgen *g, const struct bh_pktgen_layer *l,
		    __u8 proto, size_t len, size_t csum_at, bool pseudo)
{
	__u8 *p = g->buf + l->off;
	__u16 sum;

	put16(p + csum_at, 0);
	sum = csum_fold(csum_add(pseudo ? pseudo_sum(g, l->l3, proto, len) : 0,
				 p, len));
	if (proto == 17 && !sum)
		sum = 0xffff; /* 0 means "no checksum" in UDP */
	put16(p + csum_at, sum);
}

/* CRC32c (Castagnoli), bitwise: SCTP packets in tests are few and small. */
static __u32 crc32c(const __u8 *p, size_t len)
{
	__u32 crc = 0xffffffff;
	size_t i;
	int b;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0x82f63b78 & (0u - (crc & 1)));
	}
	return ~crc;
}

int bh_pktgen_finish(struct bh_pktgen *g)
{
	unsigned int i;

	if (g->err)
		return g->err;
	if (g->nh_off >= 0 && g->nh_kind == NH_IPV6) {
		g->buf[g->nh_off] = 59; /* no next header */
		g->nh_off = -1;
	}
	/* Innermost first: an outer checksum covers the finished inner bytes. */
	for (i = g->n; i-- > 0;) {
		struct bh_pktgen_layer *l = &g->layer[i];
		size_t to_end = g->len - l->off;
		__u8 *p = g->buf + l->off;
		__u32 crc;

		switch (l->kind) {
		case PG_IPV4:
			put16(p + 2, (__u16)(l->len ? l->len : to_end));
			bh_pktgen_ipv4_csum(g->buf, l->off);
			break;
		case PG_IPV6:
			if (l->len == 0x10000)
				put16(p + 4, 0);
			else
				put16(p + 4,
				      (__u16)(l->len ? l->len : to_end - 40));
			break;
		case PG_TCP:
			l4_csum(g, l, 6, to_end, 16, true);
			break;
		case PG_UDP:
			put16(p + 4, (__u16)(l->len ? l->len : to_end));
			l4_csum(g, l, 17,
				l->len && l->len < to_end ? l->len : to_end, 6,
				true);
			break;
		case PG_ICMP:
			l4_csum(g, l, 1, to_end, 2, false);
			break;
		case PG_ICMP6:
			l4_csum(g, l, 58, to_end, 2, true);
			break;
		case PG_SCTP:
			memset(p + 8, 0, 4);
			crc = crc32c(p, to_end);
			/* Stored in little-endian byte order (RFC 9260 B). */
			p[8] = crc & 0xff;
			p[9] = (crc >> 8) & 0xff;
			p[10] = (crc >> 16) & 0xff;
			p[11] = crc >> 24;
			break;
		}
	}
	return (int)g->len;
}

/* ------------------------------------------------------------------------ */
/* Shortcut.                                                                */

void bh_pktgen_v4mapped(__u8 out[16], __u32 addr)
{
	memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	put32(out + 12, addr);
}

static __u32 v4_of(const __u8 a[16])
{
	return (__u32)a[12] << 24 | (__u32)a[13] << 16 | (__u32)a[14] << 8 |
	       a[15];
}

int bh_pktgen_build_flow(void *buf, size_t cap,
			 const struct bh_pktgen_flow *f)
{
	struct bh_pktgen g;

	bh_pktgen_init(&g, buf, cap);
	bh_pktgen_eth(&g, NULL);
	if (f->vlan)
		bh_pktgen_vlan(&g, BH_PKTGEN_TPID_8021Q, f->vlan);
	if (f->ipv6) {
		struct bh_pktgen_ipv6 ip6 = { .nexthdr = f->proto,
					      .nexthdr_set = true };

		memcpy(ip6.saddr, f->saddr, 16);
		memcpy(ip6.daddr, f->daddr, 16);
		bh_pktgen_ipv6(&g, &ip6);
	} else {
		bh_pktgen_ipv4(&g, &(struct bh_pktgen_ipv4){
					   .saddr = v4_of(f->saddr),
					   .daddr = v4_of(f->daddr),
					   .proto = f->proto,
				   });
	}
	switch (f->proto) {
	case 6:
		bh_pktgen_tcp(&g, &(struct bh_pktgen_tcp){
					  .sport = f->sport,
					  .dport = f->dport,
					  .flags = f->tcp_flags,
				  });
		break;
	case 17:
		bh_pktgen_udp(&g, f->sport, f->dport, 0);
		break;
	case 132:
		bh_pktgen_sctp(&g, f->sport, f->dport, 1);
		break;
	case 1:
		bh_pktgen_icmp(&g, 8, 0, f->sport, 1);
		break;
	case 58:
		bh_pktgen_icmp6(&g, 128, 0, f->sport, 1);
		break;
	}
	bh_pktgen_payload(&g, NULL, f->payload_len);
	return bh_pktgen_finish(&g);
}
