/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's configuration file (`bulkhead run --config FILE`): YAML,
 * loaded with libyaml into struct bh_daemon_config. Every problem is
 * reported as "FILE:LINE:COLUMN: error: message", all of them, not just the
 * first. The full reference is in README.md ("Running on a node").
 *
 * Sections that later parts own (collector, export, metrics, detect, geoip)
 * are accepted as mappings and kept as positions only; each part adds its
 * parser to the section table in daemon_config.c when it lands.
 */
#ifndef BH_DAEMON_CONFIG_H
#define BH_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bulkhead_abi.h"

#define BH_DAEMON_DEFAULT_PIN_PATH  "/sys/fs/bpf/bulkhead"
#define BH_DAEMON_DEFAULT_SOCKET    "/run/bulkhead/bulkhead.sock"
#define BH_DAEMON_DEFAULT_CONFIG    "/etc/bulkhead/bulkhead.yaml"
#define BH_DAEMON_DEFAULT_STATE_DIR "/run/bulkhead"

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

/* One `interfaces` entry: a name or an fnmatch(3) glob ("veth*"). */
struct bh_daemon_iface {
	char *pattern;
	enum bh_xdp_mode mode; /* mode_set ? this : the global xdp_mode */
	bool mode_set;
	int line; /* position in the config file, for messages */
};

/* A reserved section: present in the file, parsed by a later part. */
struct bh_daemon_section {
	bool present;
	int line, col;
};

enum bh_daemon_reserved {
	BH_DCFG_COLLECTOR = 0,
	BH_DCFG_EXPORT,
	BH_DCFG_METRICS,
	BH_DCFG_DETECT,
	BH_DCFG_GEOIP,
	BH_DCFG_RESERVED_MAX,
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
	/* events: per-CPU token bucket, 0 rate = unlimited */
	__u32 ev_rate;
	__u32 ev_burst;
	bool ev_new_flows; /* a new-flow event for every flow */
	bool ev_deny;	   /* an event for every denied flow */
	/* conntrack timeouts in ns, indexed by enum bh_ct_timeout */
	__u64 ct_timeout_ns[BH_CT_TMO_MAX];
	struct bh_daemon_section reserved[BH_DCFG_RESERVED_MAX];
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

/* Mode of an interface: the first entry whose pattern matches name decides
 * (its own mode or the global one). Returns false when none matches. */
bool bh_daemon_config_match(const struct bh_daemon_config *c,
			    const char *ifname, enum bh_xdp_mode *mode);

const char *bh_xdp_mode_str(enum bh_xdp_mode m);
const char *bh_on_exit_str(enum bh_on_exit e);

/* Parse a duration: an integer (seconds) or a number with a unit suffix
 * ms, s, m, h ("500ms", "30s", "5m", "2h"). Returns 0 or -EINVAL. */
int bh_parse_duration_ns(const char *s, __u64 *out_ns);

#endif /* BH_DAEMON_CONFIG_H */
