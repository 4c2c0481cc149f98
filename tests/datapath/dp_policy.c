// SPDX-License-Identifier: GPL-2.0-only
/* Hand-built compiled policies for the data plane tests (dp_policy.h). */
#include "dp_policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tp_addr(const char *s, union bh_addr *a, __u8 *prefixlen)
{
	char buf[64], *slash;
	int len = -1;
	struct in_addr v4;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = 0;
		len = atoi(slash + 1);
	}
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, &v4) == 1) {
		a->w[2] = htonl(0xffff);
		a->w[3] = v4.s_addr;
		*prefixlen = (__u8)(96 + (len < 0 ? 32 : len));
		return 0;
	}
	if (inet_pton(AF_INET6, buf, a->b) == 1) {
		*prefixlen = (__u8)(len < 0 ? 128 : len);
		return 0;
	}
	return -EINVAL;
}

/* One port spec as LPM-style entries (proto, port prefix). */
struct tp_pspec {
	__u8 proto;
	__u16 port;
	__u8 plen;
};

static int tp_ports(const char *s, struct tp_pspec *out, int max)
{
	unsigned int lo, hi, a, b;
	__u8 proto;
	const char *rest;
	int n = 0;

	if (!strcmp(s, "any")) {
		out[0] = (struct tp_pspec){ BH_PROTO_ANY, 0, 0 };
		return 1;
	}
	if (!strncmp(s, "tcp", 3)) {
		proto = 6;
		rest = s + 3;
	} else if (!strncmp(s, "udp", 3)) {
		proto = 17;
		rest = s + 3;
	} else if (!strncmp(s, "sctp", 4)) {
		proto = 132;
		rest = s + 4;
	} else if (!strcmp(s, "icmpv6")) {
		proto = 58;
		rest = s + 6;
	} else if (!strcmp(s, "icmp")) {
		proto = 1;
		rest = s + 4;
	} else if (!strncmp(s, "proto/", 6)) {
		out[0] = (struct tp_pspec){ (__u8)atoi(s + 6), 0, 0 };
		return 1;
	} else {
		return -EINVAL;
	}
	if (!*rest) {
		out[0] = (struct tp_pspec){ proto, 0, 0 };
		return 1;
	}
	if (sscanf(rest, "/%u-%u", &lo, &hi) != 2) {
		if (sscanf(rest, "/%u", &lo) != 1)
			return -EINVAL;
		hi = lo;
	}
	/* Aligned power-of-two blocks covering [lo, hi]. */
	for (a = lo; a <= hi && n < max;) {
		unsigned int size = 1, bits = 0;

		while (bits < 16 && !(a & ((size << 1) - 1)) &&
		       a + (size << 1) - 1 <= hi) {
			size <<= 1;
			bits++;
		}
		out[n++] = (struct tp_pspec){ proto, (__u16)a,
					      (__u8)(16 - bits) };
		b = a + size;
		if (b <= a)
			break;
		a = b;
	}
	return a <= hi ? -E2BIG : n;
}

struct tp_build {
	struct bh_compiled_policy *cp;
	size_t cap_bitmaps;
	size_t cap_ports;
};

static __u32 tp_bitmap(struct tp_build *b, const struct bh_rule_bitmap *bm)
{
	struct bh_compiled_policy *cp = b->cp;
	size_t i;

	for (i = 0; i < cp->n_bitmaps; i++)
		if (!memcmp(&cp->bitmaps[i], bm, sizeof(*bm)))
			return (__u32)i;
	cp->bitmaps[cp->n_bitmaps] = *bm;
	return (__u32)cp->n_bitmaps++;
}

static int tp_has(const char *const *names, const char *name)
{
	int i;

	for (i = 0; i < TP_MAX && names[i]; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

static int tp_rule_cmp(const void *x, const void *y)
{
	const struct tp_rule *a = *(const struct tp_rule *const *)x;
	const struct tp_rule *b = *(const struct tp_rule *const *)y;

	if (a->action != b->action)
		return a->action == BH_ACTION_DENY ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* Does entry f cover entry e (same class)? */
static int tp_covers(const struct bh_cp_port *f, const struct bh_cp_port *e)
{
	__u16 mask;

	if (f->proto != e->proto && f->proto != BH_PROTO_ANY)
		return 0;
	if (f->prefixlen > e->prefixlen)
		return 0;
	mask = f->prefixlen ? (__u16)(0xffff << (16 - f->prefixlen)) : 0;
	return (f->port & mask) == (e->port & mask);
}

int tp_compile(const struct tp_policy *tp, struct bh_compiled_policy *cp)
{
	const struct tp_rule *sorted[BH_MAX_RULES];
	struct tp_build b = { .cp = cp };
	struct bh_rule_bitmap *raw = NULL, bm;
	size_t n_id = 1, n_rules = 0, i, j, k, n_raw = 0;
	struct tp_pspec ps[40];
	int n, err = -EINVAL;

	memset(cp, 0, sizeof(*cp));
	while (tp->idents && tp->idents[n_id - 1].name)
		n_id++;
	while (tp->rules && tp->rules[n_rules].name)
		n_rules++;
	for (i = 0; i < n_rules; i++)
		sorted[i] = &tp->rules[i];
	qsort(sorted, n_rules, sizeof(sorted[0]), tp_rule_cmp);

	cp->identities = calloc(n_id, sizeof(*cp->identities));
	cp->exact = calloc(n_id * TP_MAX, sizeof(*cp->exact));
	cp->cidrs = calloc(n_id * TP_MAX, sizeof(*cp->cidrs));
	cp->rules = calloc(n_rules + 1, sizeof(*cp->rules));
	b.cap_ports = n_rules * TP_MAX * TP_MAX * 40 + 1;
	cp->ports = calloc(b.cap_ports, sizeof(*cp->ports));
	raw = calloc(b.cap_ports, sizeof(*raw));
	cp->bitmaps = calloc(b.cap_ports + n_id, sizeof(*cp->bitmaps));
	if (!cp->identities || !cp->exact || !cp->cidrs || !cp->rules ||
	    !cp->ports || !raw || !cp->bitmaps) {
		err = -ENOMEM;
		goto out;
	}
	cp->n_identities = n_id;
	cp->n_rules = n_rules;
	for (i = 0; i < n_rules; i++) {
		cp->rules[i].name = (char *)sorted[i]->name;
		cp->rules[i].action = sorted[i]->action;
		cp->rules[i].flags = sorted[i]->log ? BH_RULEF_LOG : 0;
		if (sorted[i]->action == BH_ACTION_DENY)
			cp->hdr.n_deny++;
	}
	cp->hdr.n_rules = (__u32)n_rules;
	cp->hdr.n_words = (__u32)(n_rules + 63) / 64;
	cp->hdr.mode = tp->mode;
	cp->hdr.default_action = tp->default_action;
	cp->hdr.ct_loose = tp->ct_loose;

	/* Identity 0 is world; the others follow the description. */
	for (i = 0; i < n_id; i++) {
		struct bh_cp_identity *id = &cp->identities[i];
		const char *name = i ? tp->idents[i - 1].name : "world";

		id->name = (char *)name;
		id->id = i ? tp->idents[i - 1].id : BH_ID_WORLD;
		id->kind = i ? tp->idents[i - 1].kind : BH_KIND_RESERVED;
		id->info.id = id->id;
		id->info.kind = id->kind;
		id->info.flags = i ? tp->idents[i - 1].flags : tp->world_flags;
		id->info.dst_class = (__u32)i + 1;
		memset(&bm, 0, sizeof(bm));
		for (k = 0; k < n_rules; k++)
			if (tp_has(sorted[k]->from, name))
				bm.w[k / 64] |= 1ULL << (k % 64);
		id->info.src_bitmap = tp_bitmap(&b, &bm);

		/* Destination entries of this class, raw bits first. */
		for (k = 0; k < n_rules; k++) {
			const char *any[TP_MAX] = { "any" };
			const char *const *pl = sorted[k]->ports[0] ?
							sorted[k]->ports :
							any;

			if (!tp_has(sorted[k]->to, name))
				continue;
			for (j = 0; j < TP_MAX && pl[j]; j++) {
				int m;

				n = tp_ports(pl[j], ps, 40);
				if (n < 0) {
					err = n;
					goto out;
				}
				for (m = 0; m < n; m++) {
					struct bh_cp_port *e = NULL;
					size_t q;

					for (q = 0; q < cp->n_ports; q++) {
						struct bh_cp_port *c =
							&cp->ports[q];

						if (c->dst_class == i + 1 &&
						    c->proto == ps[m].proto &&
						    c->port == ps[m].port &&
						    c->prefixlen == ps[m].plen)
							e = c;
					}
					if (!e) {
						e = &cp->ports[cp->n_ports];
						e->dst_class = (__u32)i + 1;
						e->proto = ps[m].proto;
						e->port = ps[m].port;
						e->prefixlen = ps[m].plen;
						e->bitmap = (__u32)cp->n_ports;
						memset(&raw[cp->n_ports], 0,
						       sizeof(raw[0]));
						cp->n_ports++;
					}
					raw[e->bitmap].w[k / 64] |= 1ULL
								   << (k % 64);
				}
			}
		}
	}
	/* An LPM lookup returns the most specific entry only: give every
	 * entry the bits of the entries that cover it. */
	n_raw = cp->n_ports;
	for (i = 0; i < n_raw; i++) {
		struct bh_cp_port *e = &cp->ports[i];

		memset(&bm, 0, sizeof(bm));
		for (j = 0; j < n_raw; j++) {
			const struct bh_cp_port *f = &cp->ports[j];

			if (f->dst_class != e->dst_class || !tp_covers(f, e))
				continue;
			for (k = 0; k < BH_RULE_WORDS; k++)
				bm.w[k] |= raw[j].w[k];
		}
		e->bitmap = tp_bitmap(&b, &bm);
	}
	/* Addresses. */
	for (i = 1; i < n_id; i++) {
		for (j = 0; j < TP_MAX && tp->idents[i - 1].addrs[j]; j++) {
			struct bh_cp_addr *a;
			union bh_addr ad;
			__u8 plen;

			if (tp_addr(tp->idents[i - 1].addrs[j], &ad, &plen))
				goto out;
			a = plen == 128 ? &cp->exact[cp->n_exact++] :
					  &cp->cidrs[cp->n_cidrs++];
			a->addr = ad;
			a->prefixlen = plen;
			a->identity = (__u32)i;
			a->workload = (char *)tp->idents[i - 1].name;
			a->info = cp->identities[i].info;
		}
	}
	cp->hdr.world = cp->identities[0].info;
	err = 0;
out:
	free(raw);
	if (err)
		tp_free(cp);
	return err;
}

void tp_free(struct bh_compiled_policy *cp)
{
	free(cp->identities);
	free(cp->exact);
	free(cp->cidrs);
	free(cp->rules);
	free(cp->ports);
	free(cp->bitmaps);
	memset(cp, 0, sizeof(*cp));
}

int tp_rule_id(const struct bh_compiled_policy *cp, const char *name)
{
	size_t i;

	if (!name)
		return 0;
	for (i = 0; i < cp->n_rules; i++)
		if (!strcmp(cp->rules[i].name, name))
			return (int)i + 1;
	return -1;
}
