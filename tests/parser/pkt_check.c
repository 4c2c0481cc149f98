// SPDX-License-Identifier: GPL-2.0-only
/* Comparing and checking parse results (see pkt_check.h). */
#include "pkt_check.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int diff_addr(const char *name, const union bh_addr *a,
		     const union bh_addr *b, char **buf, size_t *size)
{
	int n, i;

	if (!memcmp(a, b, sizeof(*a)))
		return 0;
	n = snprintf(*buf, *size, "  %s:", name);
	for (i = 0; i < 2; i++) {
		const union bh_addr *x = i ? b : a;
		int k, m = 0;

		for (k = 0; k < 16 && n >= 0 && (size_t)n < *size; k++) {
			m = snprintf(*buf + n, *size - n, "%s%02x",
				     k ? (k % 2 ? "" : ":") : " ", x->b[k]);
			if (m > 0)
				n += m;
		}
		if (!i && n >= 0 && (size_t)n < *size)
			n += snprintf(*buf + n, *size - n, " !=");
	}
	if (n >= 0 && (size_t)n < *size)
		n += snprintf(*buf + n, *size - n, "\n");
	if (n < 0 || (size_t)n >= *size)
		n = (int)*size - 1;
	*buf += n;
	*size -= n;
	return 1;
}

static int diff_num(const char *name, unsigned long a, unsigned long b,
		    char **buf, size_t *size)
{
	int n;

	if (a == b)
		return 0;
	n = snprintf(*buf, *size, "  %s: %lu (0x%lx) != %lu (0x%lx)\n", name,
		     a, a, b, b);
	if (n < 0 || (size_t)n >= *size)
		n = (int)*size - 1;
	*buf += n;
	*size -= n;
	return 1;
}

int pv_pkt_diff(const struct bh_pkt *a, const struct bh_pkt *b, char *buf,
		size_t size)
{
	int d = 0;

	if (!size)
		return 0;
	buf[0] = 0;
#define DA(f) d += diff_addr(#f, &a->f, &b->f, &buf, &size)
#define DN(f) d += diff_num(#f, a->f, b->f, &buf, &size)
	DN(reason);
	DA(saddr);
	DA(daddr);
	DA(outer_saddr);
	DA(outer_daddr);
	DA(err_saddr);
	DA(err_daddr);
	DN(sport);
	DN(dport);
	DN(err_sport);
	DN(err_dport);
	DN(vlan[0]);
	DN(vlan[1]);
	DN(l3_off);
	DN(l4_off);
	DN(payload_off);
	DN(frag_off);
	DN(frag_id);
	DN(vni);
	DN(pkt_len);
	DN(payload_len);
	DN(l3_proto);
	DN(ip_proto);
	DN(err_proto);
	DN(tcp_flags);
	DN(icmp_type);
	DN(icmp_code);
	DN(vlan_count);
	DN(tun_type);
	DN(frag_flags);
	DN(ttl);
	DN(ext_count);
	DN(flags);
	DN(pad[0]);
	DN(pad[1]);
#undef DA
#undef DN
	return d;
}

static bool is_v4mapped(const union bh_addr *a)
{
	static const __u8 pre[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a->b, pre, sizeof(pre));
}

static bool is_zero(const void *p, size_t n)
{
	const __u8 *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

const char *pv_pkt_invariant(const struct bh_pkt *p, __u32 cap, __u32 wire)
{
	bool v6 = p->flags & BH_PKT_IPV6;
	unsigned int i;

	if (p->reason > BH_REASON_EXT_LIMIT)
		return "reason is not a parse reason";
	if (p->pkt_len != wire)
		return "pkt_len is not the wire length";
	if (p->l3_off > cap || p->l4_off > cap || p->payload_off > cap)
		return "an offset is past the captured bytes";
	if (p->payload_len > cap - p->payload_off)
		return "payload_len is past the captured bytes";
	if (!p->payload_off && p->payload_len)
		return "payload_len without payload_off";
	if (p->vlan_count > BH_MAX_VLAN_TAGS)
		return "vlan_count above BH_MAX_VLAN_TAGS";
	for (i = 0; i < BH_MAX_VLAN_TAGS; i++)
		if (p->vlan[i] > 0xfff || (i >= p->vlan_count && p->vlan[i]))
			return "bad vlan id";
	if (p->tun_type > BH_TUN_GENEVE || p->vni > 0xffffff)
		return "bad tunnel type or vni";
	if (!p->tun_type &&
	    (p->vni || (p->flags & BH_PKT_OUTER_IPV6) ||
	     !is_zero(&p->outer_saddr, 32)))
		return "tunnel fields without a tunnel";
	if (p->ext_count > BH_MAX_IPV6_EXT)
		return "ext_count above BH_MAX_IPV6_EXT";
	if ((p->frag_flags & ~(BH_FRAG_IS_FRAG | BH_FRAG_FIRST | BH_FRAG_MORE)) ||
	    ((p->frag_flags & (BH_FRAG_FIRST | BH_FRAG_MORE)) &&
	     !(p->frag_flags & BH_FRAG_IS_FRAG)))
		return "fragment flags without BH_FRAG_IS_FRAG";
	if (p->flags & ~0x1f)
		return "unknown flag";
	if (p->pad[0] || p->pad[1])
		return "padding not zero";
	if (p->payload_off && !(p->flags & BH_PKT_HAS_L4))
		return "payload_off without BH_PKT_HAS_L4";
	if (p->reason != BH_REASON_NONE)
		return NULL;

	/* Fully parsed. */
	if (p->l3_proto != 0x0800 && p->l3_proto != 0x86dd)
		return "parsed without an IP l3_proto";
	if (v6 != (p->l3_proto == 0x86dd))
		return "BH_PKT_IPV6 does not match l3_proto";
	if (p->l3_off < (p->tun_type ? 14 + 20 + 8 + 8 : 14))
		return "l3_off before the end of the headers below it";
	if (!v6 && (!is_v4mapped(&p->saddr) || !is_v4mapped(&p->daddr)))
		return "IPv4 address not IPv4-mapped";
	if (!v6 && p->ext_count)
		return "IPv6 extension headers on IPv4";
	if ((p->frag_flags & BH_FRAG_IS_FRAG) &&
	    !!(p->frag_flags & BH_FRAG_FIRST) == !!p->frag_off)
		return "BH_FRAG_FIRST does not match frag_off";
	if (!(p->frag_flags & BH_FRAG_IS_FRAG) && (p->frag_off || p->frag_id))
		return "fragment fields on a non-fragment";
	if (p->flags & BH_PKT_HAS_L4) {
		if (p->l4_off < p->l3_off + (v6 ? 40 : 20))
			return "l4_off inside the IP header";
		if (p->payload_off < p->l4_off + 8)
			return "payload_off inside the L4 header";
		if (p->frag_off)
			return "L4 header on a non-first fragment";
		if (p->ip_proto != 6 && p->ip_proto != 17 &&
		    p->ip_proto != 132 && p->ip_proto != 1 &&
		    p->ip_proto != 58)
			return "L4 header of an unknown protocol";
	} else {
		if (p->l4_off || p->payload_off || p->payload_len ||
		    p->sport || p->dport)
			return "L4 fields without BH_PKT_HAS_L4";
	}
	if (p->tcp_flags && p->ip_proto != 6)
		return "TCP flags on a non-TCP packet";
	if ((p->icmp_type || p->icmp_code) && p->ip_proto != 1 &&
	    p->ip_proto != 58)
		return "ICMP type on a non-ICMP packet";
	if ((p->flags & BH_PKT_ICMP_ERR) &&
	    (p->ip_proto != (v6 ? 58 : 1) || !(p->flags & BH_PKT_HAS_L4)))
		return "ICMP error tuple on a non-ICMP packet";
	if (!(p->flags & BH_PKT_ICMP_ERR) &&
	    (p->err_proto || p->err_sport || p->err_dport ||
	     !is_zero(&p->err_saddr, 32)))
		return "ICMP error fields without BH_PKT_ICMP_ERR";
	if ((p->flags & BH_PKT_ICMP_ERR) && !v6 &&
	    (!is_v4mapped(&p->err_saddr) || !is_v4mapped(&p->err_daddr)))
		return "quoted IPv4 address not IPv4-mapped";
	return NULL;
}
