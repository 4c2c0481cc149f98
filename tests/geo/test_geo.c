// SPDX-License-Identifier: GPL-2.0-only
/* GeoIP/ASN enrichment (src/geo/geo.c, geo_cache.c, geo_config.c) on
 * databases built from the JSON files in tests/geo/data/ at build time. */
#include "bh_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <maxminddb.h>

#include "geo.h"
#include "log.h"

#define DB(name) BH_GEO_TEST_DB_DIR "/" name ".mmdb"

static char tmpdir[] = "/tmp/bh-test-geo-XXXXXX";

/* ---- helpers ----------------------------------------------------------- */

static void cfg_with(struct bh_geo_config *cfg, const char *city,
		     const char *asn)
{
	bh_geo_config_init(cfg);
	snprintf(cfg->city_db, sizeof(cfg->city_db), "%s", city ? city : "");
	snprintf(cfg->asn_db, sizeof(cfg->asn_db), "%s", asn ? asn : "");
	cfg->hash_seed = 42;
}

static union bh_addr addr(const char *s)
{
	union bh_addr a;

	assert_int_equal(bh_geo_addr_parse(s, &a), 0);
	return a;
}

/* stderr into a file, to check what the log says. */
static int saved_stderr = -1;
static char log_path[64];

static void log_capture(void)
{
	int fd;

	snprintf(log_path, sizeof(log_path), "%s/log", tmpdir);
	fflush(stderr);
	saved_stderr = dup(2);
	fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	dup2(fd, 2);
	close(fd);
}

/* Stop capturing; returns what was logged (static buffer). */
static const char *log_release(void)
{
	static char buf[8192];
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	f = fopen(log_path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	fprintf(stderr, "%s", buf); /* still shown in the test output */
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static const char *tmp_path(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

/* ---- lookups ----------------------------------------------------------- */

struct lookup_case {
	const char *ip;
	int ret;
	__u32 flags;
	const char *country;
	const char *country_name;
	const char *city;
	__u32 asn;
	const char *org;
};

#define F_CC (BH_GEO_F_COUNTRY | BH_GEO_F_COUNTRY_NAME)
#define F_AS (BH_GEO_F_ASN | BH_GEO_F_ORG)

static const struct lookup_case city_asn_cases[] = {
    /* the /24 inside the /16, both databases */
    {"198.51.100.7", 0, F_CC | BH_GEO_F_CITY | F_AS, "FR", "France", "Paris",
     64501, "Example Hosting SAS"},
    /* the /16 around it */
    {"198.51.7.1", 0, F_CC | BH_GEO_F_CITY | F_AS, "DE", "Germany", "Berlin",
     64500, "Example Transit GmbH"},
    {"198.51.255.255", 0, F_CC | BH_GEO_F_CITY | F_AS, "DE", "Germany",
     "Berlin", 64500, "Example Transit GmbH"},
    /* IPv4-mapped IPv6 literal: the same as IPv4 */
    {"::ffff:198.51.100.7", 0, F_CC | BH_GEO_F_CITY | F_AS, "FR", "France",
     "Paris", 64501, "Example Hosting SAS"},
    /* ASN without organisation */
    {"203.0.113.9", 0, F_CC | BH_GEO_F_CITY | BH_GEO_F_ASN, "JP", "Japan",
     "Tokyo", 64502, ""},
    /* no city; not in the ASN database */
    {"192.0.2.1", 0, F_CC, "US", "United States", "", 0, ""},
    /* UTF-8 city */
    {"100.64.3.4", 0, F_CC | BH_GEO_F_CITY, "CH", "Switzerland", "Zürich", 0,
     ""},
    /* city without country */
    {"100.66.0.1", 0, BH_GEO_F_CITY, "", "", "Nowhere", 0, ""},
    /* registered country only */
    {"100.67.200.1", 0, F_CC, "DK", "Denmark", "", 0, ""},
    /* IPv6: /48 inside the /32 */
    {"2001:db8:100::1", 0, F_CC | BH_GEO_F_CITY | F_AS, "SE", "Sweden",
     "Stockholm", 4200000000u, "Example IPv6 Networks B.V."},
    {"2001:db8:5::1", 0, F_CC | F_AS, "NL", "Netherlands", "", 4200000000u,
     "Example IPv6 Networks B.V."},
    /* misses */
    {"2001:db9::1", -ENOENT, 0, "", "", "", 0, ""},
    {"8.8.8.8", -ENOENT, 0, "", "", "", 0, ""},
    {"10.1.2.3", -ENOENT, 0, "", "", "", 0, ""},
    {"::", -ENOENT, 0, "", "", "", 0, ""},
    {"255.255.255.255", -ENOENT, 0, "", "", "", 0, ""},
};

static void check_case(struct bh_geo *g, const struct lookup_case *c)
{
	union bh_addr a = addr(c->ip);
	struct bh_geo_info info;
	int ret;

	memset(&info, 0xa5, sizeof(info));
	ret = bh_geo_lookup(g, &a, &info);
	if (ret != c->ret || info.flags != c->flags)
		fail_msg("%s: ret %d flags 0x%x, want %d 0x%x", c->ip, ret,
			 info.flags, c->ret, c->flags);
	assert_string_equal(info.country, c->country);
	assert_string_equal(info.country_name, c->country_name);
	assert_string_equal(info.city, c->city);
	assert_int_equal(info.asn, c->asn);
	assert_string_equal(info.as_org, c->org);
}

static void run_cases(struct bh_geo *g, const struct lookup_case *cases,
		      size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check_case(g, &cases[i]);
}

static void test_lookup_city_asn(void **state)
{
	size_t n = sizeof(city_asn_cases) / sizeof(city_asn_cases[0]);
	struct bh_geo_config cfg;
	struct bh_geo_stats st;
	struct bh_geo *g = NULL;

	(void)state;
	cfg_with(&cfg, DB("city"), DB("asn"));
	assert_int_equal(bh_geo_open(&g, &cfg), 0);
	assert_true(bh_geo_enabled(g));
	run_cases(g, city_asn_cases, n);
	/* twice: the second round comes from the cache, same answers */
	run_cases(g, city_asn_cases, n);
	bh_geo_get_stats(g, &st);
	assert_int_equal(st.lookups, 2 * n);
	assert_int_equal(st.cache_misses + st.cache_hits, st.lookups);
	/* "::ffff:198.51.100.7" is the same key as "198.51.100.7" */
	assert_int_equal(st.cache_misses, n - 1);
	assert_int_equal(st.db_lookups, 2 * (n - 1));
	assert_int_equal(st.db_errors, 0);
	assert_int_equal(st.found, 2 * 11);
	bh_geo_free(&g);
	assert_null(g);
	bh_geo_free(&g); /* NULL-safe */
}

/* The same answers without a cache: libmaxminddb on every lookup. */
static void test_lookup_no_cache(void **state)
{
	size_t n = sizeof(city_asn_cases) / sizeof(city_asn_cases[0]);
	struct bh_geo_config cfg;
	struct bh_geo_stats st;
	struct bh_geo *g = NULL;

	(void)state;
	cfg_with(&cfg, DB("city"), DB("asn"));
	cfg.cache_entries = 0;
	assert_int_equal(bh_geo_open(&g, &cfg), 0);
	run_cases(g, city_asn_cases, n);
	run_cases(g, city_asn_cases, n);
	bh_geo_get_stats(g, &st);
	assert_int_equal(st.cache_entries, 0);
	assert_int_equal(st.cache_hits, 0);
	assert_int_equal(st.cache_misses, 2 * n);
	assert_int_equal(st.db_lookups, 4 * n);
	bh_geo_free(&g);
}

/* A long name is cut at a UTF-8 character boundary, never inside one. */
static void test_long_name_truncated(void **state)
{
	static const char full[] =
	    "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"
	    "llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"
	    " Ünïcödé";
	union bh_addr a = addr("100.65.1.1");
	struct bh_geo_config cfg;
	struct bh_geo_info info;
	struct bh_geo *g = NULL;
	size_t len;

	(void)state;
	cfg_with(&cfg, DB("city"), NULL);
	assert_int_equal(bh_geo_open(&g, &cfg), 0);
	assert_int_equal(bh_geo_lookup(g, &a, &info), 0);
	len = strlen(info.city);
	assert_true(len > 0 && len < BH_GEO_CITY_SIZE);
	assert_memory_equal(info.city, full, len);
	assert_true(((unsigned char)full[len] & 0xc0) != 0x80);
	bh_geo_free(&g);
}

/* Names come out as valid UTF-8 without control characters. */
static void test_copy_name(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		size_t size;
		const char *out;
	} cases[] = {
	    {"Paris", 5, 64, "Paris"},
	    {"Z\xc3\xbcrich", 7, 64, "Z\xc3\xbcrich"},
	    {"Z\xc3\xbcrich", 7, 3, "Z"}, /* not inside the char */
	    {"Z\xc3\xbcrich", 7, 4, "Z\xc3\xbc"},
	    {"a\tb\x7f", 4, 64, "a?b?"},	 /* control characters */
	    {"a\xff" "b", 3, 64, "a?b"},		 /* invalid byte */
	    {"a\xc3", 2, 64, "a?"},		 /* sequence cut short */
	    {"\xc0\xaf", 2, 64, "??"},		 /* overlong "/" */
	    {"\xed\xa0\x80", 3, 64, "???"},	 /* surrogate */
	    {"\xf4\x90\x80\x80", 4, 64, "????"}, /* past U+10FFFF */
	    {"\xf0\x9f\x8c\x8d!", 5, 64, "\xf0\x9f\x8c\x8d!"},
	    {"ab\0cd", 5, 64, "ab?cd"}, /* NUL inside */
	    {"abc", 3, 1, ""},
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = bh_geo_copy_name(buf, cases[i].size, cases[i].in,
					    cases[i].len);

		if (strcmp(buf, cases[i].out) || n != strlen(cases[i].out))
			fail_msg("case %zu: got '%s' (%zu)", i, buf, n);
	}
}

/* An address built by hand as IPv4-mapped, and the v4 test. */
static void test_ipv4_mapped(void **state)
{
	union bh_addr a = {.b = {[10] = 0xff,
				 [11] = 0xff,
				 [12] = 198,
				 [13] = 51,
				 [14] = 100,
				 [15] = 9}};
	union bh_addr v6 = addr("2001:db8::1");
	struct bh_geo_config cfg;
	struct bh_geo_info info;
	struct bh_geo *g = NULL;

	(void)state;
	assert_true(bh_geo_addr_is_v4(&a));
	assert_false(bh_geo_addr_is_v4(&v6));
	assert_int_equal(bh_geo_addr_parse("198.51.100.300", &v6), -EINVAL);
	assert_int_equal(bh_geo_addr_parse("", &v6), -EINVAL);
	cfg_with(&cfg, DB("city"), NULL);
	assert_int_equal(bh_geo_open(&g, &cfg), 0);
	assert_int_equal(bh_geo_lookup(g, &a, &info), 0);
	assert_string_equal(info.country, "FR");
	assert_int_equal(bh_geo_lookup(g, NULL, &info), -EINVAL);
	assert_int_equal(bh_geo_lookup(g, &a, NULL), -EINVAL);
	bh_geo_free(&g);
}

/* An IPv4-only database: IPv4 found at its root, IPv6 a plain miss. */
static void test_ipv4_only_db(void **state)
{
	static const struct lookup_case cases[] = {
	    {"198.51.100.1", 0, F_CC, "FR", "France", "", 0, ""},
	    {"203.0.113.200", 0, F_CC, "KR", "South Korea", "", 0, ""},
	    {"203.0.113.1", -ENOENT, 0, "", "", "", 0, ""},
	    {"2001:db8::1", -ENOENT, 0, "", "", "", 0, ""},
	    {"::ffff:203.0.113.129", 0, F_CC, "KR", "South Korea", "", 0, ""},
	};
	struct bh_geo_db_desc desc;
	struct bh_geo_config cfg;
	struct bh_geo_stats st;
	struct bh_geo *g = NULL;

	(void)state;
	cfg_with(&cfg, DB("country-v4"), NULL);
	assert_int_equal(bh_geo_open(&g, &cfg), 0);
	run_cases(g, cases, sizeof(cases) / sizeof(cases[0]));
	bh_geo_get_stats(g, &st);
	assert_int_equal(st.db_errors, 0);
	bh_geo_db_info(g, BH_GEO_DB_CITY, &desc);
	assert_true(desc.open);
	assert_int_equal(desc.ip_version, 4);
	assert_int_equal(desc.record_size, 32);
	assert_string_equal(desc.database_type, "DBIP-Country-Lite");
	assert_string_equal(desc.path, DB("country-v4"));
	bh_geo_db_info(g, BH_GEO_DB_ASN, &desc);
	assert_false(desc.open);
	bh_geo_free(&g);
}

/* ---- absent, corrupt, wrong type --------------------------------------- */

/* Not configured, or configured and missing: that half is off, one log
 * line each, never a failure. */
static void test_absent(void **state)
{
	union bh_addr a = addr("198.51.100.7");
	struct bh_geo_config cfg;
	struct bh_geo_info info;
	struct bh_geo *g = NULL;
	const char *log;
	int ret;

	(void)state;
	bh_log_set_level(BH_LOG_INFO);
	cfg_with(&cfg, "/nonexistent/GeoLite2-City.mmdb", DB("asn"));
	log_capture();
	ret = bh_geo_open(&g, &cfg);
	log = log_release();
	assert_int_equal(ret, 0);
	assert_non_null(
	    strstr(log, "/nonexistent/GeoLite2-City.mmdb does not exist"));
	assert_non_null(strstr(log, "country/city enrichment off"));
	assert_true(bh_geo_enabled(g));
	assert_int_equal(bh_geo_lookup(g, &a, &info), 0);
	assert_int_equal(info.flags, F_AS);
	assert_int_equal(info.asn, 64501);
	bh_geo_free(&g);

	cfg_with(&cfg, NULL, NULL);
	log_capture();
	ret = bh_geo_open(&g, &cfg);
	log = log_release();
	assert_int_equal(ret, 0);
	assert_int_equal(count_lines(log), 2);
	assert_non_null(
	    strstr(log, "no country/city database configured (geoip.city_db)"));
	assert_non_null(
	    strstr(log, "no ASN database configured (geoip.asn_db)"));
	assert_false(bh_geo_enabled(g));
	assert_int_equal(bh_geo_lookup(g, &a, &info), -ENOENT);
	assert_int_equal(info.flags, 0);
	bh_geo_free(&g);

	/* No instance at all (enrichment never set up): a miss. */
	assert_false(bh_geo_enabled(NULL));
	assert_int_equal(bh_geo_lookup(NULL, &a, &info), -ENOENT);
	bh_log_set_level(BH_LOG_WARN);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	if (len)
		assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* A copy of a database with n bytes at off overwritten by val. */
static void damage_copy(const char *from, const char *to, long off, size_t n,
			int val)
{
	unsigned char junk[256];
	FILE *f;

	copy_file(from, to);
	memset(junk, val, sizeof(junk));
	f = fopen(to, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, off, SEEK_SET), 0);
	assert_int_equal(fwrite(junk, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Where the data section starts: after the search tree and 16 zero bytes. */
static long data_section_offset(const char *path)
{
	MMDB_s m;
	long off;

	assert_int_equal(MMDB_open(path, MMDB_MODE_MMAP, &m), MMDB_SUCCESS);
	off = (long)m.metadata.node_count * m.metadata.record_size / 4 + 16;
	MMDB_close(&m);
	return off;
}

static void truncate_copy(const char *from, const char *to, double frac)
{
	struct stat sb;

	copy_file(from, to);
	assert_int_equal(stat(to, &sb), 0);
	assert_int_equal(truncate(to, (off_t)(sb.st_size * frac)), 0);
}

/* Expect bh_geo_open() to fail with err and to log the file's name and
 * the given words. */
static void expect_open_error(const char *city, const char *asn, int err,
			      const char *file, const char *words)
{
	struct bh_geo_config cfg;
	struct bh_geo *g = NULL;
	const char *log;
	int ret;

	cfg_with(&cfg, city, asn);
	log_capture();
	ret = bh_geo_open(&g, &cfg);
	log = log_release();
	assert_int_equal(ret, err);
	assert_null(g);
	if (!strstr(log, file) || !strstr(log, words))
		fail_msg("log does not name '%s' and '%s': %s", file, words,
			 log);
}

static void test_corrupt(void **state)
{
	static const char garbage[] = "this is not a MaxMind DB file\n";
	const char *p;

	(void)state;
	p = tmp_path("garbage.mmdb");
	write_bytes(p, garbage, sizeof(garbage));
	expect_open_error(p, NULL, -EBADMSG, p, "invalid metadata");

	p = tmp_path("empty.mmdb");
	write_bytes(p, "", 0);
	expect_open_error(NULL, p, -EBADMSG, p, "not a valid MaxMind DB");

	/* cut in the middle: the metadata at the end is gone */
	p = tmp_path("half.mmdb");
	truncate_copy(DB("city"), p, 0.5);
	expect_open_error(p, DB("asn"), -EBADMSG, p, "not a valid MaxMind DB");

	/* search tree overwritten: records point past the data section */
	p = tmp_path("tree.mmdb");
	damage_copy(DB("city"), p, 0, 64, 0xff);
	expect_open_error(p, NULL, -EBADMSG, p, "is corrupt");

	/* data section damaged: found by decoding records at open */
	p = tmp_path("data.mmdb");
	damage_copy(DB("city"), p, data_section_offset(DB("city")), 48, 0xff);
	expect_open_error(p, NULL, -EBADMSG, p, "is corrupt");

	/* a directory, and a file we may not read */
	expect_open_error(tmpdir, NULL, -EINVAL, tmpdir, "not a regular file");
	if (geteuid() != 0) {
		p = tmp_path("noread.mmdb");
		copy_file(DB("asn"), p);
		assert_int_equal(chmod(p, 0), 0);
		expect_open_error(NULL, p, -EACCES, p, "Permission denied");
	}
}

static void test_wrong_type(void **state)
{
	struct bh_geo_config cfg;
	struct bh_geo *g = NULL;

	(void)state;
	/* an ASN database given as the city database, and the reverse */
	expect_open_error(
	    DB("asn"), NULL, -EMEDIUMTYPE, DB("asn"),
	    "'GeoLite2-ASN' database, not a country/city database");
	expect_open_error(NULL, DB("city"), -EMEDIUMTYPE, DB("city"),
			  "'GeoLite2-City' database, not an ASN database");
	expect_open_error(DB("other-type"), NULL, -EMEDIUMTYPE,
			  DB("other-type"), "geoip.city_db");
	/* DB-IP lite naming is accepted */
	cfg_with(&cfg, DB("country-v4"), DB("dbip-asn"));
	assert_int_equal(bh_geo_open(&g, &cfg), 0);
	bh_geo_free(&g);
}

/* ---- reload ------------------------------------------------------------ */

static void test_reload(void **state)
{
	union bh_addr jp = addr("203.0.113.200"), fr = addr("198.51.100.7");
	const char *live = tmp_path("live-city.mmdb");
	struct bh_geo_config cfg;
	struct bh_geo_info info;
	struct bh_geo_stats st;
	struct bh_geo *g = NULL;
	const char *log;
	int ret;

	(void)state;
	copy_file(DB("city"), live);
	cfg_with(&cfg, live, DB("asn"));
	assert_int_equal(bh_geo_open(&g, &cfg), 0);
	assert_int_equal(bh_geo_lookup(g, &jp, &info), 0);
	assert_string_equal(info.country, "JP");

	/* good -> bad: refused, naming the file; the old database stays */
	write_bytes(tmp_path("bad.mmdb"), "junk", 4);
	cfg_with(&cfg, tmp_path("bad.mmdb"), DB("asn"));
	log_capture();
	ret = bh_geo_reload(g, &cfg);
	log = log_release();
	assert_int_equal(ret, -EBADMSG);
	assert_non_null(strstr(log, tmp_path("bad.mmdb")));
	assert_int_equal(bh_geo_lookup(g, &jp, &info), 0);
	assert_string_equal(info.country, "JP");
	assert_int_equal(info.asn, 64502);

	/* a wrong type in one half refuses the whole reload */
	cfg_with(&cfg, DB("country-v4"), DB("city"));
	log_capture();
	ret = bh_geo_reload(g, &cfg);
	log = log_release();
	assert_int_equal(ret, -EMEDIUMTYPE);
	assert_non_null(strstr(log, DB("city")));
	assert_int_equal(bh_geo_lookup(g, &jp, &info), 0);
	assert_string_equal(info.country, "JP");

	/* the open file went missing: refused too, old kept */
	assert_int_equal(unlink(live), 0);
	cfg_with(&cfg, live, DB("asn"));
	log_capture();
	ret = bh_geo_reload(g, &cfg);
	log = log_release();
	assert_int_equal(ret, -ENOENT);
	assert_non_null(strstr(log, live));
	assert_int_equal(bh_geo_lookup(g, &fr, &info), 0);
	assert_string_equal(info.city, "Paris");

	/* good -> good: new answers, the cached JP entry is gone */
	cfg_with(&cfg, DB("country-v4"), DB("asn"));
	assert_int_equal(bh_geo_reload(g, &cfg), 0);
	assert_int_equal(bh_geo_lookup(g, &jp, &info), 0);
	assert_string_equal(info.country, "KR");
	assert_int_equal(info.asn, 64502);

	/* an empty path closes that database */
	cfg_with(&cfg, DB("country-v4"), NULL);
	assert_int_equal(bh_geo_reload(g, &cfg), 0);
	assert_int_equal(bh_geo_lookup(g, &jp, &info), 0);
	assert_int_equal(info.flags, F_CC);

	/* a new cache size takes effect; counters carry over */
	cfg.cache_entries = 64;
	assert_int_equal(bh_geo_reload(g, &cfg), 0);
	bh_geo_get_stats(g, &st);
	assert_int_equal(st.cache_entries, 64);
	assert_int_equal(st.reloads, 3);
	assert_int_equal(st.reload_failures, 3);
	assert_int_equal(st.cache_hits + st.cache_misses, st.lookups);
	assert_int_equal(bh_geo_lookup(g, &fr, &info), 0);
	assert_string_equal(info.country, "FR");
	bh_geo_free(&g);
}

/* ---- cache ------------------------------------------------------------- */

static void test_cache_counts(void **state)
{
	union bh_addr hit = addr("198.51.100.7"), miss = addr("8.8.4.4");
	struct bh_geo_config cfg;
	struct bh_geo_info info;
	struct bh_geo_stats st;
	struct bh_geo *g = NULL;
	char ip[32];
	int i;

	(void)state;
	cfg_with(&cfg, DB("city"), DB("asn"));
	cfg.cache_entries = 8; /* two sets of four */
	assert_int_equal(bh_geo_open(&g, &cfg), 0);
	assert_int_equal(bh_geo_lookup(g, &hit, &info), 0);
	assert_int_equal(bh_geo_lookup(g, &hit, &info), 0);
	/* not found: cached too, the databases are not asked again */
	assert_int_equal(bh_geo_lookup(g, &miss, &info), -ENOENT);
	assert_int_equal(bh_geo_lookup(g, &miss, &info), -ENOENT);
	assert_int_equal(info.flags, 0);
	bh_geo_get_stats(g, &st);
	assert_int_equal(st.cache_entries, 8);
	assert_int_equal(st.cache_hits, 2);
	assert_int_equal(st.cache_misses, 2);
	assert_int_equal(st.cache_evictions, 0);
	assert_int_equal(st.db_lookups, 4); /* 2 addresses x 2 databases */

	/* 100 new addresses through 8 entries */
	for (i = 0; i < 100; i++) {
		snprintf(ip, sizeof(ip), "198.51.%d.%d", i / 10, i % 10 + 1);
		union bh_addr a = addr(ip);

		assert_int_equal(bh_geo_lookup(g, &a, &info), 0);
		assert_string_equal(info.country, "DE");
	}
	bh_geo_get_stats(g, &st);
	assert_int_equal(st.cache_misses, 102);
	/* every set full once 8 addresses are in: the rest evict */
	assert_int_equal(st.cache_evictions, 102 - 8);
	bh_geo_free(&g);
}

/* LRU within a set: with one set of four, the least recently used goes. */
static void test_cache_lru(void **state)
{
	const char *ips[] = {"198.51.1.1", "198.51.1.2", "198.51.1.3",
			     "198.51.1.4", "198.51.1.5"};
	union bh_addr a[5];
	struct bh_geo_config cfg;
	struct bh_geo_info info;
	struct bh_geo_stats st;
	struct bh_geo *g = NULL;
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		a[i] = addr(ips[i]);
	cfg_with(&cfg, DB("city"), NULL);
	cfg.cache_entries = 4;
	assert_int_equal(bh_geo_open(&g, &cfg), 0);
	for (i = 0; i < 4; i++)
		bh_geo_lookup(g, &a[i], &info);
	bh_geo_lookup(g, &a[0], &info); /* a0 now most recent; a1 oldest */
	bh_geo_lookup(g, &a[4], &info); /* evicts a1 */
	bh_geo_get_stats(g, &st);
	assert_int_equal(st.cache_hits, 1);
	assert_int_equal(st.cache_evictions, 1);
	bh_geo_lookup(g, &a[0], &info);
	bh_geo_lookup(g, &a[2], &info);
	bh_geo_lookup(g, &a[3], &info);
	bh_geo_lookup(g, &a[4], &info);
	bh_geo_get_stats(g, &st);
	assert_int_equal(st.cache_hits, 5);
	bh_geo_lookup(g, &a[1], &info); /* was evicted */
	bh_geo_get_stats(g, &st);
	assert_int_equal(st.cache_hits, 5);
	assert_int_equal(st.cache_misses, 6);
	assert_int_equal(st.cache_evictions, 2);
	bh_geo_free(&g);
}

/* ---- configuration keys ------------------------------------------------ */

struct cfg_case {
	const char *key;
	const char *value;
	int ret;
};

static void test_config_keys(void **state)
{
	static const struct cfg_case cases[] = {
	    {"geoip.city_db", "/var/lib/GeoIP/GeoLite2-City.mmdb", 0},
	    {"geoip.asn_db", "", 0},
	    {"geoip.cache_size", "65536", 0},
	    {"geoip.cache_size", "64K", 0},
	    {"geoip.cache_size", "0", 0},
	    {"geoip.cache_size", "-1", -EINVAL},
	    {"geoip.cache_size", "1G", -ERANGE},
	    {"geoip.cache_size", "12x", -EINVAL},
	    {"geoip.novelty.enabled", "false", 0},
	    {"geoip.novelty.enabled", "maybe", -EINVAL},
	    {"geoip.novelty.baseline", "7d", 0},
	    {"geoip.novelty.baseline", "3600", 0}, /* seconds */
	    {"geoip.novelty.baseline", "90m", 0},
	    {"geoip.novelty.baseline", "3600 s", -EINVAL},
	    {"geoip.novelty.baseline", "0x10s", -EINVAL},
	    {"geoip.novelty.baseline", "0s", -ERANGE},
	    {"geoip.novelty.baseline", "99999999999999999999d", -ERANGE},
	    {"geoip.novelty.aggregate", "0s", 0},
	    {"geoip.novelty.max_identities", "0", -ERANGE},
	    {"geoip.novelty.max_identities", "100000", 0},
	    {"geoip.novelty.max_countries", "250", 0},
	    {"geoip.novelty.max_asns", "70000", -ERANGE},
	    {"geoip.novelty.max_pending", "10", 0},
	    {"geoip.novelty.upload_bytes", "10M", 0},
	    {"geoip.novelty.upload_ratio", "3", 0},
	    {"geoip.novelty.upload_ratio", "", -EINVAL},
	    {"geoip.citydb", "x", -ENOENT},
	};
	struct bh_geo_config cfg;
	const char *why;
	size_t i;

	(void)state;
	bh_geo_config_init(&cfg);
	assert_int_equal(cfg.cache_entries, BH_GEO_CACHE_DEFAULT);
	assert_true(cfg.novelty.enabled);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret =
		    bh_geo_config_set(&cfg, cases[i].key, cases[i].value, &why);

		if (ret != cases[i].ret)
			fail_msg("%s=%s: %d, want %d", cases[i].key,
				 cases[i].value, ret, cases[i].ret);
		if (ret)
			assert_non_null(why);
	}
	assert_string_equal(cfg.city_db, "/var/lib/GeoIP/GeoLite2-City.mmdb");
	assert_string_equal(cfg.asn_db, "");
	assert_int_equal(cfg.cache_entries, 0);
	assert_false(cfg.novelty.enabled);
	assert_int_equal(cfg.novelty.baseline_ns, 90ull * 60 * 1000000000);
	assert_int_equal(cfg.novelty.aggregate_ns, 0);
	assert_int_equal(cfg.novelty.max_identities, 100000);
	assert_int_equal(cfg.novelty.max_asns, BH_GEO_NOV_ASNS_DEFAULT);
	assert_int_equal(cfg.novelty.upload_bytes, 10ull << 20);
	assert_int_equal(cfg.novelty.upload_ratio, 3);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lookup_city_asn),
	    cmocka_unit_test(test_lookup_no_cache),
	    cmocka_unit_test(test_long_name_truncated),
	    cmocka_unit_test(test_copy_name),
	    cmocka_unit_test(test_ipv4_mapped),
	    cmocka_unit_test(test_ipv4_only_db),
	    cmocka_unit_test(test_absent),
	    cmocka_unit_test(test_corrupt),
	    cmocka_unit_test(test_wrong_type),
	    cmocka_unit_test(test_reload),
	    cmocka_unit_test(test_cache_counts),
	    cmocka_unit_test(test_cache_lru),
	    cmocka_unit_test(test_config_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
