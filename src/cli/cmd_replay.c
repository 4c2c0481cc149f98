// SPDX-License-Identifier: GPL-2.0-only
/* bulkhead replay: forensic replay of captures under a policy. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "geo.h"
#include "log.h"
#include "parse_num.h"
#include "policy.h"
#include "replay.h"

int do_replay(int argc, char **argv); /* declared in main.c */

static void replay_usage(FILE *out)
{
	fprintf(out,
		"Usage: bulkhead replay FILE... --policy POLICY [options]\n"
		"\n"
		"Replay pcap/pcapng captures through bulkhead's classifier under a\n"
		"policy: what would have been allowed, denied or reported, which\n"
		"flows existed, who talked to whom, which alerts fire. Packet time\n"
		"drives everything: two runs give identical output.\n"
		"\n"
		"  -p, --policy FILE        segmentation policy (required)\n"
		"  -e, --engine ENGINE      native (default: the classifier built\n"
		"                           for the host, no privileges) or bpf\n"
		"                           (the real XDP program through\n"
		"                           BPF_PROG_TEST_RUN; needs root)\n"
		"  -o, --output FORMAT      text (default) or json (one object per\n"
		"                           line: flows, alerts, then the summary)\n"
		"      --flows WHICH        flow records printed: all (default),\n"
		"                           denied (deny and would-deny), none\n"
		"  -t, --telemetry DEST     protobuf telemetry stream: a file, or\n"
		"                           tcp://, udp://, unix:// as for the daemon\n"
		"  -w, --write-denied FILE  pcap of denied and would-deny packets\n"
		"  -g, --graph FILE         communication graph, .dot or .svg\n"
		"      --no-detect          no lateral-movement detection\n"
		"      --detect-config FILE detection settings (a detect: YAML)\n"
		"      --learning DURATION  detection learning period from the\n"
		"                           first packet (e.g. 10m; default 1h)\n"
		"      --baseline FILE      load a detection baseline instead of\n"
		"                           learning (learning is then 0)\n"
		"      --save-baseline FILE save what detection learned\n"
		"      --geoip-city FILE    MaxMind DB (country or city) and ASN\n"
		"      --geoip-asn FILE     DB for external endpoints (either\n"
		"                           optional); with detection, the geo\n"
		"                           novelty detector learns for the\n"
		"                           learning period\n"
		"      --geoip-config FILE  geoip settings (a geoip: YAML); the\n"
		"                           two options above override its files\n"
		"      --idle-timeout DUR   flow idle timeout (default 15s)\n"
		"      --active-timeout DUR flow active timeout (default 60s)\n"
		"      --node NAME          node name in records (default replay)\n"
		"      --packets FILE       one line of results per packet\n"
		"      --full-polls         read the whole flow tables at every\n"
		"                           collector poll (slower, same results:\n"
		"                           a cross-check of the incremental polls)\n"
		"      --no-pipeline-thread records, detection, export and output\n"
		"                           on the replay's thread, not one of\n"
		"                           their own\n"
		"                           (slower with a free core, same results)\n"
		"  -q, --quiet              no progress bar\n"
		"  -h, --help               this help\n"
		"\n"
		"Link types: Ethernet, Linux cooked (SLL, SLL2), raw IP, BSD\n"
		"loopback. Several files are merged in time order. A truncated or\n"
		"corrupt capture is reported with the file and packet index, after\n"
		"the results for everything before it (exit status 1).\n");
}

#define REPLAY_DURATIONS "(90, 90s, 0.5s, 1500ms, 10m, 1h30m, 2d)"

/* "90", "0.5s", "1500ms", "10m", "1h30m", "1d" -> ns. */
static int parse_duration(const char *s, __u64 *out)
{
	return bh_parse_duration_ns(s, BH_PARSE_FRACTION,
				    BH_PARSE_DURATION_MAX_NS, out);
}

enum {
	OPT_FLOWS = 256,
	OPT_NO_DETECT,
	OPT_DETECT_CONFIG,
	OPT_LEARNING,
	OPT_BASELINE,
	OPT_SAVE_BASELINE,
	OPT_GEO_CITY,
	OPT_GEO_ASN,
	OPT_GEO_CONFIG,
	OPT_IDLE,
	OPT_ACTIVE,
	OPT_NODE,
	OPT_PACKETS,
	OPT_FULL_POLLS,
	OPT_NO_PIPELINE_THREAD,
};

int do_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "engine", required_argument, NULL, 'e' },
		{ "output", required_argument, NULL, 'o' },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "telemetry", required_argument, NULL, 't' },
		{ "write-denied", required_argument, NULL, 'w' },
		{ "graph", required_argument, NULL, 'g' },
		{ "no-detect", no_argument, NULL, OPT_NO_DETECT },
		{ "detect-config", required_argument, NULL, OPT_DETECT_CONFIG },
		{ "learning", required_argument, NULL, OPT_LEARNING },
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		{ "save-baseline", required_argument, NULL, OPT_SAVE_BASELINE },
		{ "geoip-city", required_argument, NULL, OPT_GEO_CITY },
		{ "geoip-asn", required_argument, NULL, OPT_GEO_ASN },
		{ "geoip-config", required_argument, NULL, OPT_GEO_CONFIG },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "active-timeout", required_argument, NULL, OPT_ACTIVE },
		{ "node", required_argument, NULL, OPT_NODE },
		{ "packets", required_argument, NULL, OPT_PACKETS },
		{ "full-polls", no_argument, NULL, OPT_FULL_POLLS },
		{ "no-pipeline-thread", no_argument, NULL,
		  OPT_NO_PIPELINE_THREAD },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct bh_replay_opts ro = { 0 };
	struct bh_detect_config dc;
	struct bh_geo_config gc;
	struct bh_compiled_policy *cp = NULL;
	struct bh_policy *pol = NULL;
	struct bh_geo *geo = NULL;
	const char *policy = NULL, *detect_file = NULL, *baseline = NULL;
	const char *city = NULL, *asn = NULL, *learning = NULL;
	const char *geo_file = NULL;
	bool detect = true, quiet = false;
	int c, err, ret = BH_EXIT_FAIL;
	char msg[1024];

	ro.engine = BH_ENGINE_NATIVE;
	ro.out = stdout;
	ro.poll_interval_ns = 1000000000ull;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:e:o:t:w:g:qh", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'p':
			policy = optarg;
			break;
		case 'e':
			if (bh_engine_kind_parse(optarg, &ro.engine)) {
				fprintf(stderr, "bulkhead replay: bad engine "
						"'%s' (native, bpf)\n",
					optarg);
				return BH_EXIT_USAGE;
			}
			break;
		case 'o':
			if (!strcmp(optarg, "json")) {
				ro.format = BH_REPLAY_JSON;
			} else if (strcmp(optarg, "text")) {
				fprintf(stderr, "bulkhead replay: bad output "
						"'%s' (text, json)\n",
					optarg);
				return BH_EXIT_USAGE;
			}
			break;
		case OPT_FLOWS:
			if (!strcmp(optarg, "all")) {
				ro.flows = BH_REPLAY_FLOWS_ALL;
			} else if (!strcmp(optarg, "denied")) {
				ro.flows = BH_REPLAY_FLOWS_DENIED;
			} else if (!strcmp(optarg, "none")) {
				ro.flows = BH_REPLAY_FLOWS_NONE;
			} else {
				fprintf(stderr, "bulkhead replay: bad --flows "
						"'%s' (all, denied, none)\n",
					optarg);
				return BH_EXIT_USAGE;
			}
			break;
		case 't':
			ro.telemetry = optarg;
			break;
		case 'w':
			ro.denied_pcap = optarg;
			break;
		case 'g':
			ro.graph = optarg;
			break;
		case OPT_NO_DETECT:
			detect = false;
			break;
		case OPT_DETECT_CONFIG:
			detect_file = optarg;
			break;
		case OPT_LEARNING:
			learning = optarg;
			break;
		case OPT_BASELINE:
			baseline = optarg;
			break;
		case OPT_SAVE_BASELINE:
			ro.baseline_out = optarg;
			break;
		case OPT_GEO_CITY:
			city = optarg;
			break;
		case OPT_GEO_ASN:
			asn = optarg;
			break;
		case OPT_GEO_CONFIG:
			geo_file = optarg;
			break;
		case OPT_IDLE:
		case OPT_ACTIVE:
			if (parse_duration(optarg, c == OPT_IDLE ?
							   &ro.idle_timeout_ns :
							   &ro.active_timeout_ns) ||
			    !(c == OPT_IDLE ? ro.idle_timeout_ns :
					      ro.active_timeout_ns)) {
				fprintf(stderr,
					"bulkhead replay: %s: bad duration "
					"'%s' " REPLAY_DURATIONS "\n",
					c == OPT_IDLE ? "--idle-timeout" :
							"--active-timeout",
					optarg);
				return BH_EXIT_USAGE;
			}
			break;
		case OPT_NODE:
			ro.node = optarg;
			break;
		case OPT_PACKETS:
			ro.packets = optarg;
			break;
		case OPT_FULL_POLLS:
			ro.full_polls = true;
			break;
		case OPT_NO_PIPELINE_THREAD:
			ro.no_pipeline_thread = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			replay_usage(stdout);
			return BH_EXIT_OK;
		default:
			replay_usage(stderr);
			return BH_EXIT_USAGE;
		}
	}
	if (optind >= argc || !policy) {
		fprintf(stderr, "bulkhead replay: %s\n",
			!policy ? "--policy is required" :
				  "no capture file given");
		replay_usage(stderr);
		return BH_EXIT_USAGE;
	}
	ro.files = argv + optind;
	ro.n_files = (size_t)(argc - optind);
	ro.policy_name = policy;
	ro.progress = !quiet && isatty(STDERR_FILENO);

	bh_detect_config_defaults(&dc);
	if (detect_file &&
	    bh_detect_config_load_file(&dc, detect_file, msg, sizeof(msg))) {
		fprintf(stderr, "bulkhead replay: %s\n", msg);
		goto out;
	}
	if (learning) {
		if (parse_duration(learning, &dc.learning_ns)) {
			fprintf(stderr,
				"bulkhead replay: --learning: bad duration "
				"'%s' " REPLAY_DURATIONS "\n",
				learning);
			ret = BH_EXIT_USAGE;
			goto out;
		}
	}
	if (baseline) {
		free(dc.baseline_path);
		dc.baseline_path = strdup(baseline);
		if (!learning)
			dc.learning_ns = 0;
	}
	if (detect && bh_detect_config_validate(&dc, msg, sizeof(msg))) {
		fprintf(stderr, "bulkhead replay: detection: %s\n", msg);
		goto out;
	}
	ro.detect = detect ? &dc : NULL;

	/* The novelty baseline is detection's learning period unless the
	 * geoip file says otherwise (a baseline file teaches no countries:
	 * then the geoip default). */
	bh_geo_config_init(&gc);
	if (dc.learning_ns)
		gc.novelty.baseline_ns = dc.learning_ns;
	if (geo_file &&
	    bh_geo_config_load_file(&gc, geo_file, msg, sizeof(msg))) {
		fprintf(stderr, "bulkhead replay: %s\n", msg);
		goto out;
	}
	if (city)
		snprintf(gc.city_db, sizeof(gc.city_db), "%s", city);
	if (asn)
		snprintf(gc.asn_db, sizeof(gc.asn_db), "%s", asn);
	if (city || asn || geo_file) {
		err = bh_geo_open(&geo, &gc);
		if (err)
			goto out; /* bh_geo_open named the file and why */
		ro.geo = geo;
		ro.geo_novelty = &gc.novelty;
	}

	if (bh_cli_policy_open(policy, &pol, &cp, stderr))
		goto out;
	ro.cp = cp;

	err = bh_replay_run(&ro, msg, sizeof(msg));
	fflush(ro.out);
	if (err) {
		fprintf(stderr, "bulkhead replay: %s\n", msg);
		goto out;
	}
	ret = BH_EXIT_OK;
out:
	bh_compiled_policy_free(&cp);
	bh_policy_free(&pol);
	bh_geo_free(&geo);
	bh_detect_config_clear(&dc);
	return ret;
}
