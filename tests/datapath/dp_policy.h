/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hand-built compiled policies for the data plane tests: a small
 * description (identities with addresses, rules with peers and ports)
 * turned into a struct bh_compiled_policy the way bh_compiled.h specifies
 * it, without the YAML compiler. Frees only what it allocated.
 */
#ifndef BH_TEST_DP_POLICY_H
#define BH_TEST_DP_POLICY_H

#include "bh_compiled.h"

#define TP_MAX 8

struct tp_ident {
	const char *name;
	__u32 id;
	__u8 kind;  /* enum bh_identity_kind */
	__u8 flags; /* BH_IDF_* */
	const char *addrs[TP_MAX]; /* "10.0.0.1", "fd00::1", "192.0.2.0/24" */
};

struct tp_rule {
	const char *name;
	__u8 action; /* enum bh_action */
	__u8 log;
	const char *from[TP_MAX]; /* identity names, "world" */
	const char *to[TP_MAX];
	/* "tcp/80", "tcp/5000-5999", "udp", "icmp", "icmpv6", "proto/47",
	 * "any"; none: any */
	const char *ports[TP_MAX];
};

struct tp_policy {
	const struct tp_ident *idents; /* ended by name == NULL */
	const struct tp_rule *rules;   /* ended by name == NULL */
	__u8 mode;
	__u8 default_action;
	__u8 ct_loose;
	__u8 world_flags; /* BH_IDF_* of the world identity */
};

/* Build the compiled form; 0 or -errno. */
int tp_compile(const struct tp_policy *tp, struct bh_compiled_policy *cp);
void tp_free(struct bh_compiled_policy *cp);

/* rule_id (bit + 1) of a rule by name in cp; 0 for NULL, -1 if absent. */
int tp_rule_id(const struct bh_compiled_policy *cp, const char *name);

/* Parse "10.0.0.1" / "fd00::1" [/len] into an IPv4-mapped/IPv6 address and
 * a 128-bit prefix length; 0 or -EINVAL. */
int tp_addr(const char *s, union bh_addr *a, __u8 *prefixlen);

#endif /* BH_TEST_DP_POLICY_H */
