// SPDX-License-Identifier: GPL-2.0-only
/* A compiled policy as map entries (see policy_entries.h). */
#include "policy_entries.h"

#include <errno.h>
#include <string.h>

#include "log.h"

const char *bh_pmap_name(enum bh_pmap m)
{
	static const char *const names[BH_PMAP_MAX] = {
		[BH_PMAP_ID_EXACT] = "bh_id_exact",
		[BH_PMAP_ID_CIDR] = "bh_id_cidr",
		[BH_PMAP_PORT_EXACT] = "bh_port_exact",
		[BH_PMAP_PORT_LPM] = "bh_port_lpm",
		[BH_PMAP_BITMAPS] = "bh_bitmaps",
		[BH_PMAP_RULES] = "bh_rules",
	};

	return m < BH_PMAP_MAX ? names[m] : "?";
}

int bh_policy_entries_check(const struct bh_compiled_policy *cp)
{
	size_t i;

	if (cp->n_rules > BH_MAX_RULES) {
		pr_warn("policy: %zu rules, at most %d fit the data plane\n",
			cp->n_rules, BH_MAX_RULES);
		return -E2BIG;
	}
	if (cp->hdr.n_rules != cp->n_rules || cp->hdr.n_deny > cp->n_rules ||
	    cp->hdr.n_words != (cp->n_rules + 63) / 64) {
		pr_warn("policy: header says %u rules (%u deny, %u words) but "
			"the policy has %zu rules\n",
			cp->hdr.n_rules, cp->hdr.n_deny, cp->hdr.n_words,
			cp->n_rules);
		return -EINVAL;
	}
	for (i = 0; i < cp->n_rules; i++) {
		if ((i < cp->hdr.n_deny) !=
		    (cp->rules[i].action == BH_ACTION_DENY)) {
			pr_warn("policy: rule %zu (%s) breaks deny-first "
				"numbering (n_deny %u)\n",
				i, cp->rules[i].name ? cp->rules[i].name : "?",
				cp->hdr.n_deny);
			return -EINVAL;
		}
	}
	/* Bits past n_rules would reach rule entries the policy does not
	 * write (a previous policy's, in the same slot). */
	for (i = 0; i < cp->n_bitmaps; i++) {
		size_t wi;

		for (wi = 0; wi < BH_RULE_WORDS; wi++) {
			__u64 valid = 0;

			if (wi * 64 + 64 <= cp->n_rules)
				continue;
			if (wi * 64 < cp->n_rules)
				valid = (1ULL << (cp->n_rules - wi * 64)) - 1;
			if (cp->bitmaps[i].w[wi] & ~valid) {
				pr_warn("policy: bitmap %zu has bits past rule "
					"%zu\n",
					i, cp->n_rules);
				return -EINVAL;
			}
		}
	}
	for (i = 0; i < cp->n_ports; i++) {
		if (cp->ports[i].prefixlen > 16 ||
		    cp->ports[i].bitmap >= cp->n_bitmaps) {
			pr_warn("policy: port entry %zu: bad prefix length %u "
				"or bitmap %u (of %zu)\n",
				i, cp->ports[i].prefixlen, cp->ports[i].bitmap,
				cp->n_bitmaps);
			return -EINVAL;
		}
	}
	for (i = 0; i < cp->n_cidrs; i++) {
		if (cp->cidrs[i].prefixlen > 128) {
			pr_warn("policy: CIDR entry %zu: prefix length %u\n", i,
				cp->cidrs[i].prefixlen);
			return -EINVAL;
		}
	}
	return 0;
}

enum bh_pmap bh_pentry_addr_key(__u32 slot, const union bh_addr *addr,
				__u8 prefixlen, struct bh_id_exact_key *ek,
				struct bh_id_cidr_key *ck)
{
	if (prefixlen >= 128) {
		memset(ek, 0, sizeof(*ek));
		ek->slot = slot;
		ek->addr = *addr;
		return BH_PMAP_ID_EXACT;
	}
	memset(ck, 0, sizeof(*ck));
	ck->prefixlen = 8 + prefixlen;
	ck->slot = (__u8)slot;
	memcpy(ck->addr, addr->b, 16);
	return BH_PMAP_ID_CIDR;
}

static int bh_entries_addr(const struct bh_cp_addr *a, __u32 slot,
			   bh_pentry_cb cb, void *ctx)
{
	struct bh_id_exact_key ek;
	struct bh_id_cidr_key ck;
	enum bh_pmap m;

	m = bh_pentry_addr_key(slot, &a->addr, a->prefixlen, &ek, &ck);
	return cb(ctx, m, m == BH_PMAP_ID_EXACT ? (void *)&ek : (void *)&ck,
		  &a->info);
}

static int bh_entries_addrs(const struct bh_compiled_policy *cp, __u32 slot,
			    bh_pentry_cb cb, void *ctx)
{
	size_t i;
	int err;

	for (i = 0; i < cp->n_exact; i++) {
		err = bh_entries_addr(&cp->exact[i], slot, cb, ctx);
		if (err)
			return err;
	}
	for (i = 0; i < cp->n_cidrs; i++) {
		err = bh_entries_addr(&cp->cidrs[i], slot, cb, ctx);
		if (err)
			return err;
	}
	return 0;
}

static int bh_entries_ports(const struct bh_compiled_policy *cp, __u32 slot,
			    bh_pentry_cb cb, void *ctx)
{
	const struct bh_cp_port *pe;
	struct bh_port_lpm_key lk;
	struct bh_port_key pk;
	struct bh_port_val pv;
	__u16 port;
	size_t i;
	int err;

	for (i = 0; i < cp->n_ports; i++) {
		pe = &cp->ports[i];
		pv.bitmap = pe->bitmap;
		if (pe->prefixlen == 16 && pe->proto != BH_PROTO_ANY) {
			memset(&pk, 0, sizeof(pk));
			pk.slot = slot;
			pk.dst_class = pe->dst_class;
			pk.port = pe->port;
			pk.proto = pe->proto;
			err = cb(ctx, BH_PMAP_PORT_EXACT, &pk, &pv);
		} else {
			port = pe->prefixlen ?
				       pe->port & (__u16)(0xffff << (16 - pe->prefixlen)) :
				       0;
			memset(&lk, 0, sizeof(lk));
			lk.prefixlen = 48 + pe->prefixlen;
			lk.slot = (__u8)slot;
			lk.dst_class[0] = (__u8)(pe->dst_class >> 24);
			lk.dst_class[1] = (__u8)(pe->dst_class >> 16);
			lk.dst_class[2] = (__u8)(pe->dst_class >> 8);
			lk.dst_class[3] = (__u8)pe->dst_class;
			lk.proto = pe->proto;
			lk.port[0] = (__u8)(port >> 8);
			lk.port[1] = (__u8)port;
			err = cb(ctx, BH_PMAP_PORT_LPM, &lk, &pv);
		}
		if (err)
			return err;
	}
	return 0;
}

int bh_policy_entries(const struct bh_compiled_policy *cp, __u32 slot,
		      bh_pentry_cb cb, void *ctx)
{
	struct bh_bitmap_key bk;
	struct bh_rule rule;
	__u32 idx;
	size_t i;
	int err;

	if (slot > 1)
		return -EINVAL;
	err = bh_policy_entries_check(cp);
	if (err)
		return err;
	err = bh_entries_addrs(cp, slot, cb, ctx);
	if (err)
		return err;
	err = bh_entries_ports(cp, slot, cb, ctx);
	if (err)
		return err;
	for (i = 0; i < cp->n_bitmaps; i++) {
		bk.slot = slot;
		bk.index = (__u32)i;
		err = cb(ctx, BH_PMAP_BITMAPS, &bk, &cp->bitmaps[i]);
		if (err)
			return err;
	}
	for (i = 0; i < cp->n_rules; i++) {
		memset(&rule, 0, sizeof(rule));
		rule.rule_id = (__u32)i + 1;
		rule.action = cp->rules[i].action;
		rule.flags = cp->rules[i].flags;
		idx = slot * BH_MAX_RULES + (__u32)i;
		err = cb(ctx, BH_PMAP_RULES, &idx, &rule);
		if (err)
			return err;
	}
	return 0;
}

__u32 bh_pentry_slot(enum bh_pmap map, const void *key)
{
	__u32 v;

	switch (map) {
	case BH_PMAP_ID_CIDR:
		return ((const struct bh_id_cidr_key *)key)->slot;
	case BH_PMAP_PORT_LPM:
		return ((const struct bh_port_lpm_key *)key)->slot;
	case BH_PMAP_RULES:
		memcpy(&v, key, 4);
		return v / BH_MAX_RULES;
	default:
		/* bh_id_exact_key, bh_port_key, bh_bitmap_key: __u32 slot
		 * first. */
		memcpy(&v, key, 4);
		return v;
	}
}
