/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon's state, shared by its files (daemon.c: life cycle, links,
 * signals; daemon_policy.c: policy and endpoints; daemon_cmds.c: control
 * commands and status). Not for other parts. */
#ifndef BH_DAEMON_INT_H
#define BH_DAEMON_INT_H

#include <net/if.h>
#include <stdbool.h>
#include <time.h>

#include "control.h"
#include "daemon_config.h"
#include "endpoints.h"
#include "event_loop.h"
#include "link_watch.h"
#include "loader.h"
#include "policy.h"
#include "strbuf.h"

/* A link that matches the configured interfaces. */
struct bh_dif {
	int ifindex;
	char name[IF_NAMESIZE];
	enum bh_xdp_mode want;
	struct bh_dp_link *link; /* NULL when attaching failed */
	struct bh_dp_attach_info info;
	int err;   /* last attach error, 0 when attached */
	bool seen; /* reported by the current link dump */
};

struct bh_daemon {
	struct bh_daemon_config *cfg;
	struct bh_loop loop;
	struct bh_ev_source sig;
	struct bh_ev_source nl;
	struct bh_ev_source ring;
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

	unsigned long long events;	/* events read from the ring */
	unsigned long long deny_events; /* of which deny / would-deny */

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

/* daemon_cmds.c */
int bh_daemon_ctl(void *ctx, int argc, char **argv, struct bh_strbuf *out);

/* daemon.c */
/* The whole file in a NUL-terminated buffer. */
int bh_daemon_read_policy(const char *path, char **buf, size_t *len);
/* Detach from every interface and remove the pins (`bulkhead detach`). */
int bh_daemon_detach_all(struct bh_daemon *d, struct bh_strbuf *out);

#endif /* BH_DAEMON_INT_H */
