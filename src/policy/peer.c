// SPDX-License-Identifier: GPL-2.0-only
/* What `policy test` is asked about: a peer name or an address, and one
 * flow's protocol and port. */
#include "policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse_num.h"
#include "syntax.h"

/* An address inside pf that the maps attribute to identity idx: the
 * prefix's own address unless a more specific entry claims it. */
static bool bh_addr_in(const struct bh_compiled_policy *cp,
		       const struct bh_policy_prefix *pf, __u32 idx,
		       union bh_addr *out)
{
	unsigned int k;

	for (k = 0; k < 256; k++) {
		union bh_addr a = pf->addr;
		const struct bh_cp_addr *e;
		unsigned int carry = k, i;

		/* a = network + k, staying inside the prefix. */
		for (i = 16; i-- > 0 && carry;) {
			carry += a.b[i];
			a.b[i] = (__u8)carry;
			carry >>= 8;
		}
		if (k && (pf->prefixlen == 128 ||
			  (pf->prefixlen > 120 && k >> (128 - pf->prefixlen))))
			break;
		e = bh_compiled_addr(cp, &a);
		if (e && e->identity == idx) {
			*out = a;
			return true;
		}
	}
	return false;
}

/* An address the maps do not know: the world. Documentation ranges first,
 * then a walk over the IPv4 /8s and the IPv6 global unicast space. */
static bool bh_world_addr(const struct bh_compiled_policy *cp,
			  union bh_addr *out)
{
	static const char *const tries[] = {"192.0.2.1", "198.51.100.1",
					    "203.0.113.1", "2001:db8::1"};
	unsigned int i;

	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		bh_policy_parse_addr(tries[i], out);
		if (!bh_compiled_addr(cp, out))
			return true;
	}
	for (i = 1; i < 224; i++) {
		char s[32];

		snprintf(s, sizeof(s), "%u.1.2.3", i);
		bh_policy_parse_addr(s, out);
		if (!bh_compiled_addr(cp, out))
			return true;
		snprintf(s, sizeof(s), "2%03x::1", i);
		bh_policy_parse_addr(s, out);
		if (!bh_compiled_addr(cp, out))
			return true;
	}
	return false;
}

static long bh_ident_by_name(const struct bh_compiled_policy *cp, __u8 kind,
			     const char *name)
{
	size_t i;

	for (i = 0; i < cp->n_identities; i++)
		if (cp->identities[i].kind == kind &&
		    !strcmp(cp->identities[i].name, name))
			return (long)i;
	return -1;
}

int bh_policy_resolve_peer(const struct bh_policy *p,
			   const struct bh_compiled_policy *cp,
			   const char *name, union bh_addr *addr, char *err,
			   size_t errlen)
{
	const struct bh_policy_workload *w = NULL;
	long idx = -1;
	size_t i;

	for (i = 0; i < p->n_workloads && !w; i++)
		if (!strcmp(p->workloads[i].name, name))
			w = &p->workloads[i];
	for (i = 0; i < p->n_externals && !w; i++)
		if (!strcmp(p->externals[i].name, name)) {
			w = &p->externals[i];
			idx = bh_ident_by_name(cp, BH_KIND_EXTERNAL, name);
		}
	if (w) {
		if (idx < 0)
			idx = bh_compiled_workload_identity(cp, w);
		for (i = 0; idx >= 0 && i < w->n_prefixes; i++)
			if (bh_addr_in(cp, &w->prefixes[i], (__u32)idx, addr))
				return 0;
		snprintf(err, errlen,
			 "'%s' has no address of its own in the policy: give "
			 "an address instead",
			 name);
		return -ENOENT;
	}
	if (!strcmp(name, "world")) {
		if (bh_world_addr(cp, addr))
			return 0;
		snprintf(err, errlen,
			 "every address tried belongs to a workload or an "
			 "external group: give an address for the world");
		return -ENOENT;
	}
	if (!strcmp(name, "host")) {
		idx = bh_ident_by_name(cp, BH_KIND_RESERVED, "host");
		for (i = 0; idx >= 0 && i < p->n_host; i++)
			if (bh_addr_in(cp, &p->host[i], (__u32)idx, addr))
				return 0;
		snprintf(err, errlen,
			 "the host has no address (defaults.host_addresses): "
			 "give an address instead");
		return -ENOENT;
	}
	if (!bh_policy_parse_addr(name, addr))
		return 0;
	snprintf(err, errlen,
		 "'%s' is neither a workload, an external group, world, host, "
		 "nor an IP address",
		 name);
	return -EINVAL;
}

int bh_policy_parse_flow_port(const char *s, __u8 *proto, __u16 *port,
			      char *err, size_t errlen)
{
	const char *slash = strchr(s, '/');
	char buf[BH_SYNTAX_ERRLEN];
	__u16 lo, hi;

	/* ICMP takes a type here (one flow), not in the language. */
	if (slash && ((slash - s == 4 && !strncmp(s, "icmp", 4)) ||
		      (slash - s == 6 && !strncmp(s, "icmpv6", 6)))) {
		__u64 t;

		if (bh_parse_u64(slash + 1, 255, &t)) {
			snprintf(err, errlen,
				 "bad ICMP type in '%s': a number of 0-255", s);
			return -EINVAL;
		}
		*proto = slash - s == 4 ? 1 : 58;
		*port = (__u16)t;
		return 0;
	}
	if (bh_syntax_port(s, proto, &lo, &hi, buf, sizeof(buf))) {
		snprintf(err, errlen, "%s", buf);
		return -EINVAL;
	}
	if (*proto == 6 || *proto == 17 || *proto == 132) {
		if (slash && lo == hi) {
			*port = lo;
			return 0;
		}
		snprintf(err, errlen,
			 "'%s' is not one flow: give one port, e.g. %.*s/443",
			 s, slash ? (int)(slash - s) : (int)strlen(s), s);
		return -EINVAL;
	}
	if (*proto == BH_PROTO_ANY) {
		snprintf(err, errlen,
			 "'%s' is not one flow: give a protocol, e.g. tcp/443, "
			 "udp/53, icmp/8, proto/47",
			 s);
		return -EINVAL;
	}
	/* "icmp" (type 0), "proto/47": protocols without ports. */
	*port = 0;
	return 0;
}
