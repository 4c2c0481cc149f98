/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's configuration file (`bulkhead run --config FILE`): YAML,
 * loaded with libyaml into struct bh_daemon_config. Every problem is
 * reported as "FILE:LINE:COLUMN: error: message", all of them, not just the
 * first. The full reference is in README.md ("Running on a node").
 *
 * The telemetry sections (collector, export, metrics, detect, geoip) are
 * checked here too, so that a bad value stops the start with its position
 * rather than surfacing later: `detect` and `geoip` through their parts'
 * own node loaders, export URLs through the sink URL parser.
 */
#ifndef BH_DAEMON_CONFIG_H
#define BH_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bulkhead_abi.h"
#include "detect.h"
#include "geo_config.h"

#define BH_DAEMON_DEFAULT_PIN_PATH  "/sys/fs/bpf/bulkhead"
#define BH_DAEMON_DEFAULT_SOCKET    "/run/bulkhead/bulkhead.sock"
#define BH_DAEMON_DEFAULT_CONFIG    "/etc/bulkhead/bulkhead.yaml"
#define BH_DAEMON_DEFAULT_STATE_DIR "/run/bulkhead"
#define BH_DAEMON_DEFAULT_METRICS   "127.0.0.1:9477"

/* How to attach XDP. AUTO tries native, then falls back to skb (generic)
 * mode with a warning. */
enum bh_xdp_mode {
	BH_XDP_MODE_AUTO = 0,
	BH_XDP_MODE_NATIVE = 1,
	BH_XDP_MODE_SKB = 2,
};

/* What SIGTERM/SIGINT does to the data plane. KEEP (fail-closed): programs
 * and pinned maps stay, the policy keeps being enforced while no daemon
 * runs. DETACH (fail-open): programs and pins are removed, traffic flows
 * unfiltered. */
enum bh_on_exit {
	BH_ON_EXIT_KEEP = 0,
	BH_ON_EXIT_DETACH = 1,
};

/* What an interface is to the node; it gives flow records their direction
 * (where a flow's first packet was seen). AUTO: a veth is the host end of a
 * workload's veth pair, anything else an uplink. */
enum bh_iface_role {
	BH_IFACE_ROLE_AUTO = 0,
	BH_IFACE_ROLE_UPLINK = 1,
	BH_IFACE_ROLE_WORKLOAD = 2,
};

/* One `interfaces` entry: a name or an fnmatch(3) glob ("veth*"). */
struct bh_daemon_iface {
	char *pattern;
	enum bh_xdp_mode mode; /* mode_set ? this : the global xdp_mode */
	bool mode_set;
	enum bh_iface_role role;
	bool tc_egress; /* tc_egress_set ? this : the global tc_egress */
	bool tc_egress_set;
	int line; /* position in the config file, for messages */
};

/* collector: how the flow maps are read and when records are made. */
struct bh_daemon_collector {
	__u64 poll_interval_ns;	 /* read bh_flows/bh_denied this often */
	__u64 idle_timeout_ns;	 /* a record after this long without packets */
	__u64 active_timeout_ns; /* and every this long for a long flow */
};

#define BH_DAEMON_MAX_SINKS 8 /* = BH_EXPORT_MAX_SINKS */

/* export: where the telemetry goes. */
struct bh_daemon_export {
	char *sinks[BH_DAEMON_MAX_SINKS]; /* URLs (README "Telemetry") */
	size_t n_sinks;
	char *node_id;		 /* NULL: the host name */
	__u64 queue_bytes;	 /* per destination */
	__u64 stats_interval_ns; /* NodeStats envelopes; 0: none */
};

/* metrics: the Prometheus endpoint. */
struct bh_daemon_metrics {
	bool enabled;
	char *listen; /* HOST:PORT, [IPV6]:PORT or :PORT */
};

struct bh_daemon_config {
	char *path;   /* the file loaded */
	char *policy; /* policy file, absolute or relative to the config dir */
	struct bh_daemon_iface *ifaces;
	size_t n_ifaces;
	char *pin_path;
	char *control_socket;
	char *state_dir; /* runtime endpoints survive a restart here */
	enum bh_on_exit on_exit;
	enum bh_xdp_mode xdp_mode;
	/* TC egress program on matching interfaces (what the node sends) */
	bool tc_egress;
	/* events: per-CPU token bucket, 0 rate = unlimited */
	__u32 ev_rate;
	__u32 ev_burst;
	bool ev_new_flows; /* a new-flow event for every flow */
	bool ev_deny;	   /* an event for every denied flow */
	/* conntrack timeouts in ns, indexed by enum bh_ct_timeout */
	__u64 ct_timeout_ns[BH_CT_TMO_MAX];
	struct bh_daemon_collector collector;
	struct bh_daemon_export exp;
	struct bh_daemon_metrics metrics;
	/* detect: lateral-movement detection runs when the section is there */
	bool detect_enabled;
	struct bh_detect_config detect;
	/* geoip: enrichment runs when the section is there */
	bool geo_enabled;
	struct bh_geo_config geo;
};

/* Defaults, used for every key the file leaves out. */
void bh_daemon_config_defaults(struct bh_daemon_config *c);

/* Load path. Returns 0, -EINVAL when the file has errors (every one printed
 * to err as "FILE:LINE:COLUMN: error: message"), or another -errno. */
int bh_daemon_config_load(const char *path, struct bh_daemon_config **out,
			  FILE *err);
/* The same from memory; name is used in messages and to resolve a relative
 * policy path. */
int bh_daemon_config_load_buf(const char *name, const void *buf, size_t len,
			      struct bh_daemon_config **out, FILE *err);
void bh_daemon_config_free(struct bh_daemon_config **c);

/* How an interface is handled: from the first `interfaces` entry whose
 * pattern matches its name (its own settings, else the global ones). */
struct bh_iface_settings {
	enum bh_xdp_mode mode;
	enum bh_iface_role role;
	bool tc_egress; /* the TC egress program goes on it too */
};

/* True with *out (may be NULL) when an entry matches name. */
bool bh_daemon_config_match(const struct bh_daemon_config *c,
			    const char *ifname, struct bh_iface_settings *out);
/* Whether any interface may get the TC egress program (only then is it
 * loaded: its verification takes as long as the XDP program's). */
bool bh_daemon_config_any_tc_egress(const struct bh_daemon_config *c);

const char *bh_xdp_mode_str(enum bh_xdp_mode m);
const char *bh_iface_role_str(enum bh_iface_role r);
const char *bh_on_exit_str(enum bh_on_exit e);

#endif /* BH_DAEMON_CONFIG_H */
