/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Connection tracking helpers for both targets (DESIGN.md decision 4):
 * the normalized flow key, minimal TCP state, timeouts.
 */
#ifndef BH_CT_H
#define BH_CT_H

#include "bh_parse.h"
#include "bh_target.h"

/* Default timeouts (ns); userspace may change them in bh_config. */
#define BH_NS_PER_SEC 1000000000ULL
#define BH_CT_DEFAULT_TCP_SYN (60 * BH_NS_PER_SEC)
#define BH_CT_DEFAULT_TCP_EST (3600 * BH_NS_PER_SEC)
#define BH_CT_DEFAULT_TCP_CLOSE (30 * BH_NS_PER_SEC)
#define BH_CT_DEFAULT_UDP (120 * BH_NS_PER_SEC)
#define BH_CT_DEFAULT_ICMP (30 * BH_NS_PER_SEC)
#define BH_CT_DEFAULT_OTHER (600 * BH_NS_PER_SEC)
#define BH_CT_DEFAULT_FRAG (30 * BH_NS_PER_SEC)

/* Default admission of new denied flows into bh_denied, per CPU: above
 * it a flood of new tuples is dropped without an LRU insertion each. */
#define BH_DENY_CACHE_RATE 50000
#define BH_DENY_CACHE_BURST 5000

static __always_inline void bh_ct_default_timeouts(struct bh_config *cfg)
{
	cfg->ct_timeout_ns[BH_CT_TMO_TCP_SYN] = BH_CT_DEFAULT_TCP_SYN;
	cfg->ct_timeout_ns[BH_CT_TMO_TCP_EST] = BH_CT_DEFAULT_TCP_EST;
	cfg->ct_timeout_ns[BH_CT_TMO_TCP_CLOSE] = BH_CT_DEFAULT_TCP_CLOSE;
	cfg->ct_timeout_ns[BH_CT_TMO_UDP] = BH_CT_DEFAULT_UDP;
	cfg->ct_timeout_ns[BH_CT_TMO_ICMP] = BH_CT_DEFAULT_ICMP;
	cfg->ct_timeout_ns[BH_CT_TMO_OTHER] = BH_CT_DEFAULT_OTHER;
	cfg->ct_timeout_ns[BH_CT_TMO_FRAG] = BH_CT_DEFAULT_FRAG;
}

/* (x, xp) < (y, yp), comparing addresses as big-endian numbers. */
static __always_inline int bh_ep_less(const union bh_addr *x, __u16 xp,
				      const union bh_addr *y, __u16 yp)
{
	int i;

	for (i = 0; i < 4; i++) {
		__u32 a = bh_ntohl(x->w[i]), b = bh_ntohl(y->w[i]);

		if (a != b)
			return a < b;
	}
	return xp < yp;
}

/* Normalized key of the flow s:sp -> d:dp in VNI vni (0: not tunnelled);
 * returns the packet's direction (BH_DIR_AB when s is endpoint a). */
static __always_inline int bh_flow_key_make(struct bh_flow_key *k,
					    const union bh_addr *s, __u16 sp,
					    const union bh_addr *d, __u16 dp,
					    __u8 proto, __u32 vni)
{
	int dir;

	if (bh_ep_less(d, dp, s, sp)) {
		k->a = *d;
		k->a_port = dp;
		k->b = *s;
		k->b_port = sp;
		dir = BH_DIR_BA;
	} else {
		k->a = *s;
		k->a_port = sp;
		k->b = *d;
		k->b_port = dp;
		dir = BH_DIR_AB;
	}
	k->proto = proto;
	bh_vni_put(k->vni, vni);
	return dir;
}

/* Direction from the initiator to the responder. */
static __always_inline int bh_flow_init_dir(const struct bh_flow *f)
{
	return (f->flags & BH_FLOW_F_INIT_B) ? BH_DIR_BA : BH_DIR_AB;
}

static __always_inline __u64 bh_ct_timeout(const struct bh_config *cfg,
					   __u8 proto, __u8 state)
{
	__u32 i;

	if (proto == BH_IPPROTO_TCP) {
		if (state == BH_CT_ESTABLISHED)
			i = BH_CT_TMO_TCP_EST;
		else if (state == BH_CT_CLOSING || state == BH_CT_CLOSED)
			i = BH_CT_TMO_TCP_CLOSE;
		else
			i = BH_CT_TMO_TCP_SYN;
	} else if (proto == BH_IPPROTO_UDP) {
		i = BH_CT_TMO_UDP;
	} else if (proto == BH_IPPROTO_ICMP || proto == BH_IPPROTO_ICMPV6) {
		i = BH_CT_TMO_ICMP;
	} else {
		i = BH_CT_TMO_OTHER;
	}
	return cfg->ct_timeout_ns[i];
}

/* An entry idle for longer than its state's timeout is gone (0: never). */
static __always_inline int bh_ct_expired(const struct bh_config *cfg,
					 const struct bh_flow *f, __u8 proto,
					 __u64 now)
{
	__u64 tmo = bh_ct_timeout(cfg, proto, f->ct_state);

	return tmo && now > f->last_seen_ns && now - f->last_seen_ns > tmo;
}

/* A TCP packet that may open a connection: SYN without ACK. */
static __always_inline int bh_tcp_is_syn(const struct bh_pkt *pkt)
{
	return (pkt->tcp_flags & (BH_TCP_SYN | BH_TCP_ACK)) == BH_TCP_SYN;
}

/* Initial state of a connection opened by pkt. */
static __always_inline __u8 bh_ct_initial(const struct bh_pkt *pkt)
{
	if (pkt->ip_proto != BH_IPPROTO_TCP)
		return BH_CT_OPEN;
	return bh_tcp_is_syn(pkt) ? BH_CT_SYN_SENT : BH_CT_ESTABLISHED;
}

/* Advance the state with a packet in direction dir; flags_seen is the OR of
 * the direction's flags including this packet. Writes only on a change so
 * that established packets leave the entry's state alone. */
static __always_inline void bh_ct_advance(struct bh_flow *f, int dir,
					  const struct bh_pkt *pkt)
{
	__u8 st = f->ct_state, nst = st, fl = pkt->tcp_flags;
	int from_init = dir == bh_flow_init_dir(f);

	if (pkt->ip_proto != BH_IPPROTO_TCP) {
		if (st == BH_CT_OPEN && !from_init)
			nst = BH_CT_ESTABLISHED;
	} else if (fl & BH_TCP_RST) {
		nst = BH_CT_CLOSED;
	} else if (fl & BH_TCP_FIN) {
		nst = (f->tcp_flags[dir ^ 1] & BH_TCP_FIN) ? BH_CT_CLOSED :
							     BH_CT_CLOSING;
		if (st == BH_CT_CLOSED)
			nst = st;
	} else if (st == BH_CT_SYN_SENT && !from_init &&
		   (fl & (BH_TCP_SYN | BH_TCP_ACK)) ==
			   (BH_TCP_SYN | BH_TCP_ACK)) {
		nst = BH_CT_SYN_RECV;
	} else if (st == BH_CT_SYN_RECV && from_init && (fl & BH_TCP_ACK) &&
		   !(fl & BH_TCP_SYN)) {
		nst = BH_CT_ESTABLISHED;
	}
	if (nst != st)
		f->ct_state = nst;
}

#endif /* BH_CT_H */
