/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policy module: load a policy file (docs/policy-language.md) into a
 * checked in-memory model, compile it into the data plane's maps
 * (bh_compiled.h), and analyse it for warnings.
 *
 *   bh_policy_load()     YAML -> struct bh_policy, every error with its
 *                        file:line:column (struct bh_diag)
 *   bh_policy_compile()  struct bh_policy -> struct bh_compiled_policy
 *   bh_policy_analyze()  warnings: selectors matching nothing, shadowed
 *                        rules, allow rules cancelled by denies
 */
#ifndef BH_POLICY_H
#define BH_POLICY_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bh_compiled.h"
#include "bulkhead_abi.h"

/* ------------------------------------------------------------------------ */
/* Diagnostics: errors and warnings with their position in the file.        */

enum bh_diag_level {
	BH_DIAG_ERROR = 0,
	BH_DIAG_WARNING = 1,
};

struct bh_diag_entry {
	enum bh_diag_level level;
	int line; /* 1-based; 0 when the message concerns the whole file */
	int col;  /* 1-based */
	char *msg;
};

struct bh_diag {
	char *file; /* as given by the caller, printed in front of messages */
	struct bh_diag_entry *v;
	size_t n, cap;
	size_t n_errors, n_warnings;
};

/* A bh_diag is a caller-owned struct: init, fill, print, release. */
void bh_diag_init(struct bh_diag *d);
void bh_diag_release(struct bh_diag *d);
void bh_diag_add(struct bh_diag *d, enum bh_diag_level level, int line, int col,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void bh_diag_vadd(struct bh_diag *d, enum bh_diag_level level, int line,
		  int col, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));
/* Sort by position, so that the output reads like the file. */
void bh_diag_sort(struct bh_diag *d);
/* "FILE:LINE:COLUMN: error: message" lines. */
void bh_diag_print(const struct bh_diag *d, FILE *out);

/* ------------------------------------------------------------------------ */
/* The loaded policy. Every element keeps its position for messages.        */

struct bh_policy_pos {
	int line; /* 1-based */
	int col;
};

struct bh_policy_label {
	const char *key;
	const char *value;
};

enum bh_policy_sel_op {
	BH_SEL_IN = 0,
	BH_SEL_NOT_IN,
	BH_SEL_EXISTS,
	BH_SEL_DOES_NOT_EXIST,
};

/* One requirement; matchLabels {k: v} is loaded as (k In [v]). */
struct bh_policy_sel_expr {
	const char *key;
	enum bh_policy_sel_op op;
	const char **values; /* In, NotIn: at least one */
	size_t n_values;
	struct bh_policy_pos pos;
};

enum bh_policy_peer_kind {
	BH_PEER_SELECTOR = 0, /* workloads matching every expression */
	BH_PEER_EXTERNAL,     /* one external group */
	BH_PEER_WORLD,
	BH_PEER_HOST,
};

struct bh_policy_peer {
	enum bh_policy_peer_kind kind;
	struct bh_policy_sel_expr *exprs; /* SELECTOR: empty = every workload */
	size_t n_exprs;
	size_t external; /* EXTERNAL: index into bh_policy.externals */
	struct bh_policy_pos pos;
};

/* A union of peers (`from`, `to`, an override's selector). */
struct bh_policy_peers {
	struct bh_policy_peer *v;
	size_t n;
	struct bh_policy_pos pos;
};

/* A port entry: proto BH_PROTO_ANY covers every protocol (lo 0, hi 65535);
 * protocols without ports (icmp, proto/47) are written with lo 0, hi 65535
 * too, and the data plane matches them on the ICMP type or 0. */
struct bh_policy_port {
	__u8 proto;
	__u16 lo, hi; /* inclusive */
	struct bh_policy_pos pos;
};

struct bh_policy_rule {
	const char *name;
	const char *description; /* NULL when absent */
	struct bh_policy_peers from, to;
	struct bh_policy_port *ports; /* never empty: [any] when omitted */
	size_t n_ports;
	__u8 action; /* enum bh_action */
	bool log;
	struct bh_policy_pos pos;
};

/* An address (prefixlen 128) or a CIDR, IPv4 stored IPv4-mapped. */
struct bh_policy_prefix {
	union bh_addr addr;
	__u8 prefixlen;
	struct bh_policy_pos pos;
};

struct bh_policy_workload {
	const char *name;
	struct bh_policy_label *labels; /* sorted by key, keys unique */
	size_t n_labels;
	const char *canon; /* bh_policy_labels_str() of the labels */
	struct bh_policy_prefix *prefixes; /* addresses then cidrs */
	size_t n_prefixes;
	struct bh_policy_pos pos;
};

struct bh_policy_override {
	struct bh_policy_peers selector;
	__u8 mode; /* enum bh_mode */
	struct bh_policy_pos pos;
};

struct bh_policy_arena;

struct bh_policy {
	const char *path;
	char sha256[65]; /* hex digest of the file bytes */

	__u8 mode;	     /* enum bh_mode */
	__u8 default_action; /* enum bh_action */
	bool ct_loose;
	struct bh_policy_prefix *host; /* defaults.host_addresses */
	size_t n_host;
	struct bh_policy_override *overrides;
	size_t n_overrides;

	struct bh_policy_workload *workloads; /* in file order */
	size_t n_workloads;
	/* External groups have the same shape as workloads (CIDRs only). */
	struct bh_policy_workload *externals;
	size_t n_externals;
	struct bh_policy_rule *rules;
	size_t n_rules;

	struct bh_policy_arena *arena; /* owns everything above */
};

/* Load and check a policy file. Every problem goes to diags (which must be
 * initialised; its file name is set to path if unset). Returns 0 and a
 * policy when there is no error, -EINVAL when the file has errors (all of
 * them in diags), or another -errno (reading the file, memory). */
int bh_policy_load(const char *path, struct bh_policy **out,
		   struct bh_diag *diags);
/* The same from memory; name is used in messages. */
int bh_policy_load_buf(const char *name, const void *buf, size_t len,
		       struct bh_policy **out, struct bh_diag *diags);
void bh_policy_free(struct bh_policy **p);

/* Workloads registered at run time (the daemon's `endpoint add`), added
 * to a loaded policy before it is compiled: same identities and rule
 * membership as if the file listed them. Labels need not be sorted. Each
 * entry's result is 0, or -EEXIST when the file (or an earlier entry) has
 * its name or address; such entries are left out. Returns 0 or -ENOMEM. */
struct bh_policy_new_workload {
	const char *name;
	const struct bh_policy_label *labels;
	size_t n_labels;
	union bh_addr addr; /* one exact address, IPv4 stored IPv4-mapped */
	int result;
};
int bh_policy_add_workloads(struct bh_policy *p,
			    struct bh_policy_new_workload *v, size_t n);

/* Compile into the data plane's form (see bh_compiled.h and the comment
 * "Compiled policy maps" in bulkhead_abi.h). Deterministic: the same policy
 * gives byte-identical arrays. Returns 0, -E2BIG when the result does not
 * fit the data plane's maps (with a message saying which), or -ENOMEM. */
int bh_policy_compile(const struct bh_policy *p,
		      struct bh_compiled_policy **out);
/* The same, with the reasons for -E2BIG as errors in diags (when not
 * NULL) instead of log messages. */
int bh_policy_compile_diag(const struct bh_policy *p,
			   struct bh_compiled_policy **out,
			   struct bh_diag *diags);

/* Warnings that need the compiled form: selectors matching nothing, rules
 * shadowed by another, allow rules cancelled by denies, conflicting mode
 * overrides. Returns 0 or -ENOMEM. */
int bh_policy_analyze(const struct bh_policy *p,
		      const struct bh_compiled_policy *cp,
		      struct bh_diag *diags);

/* Canonical text of a label set, "k1=v1,k2=v2" sorted by key: what an
 * identity stands for. Returns the length written (snprintf-like). */
size_t bh_policy_labels_str(const struct bh_policy_label *labels, size_t n,
			    char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Sizes of the compiled maps, for `policy show` and the benchmark.          */

enum bh_cp_map {
	BH_CP_MAP_ID_EXACT = 0,
	BH_CP_MAP_ID_CIDR,
	BH_CP_MAP_PORT_EXACT,
	BH_CP_MAP_PORT_LPM,
	BH_CP_MAP_BITMAPS,
	BH_CP_MAP_RULES,
	BH_CP_MAP_MAX,
};

struct bh_cp_map_size {
	const char *name;   /* the BPF map's name */
	size_t entries;	    /* entries this policy writes (one slot) */
	size_t capacity;    /* entries one slot may use */
	size_t entry_bytes; /* key + value */
	size_t bytes;	    /* entries * entry_bytes */
};

struct bh_cp_sizes {
	struct bh_cp_map_size map[BH_CP_MAP_MAX];
	size_t total_entries;
	size_t total_bytes;
	size_t n_dst_classes;
};

void bh_compiled_sizes(const struct bh_compiled_policy *cp,
		       struct bh_cp_sizes *out);

/* ------------------------------------------------------------------------ */
/* Effective access between two identities, read back from the compiled     */
/* maps with the data plane's semantics (for `policy show`).                */

struct bh_cp_access {
	__u8 proto;    /* BH_PROTO_ANY: every protocol not listed elsewhere */
	__u16 lo, hi;  /* port (or ICMP type) range */
	__u8 action;   /* enum bh_action */
	__u32 rule_id; /* deciding rule, 0 for the default action */
};

/* Call cb for every maximal (proto, port range) with one decision, in
 * (proto, lo) order, BH_PROTO_ANY last. Stops when cb returns non-zero and
 * returns that value. src_idx and dst_idx index cp->identities. */
int bh_compiled_access(const struct bh_compiled_policy *cp, size_t src_idx,
		       size_t dst_idx,
		       int (*cb)(void *ctx, const struct bh_cp_access *a),
		       void *ctx);

/* Index in cp->identities of a workload of p (cp compiled from p), or -1. */
long bh_compiled_workload_identity(const struct bh_compiled_policy *cp,
				   const struct bh_policy_workload *w);

/* Name of an IP protocol as the language writes it ("tcp", "proto/47"). */
const char *bh_policy_proto_str(__u8 proto, char *buf, size_t size);

/* Address text ("10.0.0.1", "fd00::1", IPv4-mapped shown as IPv4). */
const char *bh_policy_addr_str(const union bh_addr *a, __u8 prefixlen,
			       char *buf, size_t size);
/* Parse "10.0.0.1" or "fd00::1" (no prefix) into an address. */
int bh_policy_parse_addr(const char *s, union bh_addr *out);

/* ------------------------------------------------------------------------ */
/* `policy test` inputs.                                                    */

/* An address standing for a peer: a workload or external group name (an
 * address the maps attribute to it), "world" (an address no entry
 * claims), "host" (a host address), or an IP address. 0, or -ENOENT /
 * -EINVAL with the reason in err. */
int bh_policy_resolve_peer(const struct bh_policy *p,
			   const struct bh_compiled_policy *cp,
			   const char *name, union bh_addr *addr, char *err,
			   size_t errlen);

/* One flow's protocol and destination port: "tcp/5432", "udp/53",
 * "icmp/8" (ICMP type), "icmp", "proto/47". */
int bh_policy_parse_flow_port(const char *s, __u8 *proto, __u16 *port,
			      char *err, size_t errlen);

#endif /* BH_POLICY_H */
