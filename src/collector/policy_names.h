/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The collector's resolver backed by a compiled policy (bh_compiled.h):
 * identity -> kind, name and "key=value" labels, address -> workload name,
 * rule_id -> rule name, epoch -> policy generation. One per loaded policy;
 * it must outlive the polls that use it.
 */
#ifndef BH_POLICY_NAMES_H
#define BH_POLICY_NAMES_H

#include "bh_compiled.h"
#include "collector.h"

struct bh_policy_names;

/* cp must stay valid while the names are used. generation is the one the
 * loader reported for cp, first_epoch the data-plane epoch it came in
 * with: flows decided under an earlier epoch get no generation. */
int bh_policy_names_new(struct bh_policy_names **out,
			const struct bh_compiled_policy *cp, __u32 generation,
			__u32 first_epoch);
void bh_policy_names_free(struct bh_policy_names **n);

/* A resolver over n (iface left unset). */
void bh_policy_names_resolver(struct bh_policy_names *n,
			      struct bh_collector_resolver *out);

#endif /* BH_POLICY_NAMES_H */
