/* SPDX-License-Identifier: GPL-2.0-only */
/* Names for the collector (identities, workloads, rules) from a compiled
 * policy: the one source of names for telemetry, in the daemon and in
 * replay. */
#ifndef BH_RESOLVER_H
#define BH_RESOLVER_H

#include "bh_compiled.h"
#include "collector.h"

struct bh_policy_resolver;

/* cp must outlive the resolver. generation is reported for every epoch
 * (a replay has one policy; the daemon makes a new resolver per reload). */
int bh_policy_resolver_new(struct bh_policy_resolver **out,
			   const struct bh_compiled_policy *cp,
			   __u32 generation);
void bh_policy_resolver_free(struct bh_policy_resolver **r);
const struct bh_collector_resolver *
bh_policy_resolver_get(struct bh_policy_resolver *r);

#endif /* BH_RESOLVER_H */
