/* SPDX-License-Identifier: GPL-2.0-only */
/* Synthetic flow records and an alert collector for the detection tests. */
#ifndef BH_DETECT_HELPERS_H
#define BH_DETECT_HELPERS_H

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"

#define T0 1700000000.0 /* traffic time origin, seconds */

enum fkind {
	F_EST = 0, /* answered, closed with FIN */
	F_SYN,	   /* SYN without SYN-ACK */
	F_RST,	   /* refused: RST from the responder */
	F_DENY,	   /* denied by policy */
	F_AUDIT,   /* would-deny (audit mode), answered */
	F_ICMP_NO, /* ICMP echo without reply */
	F_CONNRST, /* handshake then RST, no payload (connect scan) */
	F_UDP_NO,  /* UDP datagram without reply */
	F_DENY_OK, /* denied by policy, yet answered (capture taken before
		    * enforcement) */
};

struct fspec {
	double t;     /* seconds after T0 */
	__u32 src;    /* host part of 10.0.0.0/8 */
	__u32 src_id; /* identity (replicas share it) */
	__u32 dst;
	__u32 dst_id;
	__u16 port;
	enum fkind kind;
	__u64 up, down; /* bytes; 0: small defaults */
	const char *sname, *dname;
};

static inline union bh_addr v4(__u32 host)
{
	union bh_addr a;

	memset(&a, 0, sizeof(a));
	a.b[10] = a.b[11] = 0xff;
	a.b[12] = 10;
	a.b[13] = (host >> 16) & 0xff;
	a.b[14] = (host >> 8) & 0xff;
	a.b[15] = host & 0xff;
	return a;
}

static inline struct bh_detect_flow mkflow(const struct fspec *s, __u64 id)
{
	struct bh_detect_flow f;

	memset(&f, 0, sizeof(f));
	f.id = id;
	f.start_ns = (__u64)((T0 + s->t) * 1e9);
	f.end_ns = f.start_ns + 500000000ULL;
	f.init.addr = v4(s->src);
	f.init.identity = s->src_id;
	f.init.name = s->sname;
	f.resp.addr = v4(s->dst);
	f.resp.identity = s->dst_id;
	f.resp.name = s->dname;
	f.resp.port = s->port;
	f.init.port = 40000 + (id % 20000);
	f.proto = IPPROTO_TCP;
	f.verdict = BH_VERDICT_ALLOW;
	f.flags = BH_DETECT_F_FINAL;
	switch (s->kind) {
	case F_EST:
	case F_AUDIT:
	case F_DENY_OK:
		f.tcp_flags[0] =
		    BH_TCP_SYN | BH_TCP_ACK | BH_TCP_PSH | BH_TCP_FIN;
		f.tcp_flags[1] = f.tcp_flags[0];
		f.packets[0] = 6;
		f.packets[1] = 6;
		f.bytes[0] = s->up ? s->up : 600;
		f.bytes[1] = s->down ? s->down : 1800;
		if (s->kind == F_AUDIT)
			f.verdict = BH_VERDICT_AUDIT;
		if (s->kind == F_DENY_OK)
			f.verdict = BH_VERDICT_DENY;
		break;
	case F_SYN:
	case F_DENY:
		f.tcp_flags[0] = BH_TCP_SYN;
		f.packets[0] = 2;
		f.bytes[0] = 120;
		f.end_ns = f.start_ns + 1000000000ULL;
		if (s->kind == F_DENY)
			f.verdict = BH_VERDICT_DENY;
		break;
	case F_RST:
		f.tcp_flags[0] = BH_TCP_SYN;
		f.tcp_flags[1] = BH_TCP_RST | BH_TCP_ACK;
		f.packets[0] = 1;
		f.packets[1] = 1;
		f.bytes[0] = 60;
		f.bytes[1] = 54;
		f.end_ns = f.start_ns + 1000000ULL;
		break;
	case F_ICMP_NO:
		f.proto = IPPROTO_ICMP;
		f.resp.port = 0;
		f.init.port = 0;
		f.packets[0] = 1;
		f.bytes[0] = 98;
		break;
	case F_UDP_NO:
		f.proto = IPPROTO_UDP;
		f.packets[0] = 1;
		f.bytes[0] = 80;
		break;
	case F_CONNRST:
		f.tcp_flags[0] = BH_TCP_SYN | BH_TCP_ACK | BH_TCP_RST;
		f.tcp_flags[1] = BH_TCP_SYN | BH_TCP_ACK;
		f.packets[0] = 3;
		f.packets[1] = 1;
		break;
	}
	return f;
}

/* Every emission, copied. */
struct collector {
	struct bh_detect_alert *a;
	size_t n, cap;
};

static inline void collect(const struct bh_detect_alert *a, void *ctx)
{
	struct collector *c = ctx;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->a = realloc(c->a, c->cap * sizeof(*c->a));
		if (!c->a)
			abort();
	}
	c->a[c->n++] = *a;
}

static inline void collector_reset(struct collector *c)
{
	free(c->a);
	memset(c, 0, sizeof(*c));
}

static inline unsigned int count_new(const struct collector *c, __u32 det)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->a[i].detector == det && c->a[i].state == BH_ALERT_NEW)
			n++;
	return n;
}

static inline const struct bh_detect_alert *first_new(const struct collector *c,
						      __u32 det)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->a[i].detector == det && c->a[i].state == BH_ALERT_NEW)
			return &c->a[i];
	return NULL;
}

/* The last emission of alert id (its latest aggregate). */
static inline const struct bh_detect_alert *last_of(const struct collector *c,
						    __u64 id)
{
	size_t i;

	for (i = c->n; i-- > 0;)
		if (c->a[i].id == id)
			return &c->a[i];
	return NULL;
}

#endif /* BH_DETECT_HELPERS_H */
