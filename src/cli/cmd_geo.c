// SPDX-License-Identifier: GPL-2.0-only
/* bulkhead geoip: check GeoIP/ASN database files and look addresses up,
 * with the same code the collector enriches flows with. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd_geo.h"
#include "geo.h"
#include "log.h"

static void geo_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: bulkhead geoip info   [--city-db FILE] [--asn-db FILE] [-o "
	    "text|json]\n"
	    "       bulkhead geoip lookup [--city-db FILE] [--asn-db FILE] [-o "
	    "text|json] ADDR...\n"
	    "\n"
	    "Check MaxMind DB files (GeoLite2, GeoIP2, DB-IP lite) as the "
	    "daemon\n"
	    "would open them (geoip.city_db, geoip.asn_db), and look up IPv4 "
	    "or\n"
	    "IPv6 addresses in them.\n"
	    "\n"
	    "Options:\n"
	    "  -c, --city-db FILE  country or city database (e.g. "
	    "GeoLite2-City.mmdb)\n"
	    "  -a, --asn-db FILE   ASN database (e.g. GeoLite2-ASN.mmdb)\n"
	    "  -o, --output FMT    text (default) or json\n"
	    "  -h, --help          show this help\n"
	    "\n"
	    "Exit status: 0 ok, 1 a database is corrupt, unreadable or of the\n"
	    "wrong type, 2 usage error or an address that does not parse.\n");
}

/* JSON string: names from the databases are UTF-8 with control characters
 * already replaced (geo.c), so only quotes and backslashes need escaping. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static void print_db_text(const struct bh_geo_db_desc *d, const char *what)
{
	char date[32] = "?";
	time_t t;

	if (!d->open) {
		printf("%-13s off\n", what);
		return;
	}
	t = (time_t)d->build_epoch;
	strftime(date, sizeof(date), "%Y-%m-%d", gmtime(&t));
	printf("%-13s %s\n", what, d->path);
	printf("  type        %s\n", d->database_type);
	printf("  built       %s\n", date);
	printf("  ip version  %u (record size %u bits, %u nodes)\n",
	       d->ip_version, d->record_size, d->node_count);
}

static void print_db_json(const struct bh_geo_db_desc *d)
{
	if (!d->open) {
		printf("null");
		return;
	}
	printf("{\"path\":");
	json_str(d->path);
	printf(",\"type\":");
	json_str(d->database_type);
	printf(",\"build_epoch\":%llu,\"ip_version\":%u,\"record_size\":%u,"
	       "\"node_count\":%u}",
	       (unsigned long long)d->build_epoch, d->ip_version,
	       d->record_size, d->node_count);
}

static int geo_info(struct bh_geo *g, bool json)
{
	struct bh_geo_db_desc city, asn;

	bh_geo_db_info(g, BH_GEO_DB_CITY, &city);
	bh_geo_db_info(g, BH_GEO_DB_ASN, &asn);
	if (json) {
		printf("{\"city_db\":");
		print_db_json(&city);
		printf(",\"asn_db\":");
		print_db_json(&asn);
		printf(",\"enabled\":%s}\n",
		       bh_geo_enabled(g) ? "true" : "false");
		return BH_EXIT_OK;
	}
	print_db_text(&city, "country/city");
	print_db_text(&asn, "ASN");
	if (!bh_geo_enabled(g))
		printf("enrichment    off (no database)\n");
	return BH_EXIT_OK;
}

static void print_info_json(const char *addr, int ret,
			    const struct bh_geo_info *i)
{
	printf("{\"address\":");
	json_str(addr);
	printf(",\"found\":%s", ret ? "false" : "true");
	if (i->flags & BH_GEO_F_COUNTRY) {
		printf(",\"country\":");
		json_str(i->country);
	}
	if (i->flags & BH_GEO_F_COUNTRY_NAME) {
		printf(",\"country_name\":");
		json_str(i->country_name);
	}
	if (i->flags & BH_GEO_F_CITY) {
		printf(",\"city\":");
		json_str(i->city);
	}
	if (i->flags & BH_GEO_F_ASN)
		printf(",\"asn\":%u", i->asn);
	if (i->flags & BH_GEO_F_ORG) {
		printf(",\"as_org\":");
		json_str(i->as_org);
	}
	printf("}\n");
}

static void print_info_text(const char *addr, int ret,
			    const struct bh_geo_info *i)
{
	printf("%-40s", addr);
	if (ret) {
		printf(" not found\n");
		return;
	}
	if (i->flags & BH_GEO_F_COUNTRY)
		printf(" %s", i->country);
	if (i->flags & BH_GEO_F_COUNTRY_NAME)
		printf(" (%s)", i->country_name);
	if (i->flags & BH_GEO_F_CITY)
		printf(" %s", i->city);
	if (i->flags & BH_GEO_F_ASN)
		printf(" AS%u", i->asn);
	if (i->flags & BH_GEO_F_ORG)
		printf(" %s", i->as_org);
	printf("\n");
}

static int geo_lookup(struct bh_geo *g, bool json, int n, char **addrs)
{
	int i;

	/* All addresses parse before any output: a usage error prints
	 * nothing half-done. */
	for (i = 0; i < n; i++) {
		union bh_addr a;

		if (bh_geo_addr_parse(addrs[i], &a)) {
			fprintf(stderr,
				"bulkhead geoip lookup: '%s' is not an IPv4 or "
				"IPv6 address\n",
				addrs[i]);
			return BH_EXIT_USAGE;
		}
	}
	for (i = 0; i < n; i++) {
		struct bh_geo_info info;
		union bh_addr a;
		int ret;

		bh_geo_addr_parse(addrs[i], &a);
		ret = bh_geo_lookup(g, &a, &info);
		if (json)
			print_info_json(addrs[i], ret, &info);
		else
			print_info_text(addrs[i], ret, &info);
	}
	return BH_EXIT_OK;
}

int do_geoip(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"city-db", required_argument, NULL, 'c'},
	    {"asn-db", required_argument, NULL, 'a'},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct bh_geo_config cfg;
	struct bh_geo *g = NULL;
	bool json = false;
	const char *sub;
	int c, ret;

	bh_geo_config_init(&cfg);
	if (bh_cli_wants_help(argc, argv)) {
		geo_usage(stdout);
		return BH_EXIT_OK;
	}
	if (argc < 2) {
		geo_usage(stderr);
		return BH_EXIT_USAGE;
	}
	sub = argv[1];
	if (strcmp(sub, "info") && strcmp(sub, "lookup")) {
		fprintf(stderr, "bulkhead geoip: unknown subcommand '%s'\n",
			sub);
		geo_usage(stderr);
		return BH_EXIT_USAGE;
	}
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "c:a:o:h", opts, NULL)) !=
	       -1) {
		const char *why = NULL;

		switch (c) {
		case 'c':
		case 'a':
			if (bh_geo_config_set(&cfg,
					      c == 'c' ? "geoip.city_db"
						       : "geoip.asn_db",
					      optarg, &why)) {
				fprintf(stderr, "bulkhead geoip: %s: %s\n",
					optarg, why);
				return BH_EXIT_USAGE;
			}
			break;
		case 'o':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				fprintf(stderr,
					"bulkhead geoip: output format must be "
					"text or json, not '%s'\n",
					optarg);
				return BH_EXIT_USAGE;
			}
			json = !strcmp(optarg, "json");
			break;
		default:
			geo_usage(stderr);
			return BH_EXIT_USAGE;
		}
	}
	optind++; /* index in argv, past the subcommand */
	if (!strcmp(sub, "lookup") && optind >= argc) {
		fprintf(stderr, "bulkhead geoip lookup: no address given\n");
		return BH_EXIT_USAGE;
	}
	if (!strcmp(sub, "info") && optind < argc) {
		fprintf(stderr,
			"bulkhead geoip info: unexpected argument '%s'\n",
			argv[optind]);
		return BH_EXIT_USAGE;
	}
	/* info is a checking tool: say why a database is off. */
	if (!strcmp(sub, "info") && bh_log_get_level() < BH_LOG_INFO)
		bh_log_set_level(BH_LOG_INFO);
	if (bh_geo_open(&g, &cfg))
		return BH_EXIT_FAIL; /* bh_geo_open() said why */
	if (!strcmp(sub, "info"))
		ret = geo_info(g, json);
	else
		ret = geo_lookup(g, json, argc - optind, argv + optind);
	bh_geo_free(&g);
	return ret;
}
