/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The collector's names (identity, workload by address) remembered for a
 * replay: it asks for them with every record and interim view, hundreds of
 * thousands of times for a few hundred names, and the policy's own lookups
 * search (the CIDRs one by one). The policy does not change during a
 * replay, so an answer stays right; direct-mapped tables, what another key
 * takes is asked again.
 */
#ifndef BH_REPLAY_RESOLVER_CACHE_H
#define BH_REPLAY_RESOLVER_CACHE_H

#include "collector.h"

struct bh_resolver_cache;

/* A resolver answering as in, from memory where it can: *out, to give the
 * collector; in must outlive the cache. */
int bh_resolver_cache_new(struct bh_resolver_cache **out,
			  const struct bh_collector_resolver *in,
			  struct bh_collector_resolver *res);
void bh_resolver_cache_free(struct bh_resolver_cache **c);

#endif /* BH_REPLAY_RESOLVER_CACHE_H */
