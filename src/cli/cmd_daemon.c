// SPDX-License-Identifier: GPL-2.0-only
/* bulkhead run | reload | status | endpoint | detach: the node daemon and
 * the commands that talk to it over its control socket. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "control.h"
#include "daemon.h"
#include "daemon_config.h"
#include "endpoints.h"

int do_run(int argc, char **argv);	/* declared in main.c */
int do_reload(int argc, char **argv);	/* declared in main.c */
int do_status(int argc, char **argv);	/* declared in main.c */
int do_endpoint(int argc, char **argv); /* declared in main.c */
int do_detach(int argc, char **argv);	/* declared in main.c */

static const char bh_client_opts_help[] =
    "  -c, --config FILE   the daemon's config, for its control socket\n"
    "                      (default " BH_DAEMON_DEFAULT_CONFIG " when it\n"
    "                      exists)\n"
    "  -s, --socket PATH   the control socket (default\n"
    "                      " BH_DAEMON_DEFAULT_SOCKET ")\n";

/* Options every client command takes. */
struct client_opts {
	const char *config;
	const char *socket;
	bool json;
	const char *name;   /* endpoint add */
	const char *labels; /* endpoint add */
	/* from the config, when read */
	char *cfg_socket;
	char *cfg_pin_path;
};

static void client_opts_release(struct client_opts *o)
{
	free(o->cfg_socket);
	free(o->cfg_pin_path);
}

/* The socket path: --socket, else the config's (--config or the default
 * file when it exists), else the default path. 0 or an exit code. */
static int resolve_socket(struct client_opts *o, const char *cmd)
{
	struct bh_daemon_config *c = NULL;
	const char *path = o->config;
	int err;

	if (!path && !access(BH_DAEMON_DEFAULT_CONFIG, R_OK))
		path = BH_DAEMON_DEFAULT_CONFIG;
	if (path) {
		err = bh_daemon_config_load(path, &c, stderr);
		if (err) {
			fprintf(stderr, "bulkhead %s: cannot use config %s\n",
				cmd, path);
			return BH_EXIT_FAIL;
		}
		o->cfg_socket = strdup(c->control_socket);
		o->cfg_pin_path = strdup(c->pin_path);
		bh_daemon_config_free(&c);
		if (!o->cfg_socket || !o->cfg_pin_path)
			return BH_EXIT_FAIL;
	}
	if (!o->socket)
		o->socket =
		    o->cfg_socket ? o->cfg_socket : BH_DAEMON_DEFAULT_SOCKET;
	return 0;
}

/* Parse the client options; argv keeps the positional arguments from
 * optind on. Returns 0 or an exit code. */
static int parse_client(int argc, char **argv, struct client_opts *o,
			bool with_output, bool with_endpoint,
			void (*usage)(FILE *))
{
	static const struct option long_opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"socket", required_argument, NULL, 's'},
	    {"output", required_argument, NULL, 'o'},
	    {"labels", required_argument, NULL, 'l'},
	    {"name", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:s:o:l:n:h", long_opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'o':
			if (!with_output || (strcmp(optarg, "json") &&
					     strcmp(optarg, "text"))) {
				fprintf(stderr,
					"bulkhead %s: -o takes text or json\n",
					argv[0]);
				return BH_EXIT_USAGE;
			}
			o->json = !strcmp(optarg, "json");
			break;
		case 'l':
		case 'n':
			if (!with_endpoint) {
				usage(stderr);
				return BH_EXIT_USAGE;
			}
			if (c == 'l')
				o->labels = optarg;
			else
				o->name = optarg;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return BH_EXIT_USAGE;
		}
	}
	return 0;
}

static int exit_code(int err)
{
	return err ? BH_EXIT_FAIL : BH_EXIT_OK;
}

static int request(struct client_opts *o, const char *cmd, int argc,
		   char **argv)
{
	int rc = resolve_socket(o, cmd);

	if (rc)
		return rc;
	return exit_code(bh_ctl_request(o->socket, argc, argv, stdout, stderr));
}

/* ------------------------------------------------------------------------ */

static void run_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: bulkhead run [--config FILE]\n"
	    "\n"
	    "Run the node daemon in the foreground: attach the XDP program to\n"
	    "the configured interfaces (and to matching links as they "
	    "appear),\n"
	    "enforce the policy, serve the control socket, and run the\n"
	    "telemetry the config asks for: flow records, detection, GeoIP\n"
	    "enrichment, export, metrics. SIGHUP reloads the policy and the\n"
	    "GeoIP databases; SIGTERM/SIGINT stop, leaving enforcement in\n"
	    "place unless the config says on_exit: detach.\n"
	    "\n"
	    "  -c, --config FILE   daemon configuration (default\n"
	    "                      " BH_DAEMON_DEFAULT_CONFIG ")\n"
	    "\n"
	    "Configuration reference: README.md, \"Running on a node\".\n");
}

int do_run(int argc, char **argv)
{
	static const struct option long_opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *config = BH_DAEMON_DEFAULT_CONFIG;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			run_usage(stdout);
			return BH_EXIT_OK;
		default:
			run_usage(stderr);
			return BH_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bulkhead run: unexpected argument '%s'\n",
			argv[optind]);
		run_usage(stderr);
		return BH_EXIT_USAGE;
	}
	return exit_code(bh_daemon_run(config, stderr));
}

static void reload_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: bulkhead reload [-c FILE | -s PATH]\n"
	    "\n"
	    "Make the running daemon re-read its policy file and switch to it\n"
	    "atomically (as SIGHUP does). A policy with errors is refused "
	    "with\n"
	    "every error, and the running one stays in force (exit 1).\n"
	    "\n%s",
	    bh_client_opts_help);
}

/* A command without arguments of its own: options, then one request. */
static int simple_request(int argc, char **argv, bool with_output,
			  void (*usage)(FILE *), char *cmd)
{
	struct client_opts o = {0};
	char *req[] = {cmd, "json"};
	int rc;

	rc = parse_client(argc, argv, &o, with_output, false, usage);
	if (rc)
		return rc < 0 ? BH_EXIT_OK : rc;
	if (optind < argc) {
		usage(stderr);
		return BH_EXIT_USAGE;
	}
	rc = request(&o, cmd, o.json ? 2 : 1, req);
	client_opts_release(&o);
	return rc;
}

int do_reload(int argc, char **argv)
{
	return simple_request(argc, argv, false, reload_usage, "reload");
}

static void status_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: bulkhead status [-o text|json] [-c FILE | -s PATH]\n"
	    "\n"
	    "The running daemon's state: attached interfaces, their XDP\n"
	    "mode and TC egress, policy generation and file hash, identities, packets by\n"
	    "verdict and reason, flows by rule, map occupancy, events sent\n"
	    "and suppressed; the collector, export destinations, detection,\n"
	    "GeoIP databases and metrics address.\n"
	    "\n"
	    "  -o, --output FMT    text (default) or json\n%s",
	    bh_client_opts_help);
}

int do_status(int argc, char **argv)
{
	return simple_request(argc, argv, true, status_usage, "status");
}

static void endpoint_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: bulkhead endpoint add ADDRESS --labels K=V[,K=V...] "
	    "[--name NAME]\n"
	    "       bulkhead endpoint del ADDRESS\n"
	    "       bulkhead endpoint list [-o text|json]\n"
	    "       (each with [-c FILE | -s PATH])\n"
	    "\n"
	    "Register workloads with the running daemon as containers start "
	    "and\n"
	    "stop (e.g. from a container runtime hook), without a policy "
	    "reload:\n"
	    "the address gets the identity of its label set, and the rules "
	    "whose\n"
	    "selectors match those labels apply to it at once. Endpoints are\n"
	    "kept across daemon restarts (state_dir).\n"
	    "\n"
	    "  -l, --labels K=V,... the workload's labels (may be empty: "
	    "\"\")\n"
	    "  -n, --name NAME      a name for telemetry (default: the "
	    "address)\n"
	    "  -o, --output FMT     text (default) or json, for list\n%s",
	    bh_client_opts_help);
}

int do_endpoint(int argc, char **argv)
{
	struct client_opts o = {0};
	char *req[6], *addr;
	const char *sub;
	int rc, n = 0;

	rc = parse_client(argc, argv, &o, true, true, endpoint_usage);
	if (rc)
		return rc < 0 ? BH_EXIT_OK : rc;
	if (optind >= argc) {
		endpoint_usage(stderr);
		return BH_EXIT_USAGE;
	}
	/* options may come anywhere: getopt moved them before optind */
	sub = argv[optind];
	addr = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (optind + 2 < argc) {
		fprintf(stderr, "bulkhead endpoint: unexpected argument '%s'\n",
			argv[optind + 2]);
		return BH_EXIT_USAGE;
	}
	req[n++] = "endpoint";
	if (!strcmp(sub, "add")) {
		if (!addr || !o.labels) {
			fprintf(stderr, "bulkhead endpoint add: needs ADDRESS "
					"and --labels\n");
			return BH_EXIT_USAGE;
		}
		req[n++] = "add";
		req[n++] = addr;
		/* "-" stands for no labels on the wire */
		req[n++] = o.labels[0] ? (char *)o.labels : "-";
		if (o.name)
			req[n++] = (char *)o.name;
	} else if (!strcmp(sub, "del")) {
		if (!addr || o.labels || o.name) {
			fprintf(stderr, "bulkhead endpoint del: takes one "
					"ADDRESS\n");
			return BH_EXIT_USAGE;
		}
		req[n++] = "del";
		req[n++] = addr;
	} else if (!strcmp(sub, "list")) {
		if (addr || o.labels || o.name) {
			fprintf(stderr, "bulkhead endpoint list: takes no "
					"arguments\n");
			return BH_EXIT_USAGE;
		}
		req[n++] = "list";
		if (o.json)
			req[n++] = "json";
	} else {
		fprintf(stderr, "bulkhead endpoint: unknown subcommand '%s'\n",
			sub);
		endpoint_usage(stderr);
		return BH_EXIT_USAGE;
	}
	rc = request(&o, "endpoint", n, req);
	client_opts_release(&o);
	return rc;
}

static void detach_usage(FILE *out)
{
	fprintf(out,
		"Usage: bulkhead detach [-c FILE | -s PATH] [--pin-path DIR]\n"
		"\n"
		"Remove bulkhead from this node: the XDP programs and TC egress\n"
		"filters from every interface and the pinned maps (conntrack,\n"
		"policy, counters).\n"
		"Traffic then flows unfiltered. A running daemon does it and\n"
		"exits; without one, this command does it itself.\n"
		"\n"
		"  -p, --pin-path DIR  pins to remove when no daemon runs\n"
		"                      (default: the config's pin_path, else\n"
		"                      " BH_DAEMON_DEFAULT_PIN_PATH ")\n%s",
		bh_client_opts_help);
}

int do_detach(int argc, char **argv)
{
	struct client_opts o = {0};
	const char *pin_path = NULL;
	char *req[] = {"detach"};
	char **rest;
	int rc, err, i, n_rest;

	/* --pin-path is ours; the rest are the client options */
	rest = calloc((size_t)argc + 1, sizeof(*rest));
	if (!rest)
		return BH_EXIT_FAIL;
	for (i = 0, n_rest = 0; i < argc; i++) {
		if ((!strcmp(argv[i], "-p") ||
		     !strcmp(argv[i], "--pin-path")) &&
		    i + 1 < argc) {
			pin_path = argv[++i];
			continue;
		}
		rest[n_rest++] = argv[i];
	}
	rc = parse_client(n_rest, rest, &o, false, false, detach_usage);
	if (!rc && optind < n_rest) {
		detach_usage(stderr);
		rc = BH_EXIT_USAGE;
	}
	free(rest);
	if (rc)
		return rc < 0 ? BH_EXIT_OK : rc;
	rc = resolve_socket(&o, "detach");
	if (rc)
		goto out;
	err = bh_ctl_request(o.socket, 1, req, stdout, stderr);
	if (err == -ENOENT || err == -ECONNREFUSED) {
		fprintf(stderr, "bulkhead detach: no daemon running, detaching "
				"here\n");
		if (!pin_path)
			pin_path = o.cfg_pin_path ? o.cfg_pin_path
						  : BH_DAEMON_DEFAULT_PIN_PATH;
		err = bh_daemon_detach_offline(pin_path, stdout);
	}
	rc = exit_code(err);
out:
	client_opts_release(&o);
	return rc;
}
