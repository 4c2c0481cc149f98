/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Endpoints registered at run time (`bulkhead endpoint add IP --labels ...`
 * from a container runtime hook): the registry, its label syntax and its
 * state file, which lets a restarted daemon put them back.
 *
 * State file: one endpoint a line, "ADDRESS NAME LABELS" with LABELS the
 * canonical "k1=v1,k2=v2" (sorted by key) or "-" for none; written to a
 * temporary file and renamed, so that a crash leaves the old or the new
 * file, never half of one.
 */
#ifndef BH_ENDPOINTS_H
#define BH_ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bulkhead_abi.h"

#define BH_EP_MAX_LABELS 64
#define BH_EP_KEY_MAX	 253 /* as Kubernetes label keys (prefix/name) */
#define BH_EP_VALUE_MAX	 63  /* as Kubernetes label values */
#define BH_EP_NAME_MAX	 128

struct bh_ep_label {
	char *key;
	char *value;
};

struct bh_endpoint {
	union bh_addr addr; /* IPv4 stored IPv4-mapped */
	char *addr_str;	    /* as the user wrote it, normalised */
	char *name;
	struct bh_ep_label *labels; /* sorted by key, keys unique */
	size_t n_labels;
	char *labels_str; /* canonical "k1=v1,k2=v2" ("" for none) */
	/* Set by the daemon for an identity it added to the active policy
	 * slot without a switch (0: the compiled policy has the identity). */
	__u32 identity;
	struct bh_identity_info info;
};

struct bh_ep_registry {
	struct bh_endpoint *v;
	size_t n, cap;
};

/* Parse "k1=v1,k2=v2" (any order; "" for none) into sorted labels. On
 * error returns -EINVAL with a reason in why. */
int bh_ep_parse_labels(const char *s, struct bh_ep_label **out, size_t *n,
		       char *why, size_t whylen);
void bh_ep_labels_free(struct bh_ep_label *l, size_t n);

/* Parse an IPv4 or IPv6 address (no prefix) into IPv4-mapped form and its
 * normal text. Returns 0 or -EINVAL. */
int bh_ep_parse_addr(const char *s, union bh_addr *addr, char *text,
		     size_t textlen);

/* A valid endpoint name: 1..BH_EP_NAME_MAX of [A-Za-z0-9._-]. */
bool bh_ep_valid_name(const char *name);

/* Add (the registry copies everything). name NULL: the address text.
 * -EEXIST when the address is registered already. */
int bh_ep_add(struct bh_ep_registry *r, const char *addr, const char *name,
	      const char *labels, char *why, size_t whylen);
/* Remove by address; -ENOENT when absent. */
int bh_ep_del(struct bh_ep_registry *r, const union bh_addr *addr);
struct bh_endpoint *bh_ep_find(struct bh_ep_registry *r,
			       const union bh_addr *addr);
struct bh_endpoint *bh_ep_find_name(struct bh_ep_registry *r, const char *name);
void bh_ep_registry_release(struct bh_ep_registry *r);

/* State file: save writes path atomically; load adds every valid line and
 * warns (naming file and line) about the others. A missing file is an
 * empty registry. */
int bh_ep_save(const struct bh_ep_registry *r, const char *path);
int bh_ep_load(struct bh_ep_registry *r, const char *path);

#endif /* BH_ENDPOINTS_H */
