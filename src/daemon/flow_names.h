/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names for the daemon's flow records: the collector's resolver
 * (collector.h) over the compiled policy in force, the runtime endpoints
 * (their names, and the label sets added to the active slot without a
 * switch, which the compiled policy does not know), the attached
 * interfaces, and the policy generation of every data-plane epoch the
 * daemon has seen.
 *
 * A snapshot: the daemon builds a new one after every policy switch and
 * endpoint change, between two polls, so that the strings a record points
 * to stay valid while the record is handled.
 */
#ifndef BH_FLOW_NAMES_H
#define BH_FLOW_NAMES_H

#include <stdbool.h>

#include "bh_compiled.h"
#include "collector.h"
#include "endpoints.h"

/* Which policy generation decided a flow, from the epoch in its entry.
 * Every policy switch starts a generation at a new epoch; endpoint updates
 * add 2 to the epoch within the generation (loader.h), so the generation
 * of an epoch is that of the latest switch at or before it. */
#define BH_EPOCH_HISTORY 64

struct bh_epochs {
	struct {
		__u32 first_epoch;
		__u32 generation;
	} v[BH_EPOCH_HISTORY]; /* ring: the oldest is overwritten */
	unsigned int n, next;
	/* Adopted from a pinned data plane: the epoch then, and the
	 * generation each slot held (by epoch parity), for flows decided
	 * before this daemon's first switch. */
	bool adopted;
	__u32 adopted_epoch;
	__u32 adopted_gen[2];
};

void bh_epochs_init(struct bh_epochs *h);
/* A switch to generation at first_epoch (epochs only grow). */
void bh_epochs_add(struct bh_epochs *h, __u32 first_epoch, __u32 generation);
/* State found at start in a pinned data plane (before the first add). */
void bh_epochs_adopt(struct bh_epochs *h, __u32 epoch, __u32 slot0_gen,
		     __u32 slot1_gen);
/* 0 with *generation, or -ENOENT when the epoch is older than what is
 * known. */
int bh_epochs_lookup(const struct bh_epochs *h, __u32 epoch, __u32 *generation);

/* What a snapshot is built from. */
struct bh_flow_names_src {
	const struct bh_compiled_policy *cp; /* must outlive the snapshot */
	const struct bh_ep_registry *eps;    /* copied */
	const struct bh_epochs *epochs;	     /* read at each lookup */
	/* Interface name and kind of an ifindex, or NULL (optional). */
	const char *(*iface)(void *ctx, __u32 ifindex,
			     enum bh_iface_kind *kind);
	void *ctx;
};

struct bh_flow_names;

int bh_flow_names_new(struct bh_flow_names **out,
		      const struct bh_flow_names_src *src);
void bh_flow_names_free(struct bh_flow_names **n);

/* The resolver over n: every callback set. */
void bh_flow_names_resolver(struct bh_flow_names *n,
			    struct bh_collector_resolver *out);

#endif /* BH_FLOW_NAMES_H */
