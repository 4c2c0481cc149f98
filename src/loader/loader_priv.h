/* SPDX-License-Identifier: GPL-2.0-only */
/* Internals shared by the loader's files. */
#ifndef BH_LOADER_PRIV_H
#define BH_LOADER_PRIV_H

#include <stdbool.h>

/* The skeleton names ABI types (bh_last_result): the ABI comes first. */
#include "loader.h"
#include "bulkhead.skel.h"

struct xdp_program;

struct bh_dp {
	struct bulkhead *skel;
	struct bh_config *cfg; /* mmap of bh_config */
	size_t cfg_len;
	int ncpus;
	bool adopted;
	int sync_inner;
	int sync_outer;
	struct ring_buffer *rb;
	bh_dp_event_cb ev_cb;
	void *ev_ctx;
	struct xdp_program *xprog; /* attached with libxdp */
	int xprog_ifindex;
	int xprog_mode;
};

/* Wait for one RCU grace period (see loader.c). */
int bh_dp_sync(struct bh_dp *dp);
/* Whether libxdp runs a dispatcher on ifindex (loader_attach.c). */
bool bh_dp_has_dispatcher(int ifindex);
/* Around libxdp attach calls: the libraries' warnings are held back and
 * shown only when the attach fails (attach_log_end(err != 0)). */
void bh_dp_attach_log_begin(void);
void bh_dp_attach_log_end(int err, bool dispatcher);
/* Attach prog to ifindex in mode (AUTO: native, else skb), the libraries'
 * warnings held back unless it fails. *skb: it took skb mode;
 * *dispatcher: libxdp put its dispatcher in front; *native_err: why
 * native mode was refused when AUTO fell back to skb (else 0). */
int bh_dp_xdp_attach(struct xdp_program *prog, int ifindex,
		     enum bh_dp_xdp_mode mode, bool *skb, bool *dispatcher,
		     int *native_err);
/* Detach what bh_dp_attach() attached (bh_dp_free). */
void bh_dp_attach_cleanup(struct bh_dp *dp);

#endif /* BH_LOADER_PRIV_H */
