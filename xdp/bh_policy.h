/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Identity lookup and policy decision, for both targets (DESIGN.md
 * decisions 2, 3, 5). Map layout: "Compiled policy maps" in
 * bulkhead_abi.h. At most 2 identity lookups per address, 1 bitmap for the
 * source, 3 port lookups and 1 bitmap for the destination, 1 rule: every
 * one an O(1) hash/array lookup or an LPM lookup of bounded depth.
 */
#ifndef BH_POLICY_H
#define BH_POLICY_H

#include "bh_parse.h"
#include "bh_target.h"
#include "bh_work.h"

/* Identity of addr under the policy in slot: exact address, else the
 * longest CIDR (external groups, workload subnets), else world. */
static __always_inline void bh_identity_lookup(struct bh_env *env, __u32 slot,
					       const struct bh_slot_cfg *sc,
					       const union bh_addr *addr,
					       struct bh_identity_info *out)
{
	struct bh_id_exact_key ek;
	struct bh_id_cidr_key ck;
	const struct bh_identity_info *info;

	ek.slot = slot;
	ek.addr = *addr;
	info = bh_t_lookup(env, bh_id_exact, &ek);
	if (!info) {
		ck.prefixlen = 8 + 128;
		ck.slot = (__u8)slot;
		bh_memcpy(ck.addr, addr->b, 16);
		ck.pad[0] = ck.pad[1] = ck.pad[2] = 0;
		info = bh_t_lookup(env, bh_id_cidr, &ck);
	}
	*out = info ? *info : sc->world;
}

/* Effective mode: the destination's override, else the source's, else the
 * policy's global mode (docs/policy-language.md). */
static __always_inline __u8 bh_mode_of(const struct bh_slot_cfg *sc,
				       const struct bh_identity_info *src,
				       const struct bh_identity_info *dst)
{
	if (dst->flags & BH_IDF_MODE_SET)
		return (dst->flags & BH_IDF_AUDIT) ? BH_MODE_AUDIT :
						     BH_MODE_ENFORCE;
	if (src->flags & BH_IDF_MODE_SET)
		return (src->flags & BH_IDF_AUDIT) ? BH_MODE_AUDIT :
						     BH_MODE_ENFORCE;
	return sc->mode;
}

/* Verdict of a packet that policy (or conntrack) refuses, under mode. */
static __always_inline __u8 bh_refuse(__u8 mode)
{
	return mode == BH_MODE_AUDIT ? BH_VERDICT_AUDIT : BH_VERDICT_DENY;
}

/* Index of the lowest set bit of a non-zero word, without a ctz
 * instruction (BPF has none). */
static __always_inline __u32 bh_ctz64(__u64 x)
{
	__u32 n = 0;

	if (!(x & 0xffffffffULL)) {
		n += 32;
		x >>= 32;
	}
	if (!(x & 0xffff)) {
		n += 16;
		x >>= 16;
	}
	if (!(x & 0xff)) {
		n += 8;
		x >>= 8;
	}
	if (!(x & 0xf)) {
		n += 4;
		x >>= 4;
	}
	if (!(x & 0x3)) {
		n += 2;
		x >>= 2;
	}
	if (!(x & 0x1))
		n += 1;
	return n;
}

/* Bitmap of the rules whose destination side covers (dst_class, proto,
 * port): exact port, else a range/any-port LPM entry of the protocol, else
 * an entry for any protocol. */
static __always_inline const struct bh_rule_bitmap *
bh_dst_bitmap(struct bh_env *env, __u32 slot, __u32 dst_class, __u8 proto,
	      __u16 port)
{
	struct bh_port_key pk;
	struct bh_port_lpm_key lk;
	struct bh_bitmap_key bk;
	const struct bh_port_val *pv;

	pk.slot = slot;
	pk.dst_class = dst_class;
	pk.port = port;
	pk.proto = proto;
	pk.pad = 0;
	pv = bh_t_lookup(env, bh_port_exact, &pk);
	if (!pv) {
		lk.prefixlen = 48 + 16;
		lk.slot = (__u8)slot;
		lk.dst_class[0] = (__u8)(dst_class >> 24);
		lk.dst_class[1] = (__u8)(dst_class >> 16);
		lk.dst_class[2] = (__u8)(dst_class >> 8);
		lk.dst_class[3] = (__u8)dst_class;
		lk.proto = proto;
		lk.port[0] = (__u8)(port >> 8);
		lk.port[1] = (__u8)port;
		pv = bh_t_lookup(env, bh_port_lpm, &lk);
		if (!pv) {
			lk.proto = BH_PROTO_ANY;
			pv = bh_t_lookup(env, bh_port_lpm, &lk);
		}
	}
	if (!pv)
		return NULL;
	bk.slot = slot;
	bk.index = pv->bitmap;
	return bh_t_lookup(env, bh_bitmaps, &bk);
}

/* Decide a new flow src -> dst (proto, port; ICMP: type) under the policy
 * in slot. Deny beats allow: rules are numbered deny-first, so the lowest
 * bit of S & D decides. */
static __always_inline void bh_policy_decide(struct bh_env *env, __u32 slot,
					     const struct bh_slot_cfg *sc,
					     const struct bh_identity_info *src,
					     const struct bh_identity_info *dst,
					     __u8 proto, __u16 port,
					     struct bh_decision *dec)
{
	const struct bh_rule_bitmap *S, *D;
	const struct bh_rule *rule;
	struct bh_bitmap_key bk;
	__u32 n_words = sc->n_words, i, bit = BH_MAX_RULES, idx;
	__u8 mode = bh_mode_of(sc, src, dst);

	dec->rule_id = 0;
	dec->log = 0;
	dec->pad = 0;

	bk.slot = slot;
	bk.index = src->src_bitmap;
	S = bh_t_lookup(env, bh_bitmaps, &bk);
	D = S ? bh_dst_bitmap(env, slot, dst->dst_class, proto, port) : NULL;
	if (S && D) {
		for (i = 0; i < BH_RULE_WORDS; i++) {
			__u64 m;

			if (i >= n_words)
				break;
			m = S->w[i] & D->w[i];
			if (m) {
				bit = i * 64 + bh_ctz64(m);
				break;
			}
		}
	}
	if (bit < BH_MAX_RULES) {
		idx = slot * BH_MAX_RULES + bit;
		rule = bh_t_lookup(env, bh_rules, &idx);
		if (rule) {
			dec->rule_id = rule->rule_id;
			dec->log = !!(rule->flags & BH_RULEF_LOG);
			if (rule->action == BH_ACTION_ALLOW) {
				dec->verdict = BH_VERDICT_ALLOW;
				dec->reason = BH_REASON_NONE;
			} else {
				dec->verdict = bh_refuse(mode);
				dec->reason = BH_REASON_POLICY_DENIED;
			}
			return;
		}
	}
	if (sc->default_action == BH_ACTION_ALLOW) {
		dec->verdict = BH_VERDICT_ALLOW;
		dec->reason = BH_REASON_NONE;
	} else {
		dec->verdict = bh_refuse(mode);
		dec->reason = BH_REASON_DEFAULT_DENY;
	}
}

/* Port the policy matches for a packet: the destination port, or the ICMP
 * type for ICMP and ICMPv6. */
static __always_inline __u16 bh_policy_port(const struct bh_pkt *pkt)
{
	if (pkt->ip_proto == BH_IPPROTO_ICMP ||
	    pkt->ip_proto == BH_IPPROTO_ICMPV6)
		return pkt->icmp_type;
	return pkt->dport;
}

#endif /* BH_POLICY_H */
