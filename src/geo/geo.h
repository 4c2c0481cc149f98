/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GeoIP/ASN enrichment of external endpoints from MaxMind DB files
 * (GeoLite2, GeoIP2, DB-IP lite), read with libmaxminddb.
 *
 * Two optional databases: a country or city database and an ASN database.
 * A database that is not configured or whose file does not exist turns its
 * half of the enrichment off with one log line; a corrupt file or a file of
 * the wrong type is an error naming the file, at open and at reload, and a
 * failed reload keeps the databases in force.
 *
 * Lookups go through a bounded set-associative cache (LRU within a set,
 * negative results cached too) that allocates nothing on the hot path and
 * is invalidated by a reload.
 *
 * Not thread-safe: one thread looks up and reloads (the collector's), or the
 * caller serialises.
 */
#ifndef BH_GEO_H
#define BH_GEO_H

#include <stdbool.h>
#include <stddef.h>

#include "bulkhead_abi.h"
#include "geo_config.h"

/* Field sizes, NUL included. Longer names are cut at a UTF-8 character
 * boundary (longest city name in GeoLite2: about 60 bytes). */
#define BH_GEO_CC_SIZE		 4 /* ISO 3166-1 alpha-2 code */
#define BH_GEO_COUNTRY_NAME_SIZE 48
#define BH_GEO_CITY_SIZE	 64
#define BH_GEO_ORG_SIZE		 96

/* bh_geo_info.flags: which fields were found. */
#define BH_GEO_F_COUNTRY      0x01 /* country (ISO code) */
#define BH_GEO_F_COUNTRY_NAME 0x02 /* English country name */
#define BH_GEO_F_CITY	      0x04 /* English city name */
#define BH_GEO_F_ASN	      0x08 /* autonomous system number */
#define BH_GEO_F_ORG	      0x10 /* autonomous system organisation */

struct bh_geo_info {
	__u32 flags; /* BH_GEO_F_*; 0: the address is in no database */
	__u32 asn;
	char country[BH_GEO_CC_SIZE];
	char country_name[BH_GEO_COUNTRY_NAME_SIZE];
	char city[BH_GEO_CITY_SIZE];
	char as_org[BH_GEO_ORG_SIZE];
};

/* Counters since bh_geo_open(); lookups = cache_hits + cache_misses. */
struct bh_geo_stats {
	__u64 lookups; /* bh_geo_lookup() with a database open */
	__u64 found;   /* lookups that found at least one field */
	__u64 cache_hits;
	__u64 cache_misses;
	__u64 cache_evictions; /* valid entries replaced by another address */
	__u64 db_lookups;      /* libmaxminddb lookups, both databases */
	__u64 db_errors; /* libmaxminddb errors in lookups (corrupt data) */
	__u64 reloads;	 /* successful reloads */
	__u64 reload_failures; /* reloads refused, old databases kept */
	__u32 cache_entries;   /* cache capacity (0: no cache) */
	__u32 pad;
};

/* Which database, for bh_geo_db_info(). */
enum bh_geo_db_kind {
	BH_GEO_DB_CITY = 0, /* country or city */
	BH_GEO_DB_ASN = 1,
	BH_GEO_DB_MAX,
};

/* Description of an open database (bh_geo_db_info). */
struct bh_geo_db_desc {
	bool open;
	const char *path;	   /* as configured */
	const char *database_type; /* metadata, e.g. "GeoLite2-City" */
	__u64 build_epoch;	   /* metadata: seconds since 1970 */
	__u32 node_count;
	__u16 ip_version; /* 4 or 6 */
	__u16 record_size;
};

struct bh_geo;

/* Open the databases cfg names (cfg->city_db, cfg->asn_db; either may be
 * empty or name a missing file: that half is then off, with one log line).
 * Returns 0 with *out set, also when both are off (every lookup then finds
 * nothing), or -errno after a pr_warn naming the file: -EBADMSG corrupt,
 * -EMEDIUMTYPE wrong database type, -EACCES etc. unreadable. */
int bh_geo_open(struct bh_geo **out, const struct bh_geo_config *cfg);

/* Open cfg's databases anew and switch to them, then close the old ones
 * and empty the cache. All or nothing: on any error (logged, naming the
 * file) the databases in force stay and -errno is returned. A configured
 * file that has gone missing is such an error while a database of that
 * kind is open (a half-done update must not switch enrichment off); an
 * empty path closes that database. The cache keeps its size unless
 * cfg->cache_entries changed. */
int bh_geo_reload(struct bh_geo *g, const struct bh_geo_config *cfg);

void bh_geo_free(struct bh_geo **g);

/* True when at least one database is open. NULL-safe. */
bool bh_geo_enabled(const struct bh_geo *g);

/* Look up an address (IPv4 stored IPv4-mapped, as everywhere in bulkhead).
 * Returns 0 when at least one field was found, -ENOENT when none was (the
 * address is in no database, or enrichment is off, or g is NULL: *out is
 * then zeroed), -EINVAL on NULL arguments. Allocation-free. */
int bh_geo_lookup(struct bh_geo *g, const union bh_addr *addr,
		  struct bh_geo_info *out);

/* Counters; zeroed when g is NULL. */
void bh_geo_get_stats(const struct bh_geo *g, struct bh_geo_stats *st);

/* Describe the open database of a kind (desc->open false when none). */
void bh_geo_db_info(const struct bh_geo *g, enum bh_geo_db_kind kind,
		    struct bh_geo_db_desc *desc);

/* Only endpoints outside the cluster are enriched: the world identity and
 * named external CIDR groups (decision: in-cluster addresses are private
 * and never in a GeoIP database; looking them up only fills the cache). */
static inline bool bh_geo_identity_is_external(__u32 identity, __u8 kind)
{
	return identity == BH_ID_WORLD || kind == BH_KIND_EXTERNAL;
}

/* Copy a name from a database into dst (size bytes, NUL included) as
 * valid UTF-8 that is safe to print and to put in a protobuf string: a
 * byte that starts no valid sequence and a control character become '?',
 * and a name too long is cut before a whole character. Returns the length
 * written. */
size_t bh_geo_copy_name(char *dst, size_t size, const char *src, size_t len);

/* Address helpers, also for the CLI and tests. */
bool bh_geo_addr_is_v4(const union bh_addr *a);
/* Parse an IPv4 or IPv6 literal into a (IPv4-mapped) bh_addr: 0 or
 * -EINVAL. */
int bh_geo_addr_parse(const char *s, union bh_addr *out);

#endif /* BH_GEO_H */
