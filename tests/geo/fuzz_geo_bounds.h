/* SPDX-License-Identifier: GPL-2.0-only */
/* What every accepted geoip configuration must satisfy, for the fuzzers of
 * its values and of its YAML section. */
#ifndef BH_FUZZ_GEO_BOUNDS_H
#define BH_FUZZ_GEO_BOUNDS_H

#include <stdbool.h>

#include "geo_config.h"

static inline bool bh_fuzz_geo_in_bounds(const struct bh_geo_config *c)
{
	return c->cache_entries <= BH_GEO_CACHE_MAX && c->novelty.baseline_ns &&
	       c->novelty.max_identities && c->novelty.max_countries &&
	       c->novelty.max_asns && c->novelty.max_pending &&
	       c->novelty.upload_ratio && !c->city_db[BH_GEO_PATH_SIZE - 1] &&
	       !c->asn_db[BH_GEO_PATH_SIZE - 1];
}

#endif /* BH_FUZZ_GEO_BOUNDS_H */
