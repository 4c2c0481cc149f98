/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Settings of the GeoIP/ASN enrichment and of the geo novelty detector, as
 * "geoip.*" keys of the daemon configuration. bh_geo_config_set() knows
 * the names, the units and the bounds of each key; the YAML loaders below
 * walk a `geoip:` section and hand it every key and scalar value.
 */
#ifndef BH_GEO_CONFIG_H
#define BH_GEO_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <linux/types.h>

#define BH_GEO_PATH_SIZE PATH_MAX

/* Defaults, documented in README.md (GeoIP/ASN enrichment). */
#define BH_GEO_CACHE_DEFAULT		16384 /* entries, about 4 MiB */
#define BH_GEO_CACHE_MAX		(1u << 24)
#define BH_GEO_NOV_BASELINE_DEFAULT	(24ull * 3600 * 1000000000)
#define BH_GEO_NOV_IDENTITIES_DEFAULT	16384
#define BH_GEO_NOV_COUNTRIES_DEFAULT	64   /* per identity */
#define BH_GEO_NOV_ASNS_DEFAULT		256  /* per identity */
#define BH_GEO_NOV_PENDING_DEFAULT	1024 /* findings awaiting the engine */
#define BH_GEO_NOV_AGGREGATE_DEFAULT	(60ull * 1000000000)
#define BH_GEO_NOV_UPLOAD_BYTES_DEFAULT (1ull << 20)
#define BH_GEO_NOV_UPLOAD_RATIO_DEFAULT 4

struct bh_geo_novelty_config {
	bool enabled;	      /* geoip.novelty.enabled */
	__u64 baseline_ns;    /* geoip.novelty.baseline: learning period of
			       * each identity, from its first flow */
	__u64 aggregate_ns;   /* geoip.novelty.aggregate: a finding collects
			       * repeats this long before it is reported */
	__u32 max_identities; /* geoip.novelty.max_identities */
	__u32 max_countries;  /* geoip.novelty.max_countries (per identity) */
	__u32 max_asns;	      /* geoip.novelty.max_asns (per identity) */
	__u32 max_pending;    /* geoip.novelty.max_pending */
	__u64 upload_bytes;   /* geoip.novelty.upload_bytes: T1041 when the */
	__u32 upload_ratio;   /* workload sent at least this and ratio times */
	/* what it received (geoip.novelty.upload_ratio) */
};

struct bh_geo_config {
	char city_db[BH_GEO_PATH_SIZE]; /* geoip.city_db: country or city DB */
	char asn_db[BH_GEO_PATH_SIZE];	/* geoip.asn_db */
	__u32 cache_entries; /* geoip.cache_size; 0 turns the cache off */
	__u64 hash_seed;     /* cache hash key; 0: random (tests set it) */
	struct bh_geo_novelty_config novelty;
};

/* Defaults: no database, cache on, novelty detector on. */
void bh_geo_config_init(struct bh_geo_config *cfg);

/* Set one "geoip.*" key from its text value. Durations take a unit
 * (ms, s, m, h, d: "24h"), sizes a plain count, booleans true/false.
 * Returns 0, -ENOENT for a key it does not know (the caller names the file
 * and line), -EINVAL/-ERANGE for a bad value (with *why set to a static
 * reason). */
int bh_geo_config_set(struct bh_geo_config *cfg, const char *key,
		      const char *value, const char **why);

/* YAML. The value node of a `geoip:` key (a mapping; an empty value leaves
 * everything as it is) is applied over the values already in *cfg (start
 * from bh_geo_config_init()), all or nothing. A relative database path is
 * taken relative to the directory of file. `city_db:` with an empty or null
 * value switches that database off. Returns 0, -EINVAL with
 * "FILE:LINE:COLUMN: geoip.KEY: what is wrong" in err (unknown keys, bad
 * values, wrong node types, duplicate keys), or another -errno. The files
 * themselves are not opened here: bh_geo_open() and bh_geo_reload() do. */
struct yaml_document_s;
struct yaml_node_s;
int bh_geo_config_load_node(struct bh_geo_config *cfg,
			    struct yaml_document_s *doc,
			    struct yaml_node_s *node, const char *file,
			    char *err, size_t errlen);
/* A standalone file (or buffer) whose root mapping holds only `geoip:`. */
int bh_geo_config_load_file(struct bh_geo_config *cfg, const char *path,
			    char *err, size_t errlen);
int bh_geo_config_load_buf(struct bh_geo_config *cfg, const char *buf,
			   size_t len, const char *name, char *err,
			   size_t errlen);

#endif /* BH_GEO_CONFIG_H */
