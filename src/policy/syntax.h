/* SPDX-License-Identifier: GPL-2.0-only */
/* Scalars of the policy language: addresses, CIDRs, port entries, label
 * keys and values, names. Each parser returns NULL when the text is valid,
 * else the reason (a static string, or written into the caller's buffer)
 * that the loader turns into a positioned error. Private to src/policy. */
#ifndef BH_POLICY_SYNTAX_H
#define BH_POLICY_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>

#include "bulkhead_abi.h"

#define BH_SYNTAX_ERRLEN 160

enum bh_syntax_prefix_kind {
	BH_PREFIX_ADDR, /* "10.0.0.1", "fd00::1": prefixlen 128 */
	BH_PREFIX_CIDR, /* "10.0.0.0/8" (prefixlen 96 + 8), "fd00::/64" */
	BH_PREFIX_EITHER,
};

const char *bh_syntax_prefix(const char *s, enum bh_syntax_prefix_kind kind,
			     union bh_addr *addr, __u8 *prefixlen, char *err,
			     size_t errlen);

/* One `ports` entry: "tcp/443", "udp/53", "tcp/8000-8100", "tcp", "icmp",
 * "icmpv6", "sctp/3868", "proto/47", "any". */
const char *bh_syntax_port(const char *s, __u8 *proto, __u16 *lo, __u16 *hi,
			   char *err, size_t errlen);

/* Label keys: an optional DNS-subdomain prefix and "/", then a name of at
 * most 63 characters of [A-Za-z0-9._-] starting and ending alphanumeric
 * (Kubernetes). Values: empty or such a name. */
const char *bh_syntax_label_key(const char *s);
const char *bh_syntax_label_value(const char *s);

/* Workload, external group and rule names: 1..253 characters of
 * [A-Za-z0-9._:/-]. */
const char *bh_syntax_name(const char *s);

#endif /* BH_POLICY_SYNTAX_H */
