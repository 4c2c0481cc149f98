// SPDX-License-Identifier: GPL-2.0-only
#include "syntax.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy.h"

/* Decimal number of at most max_digits digits, no sign, whole string. */
static bool bh_parse_dec(const char *s, size_t len, unsigned int max_digits,
			 unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (!len || len > max_digits)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return true;
}

int bh_policy_parse_addr(const char *s, union bh_addr *out)
{
	struct in_addr v4;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &v4) == 1) {
		out->b[10] = 0xff;
		out->b[11] = 0xff;
		memcpy(&out->b[12], &v4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->b) == 1)
		return 0;
	return -EINVAL;
}

static bool bh_addr_is_v4(const union bh_addr *a)
{
	static const __u8 mapped[12] = {[10] = 0xff, [11] = 0xff};

	return !memcmp(a->b, mapped, sizeof(mapped));
}

const char *bh_policy_addr_str(const union bh_addr *a, __u8 prefixlen,
			       char *buf, size_t size)
{
	char txt[INET6_ADDRSTRLEN];
	bool v4 = bh_addr_is_v4(a) && prefixlen >= 96;

	if (v4)
		inet_ntop(AF_INET, &a->b[12], txt, sizeof(txt));
	else
		inet_ntop(AF_INET6, a->b, txt, sizeof(txt));
	if (prefixlen == 128)
		snprintf(buf, size, "%s", txt);
	else
		snprintf(buf, size, "%s/%u", txt,
			 v4 ? prefixlen - 96u : (unsigned int)prefixlen);
	return buf;
}

const char *bh_syntax_prefix(const char *s, enum bh_syntax_prefix_kind kind,
			     union bh_addr *addr, __u8 *prefixlen, char *err,
			     size_t errlen)
{
	const char *slash = strchr(s, '/');
	char host[INET6_ADDRSTRLEN + 1];
	unsigned long plen;
	size_t hlen;
	unsigned int max, bits, i;
	bool v4;

	if (!slash) {
		if (bh_policy_parse_addr(s, addr)) {
			snprintf(
			    err, errlen,
			    "bad address '%s': not an IPv4 or IPv6 address", s);
			return err;
		}
		if (kind == BH_PREFIX_CIDR) {
			snprintf(
			    err, errlen,
			    "bad CIDR '%s': no prefix length (write %s/%u)", s,
			    s, strchr(s, ':') ? 128 : 32);
			return err;
		}
		*prefixlen = 128;
		return NULL;
	}
	if (kind == BH_PREFIX_ADDR) {
		snprintf(
		    err, errlen,
		    "'%s' is a CIDR: list it under 'cidrs', not 'addresses'",
		    s);
		return err;
	}
	hlen = (size_t)(slash - s);
	if (hlen >= sizeof(host) || (memcpy(host, s, hlen), host[hlen] = 0,
				     bh_policy_parse_addr(host, addr))) {
		snprintf(err, errlen,
			 "bad CIDR '%s': '%.*s' is not an IPv4 or IPv6 address",
			 s, (int)(hlen > 64 ? 64 : hlen), s);
		return err;
	}
	v4 = strchr(host, ':') == NULL;
	max = v4 ? 32 : 128;
	if (!bh_parse_dec(slash + 1, strlen(slash + 1), 3, &plen) ||
	    plen > max) {
		snprintf(err, errlen,
			 "bad CIDR '%s': prefix length must be 0-%u", s, max);
		return err;
	}
	bits = (unsigned int)plen + (v4 ? 96 : 0);
	for (i = bits; i < 128; i++) {
		if (addr->b[i / 8] & (0x80 >> (i % 8))) {
			union bh_addr net = *addr;
			char txt[INET6_ADDRSTRLEN + 8];
			unsigned int j;

			for (j = bits; j < 128; j++)
				net.b[j / 8] &= (__u8) ~(0x80 >> (j % 8));
			snprintf(err, errlen,
				 "bad CIDR '%s': host bits are set (the "
				 "network is %s)",
				 s,
				 bh_policy_addr_str(&net, (__u8)bits, txt,
						    sizeof(txt)));
			return err;
		}
	}
	*prefixlen = (__u8)bits;
	return NULL;
}

static const struct {
	const char *name;
	__u8 proto;
	bool ports; /* takes /PORT */
} bh_protos[] = {
    {"tcp", IPPROTO_TCP, true},	       {"udp", IPPROTO_UDP, true},
    {"sctp", IPPROTO_SCTP, true},      {"icmp", IPPROTO_ICMP, false},
    {"icmpv6", IPPROTO_ICMPV6, false},
};

const char *bh_policy_proto_str(__u8 proto, char *buf, size_t size)
{
	size_t i;

	if (proto == BH_PROTO_ANY)
		return "any";
	for (i = 0; i < sizeof(bh_protos) / sizeof(bh_protos[0]); i++)
		if (bh_protos[i].proto == proto)
			return bh_protos[i].name;
	snprintf(buf, size, "proto/%u", proto);
	return buf;
}

static bool bh_proto_has_ports(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP;
}

const char *bh_syntax_port(const char *s, __u8 *proto, __u16 *lo, __u16 *hi,
			   char *err, size_t errlen)
{
	const char *slash = strchr(s, '/'), *dash;
	size_t nlen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long a, b;
	bool found = false;
	size_t i;

	*lo = 0;
	*hi = 65535;
	if (nlen == 3 && !strncasecmp(s, "any", 3)) {
		if (slash)
			goto no_ports;
		*proto = BH_PROTO_ANY;
		return NULL;
	}
	if (nlen == 5 && !strncasecmp(s, "proto", 5)) {
		if (!slash ||
		    !bh_parse_dec(slash + 1, strlen(slash + 1), 3, &a) ||
		    a < 1 || a > 255) {
			snprintf(err, errlen,
				 "bad port entry '%s': write proto/N with an "
				 "IP protocol number N of 1-255",
				 s);
			return err;
		}
		*proto = (__u8)a;
		return NULL;
	}
	for (i = 0; i < sizeof(bh_protos) / sizeof(bh_protos[0]); i++) {
		if (strlen(bh_protos[i].name) == nlen &&
		    !strncasecmp(s, bh_protos[i].name, nlen)) {
			*proto = bh_protos[i].proto;
			found = true;
			break;
		}
	}
	if (!found) {
		snprintf(err, errlen,
			 "unknown protocol '%.*s' in '%s' (expected tcp, udp, "
			 "sctp, icmp, icmpv6, any or proto/N)",
			 (int)(nlen > 32 ? 32 : nlen), s, s);
		return err;
	}
	if (!slash)
		return NULL;
	if (!bh_proto_has_ports(*proto))
		goto no_ports;
	dash = strchr(slash + 1, '-');
	if (!dash) {
		if (!bh_parse_dec(slash + 1, strlen(slash + 1), 5, &a) ||
		    a > 65535) {
			snprintf(err, errlen,
				 "bad port '%s': the port must be a number of "
				 "0-65535",
				 s);
			return err;
		}
		*lo = *hi = (__u16)a;
		return NULL;
	}
	if (!bh_parse_dec(slash + 1, (size_t)(dash - slash - 1), 5, &a) ||
	    !bh_parse_dec(dash + 1, strlen(dash + 1), 5, &b) || a > 65535 ||
	    b > 65535) {
		snprintf(
		    err, errlen,
		    "bad port range '%s': both ends must be numbers of 0-65535",
		    s);
		return err;
	}
	if (a > b) {
		snprintf(err, errlen,
			 "bad port range '%s': start %lu is above end %lu", s,
			 a, b);
		return err;
	}
	*lo = (__u16)a;
	*hi = (__u16)b;
	return NULL;

no_ports:
	snprintf(err, errlen,
		 "bad port entry '%s': %.*s has no ports (write '%.*s' alone)",
		 s, (int)nlen, s, (int)nlen, s);
	return err;
}

static bool bh_is_alnum(char c)
{
	return isascii((unsigned char)c) && isalnum((unsigned char)c);
}

/* A Kubernetes "qualified name" part: [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?
 */
static bool bh_qualified_name(const char *s, size_t len)
{
	size_t i;

	if (!len || len > 63 || !bh_is_alnum(s[0]) || !bh_is_alnum(s[len - 1]))
		return false;
	for (i = 0; i < len; i++)
		if (!bh_is_alnum(s[i]) && s[i] != '-' && s[i] != '_' &&
		    s[i] != '.')
			return false;
	return true;
}

/* DNS subdomain: lower-case alphanumerics, '-' and '.', at most 253. */
static bool bh_dns_subdomain(const char *s, size_t len)
{
	size_t i;

	if (!len || len > 253 || !bh_is_alnum(s[0]) || !bh_is_alnum(s[len - 1]))
		return false;
	for (i = 0; i < len; i++)
		if (!(bh_is_alnum(s[i]) && !isupper((unsigned char)s[i])) &&
		    s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

const char *bh_syntax_label_key(const char *s)
{
	const char *slash = strchr(s, '/');

	if (slash) {
		if (!bh_dns_subdomain(s, (size_t)(slash - s)))
			return "the prefix before '/' must be a DNS subdomain "
			       "(lower-case letters, digits, '-', '.')";
		s = slash + 1;
	}
	if (!bh_qualified_name(s, strlen(s)))
		return "a key is at most 63 characters of letters, digits, "
		       "'-', '_', '.', starting and ending with a letter or "
		       "digit";
	return NULL;
}

const char *bh_syntax_label_value(const char *s)
{
	if (!*s || bh_qualified_name(s, strlen(s)))
		return NULL;
	return "a value is empty or at most 63 characters of letters, digits, "
	       "'-', '_', '.', starting and ending with a letter or digit";
}

const char *bh_syntax_name(const char *s)
{
	size_t i, len = strlen(s);

	if (!len || len > 253)
		return "a name has 1-253 characters";
	for (i = 0; i < len; i++)
		if (!bh_is_alnum(s[i]) && !strchr("._:/-", s[i]))
			return "a name has only letters, digits and '.', '_', "
			       "':', '/', '-'";
	return NULL;
}
