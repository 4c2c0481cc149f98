// SPDX-License-Identifier: GPL-2.0-only
/* Community ID v1. SHA-1 and base64 come from nettle: small, LGPL, already
 * on every node that has libmicrohttpd (through GnuTLS). */
#include "community_id.h"

#include <errno.h>
#include <string.h>

#include <nettle/base64.h>
#include <nettle/sha1.h>

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_SCTP_ 132

/* ICMP messages that come in request/reply pairs hash as a two-way flow:
 * "dport" is the type of the counterpart message, as in Zeek. Returns the
 * counterpart type, or -1 for one-way messages (dport is then the code and
 * the endpoints are not reordered). */
static int icmp4_counterpart(__u8 type)
{
	switch (type) {
	case 0: /* echo reply */
		return 8;
	case 8: /* echo */
		return 0;
	case 9: /* router advertisement */
		return 10;
	case 10: /* router solicitation */
		return 9;
	case 13: /* timestamp */
		return 14;
	case 14:
		return 13;
	case 15: /* information request */
		return 16;
	case 16:
		return 15;
	case 17: /* address mask request */
		return 18;
	case 18:
		return 17;
	}
	return -1;
}

static int icmp6_counterpart(__u8 type)
{
	switch (type) {
	case 128: /* echo request */
		return 129;
	case 129:
		return 128;
	case 130: /* multicast listener query */
		return 131;
	case 131:
		return 130;
	case 133: /* router solicitation */
		return 134;
	case 134:
		return 133;
	case 135: /* neighbor solicitation */
		return 136;
	case 136:
		return 135;
	case 139: /* node information query */
		return 140;
	case 140:
		return 139;
	case 144: /* home agent address discovery request */
		return 145;
	case 145:
		return 144;
	}
	return -1;
}

int bh_community_icmp_counterpart(__u8 proto, __u8 type)
{
	if (proto == IPPROTO_ICMP_)
		return icmp4_counterpart(type);
	if (proto == IPPROTO_ICMPV6_)
		return icmp6_counterpart(type);
	return -1;
}

int bh_community_id_v1(const struct bh_community_tuple *t, __u16 seed,
		       char *out, size_t out_len)
{
	const __u8 *sa, *da;
	size_t alen = t->ipv6 ? 16 : 4;
	bool has_ports = false, one_way = false;
	__u16 sport = t->sport, dport = t->dport;
	__u8 buf[2 + 16 + 16 + 2 + 4], digest[SHA1_DIGEST_SIZE];
	struct sha1_ctx ctx;
	size_t n = 0;
	int cp;

	if (out_len < BH_COMMUNITY_ID_LEN + 1)
		return -EINVAL;
	sa = t->saddr.b + 16 - alen;
	da = t->daddr.b + 16 - alen;

	switch (t->proto) {
	case IPPROTO_TCP_:
	case IPPROTO_UDP_:
	case IPPROTO_SCTP_:
		has_ports = true;
		break;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		has_ports = true;
		if (sport > 255 || dport > 255)
			return -EINVAL; /* type and code are one byte each */
		cp = bh_community_icmp_counterpart(t->proto, (__u8)sport);
		if (cp < 0)
			one_way = true;
		else
			dport = cp;
		break;
	}

	/* The smaller (address, port) endpoint goes first, comparing the
	 * network-order bytes; one-way ICMP keeps its direction. */
	if (!one_way) {
		int c = memcmp(sa, da, alen);

		if (c > 0 || (c == 0 && has_ports && sport > dport)) {
			const __u8 *ta = sa;
			__u16 tp = sport;

			sa = da;
			da = ta;
			sport = dport;
			dport = tp;
		}
	}

	buf[n++] = seed >> 8;
	buf[n++] = seed & 0xff;
	memcpy(buf + n, sa, alen);
	n += alen;
	memcpy(buf + n, da, alen);
	n += alen;
	buf[n++] = t->proto;
	buf[n++] = 0; /* padding to 32 bits */
	if (has_ports) {
		buf[n++] = sport >> 8;
		buf[n++] = sport & 0xff;
		buf[n++] = dport >> 8;
		buf[n++] = dport & 0xff;
	}

	sha1_init(&ctx);
	sha1_update(&ctx, n, buf);
	sha1_digest(&ctx, sizeof(digest), digest);

	out[0] = '1';
	out[1] = ':';
	base64_encode_raw(out + 2, sizeof(digest), digest);
	out[2 + BASE64_ENCODE_RAW_LENGTH(sizeof(digest))] = '\0';
	return 0;
}
