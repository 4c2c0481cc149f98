// SPDX-License-Identifier: GPL-2.0-only
/* The "geoip.*" configuration keys: names, units, bounds. */
#include "geo_config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse_num.h"

void bh_geo_config_init(struct bh_geo_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cache_entries = BH_GEO_CACHE_DEFAULT;
	cfg->novelty = (struct bh_geo_novelty_config){
	    .enabled = true,
	    .baseline_ns = BH_GEO_NOV_BASELINE_DEFAULT,
	    .aggregate_ns = BH_GEO_NOV_AGGREGATE_DEFAULT,
	    .max_identities = BH_GEO_NOV_IDENTITIES_DEFAULT,
	    .max_countries = BH_GEO_NOV_COUNTRIES_DEFAULT,
	    .max_asns = BH_GEO_NOV_ASNS_DEFAULT,
	    .max_pending = BH_GEO_NOV_PENDING_DEFAULT,
	    .upload_bytes = BH_GEO_NOV_UPLOAD_BYTES_DEFAULT,
	    .upload_ratio = BH_GEO_NOV_UPLOAD_RATIO_DEFAULT,
	};
}

/* The message for a value of the shared grammar refused with err. */
static int geo_refused(const char *v, int err, const char *syntax,
		       const char **why)
{
	if (err == -ERANGE)
		*why = "out of range";
	else if (v[0] < '0' || v[0] > '9')
		*why = "not a non-negative number";
	else
		*why = syntax;
	return err;
}

static int geo_parse_duration(const char *v, __u64 *ns, const char **why)
{
	int err = bh_parse_duration_ns(v, 0, BH_PARSE_DURATION_MAX_NS, ns);

	if (!err)
		return 0;
	return geo_refused(v, err,
			   "not a duration: a number with a unit ms, s, m, "
			   "h or d (\"24h\", \"1h30m\"), or seconds",
			   why);
}

static int geo_parse_count(const char *v, __u64 min, __u64 max, __u64 *out,
			   const char **why)
{
	__u64 n;
	int err = bh_parse_size(v, max, &n);

	if (err)
		return geo_refused(
		    v, err, "not a number (optional suffix K, M or G)", why);
	if (n < min) {
		*why = "out of range";
		return -ERANGE;
	}
	*out = n;
	return 0;
}

static int geo_parse_u32(const char *v, __u32 min, __u32 max, __u32 *out,
			 const char **why)
{
	__u64 n;
	int err;

	err = geo_parse_count(v, min, max, &n, why);
	if (!err)
		*out = (__u32)n;
	return err;
}

static int geo_parse_bool(const char *v, bool *out, const char **why)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off")) {
		*out = false;
		return 0;
	}
	*why = "not a boolean (true or false)";
	return -EINVAL;
}

static int geo_set_path(char *dst, const char *v, const char **why)
{
	if (strlen(v) >= BH_GEO_PATH_SIZE) {
		*why = "path too long";
		return -ERANGE;
	}
	strcpy(dst, v);
	return 0;
}

int bh_geo_config_set(struct bh_geo_config *cfg, const char *key,
		      const char *value, const char **why)
{
	struct bh_geo_novelty_config *nov = &cfg->novelty;
	const char *dummy;
	__u64 n;
	int err;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!cfg || !key || !value) {
		*why = "missing key or value";
		return -EINVAL;
	}
	if (!strcmp(key, "geoip.city_db"))
		return geo_set_path(cfg->city_db, value, why);
	if (!strcmp(key, "geoip.asn_db"))
		return geo_set_path(cfg->asn_db, value, why);
	if (!strcmp(key, "geoip.cache_size"))
		return geo_parse_u32(value, 0, BH_GEO_CACHE_MAX,
				     &cfg->cache_entries, why);
	if (!strcmp(key, "geoip.novelty.enabled"))
		return geo_parse_bool(value, &nov->enabled, why);
	if (!strcmp(key, "geoip.novelty.baseline")) {
		err = geo_parse_duration(value, &n, why);
		if (!err && !n) {
			*why = "must be longer than 0";
			return -ERANGE;
		}
		if (!err)
			nov->baseline_ns = n;
		return err;
	}
	if (!strcmp(key, "geoip.novelty.aggregate"))
		return geo_parse_duration(value, &nov->aggregate_ns, why);
	if (!strcmp(key, "geoip.novelty.max_identities"))
		return geo_parse_u32(value, 1, 1u << 22, &nov->max_identities,
				     why);
	if (!strcmp(key, "geoip.novelty.max_countries"))
		return geo_parse_u32(value, 1, 1024, &nov->max_countries, why);
	if (!strcmp(key, "geoip.novelty.max_asns"))
		return geo_parse_u32(value, 1, 1u << 16, &nov->max_asns, why);
	if (!strcmp(key, "geoip.novelty.max_pending"))
		return geo_parse_u32(value, 1, 1u << 20, &nov->max_pending,
				     why);
	if (!strcmp(key, "geoip.novelty.upload_bytes"))
		return geo_parse_count(value, 1, UINT64_MAX / 1024,
				       &nov->upload_bytes, why);
	if (!strcmp(key, "geoip.novelty.upload_ratio"))
		return geo_parse_u32(value, 1, 1000, &nov->upload_ratio, why);
	*why = "unknown geoip key";
	return -ENOENT;
}
