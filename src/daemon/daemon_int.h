/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon's state, shared by its files (daemon.c: life cycle, links,
 * signals; daemon_policy.c: policy and endpoints; daemon_cmds.c: control
 * commands and status). Not for other parts. */
#ifndef BH_DAEMON_INT_H
#define BH_DAEMON_INT_H

#include <net/if.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "control.h"
#include "daemon_config.h"
#include "clock.h"
#include "endpoints.h"
#include "event_loop.h"
#include "flow_names.h"
#include "link_watch.h"
#include "loader.h"
#include "policy.h"
#include "strbuf.h"

/* A link that matches the configured interfaces. */
struct bh_dif {
	int ifindex;
	char name[IF_NAMESIZE];
	enum bh_xdp_mode want;
	enum bh_iface_role role; /* resolved: uplink or workload */
	struct bh_dp_link *link; /* NULL when attaching failed */
	struct bh_dp_attach_info info;
	int err;   /* last attach error, 0 when attached */
	bool seen; /* reported by the current link dump */
};

/* The live telemetry (telemetry.c): the collector reading the data plane's
 * maps on a timer and its ring buffer as events come, records through the
 * pipeline (GeoIP, detection) into export, and the metrics endpoint. All of
 * it runs in the event loop's thread; export writes from its own threads. */
struct bh_daemon_tel {
	struct bh_clock clk;
	struct bh_collector *col;
	struct bh_bpf_source *src;
	struct bh_pipeline *pipe;
	struct bh_export *exp;
	struct bh_geo *geo;
	struct bh_metrics *metrics;
	struct bh_flow_names *names;
	struct bh_epochs epochs;
	struct bh_detect_stats det_st; /* the last read, for NodeStats */
	struct bh_ev_source poll_timer;
	struct bh_ev_source stats_timer;
	struct bh_ev_source ring;
	char node[256];
	const char *baseline; /* detect.learning.baseline: saved at stop */
	/* A pass over the maps runs in steps between the loop's events. */
	bool polling; /* a pass is in progress */
	unsigned long long polls, poll_errors;
	unsigned long long polls_skipped; /* the last pass was still going */
	unsigned long long pass_us;	  /* time in the steps of this pass */
	unsigned long long poll_last_us, poll_max_us; /* whole passes */
	unsigned long long step_max_us; /* the longest the loop waited */
	unsigned long long stats_sent;
	unsigned long long names_errors; /* a snapshot could not be built */
	unsigned int geo_reloads, geo_reload_failures;
};

struct bh_daemon {
	struct bh_daemon_config *cfg;
	struct bh_loop loop;
	struct bh_ev_source sig;
	struct bh_ev_source nl;
	struct bh_linkwatch *lw;
	struct bh_ctl_server *ctl;
	struct bh_dp *dp;
	time_t started;

	/* The policy in force: its file bytes (a new label set recompiles
	 * from them, not from a file that may have changed), its model with
	 * the runtime endpoints added, and its compiled form. */
	char *policy_buf;
	size_t policy_len;
	struct bh_policy *policy;
	struct bh_compiled_policy *cp;
	size_t n_file_workloads; /* policy->workloads[0..n) are the file's */
	__u32 generation;
	time_t loaded_at;
	unsigned int reloads, reload_failures;

	struct bh_ep_registry eps;
	char ep_state_path[4096];

	struct bh_dif *ifs;
	size_t n_ifs, cap_ifs;

	struct bh_daemon_tel tel;

	bool running; /* started completely (the loop ran) */
	bool stop;
	bool detached; /* `bulkhead detach` removed everything already */
};

/* daemon_policy.c */
/* Read and compile the policy file with the runtime endpoints; on success
 * switch to it. Diagnostics (errors, warnings) go to msgs. */
int bh_daemon_reload(struct bh_daemon *d, struct bh_strbuf *msgs);
int bh_daemon_endpoint_add(struct bh_daemon *d, const char *addr,
			   const char *labels, const char *name,
			   struct bh_strbuf *out);
int bh_daemon_endpoint_del(struct bh_daemon *d, const char *addr,
			   struct bh_strbuf *out);
/* Identity of a runtime endpoint under the policy in force (0: none). */
__u32 bh_daemon_endpoint_identity(const struct bh_daemon *d,
				  const struct bh_endpoint *e);

/* telemetry.c */
/* Start it all once the policy is in force: 0, or -errno with the reason
 * printed to errf (a GeoIP file that is refused, a metrics address in
 * use, a telemetry file that cannot be written...). */
int bh_tel_start(struct bh_daemon *d, FILE *errf);
/* Last poll, records of every flow (end reason forced), open alerts
 * closed, the detection baseline saved, export drained; then free. */
void bh_tel_stop(struct bh_daemon *d);
/* A policy switch (reload, or an endpoint that needed one) or a runtime
 * endpoint change: new names for the records from the next poll on. */
void bh_tel_policy_changed(struct bh_daemon *d, bool switched);
/* Whether a pass over the flow maps is in progress: the loop then does
 * not sleep, and calls bh_tel_step() after each round of events. */
bool bh_tel_pending(const struct bh_daemon *d);
void bh_tel_step(struct bh_daemon *d);
/* Reload (SIGHUP, `bulkhead reload`): the GeoIP databases are opened
 * anew; a bad file is reported to msgs and the databases in force stay. */
void bh_tel_reload(struct bh_daemon *d, struct bh_strbuf *msgs);
/* Status sections (text or the members of the JSON object). */
void bh_tel_status(struct bh_daemon *d, struct bh_strbuf *o, bool json);

/* daemon_cmds.c */
int bh_daemon_ctl(void *ctx, int argc, char **argv, struct bh_strbuf *out);

/* daemon.c */
/* The whole file in a NUL-terminated buffer. */
int bh_daemon_read_policy(const char *path, char **buf, size_t *len);
/* mkdir -p: the last component gets mode, the others 0755. 0 or -errno. */
int bh_daemon_mkdir_p(const char *path, mode_t mode);
/* Detach from every interface and remove the pins (`bulkhead detach`). */
int bh_daemon_detach_all(struct bh_daemon *d, struct bh_strbuf *out);

#endif /* BH_DAEMON_INT_H */
