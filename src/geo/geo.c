// SPDX-License-Identifier: GPL-2.0-only
/* GeoIP/ASN enrichment: opening and checking MaxMind DB files, lookups
 * through the cache, reload. */
#include "geo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <stdio.h>

#include <maxminddb.h>

#include "geo_cache.h"
#include "log.h"

/* Data records decoded in full at open: libmaxminddb checks the search
 * tree and the metadata itself, but a damaged data section shows only
 * when a record is decoded. */
#define GEO_PROBE_RECORDS 64

/* Heap-allocated so that a reload swaps pointers, never MMDB_s copies. */
struct geo_db {
	MMDB_s mmdb;
	char path[BH_GEO_PATH_SIZE];
	bool warned; /* a lookup error was logged (once per database) */
};

struct bh_geo {
	struct geo_db *db[BH_GEO_DB_MAX]; /* NULL: that database is off */
	struct bh_geo_cache *cache;
	__u64 seed;
	/* Cache counters of caches retired by a resizing reload are added
	 * here; the live cache's are added when read. */
	struct bh_geo_stats st;
};

static const char *const geo_kind_name[BH_GEO_DB_MAX] = {
    [BH_GEO_DB_CITY] = "country/city",
    [BH_GEO_DB_ASN] = "ASN",
};

static const char *const geo_kind_key[BH_GEO_DB_MAX] = {
    [BH_GEO_DB_CITY] = "geoip.city_db",
    [BH_GEO_DB_ASN] = "geoip.asn_db",
};

static const char *geo_cfg_path(const struct bh_geo_config *cfg,
				enum bh_geo_db_kind kind)
{
	return kind == BH_GEO_DB_CITY ? cfg->city_db : cfg->asn_db;
}

/* database_type names the content: "GeoLite2-City", "GeoIP2-Country",
 * "DBIP-City-Lite", "GeoLite2-ASN", "DBIP-ASN-Lite (compat=GeoLite2-ASN)",
 * "GeoIP2-ISP" (which has the ASN fields too). */
static bool geo_type_fits(enum bh_geo_db_kind kind, const char *type)
{
	if (!type)
		return false;
	if (kind == BH_GEO_DB_CITY)
		return strstr(type, "City") || strstr(type, "Country");
	return strstr(type, "ASN") || strstr(type, "ISP");
}

static void geo_db_free(struct geo_db **db)
{
	if (!*db)
		return;
	MMDB_close(&(*db)->mmdb);
	free(*db);
	*db = NULL;
}

static void geo_close_all(struct geo_db **dbs)
{
	int kind;

	for (kind = 0; kind < BH_GEO_DB_MAX; kind++)
		geo_db_free(&dbs[kind]);
}

/* Walk the search tree (every record must point to a node, to "empty" or
 * into the data section) and decode the first data records. */
static int geo_db_check(struct geo_db *db, const char *what)
{
	MMDB_s *m = &db->mmdb;
	__u32 i, probed = 0;
	int status;

	for (i = 0; i < m->metadata.node_count; i++) {
		MMDB_search_node_s node;
		int side;

		status = MMDB_read_node(m, i, &node);
		if (status != MMDB_SUCCESS)
			goto bad;
		for (side = 0; side < 2; side++) {
			__u8 type = side ? node.right_record_type
					 : node.left_record_type;
			MMDB_entry_s entry = side ? node.right_record_entry
						  : node.left_record_entry;
			MMDB_entry_data_list_s *list = NULL;

			if (type == MMDB_RECORD_TYPE_INVALID) {
				status = MMDB_CORRUPT_SEARCH_TREE_ERROR;
				goto bad;
			}
			if (type != MMDB_RECORD_TYPE_DATA ||
			    probed >= GEO_PROBE_RECORDS)
				continue;
			probed++;
			status = MMDB_get_entry_data_list(&entry, &list);
			MMDB_free_entry_data_list(list);
			if (status != MMDB_SUCCESS)
				goto bad;
		}
	}
	return 0;
bad:
	pr_warn("geoip: %s database %s is corrupt: %s (search tree node %u)\n",
		what, db->path, MMDB_strerror(status), i);
	return -EBADMSG;
}

static const char *geo_date(__u64 epoch, char *buf, size_t size)
{
	time_t t = (time_t)epoch;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d", &tm))
		snprintf(buf, size, "?");
	return buf;
}

/* Open and check one database. -ENOENT (not logged) when the file does not
 * exist; any other error is logged naming the file. */
static int geo_db_open(struct geo_db **out, const char *path,
		       enum bh_geo_db_kind kind)
{
	const char *what = geo_kind_name[kind];
	struct geo_db *db;
	char built[16];
	const char *type;
	struct stat sb;
	int status, err;

	if (strlen(path) >= sizeof(db->path)) {
		pr_warn("geoip: %s database path is too long: %.64s...\n", what,
			path);
		return -ENAMETOOLONG;
	}
	if (stat(path, &sb)) {
		err = -errno;
		if (err != -ENOENT)
			pr_warn("geoip: cannot open %s database %s: %s\n", what,
				path, strerror(-err));
		return err;
	}
	if (!S_ISREG(sb.st_mode)) {
		pr_warn("geoip: %s database %s is not a regular file\n", what,
			path);
		return -EINVAL;
	}
	if (!sb.st_size) {
		pr_warn("geoip: %s database %s is not a valid MaxMind DB file: "
			"the file is empty\n",
			what, path);
		return -EBADMSG;
	}
	db = calloc(1, sizeof(*db));
	if (!db)
		return -ENOMEM;
	strcpy(db->path, path);
	errno = 0;
	status = MMDB_open(path, MMDB_MODE_MMAP, &db->mmdb);
	if (status != MMDB_SUCCESS) {
		if ((status == MMDB_FILE_OPEN_ERROR ||
		     status == MMDB_IO_ERROR) &&
		    errno) {
			err = -errno;
			pr_warn("geoip: cannot open %s database %s: %s: %s\n",
				what, path, MMDB_strerror(status),
				strerror(-err));
		} else {
			pr_warn("geoip: %s database %s is not a valid MaxMind "
				"DB file: %s\n",
				what, path, MMDB_strerror(status));
			err = status == MMDB_OUT_OF_MEMORY_ERROR ? -ENOMEM
								 : -EBADMSG;
		}
		/* MMDB_open() has released what it had allocated. */
		free(db);
		return err;
	}
	type = db->mmdb.metadata.database_type;
	if (!geo_type_fits(kind, type)) {
		pr_warn("geoip: %s is a '%s' database, not %s database "
			"(%s: expected a type containing %s, such as %s)\n",
			path, type ? type : "(no type)",
			kind == BH_GEO_DB_CITY ? "a country/city" : "an ASN",
			geo_kind_key[kind],
			kind == BH_GEO_DB_CITY ? "\"City\" or \"Country\""
					       : "\"ASN\"",
			kind == BH_GEO_DB_CITY
			    ? "GeoLite2-City, GeoLite2-Country, DBIP-City-Lite"
			    : "GeoLite2-ASN, DBIP-ASN-Lite");
		err = -EMEDIUMTYPE;
		goto out_close;
	}
	err = geo_db_check(db, what);
	if (err)
		goto out_close;
	pr_info("geoip: %s database %s: %s, IPv%u, %u nodes, built %s\n", what,
		path, type, db->mmdb.metadata.ip_version,
		db->mmdb.metadata.node_count,
		geo_date(db->mmdb.metadata.build_epoch, built, sizeof(built)));
	*out = db;
	return 0;
out_close:
	geo_db_free(&db);
	return err;
}

/* Open both databases of cfg into dbs[]. Kinds whose file is missing stay
 * closed, unless require[kind] (reload over an open database). */
static int geo_open_all(struct geo_db **dbs, const struct bh_geo_config *cfg,
			const bool *require)
{
	int kind, err;

	for (kind = 0; kind < BH_GEO_DB_MAX; kind++) {
		const char *path = geo_cfg_path(cfg, kind);

		if (!path[0]) {
			pr_info("geoip: no %s database configured (%s): %s "
				"enrichment off\n",
				geo_kind_name[kind], geo_kind_key[kind],
				geo_kind_name[kind]);
			continue;
		}
		err = geo_db_open(&dbs[kind], path, kind);
		if (err == -ENOENT && !require[kind]) {
			/* a warning: the file was asked for */
			pr_warn("geoip: %s database %s does not exist: %s "
				"enrichment off\n",
				geo_kind_name[kind], path, geo_kind_name[kind]);
			continue;
		}
		if (err == -ENOENT)
			pr_warn(
			    "geoip: %s database %s does not exist (any more)\n",
			    geo_kind_name[kind], path);
		if (err)
			goto out_close;
	}
	return 0;
out_close:
	geo_close_all(dbs);
	return err;
}

static __u64 geo_random_seed(void)
{
	__u64 s = 0;

	/* Without entropy the cache still works; only its hash is guessable. */
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != sizeof(s))
		s = (__u64)(uintptr_t)&s ^ 0x5bd1e9955bd1e995ull;
	return s;
}

int bh_geo_open(struct bh_geo **out, const struct bh_geo_config *cfg)
{
	static const bool require[BH_GEO_DB_MAX];
	struct bh_geo *g;
	int err;

	if (!out || !cfg)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->seed = cfg->hash_seed ? cfg->hash_seed : geo_random_seed();
	err = geo_open_all(g->db, cfg, require);
	if (err)
		goto out_free;
	if (cfg->cache_entries) {
		err = bh_geo_cache_new(&g->cache, cfg->cache_entries, g->seed);
		if (err) {
			pr_warn("geoip: cannot allocate a cache of %u entries: "
				"%s\n",
				cfg->cache_entries, strerror(-err));
			goto out_free;
		}
	}
	g->st.cache_entries = bh_geo_cache_capacity(g->cache);
	*out = g;
	return 0;
out_free:
	bh_geo_free(&g);
	return err;
}

/* Free the cache, keeping its counters in the totals. */
static void geo_cache_retire(struct bh_geo *g)
{
	__u64 hits, misses, evictions;

	bh_geo_cache_counters(g->cache, &hits, &misses, &evictions);
	g->st.cache_hits += hits;
	g->st.cache_misses += misses;
	g->st.cache_evictions += evictions;
	bh_geo_cache_free(&g->cache);
}

int bh_geo_reload(struct bh_geo *g, const struct bh_geo_config *cfg)
{
	struct geo_db *fresh[BH_GEO_DB_MAX] = {};
	struct bh_geo_cache *cache = NULL;
	bool require[BH_GEO_DB_MAX];
	__u32 want;
	int kind, err;

	if (!g || !cfg)
		return -EINVAL;
	for (kind = 0; kind < BH_GEO_DB_MAX; kind++)
		require[kind] = g->db[kind] != NULL;
	err = geo_open_all(fresh, cfg, require);
	if (err)
		goto out_fail;
	want = bh_geo_cache_round(cfg->cache_entries);
	if (want != bh_geo_cache_capacity(g->cache) && want) {
		err = bh_geo_cache_new(&cache, cfg->cache_entries, g->seed);
		if (err) {
			pr_warn("geoip: cannot allocate a cache of %u entries: "
				"%s\n",
				cfg->cache_entries, strerror(-err));
			geo_close_all(fresh);
			goto out_fail;
		}
	}
	/* Switch: nothing can fail from here on. */
	geo_close_all(g->db);
	memcpy(g->db, fresh, sizeof(fresh));
	if (want != bh_geo_cache_capacity(g->cache)) {
		geo_cache_retire(g);
		g->cache = cache;
	} else {
		bh_geo_cache_clear(g->cache);
	}
	g->st.cache_entries = bh_geo_cache_capacity(g->cache);
	g->st.reloads++;
	pr_info("geoip: databases reloaded\n");
	return 0;
out_fail:
	g->st.reload_failures++;
	pr_warn("geoip: reload refused, the databases in force stay\n");
	return err;
}

void bh_geo_free(struct bh_geo **g)
{
	if (!g || !*g)
		return;
	geo_close_all((*g)->db);
	bh_geo_cache_free(&(*g)->cache);
	free(*g);
	*g = NULL;
}

bool bh_geo_enabled(const struct bh_geo *g)
{
	return g && (g->db[BH_GEO_DB_CITY] || g->db[BH_GEO_DB_ASN]);
}

bool bh_geo_addr_is_v4(const union bh_addr *a)
{
	return a->w[0] == 0 && a->w[1] == 0 && a->w[2] == htonl(0xffff);
}

int bh_geo_addr_parse(const char *s, union bh_addr *out)
{
	struct in_addr v4;

	if (!s || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &v4) == 1) {
		out->w[2] = htonl(0xffff);
		out->w[3] = v4.s_addr;
		return 0;
	}
	return inet_pton(AF_INET6, s, out->b) == 1 ? 0 : -EINVAL;
}

/* Length of the valid UTF-8 sequence at s (at most avail bytes), or 0.
 * Overlong forms, surrogates and code points past U+10FFFF are invalid. */
static size_t geo_utf8_seq(const __u8 *s, size_t avail)
{
	size_t len, i;
	__u32 cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > avail)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

size_t bh_geo_copy_name(char *dst, size_t size, const char *src, size_t len)
{
	const __u8 *s = (const __u8 *)src;
	size_t i = 0, n = 0, k;

	if (!size)
		return 0;
	while (i < len) {
		k = geo_utf8_seq(s + i, len - i);
		if (k <= 1) {
			/* ASCII, or a byte that starts no valid sequence */
			if (n + 1 > size - 1)
				break;
			dst[n++] = !k || s[i] < 0x20 || s[i] == 0x7f
				       ? '?'
				       : (char)s[i];
			i++;
			continue;
		}
		if (n + k > size - 1)
			break; /* never cut inside a character */
		memcpy(dst + n, s + i, k);
		n += k;
		i += k;
	}
	dst[n] = '\0';
	return n;
}

static void geo_db_error(struct bh_geo *g, struct geo_db *db, int status)
{
	g->st.db_errors++;
	if (db->warned)
		return;
	db->warned = true;
	pr_warn("geoip: lookup in %s failed: %s (counted from now on, not "
		"logged again)\n",
		db->path, MMDB_strerror(status));
}

/* The value at path; true when there is one. A path the record does not
 * have is no error (fields are optional); anything else is counted. */
static bool geo_get_value(struct bh_geo *g, struct geo_db *db, MMDB_entry_s *e,
			  const char *const *path, MMDB_entry_data_s *d)
{
	int status = MMDB_aget_value(e, d, path);

	if (status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
		return false;
	if (status != MMDB_SUCCESS) {
		geo_db_error(g, db, status);
		return false;
	}
	return d->has_data;
}

/* A string at path; true when found. */
static bool geo_get_str(struct bh_geo *g, struct geo_db *db, MMDB_entry_s *e,
			const char *const *path, char *dst, size_t size)
{
	MMDB_entry_data_s d;

	if (!geo_get_value(g, db, e, path, &d) ||
	    d.type != MMDB_DATA_TYPE_UTF8_STRING || !d.data_size)
		return false;
	bh_geo_copy_name(dst, size, d.utf8_string, d.data_size);
	return true;
}

static bool geo_get_uint(struct bh_geo *g, struct geo_db *db, MMDB_entry_s *e,
			 const char *const *path, __u32 *dst)
{
	MMDB_entry_data_s d;

	if (!geo_get_value(g, db, e, path, &d))
		return false;
	switch (d.type) {
	case MMDB_DATA_TYPE_UINT16:
		*dst = d.uint16;
		return true;
	case MMDB_DATA_TYPE_UINT32:
		*dst = d.uint32;
		return true;
	case MMDB_DATA_TYPE_UINT64:
		if (d.uint64 > UINT32_MAX)
			return false; /* not an AS number */
		*dst = (__u32)d.uint64;
		return true;
	}
	return false;
}

static const char *const geo_p_cc[] = {"country", "iso_code", NULL};
static const char *const geo_p_reg_cc[] = {"registered_country", "iso_code",
					   NULL};
static const char *const geo_p_cname[] = {"country", "names", "en", NULL};
static const char *const geo_p_reg_cname[] = {"registered_country", "names",
					      "en", NULL};
static const char *const geo_p_city[] = {"city", "names", "en", NULL};
static const char *const geo_p_asn[] = {"autonomous_system_number", NULL};
static const char *const geo_p_org[] = {"autonomous_system_organization", NULL};

/* The database entry of an address, or false. */
static bool geo_db_find(struct bh_geo *g, struct geo_db *db,
			const union bh_addr *addr, MMDB_entry_s *entry)
{
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	const struct sockaddr *sa;
	MMDB_lookup_result_s r;
	int status;

	/* IPv4 as AF_INET: libmaxminddb then starts at the IPv4 subtree of an
	 * IPv6 database, or at the root of an IPv4-only one. */
	if (bh_geo_addr_is_v4(addr)) {
		sin.sin_addr.s_addr = addr->w[3];
		sa = (const struct sockaddr *)&sin;
	} else {
		if (db->mmdb.metadata.ip_version == 4)
			return false; /* IPv6 is in no IPv4-only database */
		memcpy(&sin6.sin6_addr, addr->b, sizeof(addr->b));
		sa = (const struct sockaddr *)&sin6;
	}
	g->st.db_lookups++;
	r = MMDB_lookup_sockaddr(&db->mmdb, sa, &status);
	if (status != MMDB_SUCCESS) {
		geo_db_error(g, db, status);
		return false;
	}
	if (!r.found_entry)
		return false;
	*entry = r.entry;
	return true;
}

static void geo_lookup_dbs(struct bh_geo *g, const union bh_addr *addr,
			   struct bh_geo_info *out)
{
	struct geo_db *db = g->db[BH_GEO_DB_CITY];
	MMDB_entry_s e;

	memset(out, 0, sizeof(*out));
	if (db && geo_db_find(g, db, addr, &e)) {
		/* registered_country stands in for networks without a
		 * located country (anycast, satellite providers). */
		if (geo_get_str(g, db, &e, geo_p_cc, out->country,
				sizeof(out->country))) {
			out->flags |= BH_GEO_F_COUNTRY;
			if (geo_get_str(g, db, &e, geo_p_cname,
					out->country_name,
					sizeof(out->country_name)))
				out->flags |= BH_GEO_F_COUNTRY_NAME;
		} else if (geo_get_str(g, db, &e, geo_p_reg_cc, out->country,
				       sizeof(out->country))) {
			out->flags |= BH_GEO_F_COUNTRY;
			if (geo_get_str(g, db, &e, geo_p_reg_cname,
					out->country_name,
					sizeof(out->country_name)))
				out->flags |= BH_GEO_F_COUNTRY_NAME;
		}
		if (geo_get_str(g, db, &e, geo_p_city, out->city,
				sizeof(out->city)))
			out->flags |= BH_GEO_F_CITY;
	}
	db = g->db[BH_GEO_DB_ASN];
	if (db && geo_db_find(g, db, addr, &e)) {
		if (geo_get_uint(g, db, &e, geo_p_asn, &out->asn))
			out->flags |= BH_GEO_F_ASN;
		if (geo_get_str(g, db, &e, geo_p_org, out->as_org,
				sizeof(out->as_org)))
			out->flags |= BH_GEO_F_ORG;
	}
}

int bh_geo_lookup(struct bh_geo *g, const union bh_addr *addr,
		  struct bh_geo_info *out)
{
	struct bh_geo_info *slot;
	bool hit;

	if (!addr || !out)
		return -EINVAL;
	if (!bh_geo_enabled(g)) {
		memset(out, 0, sizeof(*out));
		return -ENOENT;
	}
	g->st.lookups++;
	if (g->cache) {
		slot = bh_geo_cache_find(g->cache, addr, &hit);
		if (!hit)
			geo_lookup_dbs(g, addr, slot);
		*out = *slot;
	} else {
		g->st.cache_misses++;
		geo_lookup_dbs(g, addr, out);
	}
	if (!out->flags)
		return -ENOENT;
	g->st.found++;
	return 0;
}

void bh_geo_get_stats(const struct bh_geo *g, struct bh_geo_stats *st)
{
	__u64 hits, misses, evictions;

	memset(st, 0, sizeof(*st));
	if (!g)
		return;
	*st = g->st;
	bh_geo_cache_counters(g->cache, &hits, &misses, &evictions);
	st->cache_hits += hits;
	st->cache_misses += misses;
	st->cache_evictions += evictions;
}

void bh_geo_db_info(const struct bh_geo *g, enum bh_geo_db_kind kind,
		    struct bh_geo_db_desc *desc)
{
	const struct geo_db *db;

	memset(desc, 0, sizeof(*desc));
	if (!g || kind >= BH_GEO_DB_MAX || !g->db[kind])
		return;
	db = g->db[kind];
	desc->open = true;
	desc->path = db->path;
	desc->database_type = db->mmdb.metadata.database_type;
	desc->build_epoch = db->mmdb.metadata.build_epoch;
	desc->node_count = db->mmdb.metadata.node_count;
	desc->ip_version = db->mmdb.metadata.ip_version;
	desc->record_size = db->mmdb.metadata.record_size;
}
