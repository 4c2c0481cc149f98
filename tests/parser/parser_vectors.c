// SPDX-License-Identifier: GPL-2.0-only
/* Packet vectors for the parser tests (see parser_vectors.h). Each vector
 * builds its frame and writes, field by field, the result it expects: the
 * expectations are written by hand from the RFCs, never taken from the
 * parser. */
#include "parser_vectors.h"

#include <string.h>

/* Addresses: inner flows 10.0.0.0/8 and 2001:db8::/32, tunnel endpoints
 * 192.168.0.0/16 and fd00::/8. */
#define A4 BH_PKTGEN_IP4(10, 0, 0, 1)
#define B4 BH_PKTGEN_IP4(10, 0, 0, 2)
#define O4A BH_PKTGEN_IP4(192, 168, 0, 1)
#define O4B BH_PKTGEN_IP4(192, 168, 0, 2)
static const __u8 A6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const __u8 B6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const __u8 O6A[16] = { 0xfd, [15] = 1 };
static const __u8 O6B[16] = { 0xfd, [15] = 2 };

#define TTL 64 /* bh_pktgen's default */

/* ------------------------------------------------------------------------ */
/* Builders.                                                                */

static void eth(struct pv *v)
{
	bh_pktgen_eth(&v->g, NULL);
}

static void note_l3(struct pv *v, int off)
{
	if (v->outer_l3 < 0 && off >= 0)
		v->outer_l3 = off;
}

static int ip4o(struct pv *v, const struct bh_pktgen_ipv4 *o)
{
	int off = bh_pktgen_ipv4(&v->g, o);

	note_l3(v, off);
	return off;
}

static int ip4(struct pv *v, __u32 s, __u32 d)
{
	return ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = s, .daddr = d });
}

static int ip6o(struct pv *v, struct bh_pktgen_ipv6 *o, const __u8 *s,
		const __u8 *d)
{
	int off;

	memcpy(o->saddr, s, 16);
	memcpy(o->daddr, d, 16);
	off = bh_pktgen_ipv6(&v->g, o);
	note_l3(v, off);
	return off;
}

static int ip6(struct pv *v, const __u8 *s, const __u8 *d)
{
	struct bh_pktgen_ipv6 o = { 0 };

	return ip6o(v, &o, s, d);
}

static int tcp(struct pv *v, __u16 sport, __u16 dport, __u8 flags)
{
	return bh_pktgen_tcp(&v->g, &(struct bh_pktgen_tcp){
					    .sport = sport,
					    .dport = dport,
					    .flags = flags,
					    .seq = 1000,
				    });
}

static int udp(struct pv *v, __u16 sport, __u16 dport)
{
	return bh_pktgen_udp(&v->g, sport, dport, 0);
}

static void payload(struct pv *v, size_t len)
{
	bh_pktgen_payload(&v->g, NULL, len);
}

/* ------------------------------------------------------------------------ */
/* Expectations.                                                            */

static void addr4(union bh_addr *a, __u32 host)
{
	bh_pktgen_v4mapped(a->b, host);
}

static void addr6(union bh_addr *a, const __u8 *b)
{
	memcpy(a->b, b, 16);
}

static void w_ip4(struct pv *v, int l3, __u32 s, __u32 d, __u8 proto)
{
	struct bh_pkt *w = &v->want;

	w->l3_off = (__u16)l3;
	w->l3_proto = 0x0800;
	addr4(&w->saddr, s);
	addr4(&w->daddr, d);
	w->ip_proto = proto;
	w->ttl = TTL;
}

static void w_ip6(struct pv *v, int l3, const __u8 *s, const __u8 *d,
		  __u8 proto)
{
	struct bh_pkt *w = &v->want;

	w->l3_off = (__u16)l3;
	w->l3_proto = 0x86dd;
	addr6(&w->saddr, s);
	addr6(&w->daddr, d);
	w->ip_proto = proto;
	w->ttl = TTL;
	w->flags |= BH_PKT_IPV6;
}

static void w_l4(struct pv *v, int l4, int hlen, __u16 sport, __u16 dport,
		 __u32 paylen)
{
	struct bh_pkt *w = &v->want;

	w->l4_off = (__u16)l4;
	w->payload_off = (__u16)(l4 + hlen);
	w->sport = sport;
	w->dport = dport;
	w->payload_len = paylen;
	w->flags |= BH_PKT_HAS_L4;
}

static void w_tcp(struct pv *v, int l4, __u16 sport, __u16 dport, __u8 flags,
		  __u32 paylen)
{
	w_l4(v, l4, 20, sport, dport, paylen);
	v->want.tcp_flags = flags;
}

static void w_icmp(struct pv *v, int l4, __u8 type, __u8 code, __u16 id,
		   __u32 paylen)
{
	w_l4(v, l4, 8, id, id, paylen);
	v->want.icmp_type = type;
	v->want.icmp_code = code;
}

static void w_tun4(struct pv *v, __u8 type, __u32 vni)
{
	v->want.tun_type = type;
	v->want.vni = vni;
	addr4(&v->want.outer_saddr, O4A);
	addr4(&v->want.outer_daddr, O4B);
}

static void w_tun6(struct pv *v, __u8 type, __u32 vni)
{
	v->want.tun_type = type;
	v->want.vni = vni;
	addr6(&v->want.outer_saddr, O6A);
	addr6(&v->want.outer_daddr, O6B);
	v->want.flags |= BH_PKT_OUTER_IPV6;
}

/* ------------------------------------------------------------------------ */
/* Ethernet and VLAN.                                                       */

static void v_tcp4_syn(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip4(v, A4, B4);
	l4 = tcp(v, 40000, 80, BH_TCP_SYN);
	w_ip4(v, l3, A4, B4, 6);
	w_tcp(v, l4, 40000, 80, BH_TCP_SYN, 0);
}

static void v_tcp4_all_flags(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip4(v, A4, B4);
	l4 = tcp(v, 1, 65535, 0xff);
	payload(v, 100);
	w_ip4(v, l3, A4, B4, 6);
	w_tcp(v, l4, 1, 65535, 0xff, 100);
}

static void v_vlan_udp4(struct pv *v)
{
	int l3, l4;

	eth(v);
	bh_pktgen_vlan(&v->g, BH_PKTGEN_TPID_8021Q, 100);
	l3 = ip4(v, A4, B4);
	l4 = udp(v, 5353, 53);
	payload(v, 12);
	w_ip4(v, l3, A4, B4, 17);
	w_l4(v, l4, 8, 5353, 53, 12);
	v->want.vlan[0] = 100;
	v->want.vlan_count = 1;
}

static void v_qinq_tcp6(struct pv *v)
{
	int l3, l4;

	eth(v);
	bh_pktgen_vlan(&v->g, BH_PKTGEN_TPID_8021AD, 10);
	bh_pktgen_vlan(&v->g, BH_PKTGEN_TPID_8021Q, 20);
	l3 = ip6(v, A6, B6);
	l4 = tcp(v, 40000, 443, BH_TCP_ACK | BH_TCP_PSH);
	payload(v, 7);
	w_ip6(v, l3, A6, B6, 6);
	w_tcp(v, l4, 40000, 443, BH_TCP_ACK | BH_TCP_PSH, 7);
	v->want.vlan[0] = 10;
	v->want.vlan[1] = 20;
	v->want.vlan_count = 2;
}

static void v_qinq_two_8021q(struct pv *v)
{
	int l3, l4;

	eth(v);
	bh_pktgen_vlan(&v->g, BH_PKTGEN_TPID_8021Q, 4095);
	bh_pktgen_vlan(&v->g, BH_PKTGEN_TPID_8021Q, 1);
	l3 = ip4(v, A4, B4);
	l4 = udp(v, 1, 2);
	w_ip4(v, l3, A4, B4, 17);
	w_l4(v, l4, 8, 1, 2, 0);
	v->want.vlan[0] = 4095;
	v->want.vlan[1] = 1;
	v->want.vlan_count = 2;
}

static void v_vlan_depth(struct pv *v)
{
	eth(v);
	bh_pktgen_vlan(&v->g, BH_PKTGEN_TPID_8021AD, 1);
	bh_pktgen_vlan(&v->g, BH_PKTGEN_TPID_8021Q, 2);
	bh_pktgen_vlan(&v->g, BH_PKTGEN_TPID_8021Q, 3);
	ip4(v, A4, B4);
	udp(v, 1, 2);
	v->want.reason = BH_REASON_VLAN_DEPTH;
	v->want.vlan[0] = 1;
	v->want.vlan[1] = 2;
	v->want.vlan_count = 2;
	v->need = 14 + 8; /* the inner type of the second tag says "tag" */
	v->early = true;
}

static void v_arp(struct pv *v)
{
	eth(v);
	bh_pktgen_arp(&v->g, 1, A4, B4);
	v->want.reason = BH_REASON_NON_IP;
	v->want.l3_off = 14;
	v->need = 14;
	v->early = true;
}

static void v_vlan_arp(struct pv *v)
{
	eth(v);
	bh_pktgen_vlan(&v->g, 0, 7);
	bh_pktgen_arp(&v->g, 2, B4, A4);
	v->want.reason = BH_REASON_NON_IP;
	v->want.l3_off = 18;
	v->want.vlan[0] = 7;
	v->want.vlan_count = 1;
	v->need = 18;
	v->early = true;
}

static void v_lldp(struct pv *v)
{
	bh_pktgen_eth(&v->g, &(struct bh_pktgen_eth){ .type = 0x88cc });
	payload(v, 32);
	v->want.reason = BH_REASON_NON_IP;
	v->want.l3_off = 14;
	v->need = 14;
	v->early = true;
}

/* ------------------------------------------------------------------------ */
/* IPv4.                                                                    */

static void v_ipv4_opts_max(struct pv *v)
{
	__u8 opts[40];
	int l3, l4;

	memset(opts, 1, sizeof(opts)); /* NOPs */
	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
					       .opts = opts,
					       .opts_len = sizeof(opts) });
	l4 = udp(v, 1000, 2000);
	payload(v, 3);
	w_ip4(v, l3, A4, B4, 17);
	w_l4(v, l4, 8, 1000, 2000, 3);
	v->want.flags |= BH_PKT_IP_OPTIONS;
	if (l4 != l3 + 60)
		v->g.err = -1;
}

static void v_ipv4_opts_rr(struct pv *v)
{
	/* Record route, 3 bytes, padded to 4 with an EOL. */
	static const __u8 rr[3] = { 7, 3, 4 };
	int l3, l4;

	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
					       .opts = rr,
					       .opts_len = sizeof(rr) });
	l4 = tcp(v, 22, 50000, BH_TCP_ACK);
	payload(v, 1);
	w_ip4(v, l3, A4, B4, 6);
	w_tcp(v, l4, 22, 50000, BH_TCP_ACK, 1);
	v->want.flags |= BH_PKT_IP_OPTIONS;
}

static void v_ipv4_df(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
					       .df = true, .id = 99 });
	l4 = udp(v, 1, 2);
	w_ip4(v, l3, A4, B4, 17);
	w_l4(v, l4, 8, 1, 2, 0);
}

static void v_frag4_first(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
					       .mf = true, .id = 0x1234 });
	l4 = udp(v, 1000, 2000);
	payload(v, 100);
	w_ip4(v, l3, A4, B4, 17);
	w_l4(v, l4, 8, 1000, 2000, 100);
	v->want.frag_flags = BH_FRAG_IS_FRAG | BH_FRAG_FIRST | BH_FRAG_MORE;
	v->want.frag_id = 0x1234;
}

static void v_frag4_middle(struct pv *v)
{
	int l3;

	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
					       .mf = true, .id = 0xffff,
					       .frag_off = 185, .proto = 17 });
	payload(v, 64);
	w_ip4(v, l3, A4, B4, 17);
	v->want.frag_flags = BH_FRAG_IS_FRAG | BH_FRAG_MORE;
	v->want.frag_id = 0xffff;
	v->want.frag_off = 185;
	v->need = l3 + 20;
}

static void v_frag4_last(struct pv *v)
{
	int l3;

	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = B4, .daddr = A4,
					       .id = 1, .frag_off = 0x1fff,
					       .proto = 6 });
	payload(v, 8);
	w_ip4(v, l3, B4, A4, 6);
	v->want.frag_flags = BH_FRAG_IS_FRAG;
	v->want.frag_id = 1;
	v->want.frag_off = 0x1fff;
	v->need = l3 + 20;
}

static void v_gre4(struct pv *v)
{
	int l3;

	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
					       .proto = 47 });
	payload(v, 24);
	w_ip4(v, l3, A4, B4, 47);
	v->need = l3 + 20;
}

static void v_ipv4_padded(struct pv *v)
{
	static const __u8 pad[14];
	int l3, l4;

	/* A 60-byte minimum Ethernet frame: the datagram is 32 bytes, the
	 * rest is padding that is not payload. */
	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
					       .tot_len = 32 });
	l4 = bh_pktgen_udp(&v->g, 7, 9, 12);
	payload(v, 4);
	bh_pktgen_payload(&v->g, pad, sizeof(pad));
	w_ip4(v, l3, A4, B4, 17);
	w_l4(v, l4, 8, 7, 9, 4);
}

static void v_ipv4_ihl4(struct pv *v)
{
	int l3;

	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
					       .ihl = 4 });
	tcp(v, 1, 2, BH_TCP_SYN);
	v->want.reason = BH_REASON_MALFORMED;
	v->want.l3_off = (__u16)l3;
	v->need = l3 + 20;
	v->early = true;
}

static void v_ipv4_totlen_lt_ihl(struct pv *v)
{
	int l3;

	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
					       .tot_len = 19 });
	tcp(v, 1, 2, BH_TCP_SYN);
	v->want.reason = BH_REASON_MALFORMED;
	v->want.l3_off = (__u16)l3;
	v->need = l3 + 20;
	v->early = true;
}

static void v_ipv4_bad_version(struct pv *v)
{
	int l3;

	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
					       .version = 6 });
	udp(v, 1, 2);
	v->want.reason = BH_REASON_MALFORMED;
	v->want.l3_off = (__u16)l3;
	v->need = l3 + 20;
	v->early = true;
}

static void v_ipv4_evil_bit(struct pv *v)
{
	int l3;

	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
					       .evil = true });
	udp(v, 1, 2);
	v->want.reason = BH_REASON_MALFORMED;
	v->want.l3_off = (__u16)l3;
	v->need = l3 + 20;
	v->early = true;
}

static void v_ipv4_totlen_long(struct pv *v)
{
	int l3;

	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
					       .tot_len = 20 + 8 + 10 + 1 });
	udp(v, 1, 2);
	payload(v, 10);
	w_ip4(v, l3, A4, B4, 17);
	v->want.reason = BH_REASON_TRUNCATED;
	v->need = 0xffff; /* truncated whatever the cut */
}

static void v_ipv4_l4_outside(struct pv *v)
{
	int l3, l4;

	/* The datagram ends inside its TCP header; the rest is padding. */
	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
					       .tot_len = 30 });
	l4 = tcp(v, 5, 6, BH_TCP_RST);
	payload(v, 6);
	w_ip4(v, l3, A4, B4, 6);
	v->want.reason = BH_REASON_MALFORMED;
	v->want.l4_off = (__u16)l4;
	v->want.sport = 5;
	v->want.dport = 6;
	v->want.tcp_flags = BH_TCP_RST;
	v->need = l4 + 20;
}

/* ------------------------------------------------------------------------ */
/* TCP, UDP, SCTP.                                                          */

static void v_tcp_opts_max(struct pv *v)
{
	__u8 opts[40];
	int l3, l4;

	memset(opts, 1, sizeof(opts));
	opts[0] = 2; /* MSS 1460 */
	opts[1] = 4;
	opts[2] = 0x05;
	opts[3] = 0xb4;
	eth(v);
	l3 = ip4(v, A4, B4);
	l4 = bh_pktgen_tcp(&v->g, &(struct bh_pktgen_tcp){
					  .sport = 40001, .dport = 8080,
					  .flags = BH_TCP_SYN | BH_TCP_ECE |
						   BH_TCP_CWR,
					  .opts = opts,
					  .opts_len = sizeof(opts) });
	payload(v, 10);
	w_ip4(v, l3, A4, B4, 6);
	w_l4(v, l4, 60, 40001, 8080, 10);
	v->want.tcp_flags = BH_TCP_SYN | BH_TCP_ECE | BH_TCP_CWR;
}

static void v_tcp_doff4(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip4(v, A4, B4);
	l4 = bh_pktgen_tcp(&v->g, &(struct bh_pktgen_tcp){
					  .sport = 1, .dport = 2, .doff = 4 });
	payload(v, 4);
	w_ip4(v, l3, A4, B4, 6);
	v->want.reason = BH_REASON_MALFORMED;
	v->want.l4_off = (__u16)l4;
	v->need = l4 + 20;
}

static void v_tcp_doff_past_end(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip4(v, A4, B4);
	l4 = bh_pktgen_tcp(&v->g, &(struct bh_pktgen_tcp){
					  .sport = 1, .dport = 2, .doff = 15 });
	payload(v, 10);
	w_ip4(v, l3, A4, B4, 6);
	v->want.reason = BH_REASON_TRUNCATED;
	v->want.l4_off = (__u16)l4;
	v->need = l4 + 60;
}

static void v_udp6(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip6(v, A6, B6);
	l4 = udp(v, 546, 547);
	payload(v, 33);
	w_ip6(v, l3, A6, B6, 17);
	w_l4(v, l4, 8, 546, 547, 33);
}

static void v_udp_len_short(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip4(v, A4, B4);
	l4 = bh_pktgen_udp(&v->g, 3, 4, 4);
	payload(v, 4);
	w_ip4(v, l3, A4, B4, 17);
	v->want.reason = BH_REASON_MALFORMED;
	v->want.l4_off = (__u16)l4;
	v->want.sport = 3;
	v->want.dport = 4;
	v->need = l4 + 8;
}

static void v_sctp4(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip4(v, A4, B4);
	l4 = bh_pktgen_sctp(&v->g, 36412, 38412, 0xabcdef);
	payload(v, 16);
	w_ip4(v, l3, A4, B4, 132);
	w_l4(v, l4, 12, 36412, 38412, 16);
}

static void v_sctp6(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip6(v, B6, A6);
	l4 = bh_pktgen_sctp(&v->g, 2905, 2906, 1);
	payload(v, 20);
	w_ip6(v, l3, B6, A6, 132);
	w_l4(v, l4, 12, 2905, 2906, 20);
}

/* ------------------------------------------------------------------------ */
/* ICMP.                                                                    */

static void v_icmp_echo(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip4(v, A4, B4);
	l4 = bh_pktgen_icmp(&v->g, 8, 0, 0x4242, 1);
	payload(v, 56);
	w_ip4(v, l3, A4, B4, 1);
	w_icmp(v, l4, 8, 0, 0x4242, 56);
}

static void v_icmp_echo_reply(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip4(v, B4, A4);
	l4 = bh_pktgen_icmp(&v->g, 0, 0, 0x4242, 1);
	payload(v, 56);
	w_ip4(v, l3, B4, A4, 1);
	w_icmp(v, l4, 0, 0, 0x4242, 56);
}

static void v_icmp_timestamp(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip4(v, A4, B4);
	l4 = bh_pktgen_icmp(&v->g, 13, 0, 7, 0);
	payload(v, 12);
	w_ip4(v, l3, A4, B4, 1);
	w_icmp(v, l4, 13, 0, 7, 12);
}

static void v_icmp_router_adv(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip4(v, A4, B4);
	l4 = bh_pktgen_icmp(&v->g, 9, 0, 0x0102, 1800);
	payload(v, 8);
	w_ip4(v, l3, A4, B4, 1);
	w_icmp(v, l4, 9, 0, 0, 8);
}

/* ICMP error from router 192.168.0.1 to A about A's packet to B. */
static int icmp4_err_head(struct pv *v, __u8 type, __u8 code)
{
	int l3, l4;

	eth(v);
	l3 = ip4(v, O4A, A4);
	l4 = bh_pktgen_icmp(&v->g, type, code, 0, 0);
	w_ip4(v, l3, O4A, A4, 1);
	w_icmp(v, l4, type, code, 0, 0);
	return l4;
}

static void w_quote4(struct pv *v, int qip, int ihl, __u8 proto)
{
	struct bh_pkt *w = &v->want;

	w->flags |= BH_PKT_ICMP_ERR;
	addr4(&w->err_saddr, A4);
	addr4(&w->err_daddr, B4);
	w->err_proto = proto;
	v->quote_ip_end = qip + ihl;
}

static void w_quote_ports(struct pv *v, int at, int len, __u16 s, __u16 d)
{
	v->want.err_sport = s;
	v->want.err_dport = d;
	v->quote_ports_end = at + len;
}

static void v_icmp_unreach_tcp(struct pv *v)
{
	int l4, qip;

	l4 = icmp4_err_head(v, 3, 1);
	qip = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
						.tot_len = 60 });
	tcp(v, 40000, 80, BH_TCP_SYN);
	v->want.payload_len = v->g.len - l4 - 8;
	w_quote4(v, qip, 20, 6);
	w_quote_ports(v, qip + 20, 4, 40000, 80);
}

static void v_icmp_timex_udp(struct pv *v)
{
	int l4, qip;

	l4 = icmp4_err_head(v, 11, 0);
	qip = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
						.ttl = 1, .tot_len = 300 });
	bh_pktgen_udp(&v->g, 33434, 33435, 280);
	v->want.payload_len = v->g.len - l4 - 8;
	w_quote4(v, qip, 20, 17);
	w_quote_ports(v, qip + 20, 4, 33434, 33435);
}

static void v_icmp_unreach_8bytes(struct pv *v)
{
	/* RFC 792: the IP header and the first 8 bytes of its payload. */
	static const __u8 tcp8[8] = { 0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1 };
	int l4, qip;

	l4 = icmp4_err_head(v, 3, 13);
	qip = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
						.tot_len = 1500, .proto = 6 });
	bh_pktgen_payload(&v->g, tcp8, sizeof(tcp8));
	v->want.payload_len = v->g.len - l4 - 8;
	w_quote4(v, qip, 20, 6);
	w_quote_ports(v, qip + 20, 4, 40000, 443);
}

static void v_icmp_unreach_icmp(struct pv *v)
{
	int l4, qip;

	l4 = icmp4_err_head(v, 3, 10);
	qip = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
						.tot_len = 84 });
	bh_pktgen_icmp(&v->g, 8, 0, 0x0777, 3);
	v->want.payload_len = v->g.len - l4 - 8;
	w_quote4(v, qip, 20, 1);
	w_quote_ports(v, qip + 20, 8, 0x0777, 0x0777);
}

static void v_icmp_unreach_sctp(struct pv *v)
{
	int l4, qip;

	l4 = icmp4_err_head(v, 3, 3);
	qip = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
						.tot_len = 100 });
	bh_pktgen_sctp(&v->g, 5000, 6000, 9);
	v->want.payload_len = v->g.len - l4 - 8;
	w_quote4(v, qip, 20, 132);
	w_quote_ports(v, qip + 20, 4, 5000, 6000);
}

static void v_icmp_quote_opts(struct pv *v)
{
	static const __u8 nop4[4] = { 1, 1, 1, 1 };
	int l4, qip;

	l4 = icmp4_err_head(v, 12, 0);
	qip = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
						.tot_len = 100, .opts = nop4,
						.opts_len = 4 });
	bh_pktgen_udp(&v->g, 9, 10, 76);
	v->want.payload_len = v->g.len - l4 - 8;
	w_quote4(v, qip, 24, 17);
	w_quote_ports(v, qip + 24, 4, 9, 10);
}

static void v_icmp_quote_frag(struct pv *v)
{
	int l4, qip;

	/* A later fragment has no ports: the quote has addresses only. */
	l4 = icmp4_err_head(v, 11, 1);
	qip = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
						.tot_len = 100, .proto = 17,
						.frag_off = 10 });
	payload(v, 8);
	v->want.payload_len = v->g.len - l4 - 8;
	w_quote4(v, qip, 20, 17);
}

static void v_icmp_quote_short(struct pv *v)
{
	static const __u8 part[12] = { 0x45, 0, 0, 100, 0, 0, 0, 0, 64, 6 };
	int l4;

	/* The quote is cut inside its IP header: no quoted tuple at all. */
	l4 = icmp4_err_head(v, 3, 0);
	bh_pktgen_payload(&v->g, part, sizeof(part));
	v->want.payload_len = v->g.len - l4 - 8;
}

static void v_icmp_in_ipv6(struct pv *v)
{
	struct bh_pktgen_ipv6 o = { .nexthdr = 1 };
	int l3, l4;

	eth(v);
	l3 = ip6o(v, &o, A6, B6);
	l4 = bh_pktgen_icmp(&v->g, 8, 0, 1, 1);
	w_ip6(v, l3, A6, B6, 1);
	v->want.reason = BH_REASON_MALFORMED;
	v->want.l4_off = (__u16)l4;
	v->need = l4 + 8;
}

static void v_icmp6_in_ipv4(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = A4, .daddr = B4,
					       .proto = 58 });
	l4 = bh_pktgen_icmp6(&v->g, 128, 0, 1, 1);
	w_ip4(v, l3, A4, B4, 58);
	v->want.reason = BH_REASON_MALFORMED;
	v->want.l4_off = (__u16)l4;
	v->need = l4 + 8;
}

/* ------------------------------------------------------------------------ */
/* ICMPv6.                                                                  */

static void v_icmp6_echo(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip6(v, A6, B6);
	l4 = bh_pktgen_icmp6(&v->g, 128, 0, 0x1001, 5);
	payload(v, 32);
	w_ip6(v, l3, A6, B6, 58);
	w_icmp(v, l4, 128, 0, 0x1001, 32);
}

static void v_icmp6_echo_reply(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip6(v, B6, A6);
	l4 = bh_pktgen_icmp6(&v->g, 129, 0, 0x1001, 5);
	payload(v, 32);
	w_ip6(v, l3, B6, A6, 58);
	w_icmp(v, l4, 129, 0, 0x1001, 32);
}

static void v_icmp6_ns(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip6(v, A6, B6);
	l4 = bh_pktgen_icmp6(&v->g, 135, 0, 0, 0);
	bh_pktgen_payload(&v->g, B6, 16);
	w_ip6(v, l3, A6, B6, 58);
	w_icmp(v, l4, 135, 0, 0, 16);
}

/* ICMPv6 error from router fd00::1 to A about A's packet to B. */
static int icmp6_err_head(struct pv *v, __u8 type, __u8 code)
{
	int l3, l4;

	eth(v);
	l3 = ip6(v, O6A, A6);
	l4 = bh_pktgen_icmp6(&v->g, type, code, 0, 1280);
	w_ip6(v, l3, O6A, A6, 58);
	w_icmp(v, l4, type, code, 0, 0);
	return l4;
}

static int quote6(struct pv *v, __u16 plen)
{
	struct bh_pktgen_ipv6 o = { .plen = plen };
	int qip = ip6o(v, &o, A6, B6);

	v->want.flags |= BH_PKT_ICMP_ERR;
	addr6(&v->want.err_saddr, A6);
	addr6(&v->want.err_daddr, B6);
	v->quote_ip_end = qip + 40;
	return qip;
}

static void v_icmp6_unreach_udp(struct pv *v)
{
	int l4, qip;

	l4 = icmp6_err_head(v, 1, 4);
	qip = quote6(v, 100);
	bh_pktgen_udp(&v->g, 53000, 53, 100);
	payload(v, 12);
	v->want.payload_len = v->g.len - l4 - 8;
	v->want.err_proto = 17;
	w_quote_ports(v, qip + 40, 4, 53000, 53);
}

static void v_icmp6_toobig_tcp(struct pv *v)
{
	int l4, qip;

	l4 = icmp6_err_head(v, 2, 0);
	qip = quote6(v, 1460);
	tcp(v, 40000, 443, BH_TCP_ACK);
	v->want.payload_len = v->g.len - l4 - 8;
	v->want.err_proto = 6;
	w_quote_ports(v, qip + 40, 4, 40000, 443);
}

static void v_icmp6_timex_echo(struct pv *v)
{
	int l4, qip;

	l4 = icmp6_err_head(v, 3, 0);
	qip = quote6(v, 64);
	bh_pktgen_icmp6(&v->g, 128, 0, 0xbeef, 1);
	v->want.payload_len = v->g.len - l4 - 8;
	v->want.err_proto = 58;
	w_quote_ports(v, qip + 40, 8, 0xbeef, 0xbeef);
}

static void v_icmp6_quote_ext(struct pv *v)
{
	int l4;

	/* Extension headers of a quoted packet are not walked: the quote
	 * gives addresses and the first next header only. */
	l4 = icmp6_err_head(v, 4, 1);
	quote6(v, 200);
	bh_pktgen_ipv6_ext(&v->g, 0, 8);
	udp(v, 1, 2);
	v->want.payload_len = v->g.len - l4 - 8;
	v->want.err_proto = 0;
}

/* ------------------------------------------------------------------------ */
/* IPv6 extension headers.                                                  */

static void ext_then_tcp(struct pv *v, const __u8 *types,
			 const unsigned int *lens, int n)
{
	int l3, l4, i;

	eth(v);
	l3 = ip6(v, A6, B6);
	for (i = 0; i < n; i++)
		bh_pktgen_ipv6_ext(&v->g, types[i], lens[i]);
	l4 = tcp(v, 40000, 22, BH_TCP_SYN);
	payload(v, 5);
	w_ip6(v, l3, A6, B6, 6);
	w_tcp(v, l4, 40000, 22, BH_TCP_SYN, 5);
	v->want.ext_count = (__u8)n;
}

static void v_ip6_hbh_tcp(struct pv *v)
{
	static const __u8 t[] = { 0 };
	static const unsigned int l[] = { 8 };

	ext_then_tcp(v, t, l, 1);
}

static void v_ip6_routing_tcp(struct pv *v)
{
	static const __u8 t[] = { 43 };
	static const unsigned int l[] = { 24 };

	ext_then_tcp(v, t, l, 1);
}

static void v_ip6_dstopts_tcp(struct pv *v)
{
	static const __u8 t[] = { 60 };
	static const unsigned int l[] = { 16 };

	ext_then_tcp(v, t, l, 1);
}

static void v_ip6_ah_tcp(struct pv *v)
{
	static const __u8 t[] = { 51 };
	static const unsigned int l[] = { 28 }; /* 7 words, not 8-aligned */

	ext_then_tcp(v, t, l, 1);
}

static void v_ip6_chain(struct pv *v)
{
	static const __u8 t[] = { 0, 60, 43, 51, 60 };
	static const unsigned int l[] = { 8, 16, 24, 16, 8 };

	ext_then_tcp(v, t, l, 5);
}

static void v_ip6_ext8(struct pv *v)
{
	static const __u8 t[] = { 0, 60, 60, 60, 60, 60, 60, 60 };
	static const unsigned int l[] = { 8, 8, 8, 8, 8, 8, 8, 8 };

	ext_then_tcp(v, t, l, 8);
}

static void v_ip6_ext9(struct pv *v)
{
	int l3, i;

	eth(v);
	l3 = ip6(v, A6, B6);
	bh_pktgen_ipv6_ext(&v->g, 0, 8);
	for (i = 0; i < 8; i++)
		bh_pktgen_ipv6_ext(&v->g, 60, 8);
	tcp(v, 1, 2, 0);
	w_ip6(v, l3, A6, B6, 60);
	v->want.reason = BH_REASON_EXT_LIMIT;
	v->want.ext_count = 8;
	v->need = l3 + 40 + 8 * 8; /* the 9th header is not read */
}

static void v_ip6_hbh_second(struct pv *v)
{
	int l3;

	eth(v);
	l3 = ip6(v, A6, B6);
	bh_pktgen_ipv6_ext(&v->g, 60, 8);
	bh_pktgen_ipv6_ext(&v->g, 0, 8);
	udp(v, 1, 2);
	w_ip6(v, l3, A6, B6, 0);
	v->want.ip_proto = 0; /* set only when the walk ends */
	v->want.reason = BH_REASON_MALFORMED;
	v->want.ext_count = 1;
	v->need = l3 + 48;
}

static void v_ip6_frag_first(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip6(v, A6, B6);
	bh_pktgen_ipv6_frag(&v->g, 0, true, 0xabcdef01);
	l4 = udp(v, 4000, 4001);
	payload(v, 64);
	w_ip6(v, l3, A6, B6, 17);
	w_l4(v, l4, 8, 4000, 4001, 64);
	v->want.frag_flags = BH_FRAG_IS_FRAG | BH_FRAG_FIRST | BH_FRAG_MORE;
	v->want.frag_id = 0xabcdef01;
	v->want.ext_count = 1;
}

static void v_ip6_frag_later(struct pv *v)
{
	int l3, fh;

	eth(v);
	l3 = ip6(v, A6, B6);
	fh = bh_pktgen_ipv6_frag(&v->g, 185, true, 7);
	payload(v, 40);
	if (bh_pktgen_finish(&v->g) > 0)
		v->frame[fh] = 17; /* next header: the fragmented part's */
	w_ip6(v, l3, A6, B6, 17);
	v->want.frag_flags = BH_FRAG_IS_FRAG | BH_FRAG_MORE;
	v->want.frag_off = 185;
	v->want.frag_id = 7;
	v->want.ext_count = 1;
	v->need = fh + 8;
}

static void v_ip6_frag_last(struct pv *v)
{
	int l3, fh;

	eth(v);
	l3 = ip6(v, B6, A6);
	fh = bh_pktgen_ipv6_frag(&v->g, 8191, false, 0xffffffff);
	payload(v, 3);
	if (bh_pktgen_finish(&v->g) > 0)
		v->frame[fh] = 6;
	w_ip6(v, l3, B6, A6, 6);
	v->want.frag_flags = BH_FRAG_IS_FRAG;
	v->want.frag_off = 8191;
	v->want.frag_id = 0xffffffff;
	v->want.ext_count = 1;
	v->need = fh + 8;
}

static void v_ip6_frag_dst_tcp(struct pv *v)
{
	int l3, l4;

	eth(v);
	l3 = ip6(v, A6, B6);
	bh_pktgen_ipv6_frag(&v->g, 0, true, 2);
	bh_pktgen_ipv6_ext(&v->g, 60, 8);
	l4 = tcp(v, 1, 2, BH_TCP_FIN | BH_TCP_ACK);
	w_ip6(v, l3, A6, B6, 6);
	w_tcp(v, l4, 1, 2, BH_TCP_FIN | BH_TCP_ACK, 0);
	v->want.frag_flags = BH_FRAG_IS_FRAG | BH_FRAG_FIRST | BH_FRAG_MORE;
	v->want.frag_id = 2;
	v->want.ext_count = 2;
}

static void v_ip6_atomic_frag(struct pv *v)
{
	int l3, l4;

	/* RFC 6946: offset 0, no more fragments. */
	eth(v);
	l3 = ip6(v, A6, B6);
	bh_pktgen_ipv6_frag(&v->g, 0, false, 3);
	l4 = udp(v, 1, 2);
	w_ip6(v, l3, A6, B6, 17);
	w_l4(v, l4, 8, 1, 2, 0);
	v->want.frag_flags = BH_FRAG_IS_FRAG | BH_FRAG_FIRST;
	v->want.frag_id = 3;
	v->want.ext_count = 1;
}

static void v_ip6_two_frag_headers(struct pv *v)
{
	int l3, f2;

	eth(v);
	l3 = ip6(v, A6, B6);
	bh_pktgen_ipv6_frag(&v->g, 0, true, 11);
	f2 = bh_pktgen_ipv6_frag(&v->g, 100, false, 12);
	udp(v, 1, 2);
	w_ip6(v, l3, A6, B6, 0);
	v->want.reason = BH_REASON_MALFORMED;
	v->want.frag_flags = BH_FRAG_IS_FRAG | BH_FRAG_FIRST | BH_FRAG_MORE;
	v->want.frag_id = 11;
	v->want.ext_count = 1;
	v->need = f2 + 8;
}

static void v_ip6_bad_version(struct pv *v)
{
	struct bh_pktgen_ipv6 o = { .version = 4 };
	int l3;

	eth(v);
	l3 = ip6o(v, &o, A6, B6);
	udp(v, 1, 2);
	v->want.reason = BH_REASON_MALFORMED;
	v->want.l3_off = (__u16)l3;
	v->need = l3 + 40;
	v->early = true;
}

static void v_ip6_plen_long(struct pv *v)
{
	struct bh_pktgen_ipv6 o = { .plen = 100 };
	int l3;

	eth(v);
	l3 = ip6o(v, &o, A6, B6);
	udp(v, 1, 2);
	payload(v, 10);
	w_ip6(v, l3, A6, B6, 0);
	v->want.ip_proto = 0; /* not reached */
	v->want.reason = BH_REASON_TRUNCATED;
	v->need = 0xffff;
}

static void v_ip6_jumbo(struct pv *v)
{
	struct bh_pktgen_ipv6 o = { .jumbo = true };
	int l3, l4;

	/* Payload length 0: the datagram is the rest of the frame. */
	eth(v);
	l3 = ip6o(v, &o, A6, B6);
	bh_pktgen_ipv6_ext(&v->g, 0, 8);
	l4 = tcp(v, 1, 2, BH_TCP_ACK);
	payload(v, 30);
	w_ip6(v, l3, A6, B6, 6);
	w_tcp(v, l4, 1, 2, BH_TCP_ACK, 30);
	v->want.ext_count = 1;
}

static void v_ip6_no_next(struct pv *v)
{
	int l3;

	eth(v);
	l3 = ip6(v, A6, B6);
	payload(v, 10); /* finish writes next header 59 */
	w_ip6(v, l3, A6, B6, 59);
	v->need = l3 + 40;
}

static void v_ip6_ext_past_end(struct pv *v)
{
	int l3, hbh;

	eth(v);
	l3 = ip6(v, A6, B6);
	hbh = bh_pktgen_ipv6_ext(&v->g, 0, 8);
	udp(v, 1, 2);
	payload(v, 20);
	if (bh_pktgen_finish(&v->g) > 0)
		v->frame[hbh + 1] = 255; /* 2048 bytes */
	w_ip6(v, l3, A6, B6, 17);
	v->want.reason = BH_REASON_TRUNCATED;
	v->want.ext_count = 1;
	v->need = 0xffff;
}

/* ------------------------------------------------------------------------ */
/* Tunnels.                                                                 */

static int outer4_udp(struct pv *v, __u16 dport)
{
	eth(v);
	ip4(v, O4A, O4B);
	return udp(v, 49152, dport);
}

static int outer6_udp(struct pv *v, __u16 dport)
{
	eth(v);
	ip6(v, O6A, O6B);
	return udp(v, 49152, dport);
}

static void v_vxlan4_tcp4(struct pv *v)
{
	int l3, l4;

	outer4_udp(v, 4789);
	bh_pktgen_vxlan(&v->g, 0x123456);
	eth(v);
	l3 = bh_pktgen_ipv4(&v->g, &(struct bh_pktgen_ipv4){ .saddr = A4,
							      .daddr = B4,
							      .ttl = 63 });
	l4 = tcp(v, 40000, 80, BH_TCP_SYN);
	payload(v, 20);
	w_ip4(v, l3, A4, B4, 6);
	v->want.ttl = 63;
	w_tcp(v, l4, 40000, 80, BH_TCP_SYN, 20);
	w_tun4(v, BH_TUN_VXLAN, 0x123456);
}

static void v_vxlan6_udp6(struct pv *v)
{
	int l3, l4;

	outer6_udp(v, 4789);
	bh_pktgen_vxlan(&v->g, 0xffffff);
	eth(v);
	l3 = ip6(v, A6, B6);
	l4 = udp(v, 1, 2);
	payload(v, 2);
	w_ip6(v, l3, A6, B6, 17);
	w_l4(v, l4, 8, 1, 2, 2);
	w_tun6(v, BH_TUN_VXLAN, 0xffffff);
}

static void v_vxlan4_tcp6(struct pv *v)
{
	int l3, l4;

	outer4_udp(v, 4789);
	bh_pktgen_vxlan(&v->g, 0);
	eth(v);
	l3 = ip6(v, A6, B6);
	l4 = tcp(v, 3, 4, BH_TCP_ACK);
	w_ip6(v, l3, A6, B6, 6);
	w_tcp(v, l4, 3, 4, BH_TCP_ACK, 0);
	w_tun4(v, BH_TUN_VXLAN, 0);
}

static void v_vxlan_qinq_inner_vlan(struct pv *v)
{
	int l3, l4;

	/* Outer tags are recorded; the inner frame's tag is walked only. */
	eth(v);
	bh_pktgen_vlan(&v->g, BH_PKTGEN_TPID_8021AD, 11);
	bh_pktgen_vlan(&v->g, BH_PKTGEN_TPID_8021Q, 12);
	ip4(v, O4A, O4B);
	udp(v, 49152, 4789);
	bh_pktgen_vxlan(&v->g, 42);
	eth(v);
	bh_pktgen_vlan(&v->g, 0, 300);
	l3 = ip4(v, A4, B4);
	l4 = udp(v, 5, 6);
	w_ip4(v, l3, A4, B4, 17);
	w_l4(v, l4, 8, 5, 6, 0);
	w_tun4(v, BH_TUN_VXLAN, 42);
	v->want.vlan[0] = 11;
	v->want.vlan[1] = 12;
	v->want.vlan_count = 2;
}

static void v_vxlan_no_i_flag(struct pv *v)
{
	int l4, vx;

	/* Without the I flag it is not VXLAN (RFC 7348): plain UDP. */
	eth(v);
	ip4(v, O4A, O4B);
	l4 = udp(v, 49152, 4789);
	vx = bh_pktgen_vxlan(&v->g, 5);
	eth(v);
	ip4(v, A4, B4);
	if (bh_pktgen_finish(&v->g) > 0)
		v->frame[vx] = 0;
	w_ip4(v, 14, O4A, O4B, 17);
	w_l4(v, l4, 8, 49152, 4789, 8 + 14 + 20);
	v->need = vx + 8;
}

static void v_vxlan_arp(struct pv *v)
{
	int ie;

	outer4_udp(v, 4789);
	bh_pktgen_vxlan(&v->g, 77);
	ie = bh_pktgen_eth(&v->g, NULL);
	bh_pktgen_arp(&v->g, 1, A4, B4);
	w_tun4(v, BH_TUN_VXLAN, 77);
	v->want.reason = BH_REASON_NON_IP;
	v->want.l3_off = (__u16)(ie + 14);
	v->need = ie + 14;
}

static void v_vxlan_inner_cut(struct pv *v)
{
	static const __u8 part[10] = { 0x45 };
	int ie;

	outer6_udp(v, 4789);
	bh_pktgen_vxlan(&v->g, 1);
	ie = bh_pktgen_eth(&v->g, &(struct bh_pktgen_eth){ .type = 0x0800 });
	bh_pktgen_payload(&v->g, part, sizeof(part));
	w_tun6(v, BH_TUN_VXLAN, 1);
	v->want.reason = BH_REASON_TRUNCATED;
	v->want.l3_off = (__u16)(ie + 14);
	v->need = 0xffff;
}

static void v_vxlan_nested(struct pv *v)
{
	int l3, l4;

	/* One level only: the inner VXLAN is the inner flow's UDP. */
	outer4_udp(v, 4789);
	bh_pktgen_vxlan(&v->g, 1);
	eth(v);
	l3 = ip4(v, A4, B4);
	l4 = udp(v, 40000, 4789);
	bh_pktgen_vxlan(&v->g, 2);
	eth(v);
	ip4(v, A4, B4);
	w_ip4(v, l3, A4, B4, 17);
	w_l4(v, l4, 8, 40000, 4789, 8 + 14 + 20);
	w_tun4(v, BH_TUN_VXLAN, 1);
}

static void v_vxlan_icmp_err(struct pv *v)
{
	int l3, l4, qip;

	outer4_udp(v, 4789);
	bh_pktgen_vxlan(&v->g, 9);
	eth(v);
	l3 = ip4(v, O4A, A4);
	l4 = bh_pktgen_icmp(&v->g, 3, 3, 0, 0);
	qip = bh_pktgen_ipv4(&v->g, &(struct bh_pktgen_ipv4){
					    .saddr = A4, .daddr = B4,
					    .tot_len = 50 });
	udp(v, 7, 8);
	w_ip4(v, l3, O4A, A4, 1);
	w_icmp(v, l4, 3, 3, 0, 28);
	w_quote4(v, qip, 20, 17);
	w_quote_ports(v, qip + 20, 4, 7, 8);
	w_tun4(v, BH_TUN_VXLAN, 9);
}

static void v_vxlan_inner_frag(struct pv *v)
{
	int l3, l4;

	outer4_udp(v, 4789);
	bh_pktgen_vxlan(&v->g, 3);
	eth(v);
	l3 = bh_pktgen_ipv4(&v->g, &(struct bh_pktgen_ipv4){
					   .saddr = A4, .daddr = B4,
					   .mf = true, .id = 0xbeef });
	l4 = udp(v, 1, 2);
	payload(v, 16);
	w_ip4(v, l3, A4, B4, 17);
	w_l4(v, l4, 8, 1, 2, 16);
	v->want.frag_flags = BH_FRAG_IS_FRAG | BH_FRAG_FIRST | BH_FRAG_MORE;
	v->want.frag_id = 0xbeef;
	w_tun4(v, BH_TUN_VXLAN, 3);
}

static void v_vxlan_outer_frag(struct pv *v)
{
	int l3, l4;

	/* A fragmented outer datagram is not decapsulated. */
	eth(v);
	l3 = ip4o(v, &(struct bh_pktgen_ipv4){ .saddr = O4A, .daddr = O4B,
					       .mf = true, .id = 5 });
	l4 = udp(v, 49152, 4789);
	bh_pktgen_vxlan(&v->g, 1);
	eth(v);
	ip4(v, A4, B4);
	tcp(v, 1, 2, 0);
	w_ip4(v, l3, O4A, O4B, 17);
	w_l4(v, l4, 8, 49152, 4789, 8 + 14 + 20 + 20);
	v->want.frag_flags = BH_FRAG_IS_FRAG | BH_FRAG_FIRST | BH_FRAG_MORE;
	v->want.frag_id = 5;
}

static void v_geneve4_tcp4(struct pv *v)
{
	int l3, l4;

	outer4_udp(v, 6081);
	bh_pktgen_geneve(&v->g, &(struct bh_pktgen_geneve){ .vni = 0xabcdef });
	eth(v);
	l3 = ip4(v, A4, B4);
	l4 = tcp(v, 40000, 5432, BH_TCP_SYN);
	w_ip4(v, l3, A4, B4, 6);
	w_tcp(v, l4, 40000, 5432, BH_TCP_SYN, 0);
	w_tun4(v, BH_TUN_GENEVE, 0xabcdef);
}

static void v_geneve6_opts_icmp6(struct pv *v)
{
	/* Two options: class 0x0102 type 1 len 1 word, type 2 len 0. */
	static const __u8 opts[12] = { 0x01, 0x02, 0x01, 0x01, 0xde, 0xad,
				       0xbe, 0xef, 0x01, 0x02, 0x02, 0x00 };
	int l3, l4;

	outer6_udp(v, 6081);
	bh_pktgen_geneve(&v->g, &(struct bh_pktgen_geneve){
					.vni = 7, .critical = true,
					.opts = opts, .opts_len = sizeof(opts) });
	eth(v);
	l3 = ip6(v, A6, B6);
	l4 = bh_pktgen_icmp6(&v->g, 128, 0, 99, 1);
	payload(v, 8);
	w_ip6(v, l3, A6, B6, 58);
	w_icmp(v, l4, 128, 0, 99, 8);
	w_tun6(v, BH_TUN_GENEVE, 7);
}

static void v_geneve_ip4(struct pv *v)
{
	int gen, l3, l4;

	/* Protocol 0x0800: an IPv4 packet follows, no Ethernet header. */
	outer4_udp(v, 6081);
	gen = bh_pktgen_geneve(&v->g, &(struct bh_pktgen_geneve){ .vni = 8 });
	l3 = ip4(v, A4, B4);
	l4 = udp(v, 1, 2);
	payload(v, 4);
	w_ip4(v, l3, A4, B4, 17);
	w_l4(v, l4, 8, 1, 2, 4);
	w_tun4(v, BH_TUN_GENEVE, 8);
	if (l3 != gen + 8)
		v->g.err = -1;
}

static void v_geneve_ip6(struct pv *v)
{
	static const __u8 opt[4] = { 0xff, 0xff, 0x80, 0x00 };
	int l3, l4;

	outer6_udp(v, 6081);
	bh_pktgen_geneve(&v->g, &(struct bh_pktgen_geneve){
					.vni = 0x10000, .oam = true,
					.opts = opt, .opts_len = sizeof(opt) });
	l3 = ip6(v, A6, B6);
	l4 = tcp(v, 1, 2, BH_TCP_SYN | BH_TCP_ACK);
	w_ip6(v, l3, A6, B6, 6);
	w_tcp(v, l4, 1, 2, BH_TCP_SYN | BH_TCP_ACK, 0);
	w_tun6(v, BH_TUN_GENEVE, 0x10000);
}

static void v_geneve_max_opts(struct pv *v)
{
	__u8 opts[252];
	int l3, l4;

	/* Opt Len is 6 bits of 4-byte words: 252 bytes at most. One option
	 * of class 0x0001 type 0 with 62 words of data. */
	memset(opts, 0, sizeof(opts));
	opts[1] = 1;
	opts[3] = 62;
	outer4_udp(v, 6081);
	bh_pktgen_geneve(&v->g, &(struct bh_pktgen_geneve){
					.vni = 1, .opts = opts,
					.opts_len = sizeof(opts) });
	eth(v);
	l3 = ip4(v, A4, B4);
	l4 = udp(v, 1, 2);
	w_ip4(v, l3, A4, B4, 17);
	w_l4(v, l4, 8, 1, 2, 0);
	w_tun4(v, BH_TUN_GENEVE, 1);
}

static void geneve_unsupported(struct pv *v, __u8 version, __u16 proto)
{
	int l4, gen;

	eth(v);
	ip4(v, O4A, O4B);
	l4 = udp(v, 49152, 6081);
	gen = bh_pktgen_geneve(&v->g, &(struct bh_pktgen_geneve){
					      .vni = 1, .version = version,
					      .proto = proto });
	eth(v);
	ip4(v, A4, B4);
	w_ip4(v, 14, O4A, O4B, 17);
	w_l4(v, l4, 8, 49152, 6081, 8 + 14 + 20);
	v->want.reason = BH_REASON_UNSUPPORTED;
	v->need = gen + 8;
}

static void v_geneve_version1(struct pv *v)
{
	geneve_unsupported(v, 1, 0);
}

static void v_geneve_mpls(struct pv *v)
{
	geneve_unsupported(v, 0, 0x8847);
}

static void v_geneve_opts_past_end(struct pv *v)
{
	int l4, gen;

	eth(v);
	ip4(v, O4A, O4B);
	l4 = udp(v, 49152, 6081);
	gen = bh_pktgen_geneve(&v->g, &(struct bh_pktgen_geneve){
					      .vni = 1, .proto = 0x6558 });
	payload(v, 8);
	if (bh_pktgen_finish(&v->g) > 0)
		v->frame[gen] = 4; /* 16 bytes of options, 8 present */
	w_ip4(v, 14, O4A, O4B, 17);
	w_l4(v, l4, 8, 49152, 6081, 16);
	v->want.reason = BH_REASON_TRUNCATED;
	v->need = 0xffff;
}

#define PV(name) { #name, v_##name }

const struct pv_vector pv_vectors[] = {
	PV(tcp4_syn),
	PV(tcp4_all_flags),
	PV(vlan_udp4),
	PV(qinq_tcp6),
	PV(qinq_two_8021q),
	PV(vlan_depth),
	PV(arp),
	PV(vlan_arp),
	PV(lldp),
	PV(ipv4_opts_max),
	PV(ipv4_opts_rr),
	PV(ipv4_df),
	PV(frag4_first),
	PV(frag4_middle),
	PV(frag4_last),
	PV(gre4),
	PV(ipv4_padded),
	PV(ipv4_ihl4),
	PV(ipv4_totlen_lt_ihl),
	PV(ipv4_bad_version),
	PV(ipv4_evil_bit),
	PV(ipv4_totlen_long),
	PV(ipv4_l4_outside),
	PV(tcp_opts_max),
	PV(tcp_doff4),
	PV(tcp_doff_past_end),
	PV(udp6),
	PV(udp_len_short),
	PV(sctp4),
	PV(sctp6),
	PV(icmp_echo),
	PV(icmp_echo_reply),
	PV(icmp_timestamp),
	PV(icmp_router_adv),
	PV(icmp_unreach_tcp),
	PV(icmp_timex_udp),
	PV(icmp_unreach_8bytes),
	PV(icmp_unreach_icmp),
	PV(icmp_unreach_sctp),
	PV(icmp_quote_opts),
	PV(icmp_quote_frag),
	PV(icmp_quote_short),
	PV(icmp_in_ipv6),
	PV(icmp6_in_ipv4),
	PV(icmp6_echo),
	PV(icmp6_echo_reply),
	PV(icmp6_ns),
	PV(icmp6_unreach_udp),
	PV(icmp6_toobig_tcp),
	PV(icmp6_timex_echo),
	PV(icmp6_quote_ext),
	PV(ip6_hbh_tcp),
	PV(ip6_routing_tcp),
	PV(ip6_dstopts_tcp),
	PV(ip6_ah_tcp),
	PV(ip6_chain),
	PV(ip6_ext8),
	PV(ip6_ext9),
	PV(ip6_hbh_second),
	PV(ip6_frag_first),
	PV(ip6_frag_later),
	PV(ip6_frag_last),
	PV(ip6_frag_dst_tcp),
	PV(ip6_atomic_frag),
	PV(ip6_two_frag_headers),
	PV(ip6_bad_version),
	PV(ip6_plen_long),
	PV(ip6_jumbo),
	PV(ip6_no_next),
	PV(ip6_ext_past_end),
	PV(vxlan4_tcp4),
	PV(vxlan6_udp6),
	PV(vxlan4_tcp6),
	PV(vxlan_qinq_inner_vlan),
	PV(vxlan_no_i_flag),
	PV(vxlan_arp),
	PV(vxlan_inner_cut),
	PV(vxlan_nested),
	PV(vxlan_icmp_err),
	PV(vxlan_inner_frag),
	PV(vxlan_outer_frag),
	PV(geneve4_tcp4),
	PV(geneve6_opts_icmp6),
	PV(geneve_ip4),
	PV(geneve_ip6),
	PV(geneve_max_opts),
	PV(geneve_version1),
	PV(geneve_mpls),
	PV(geneve_opts_past_end),
};
const size_t pv_nvectors = sizeof(pv_vectors) / sizeof(pv_vectors[0]);

/* ------------------------------------------------------------------------ */
/* Running vectors.                                                         */

int pv_build(const struct pv_vector *vec, struct pv *v)
{
	int len;

	memset(v, 0, sizeof(*v));
	v->outer_l3 = -1;
	bh_pktgen_init(&v->g, v->frame, sizeof(v->frame));
	vec->build(v);
	len = bh_pktgen_finish(&v->g);
	if (len < 0)
		return len;
	v->len = (__u32)len;
	v->want.pkt_len = v->len;
	if (!v->need)
		v->need = v->want.payload_off;
	if (v->outer_l3 >= 0) {
		const __u8 *ip = v->frame + v->outer_l3;
		__u32 plen = (__u32)(ip[4] << 8 | ip[5]);

		/* IPv6 payload length 0 claims no length (jumbogram). */
		if ((ip[0] >> 4) == 6)
			v->dgram_end = plen ? v->outer_l3 + 40 + plen : 0;
		else
			v->dgram_end = v->outer_l3 + (ip[2] << 8 | ip[3]);
	}
	return 0;
}

bool pv_expect_cut(const struct pv *v, __u32 cut, bool wire,
		   struct bh_pkt *exp)
{
	const struct bh_pkt *w = &v->want;

	memset(exp, 0, sizeof(*exp));
	if (cut >= v->len) {
		*exp = *w;
		return true;
	}
	if (cut < v->need || (wire && !v->early && cut < v->dgram_end)) {
		exp->reason = BH_REASON_TRUNCATED;
		exp->pkt_len = wire ? cut : v->len;
		return false;
	}
	*exp = *w;
	exp->pkt_len = wire ? cut : v->len;
	if (cut < w->payload_off)
		exp->payload_len = 0;
	else if (w->payload_len > cut - w->payload_off)
		exp->payload_len = cut - w->payload_off;
	if ((w->flags & BH_PKT_ICMP_ERR) && cut < v->quote_ip_end) {
		exp->flags &= ~BH_PKT_ICMP_ERR;
		memset(&exp->err_saddr, 0, sizeof(exp->err_saddr));
		memset(&exp->err_daddr, 0, sizeof(exp->err_daddr));
		exp->err_proto = 0;
	}
	if (cut < v->quote_ports_end) {
		exp->err_sport = 0;
		exp->err_dport = 0;
	}
	return true;
}
