/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A compiled policy as the map entries of one policy slot: the single
 * translation used by both the native engine and the kernel loader, so
 * that the two targets cannot disagree on key layout.
 */
#ifndef BH_NATIVE_POLICY_ENTRIES_H
#define BH_NATIVE_POLICY_ENTRIES_H

#include "bh_compiled.h"
#include "bulkhead_abi.h"

/* Policy maps, named after the BPF maps. */
enum bh_pmap {
	BH_PMAP_ID_EXACT,
	BH_PMAP_ID_CIDR,
	BH_PMAP_PORT_EXACT,
	BH_PMAP_PORT_LPM,
	BH_PMAP_BITMAPS,
	BH_PMAP_RULES,
	BH_PMAP_MAX,
};

/* BPF map name of a policy map ("bh_id_exact"...). */
const char *bh_pmap_name(enum bh_pmap m);

/* Called once per entry; a non-zero return stops the walk and is
 * returned. */
typedef int (*bh_pentry_cb)(void *ctx, enum bh_pmap map, const void *key,
			    const void *val);

/* Check that cp fits the ABI limits (rules, bitmap words, indexes); 0 or
 * -EINVAL/-E2BIG with a message naming what is wrong. */
int bh_policy_entries_check(const struct bh_compiled_policy *cp);

/* Every entry of cp for slot (0 or 1). */
int bh_policy_entries(const struct bh_compiled_policy *cp, __u32 slot,
		      bh_pentry_cb cb, void *ctx);

/* Key of an address entry (an endpoint) in slot: prefixlen 128 fills *ek
 * and returns BH_PMAP_ID_EXACT, a shorter prefix fills *ck (IPv4 as
 * IPv4-mapped, 96 + v4 prefix) and returns BH_PMAP_ID_CIDR. */
enum bh_pmap bh_pentry_addr_key(__u32 slot, const union bh_addr *addr,
				__u8 prefixlen, struct bh_id_exact_key *ek,
				struct bh_id_cidr_key *ck);

/* Slot of a policy map key (every key starts with it; rules: index). */
__u32 bh_pentry_slot(enum bh_pmap map, const void *key);

#endif /* BH_NATIVE_POLICY_ENTRIES_H */
