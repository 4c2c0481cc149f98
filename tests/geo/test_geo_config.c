// SPDX-License-Identifier: GPL-2.0-only
/* The `geoip:` configuration section from YAML (src/geo/geo_yaml.c):
 * every key, relative paths, nulls, and every error with its
 * file:line:column; the loader for a node of a bigger document, as the
 * daemon calls it. */
#include "bh_test.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "geo_config.h"

#define SEC 1000000000ull

static void test_all_keys(void **state)
{
	static const char yaml[] =
	    "geoip:\n"
	    "  city_db: /var/lib/GeoIP/GeoLite2-City.mmdb\n"
	    "  asn_db: GeoLite2-ASN.mmdb\n"
	    "  cache_size: 1K\n"
	    "  novelty:\n"
	    "    enabled: false\n"
	    "    baseline: 2h\n"
	    "    aggregate: 90s\n"
	    "    max_identities: 100\n"
	    "    max_countries: 10\n"
	    "    max_asns: 20\n"
	    "    max_pending: 30\n"
	    "    upload_bytes: 2M\n"
	    "    upload_ratio: 8\n";
	struct bh_geo_config c;
	char err[512] = "";

	(void)state;
	bh_geo_config_init(&c);
	assert_int_equal(bh_geo_config_load_buf(&c, yaml, sizeof(yaml) - 1,
						"/etc/bulkhead/bulkhead.yaml",
						err, sizeof(err)),
			 0);
	assert_string_equal(c.city_db, "/var/lib/GeoIP/GeoLite2-City.mmdb");
	/* relative to the configuration's directory */
	assert_string_equal(c.asn_db, "/etc/bulkhead/GeoLite2-ASN.mmdb");
	assert_int_equal(c.cache_entries, 1024);
	assert_false(c.novelty.enabled);
	assert_int_equal(c.novelty.baseline_ns, 7200 * SEC);
	assert_int_equal(c.novelty.aggregate_ns, 90 * SEC);
	assert_int_equal(c.novelty.max_identities, 100);
	assert_int_equal(c.novelty.max_countries, 10);
	assert_int_equal(c.novelty.max_asns, 20);
	assert_int_equal(c.novelty.max_pending, 30);
	assert_int_equal(c.novelty.upload_bytes, 2 << 20);
	assert_int_equal(c.novelty.upload_ratio, 8);
}

/* Numbers of the shared grammar (parse_num.h): leading zeros are decimal,
 * a bare duration is seconds, compound durations and every size suffix. */
static void test_numbers(void **state)
{
	static const struct {
		const char *key, *value;
		int ret;
		__u64 want;
	} cases[] = {
	    {"geoip.cache_size", "010", 0, 10},
	    {"geoip.cache_size", "16K", 0, 16384},
	    {"geoip.cache_size", "16KiB", 0, 16384},
	    {"geoip.cache_size", "16KB", 0, 16000},
	    {"geoip.cache_size", "16M", 0, 16777216},
	    {"geoip.cache_size", "17M", -ERANGE, 0},
	    {"geoip.cache_size", "1k", -EINVAL, 0},
	    {"geoip.novelty.baseline", "10", 0, 10 * SEC},
	    {"geoip.novelty.baseline", "1h30m", 0, 5400 * SEC},
	    {"geoip.novelty.baseline", "2d12h", 0, 216000 * SEC},
	    {"geoip.novelty.baseline", "1.5h", -EINVAL, 0},
	    {"geoip.novelty.baseline", "300000d", -ERANGE, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bh_geo_config c;
		const char *why = NULL;
		__u64 got;
		int ret;

		bh_geo_config_init(&c);
		ret = bh_geo_config_set(&c, cases[i].key, cases[i].value, &why);
		got = cases[i].key[6] == 'c' ? c.cache_entries
					     : c.novelty.baseline_ns;
		if (ret != cases[i].ret || (!ret && got != cases[i].want))
			fail_msg("%s=%s: want %d %llu, got %d %llu (%s)",
				 cases[i].key, cases[i].value, cases[i].ret,
				 (unsigned long long)cases[i].want, ret,
				 (unsigned long long)got, why ? why : "");
		if (ret && !why)
			fail_msg("%s=%s: refused without a reason",
				 cases[i].key, cases[i].value);
	}
}

/* Values are applied over what is there; an empty section or an empty
 * value (null) for a database path leaves or switches off. */
static void test_over_defaults_and_nulls(void **state)
{
	static const char *const off[] = {
	    "geoip:\n  city_db:\n", "geoip:\n  city_db: ~\n",
	    "geoip:\n  city_db: null\n", "geoip:\n  city_db: ''\n"};
	struct bh_geo_config c, d;
	char err[256];
	size_t i;

	(void)state;
	bh_geo_config_init(&c);
	snprintf(c.city_db, sizeof(c.city_db), "/x/city.mmdb");
	c.novelty.baseline_ns = 600 * SEC; /* e.g. replay's learning */
	d = c;
	assert_int_equal(bh_geo_config_load_buf(&c, "geoip:\n", 7, "a.yaml",
						err, sizeof(err)),
			 0);
	assert_memory_equal(&c, &d, sizeof(c));
	assert_int_equal(bh_geo_config_load_buf(&c, "geoip: {}\n", 10, "a.yaml",
						err, sizeof(err)),
			 0);
	assert_memory_equal(&c, &d, sizeof(c));
	for (i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		c = d;
		assert_int_equal(
		    bh_geo_config_load_buf(&c, off[i], strlen(off[i]),
					   "/etc/b.yaml", err, sizeof(err)),
		    0);
		assert_string_equal(c.city_db, "");
		assert_int_equal(c.novelty.baseline_ns, 600 * SEC);
	}
	/* a quoted "~" is a file name */
	c = d;
	assert_int_equal(bh_geo_config_load_buf(&c, "geoip:\n  asn_db: '~'\n",
						21, "b.yaml", err, sizeof(err)),
			 0);
	assert_string_equal(c.asn_db, "~");
}

struct bad_case {
	const char *yaml;
	const char *want; /* the whole message */
};

static const struct bad_case bad_cases[] = {
    {"geoip:\n  city_db: a\n  bogus: 1\n",
     "f.yaml:3:3: geoip.bogus: unknown key (geoip: city_db, asn_db, "
     "cache_size, novelty; novelty: enabled, baseline, aggregate, "
     "max_identities, max_countries, max_asns, max_pending, upload_bytes, "
     "upload_ratio)"},
    {"geoip:\n  novelty:\n    baseline: 10 days\n",
     "f.yaml:3:15: geoip.novelty.baseline: not a duration: a number with a "
     "unit ms, s, m, h or d (\"24h\", \"1h30m\"), or seconds (got '10 "
     "days')"},
    {"geoip:\n  novelty:\n    baseline: 0x10s\n",
     "f.yaml:3:15: geoip.novelty.baseline: not a duration: a number with a "
     "unit ms, s, m, h or d (\"24h\", \"1h30m\"), or seconds (got "
     "'0x10s')"},
    {"geoip:\n  cache_size: 0x10\n",
     "f.yaml:2:15: geoip.cache_size: not a number (optional suffix K, M or "
     "G) (got '0x10')"},
    {"geoip:\n  novelty:\n    baseline: 0s\n",
     "f.yaml:3:15: geoip.novelty.baseline: must be longer than 0 (got "
     "'0s')"},
    {"geoip:\n  cache_size: -1\n",
     "f.yaml:2:15: geoip.cache_size: not a non-negative number (got '-1')"},
    {"geoip:\n  cache_size: 99999999999\n",
     "f.yaml:2:15: geoip.cache_size: out of range (got '99999999999')"},
    {"geoip:\n  novelty:\n    enabled: maybe\n",
     "f.yaml:3:14: geoip.novelty.enabled: not a boolean (true or false) "
     "(got 'maybe')"},
    {"geoip:\n  novelty:\n    max_pending:\n",
     "f.yaml:3:17: geoip.novelty.max_pending: expected a value"},
    {"geoip:\n  novelty: 5\n",
     "f.yaml:2:12: geoip.novelty: expected a mapping"},
    {"geoip:\n  city_db: [a, b]\n",
     "f.yaml:2:12: geoip.city_db: expected a value, not a list"},
    {"geoip:\n  cache_size: {a: 1}\n",
     "f.yaml:2:15: geoip.cache_size: expected a value, not a mapping"},
    {"geoip:\n  asn_db: a\n  asn_db: b\n",
     "f.yaml:3:3: geoip: duplicate key 'asn_db'"},
    {"geoip:\n  novelty:\n    max_asns: 1\n    max_asns: 2\n",
     "f.yaml:4:5: geoip.novelty: duplicate key 'max_asns'"},
    {"geoip: [1]\n", "f.yaml:1:8: geoip: expected a mapping"},
    {"geoip:\n  [a]: 1\n", "f.yaml:2:3: geoip: expected a key"},
    {"detect: {}\n",
     "f.yaml:1:1: (root): unknown key 'detect' (this file holds only "
     "geoip:)"},
    {"geoip: {}\ngeoip: {}\n", "f.yaml:2:1: (root): duplicate key 'geoip'"},
    {"- geoip\n", "f.yaml:1:1: (root): expected a mapping with geoip:"},
    {"{}\n", "f.yaml:1:1: (root): no geoip: section"},
    {"", "f.yaml:1:1: empty document"},
    {"geoip:\n  city_db: 'open\n",
     "f.yaml:3:1: found unexpected end of stream while "
     "scanning a quoted scalar"},
};

/* Every error names file:line:column and the key, and leaves the
 * configuration as it was. */
static void test_errors(void **state)
{
	struct bh_geo_config c, d;
	char err[512];
	size_t i;

	(void)state;
	bh_geo_config_init(&d);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *t = &bad_cases[i];

		c = d;
		err[0] = '\0';
		assert_int_equal(
		    bh_geo_config_load_buf(&c, t->yaml, strlen(t->yaml),
					   "f.yaml", err, sizeof(err)),
		    -EINVAL);
		if (strcmp(err, t->want))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
				 t->want);
		assert_memory_equal(&c, &d, sizeof(c));
	}
	/* all or nothing: a good key before a bad one is not applied */
	c = d;
	assert_int_equal(
	    bh_geo_config_load_buf(&c, "geoip:\n  cache_size: 8\n  x: 1\n", 30,
				   "f.yaml", err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(c.cache_entries, d.cache_entries);
	/* a path that would be too long once joined */
	{
		static char yaml[BH_GEO_PATH_SIZE + 64];
		char rel[BH_GEO_PATH_SIZE - 100], name[200];

		memset(rel, 'r', sizeof(rel) - 1);
		rel[sizeof(rel) - 1] = '\0';
		memset(name, 'd', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		name[0] = name[150] = '/';
		snprintf(yaml, sizeof(yaml), "geoip:\n  city_db: %s\n", rel);
		assert_int_equal(bh_geo_config_load_buf(&c, yaml, strlen(yaml),
							name, err, sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, ":2:12: geoip.city_db: path too "
					    "long"));
	}
}

/* As the daemon does it: its own document, the value node of `geoip:`. */
static void test_load_node(void **state)
{
	static const char yaml[] = "policy: p.yaml\n"
				   "interfaces: [eth0]\n"
				   "geoip:\n"
				   "  asn_db: asn.mmdb\n"
				   "  novelty: {aggregate: 2m}\n";
	struct bh_geo_config c;
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_pair_t *p;
	yaml_node_t *root, *geo = NULL;
	char err[256];

	(void)state;
	assert_true(yaml_parser_initialize(&parser));
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml,
				     sizeof(yaml) - 1);
	assert_true(yaml_parser_load(&parser, &doc));
	root = yaml_document_get_root_node(&doc);
	for (p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++)
		if (!strcmp((char *)yaml_document_get_node(&doc, p->key)
				->data.scalar.value,
			    "geoip"))
			geo = yaml_document_get_node(&doc, p->value);
	assert_non_null(geo);
	bh_geo_config_init(&c);
	assert_int_equal(bh_geo_config_load_node(&c, &doc, geo,
						 "/etc/bulkhead/bulkhead.yaml",
						 err, sizeof(err)),
			 0);
	assert_string_equal(c.asn_db, "/etc/bulkhead/asn.mmdb");
	assert_int_equal(c.novelty.aggregate_ns, 120 * SEC);
	assert_int_equal(
	    bh_geo_config_load_node(&c, &doc, NULL, "x", err, sizeof(err)),
	    -EINVAL);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
}

static void test_file(void **state)
{
	char path[] = "/tmp/bh-geo-config-XXXXXX", err[512];
	struct bh_geo_config c;
	FILE *fp;
	int fd;

	(void)state;
	bh_geo_config_init(&c);
	assert_int_equal(bh_geo_config_load_file(&c, "/nonexistent/g.yaml", err,
						 sizeof(err)),
			 -ENOENT);
	assert_string_equal(err,
			    "/nonexistent/g.yaml: cannot open: No such file "
			    "or directory");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs("geoip:\n  city_db: c.mmdb\n  cache_size: 0\n", fp);
	fclose(fp);
	assert_int_equal(bh_geo_config_load_file(&c, path, err, sizeof(err)),
			 0);
	assert_string_equal(c.city_db, "/tmp/c.mmdb");
	assert_int_equal(c.cache_entries, 0);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_keys),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_over_defaults_and_nulls),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_load_node),
	    cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
