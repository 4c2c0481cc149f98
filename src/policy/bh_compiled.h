/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policy compiler's output: the single input of the kernel maps
 * (src/loader), the host tables of the native engine (src/native),
 * `policy show`/`policy test`, and the identity names used in telemetry.
 *
 * Determinism: the same policy file gives byte-identical arrays (every
 * array sorted as documented below), so a compiled policy can be hashed and
 * diffed. Map layout and decision semantics: see the comment block
 * "Compiled policy maps" in xdp/bulkhead_abi.h.
 */
#ifndef BH_COMPILED_H
#define BH_COMPILED_H

#include <stddef.h>

#include "bulkhead_abi.h"

struct bh_cp_label {
	char *key;
	char *value;
};

/* One identity: a distinct label set of workloads, an external group, or a
 * reserved identity (host, world). Sorted by id. */
struct bh_cp_identity {
	__u32 id;
	__u8 kind; /* enum bh_identity_kind */
	char *name; /* workload name (first by name when replicas share the
		     * label set), external group name, "world", "host" */
	struct bh_cp_label *labels; /* sorted by key */
	size_t n_labels;
	struct bh_identity_info info; /* as written to the maps */
};

/* An address (prefixlen 128) or CIDR mapped to an identity. IPv4 is stored
 * IPv4-mapped with prefixlen 96 + v4 prefix. Sorted by (addr, prefixlen). */
struct bh_cp_addr {
	union bh_addr addr;
	__u8 prefixlen;
	__u32 identity; /* index into identities[] */
	char *workload; /* workload (or external group) owning the address:
			 * replicas share an identity but not a name */
	struct bh_identity_info info; /* copy of identities[identity].info */
};

/* A destination port entry. prefixlen 16 with an exact port goes to
 * bh_port_exact; anything shorter (ranges, any-port) to bh_port_lpm, where
 * the port's top prefixlen bits match. proto BH_PROTO_ANY is the fallback
 * for protocols without an entry of their own. Sorted by
 * (dst_class, proto, port, prefixlen). */
struct bh_cp_port {
	__u32 dst_class;
	__u16 port;
	__u8 proto;
	__u8 prefixlen; /* 0..16 bits of port */
	__u32 bitmap;   /* index into bitmaps[] */
};

/* One compiled rule; its index is its bit. Deny rules first (see
 * bh_slot_cfg.n_deny), then allow; within each, sorted by name. */
struct bh_cp_rule {
	char *name;
	char *description;
	__u8 action; /* enum bh_action */
	__u8 flags;  /* BH_RULEF_* */
	char *file;  /* where it was written, for messages */
	int line;
};

/* The cidrs of one prefix length: cidrs[start, start + n). */
struct bh_cp_cidr_run {
	__u8 prefixlen;
	__u32 start;
	__u32 n;
};

struct bh_compiled_policy {
	/* Slot header as written to bh_config.slot[] (generation is set by
	 * whoever loads the policy). */
	struct bh_slot_cfg hdr;

	struct bh_cp_identity *identities;
	size_t n_identities;
	struct bh_cp_addr *exact; /* prefixlen 128 */
	size_t n_exact;
	/* prefixlen < 128, longest first, then by address: one run per
	 * length, which bh_compiled_addr() searches instead of scanning
	 * every CIDR */
	struct bh_cp_addr *cidrs;
	size_t n_cidrs;
	struct bh_cp_cidr_run *cidr_runs;
	size_t n_cidr_runs;
	struct bh_rule_bitmap *bitmaps; /* deduplicated */
	size_t n_bitmaps;
	struct bh_cp_port *ports; /* both exact and LPM entries */
	size_t n_ports;
	struct bh_cp_rule *rules; /* index = bit = rule_id - 1 */
	size_t n_rules;

	char *source_path;
	char source_sha256[65]; /* hex digest of the policy file bytes */
};

void bh_compiled_policy_free(struct bh_compiled_policy **cp);

/* Lookups for userspace consumers (telemetry names, policy show). */
const struct bh_cp_identity *
bh_compiled_identity(const struct bh_compiled_policy *cp, __u32 id);
/* Most specific address entry containing addr (exact, then longest CIDR),
 * or NULL for world. */
const struct bh_cp_addr *bh_compiled_addr(const struct bh_compiled_policy *cp,
					  const union bh_addr *addr);
/* Rule by rule_id (bit + 1); NULL for 0 or out of range. */
const struct bh_cp_rule *bh_compiled_rule(const struct bh_compiled_policy *cp,
					  __u32 rule_id);

#endif /* BH_COMPILED_H */
