// SPDX-License-Identifier: GPL-2.0-only
/* bulkhead <command> [options]: the subcommand table and global options. */
#include <stdio.h>
#include <string.h>

#include "bh_version.h"
#include "cli.h"
#include "cmd_geo.h"
#include "log.h"

static int do_version(int argc, char **argv);
static int do_help(int argc, char **argv);
int do_policy(int argc, char **argv); /* cmd_policy.c */
int do_replay(int argc, char **argv); /* cmd_replay.c */
int do_run(int argc, char **argv);      /* cmd_daemon.c */
int do_reload(int argc, char **argv);   /* cmd_daemon.c */
int do_status(int argc, char **argv);   /* cmd_daemon.c */
int do_endpoint(int argc, char **argv); /* cmd_daemon.c */
int do_detach(int argc, char **argv);   /* cmd_daemon.c */

/* The subcommand table. Handlers for the parts live in cmd_<part>.c. */
static const struct bh_cmd bh_cmds[] = {
	{ "replay", do_replay, "replay captures under a policy (forensics)" },
	{ "policy", do_policy, "check, show and test a segmentation policy" },
	{ "observe", do_observe, "print telemetry: flows, alerts, node stats" },
	{ "geoip", do_geoip, "check GeoIP/ASN databases, look addresses up" },
	{ "version", do_version, "print the version" },
	{ "help", do_help, "show this help" },
	{ "run", do_run, "run the node daemon (XDP enforcement)" },
	{ "reload", do_reload, "make the daemon switch to its policy file" },
	{ "status", do_status, "the daemon's interfaces, policy, counters" },
	{ "endpoint", do_endpoint, "register workloads with the daemon" },
	{ "detach", do_detach, "remove bulkhead's programs and pins" },
};

#define BH_N_CMDS (sizeof(bh_cmds) / sizeof(bh_cmds[0]))

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"Usage: bulkhead [-v] <command> [options]\n"
		"       bulkhead --version | --help\n"
		"\n"
		"XDP microsegmentation, flow telemetry and lateral-movement\n"
		"detection for container nodes.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < BH_N_CMDS; i++)
		fprintf(out, "  %-10s %s\n", bh_cmds[i].name,
			bh_cmds[i].summary);
	fprintf(out,
		"\n"
		"Global options:\n"
		"  -v, --verbose   more log output (repeat for debug)\n"
		"  -V, --version   print the version\n"
		"  -h, --help      show this help\n"
		"\n"
		"Run 'bulkhead <command> --help' for a command's options.\n");
}

bool bh_cli_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

static int do_version(int argc, char **argv)
{
	if (bh_cli_wants_help(argc, argv)) {
		printf("Usage: bulkhead version\n");
		return BH_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "bulkhead version: unexpected argument '%s'\n",
			argv[1]);
		return BH_EXIT_USAGE;
	}
	printf("bulkhead %s\n", BH_VERSION);
	return BH_EXIT_OK;
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return BH_EXIT_OK;
}

int main(int argc, char **argv)
{
	int level = BH_LOG_WARN;
	size_t i;
	int a = 1;

	for (; a < argc && argv[a][0] == '-'; a++) {
		const char *o = argv[a];

		if (!strcmp(o, "-V") || !strcmp(o, "--version"))
			return do_version(1, argv);
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return BH_EXIT_OK;
		}
		if (!strcmp(o, "-v") || !strcmp(o, "--verbose")) {
			level++;
			continue;
		}
		if (!strcmp(o, "-vv")) {
			level += 2;
			continue;
		}
		fprintf(stderr, "bulkhead: unknown option '%s'\n", o);
		usage(stderr);
		return BH_EXIT_USAGE;
	}
	bh_log_set_level(level > BH_LOG_DEBUG ? BH_LOG_DEBUG : level);
	bh_log_route_libs();

	if (a >= argc) {
		usage(stderr);
		return BH_EXIT_USAGE;
	}
	for (i = 0; i < BH_N_CMDS; i++)
		if (!strcmp(argv[a], bh_cmds[i].name))
			return bh_cmds[i].fn(argc - a, argv + a);

	fprintf(stderr, "bulkhead: unknown command '%s'\n", argv[a]);
	usage(stderr);
	return BH_EXIT_USAGE;
}
