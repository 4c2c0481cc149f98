// SPDX-License-Identifier: GPL-2.0-only
/* Alerts: allowlists, aggregation (one open alert per detector, source and
 * main target; repeats update it), deterministic ids, emission. */
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "detect_int.h"

struct agg_key {
	__u32 detector;
	__u32 pad;
	__u64 source;
	__u64 target;
};

struct agg_entry {
	struct bh_lru_node node;
	struct agg_key key;
	__u64 last_emit_ns;
	__u64 last_flow; /* flow of the last occurrence counted */
	bool dirty;	 /* changed since last emitted */
	struct bh_detect_alert a;
};

#define AGG_OF(alert)                                                          \
	((struct agg_entry *)((char *)(alert)-offsetof(struct agg_entry, a)))

static void emit(struct bh_detect *d, struct agg_entry *e,
		 enum bh_detect_alert_state state)
{
	e->a.state = state;
	e->a.time_ns = d->now_ns > e->a.last_ns ? d->now_ns : e->a.last_ns;
	e->last_emit_ns = d->now_ns;
	e->dirty = false;
	d->st.emitted++;
	if (d->fn)
		d->fn(&e->a, d->fn_ctx);
}

static void on_evict(void *entry, void *ctx)
{
	struct agg_entry *e = entry;

	if (e->dirty)
		emit(ctx, e, BH_ALERT_CLOSED);
}

int bh_detect_alerts_init(struct bh_detect *d)
{
	int ret =
	    bh_lru_init(&d->alerts, d->cfg.max_alerts, sizeof(struct agg_entry),
			sizeof(struct agg_key), 1, d->seed);

	if (ret)
		return ret;
	d->alerts.on_evict = on_evict;
	d->alerts.ctx = d;
	return 0;
}

void bh_detect_alerts_expire(struct bh_detect *d, bool all)
{
	struct agg_entry *e;

	while ((e = bh_lru_oldest(&d->alerts, 0))) {
		if (!all && e->a.last_ns + d->cfg.aggregation_ns > d->now_ns)
			break;
		if (e->dirty)
			emit(d, e, BH_ALERT_CLOSED);
		bh_lru_remove(&d->alerts, e);
	}
}

/* --- Allowlists ---------------------------------------------------------- */

static bool has_label(const struct bh_detect_peer *p, const char *label)
{
	__u32 i;

	for (i = 0; i < p->n_labels; i++)
		if (p->labels[i] && !strcmp(p->labels[i], label))
			return true;
	return false;
}

static bool prefix_match(const union bh_addr *a, const union bh_addr *p,
			 unsigned int len)
{
	unsigned int full = len / 8, rest = len % 8;

	if (memcmp(a->b, p->b, full))
		return false;
	return !rest ||
	       !((a->b[full] ^ p->b[full]) & (0xff << (8 - rest)) & 0xff);
}

static bool glob_match(const char *pat, const char *name)
{
	return name && !fnmatch(pat, name, 0);
}

static bool allow_match(const struct bh_detect_allow *a,
			const struct bh_detect_flow *f)
{
	if (a->workload && !glob_match(a->workload, f->init.name))
		return false;
	if (a->label && !has_label(&f->init, a->label))
		return false;
	if ((a->has & BH_ALLOW_IDENTITY) && f->init.identity != a->identity)
		return false;
	if ((a->has & BH_ALLOW_CIDR) &&
	    !prefix_match(&f->init.addr, &a->cidr, a->cidr_len))
		return false;
	if (a->to_workload && !glob_match(a->to_workload, f->resp.name))
		return false;
	if ((a->has & BH_ALLOW_TO_IDENTITY) &&
	    f->resp.identity != a->to_identity)
		return false;
	if ((a->has & BH_ALLOW_TO_PORT) && f->resp.port != a->to_port)
		return false;
	return true;
}

static bool list_match(const struct bh_detect_allowlist *l,
		       const struct bh_detect_flow *f)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (allow_match(&l->v[i], f))
			return true;
	return false;
}

static const struct bh_detect_allowlist *
detector_allowlist(const struct bh_detect_config *c, __u32 det)
{
	switch (det) {
	case BH_DETECT_SWEEP:
		return &c->sweep.c.allow;
	case BH_DETECT_PORTSCAN:
		return &c->portscan.c.allow;
	case BH_DETECT_TRW:
		return &c->trw.c.allow;
	case BH_DETECT_NEW_EDGE:
		return &c->new_edge.c.allow;
	case BH_DETECT_ADMIN_FANOUT:
		return &c->fanout.c.allow;
	case BH_DETECT_TRANSFER:
		return &c->transfer.c.allow;
	case BH_DETECT_PIVOT:
		return &c->pivot.c.allow;
	case BH_DETECT_DENY_PROBE:
		return &c->deny.c.allow;
	}
	return NULL; /* plug-ins keep their own */
}

/* --- Raising ------------------------------------------------------------- */

void bh_detect_endpoint_from_peer(struct bh_detect_endpoint *ep,
				  const struct bh_detect_peer *p, bool port)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr = p->addr;
	ep->identity = p->identity;
	ep->workload = p->workload ? p->workload : p->identity;
	ep->port = port ? p->port : 0;
	ep->external = p->external;
	if (p->name)
		snprintf(ep->name, sizeof(ep->name), "%s", p->name);
}

void bh_detect_alert_add_target(struct bh_detect_alert *a,
				const struct bh_detect_endpoint *ep)
{
	__u32 i;

	for (i = 0; i < a->n_targets; i++) {
		struct bh_detect_endpoint *t = &a->targets[i];

		if (!memcmp(&t->addr, &ep->addr, sizeof(t->addr)) &&
		    t->port == ep->port) {
			if (!t->name[0] && ep->name[0])
				memcpy(t->name, ep->name, sizeof(t->name));
			return;
		}
	}
	if (a->n_targets < BH_DETECT_MAX_TARGETS)
		a->targets[a->n_targets++] = *ep;
}

void bh_detect_alert_add_evidence(struct bh_detect_alert *a, __u64 flow_id)
{
	__u32 i;

	for (i = 0; i < a->n_evidence; i++)
		if (a->evidence[i] == flow_id)
			return;
	a->evidence_total++;
	if (a->n_evidence < BH_DETECT_MAX_EVIDENCE)
		a->evidence[a->n_evidence++] = flow_id;
}

static bool repeat_of(const struct agg_entry *e, __u64 flow)
{
	__u32 i;

	if (e->last_flow == flow)
		return true;
	for (i = 0; i < e->a.n_evidence; i++)
		if (e->a.evidence[i] == flow)
			return true;
	return false;
}

struct bh_detect_alert *bh_detect_hit(struct bh_detect_ctx *ctx,
				      const struct bh_detect_hit *h,
				      bool *is_new)
{
	struct bh_detect *d = ctx->d;
	const struct bh_detect_allowlist *l;
	const struct bh_detect_flow *f = ctx->f;
	struct agg_entry *e;
	struct agg_key key;
	bool created, repeat = false;
	struct {
		struct agg_key k;
		__u64 first;
	} idsrc;

	if (h->detector >= d->n_det)
		return NULL;
	l = detector_allowlist(&d->cfg, h->detector);
	if (list_match(&d->cfg.allow, f) || (l && list_match(l, f))) {
		d->st.allowlisted[h->detector]++;
		return NULL;
	}
	memset(&key, 0, sizeof(key));
	key.detector = h->detector;
	key.source = h->source_key ? h->source_key
				   : bh_detect_hash(d, &f->init.addr,
						    sizeof(f->init.addr));
	key.target = h->target_key;
	e = bh_lru_get(&d->alerts, &key, ctx->now, &created);
	if (created) {
		struct bh_detect_alert *a = &e->a;

		idsrc.k = key;
		idsrc.first = ctx->now_ns;
		a->id = bh_detect_hash(d, &idsrc, sizeof(idsrc));
		a->first_ns = a->last_ns = a->time_ns = ctx->now_ns;
		a->detector = h->detector;
		a->detector_name = d->det[h->detector].det->name;
		snprintf(a->technique, sizeof(a->technique), "%s",
			 h->technique ? h->technique : "");
		a->severity = h->severity;
		a->score = h->score;
		bh_detect_endpoint_from_peer(&a->source, &f->init, false);
		a->count = 1;
		d->st.alerts[h->detector]++;
		if (h->severity <= BH_SEV_CRITICAL)
			d->st.alerts_sev[h->detector][h->severity]++;
	} else {
		/* A later view of a flow already counted (interim views, active
		 * timeouts) is the same occurrence, seen further along: not
		 * counted again, but it may have grown worse (an upload past
		 * its threshold), so score and severity still rise. */
		repeat = !h->no_evidence && repeat_of(e, f->id);
		if (!repeat) {
			e->a.count++;
			d->st.aggregated[h->detector]++;
		}
		if (ctx->now_ns > e->a.last_ns)
			e->a.last_ns = ctx->now_ns;
		if (h->score > e->a.score)
			e->a.score = h->score;
		if (h->severity > e->a.severity) {
			e->a.severity = h->severity;
			snprintf(e->a.technique, sizeof(e->a.technique), "%s",
				 h->technique ? h->technique : "");
		}
	}
	if (!h->no_evidence && !repeat) {
		bh_detect_alert_add_evidence(&e->a, f->id);
		e->last_flow = f->id;
	}
	*is_new = created;
	return &e->a;
}

void bh_detect_commit(struct bh_detect_ctx *ctx, struct bh_detect_alert *a,
		      bool is_new)
{
	struct bh_detect *d = ctx->d;
	struct agg_entry *e = AGG_OF(a);
	unsigned int i;

	if (a->score > 100)
		a->score = 100;
	if (is_new) {
		emit(d, e, BH_ALERT_NEW);
	} else {
		e->dirty = true;
		if (d->now_ns - e->last_emit_ns >= d->cfg.aggregation_ns)
			emit(d, e, BH_ALERT_UPDATE);
	}
	bh_detect_src_mark(ctx, 2);
	for (i = 0; i < d->n_det; i++)
		if (d->det[i].det->alert)
			d->det[i].det->alert(ctx, a, d->det[i].priv);
}

/* --- Formatting ---------------------------------------------------------- */

void bh_detect_alert_flow_target(struct bh_detect_ctx *ctx,
				 struct bh_detect_alert *a, bool port,
				 struct bh_detect_names *nm)
{
	struct bh_detect_endpoint ep;

	bh_detect_endpoint_from_peer(&ep, &ctx->f->resp, port);
	bh_detect_alert_add_target(a, &ep);
	bh_detect_fmt_endpoint(nm->src, sizeof(nm->src), &a->source, false);
	bh_detect_fmt_endpoint(nm->dst, sizeof(nm->dst), &ep, port);
}

void bh_detect_alert_summary(struct bh_detect_alert *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->summary, sizeof(a->summary), fmt, ap);
	va_end(ap);
}

static void fmt_addr(char *buf, size_t len, const union bh_addr *a, bool *v6)
{
	static const __u8 v4mapped[12] = {0, 0, 0, 0, 0,    0,
					  0, 0, 0, 0, 0xff, 0xff};

	*v6 = memcmp(a->b, v4mapped, sizeof(v4mapped)) != 0;
	if (!inet_ntop(*v6 ? AF_INET6 : AF_INET, *v6 ? a->b : a->b + 12, buf,
		       (socklen_t)len))
		snprintf(buf, len, "?");
}

void bh_detect_fmt_endpoint(char *buf, size_t len,
			    const struct bh_detect_endpoint *ep, bool port)
{
	char addr[INET6_ADDRSTRLEN], ap[INET6_ADDRSTRLEN + 8];
	bool v6;

	fmt_addr(addr, sizeof(addr), &ep->addr, &v6);
	if (port && ep->port)
		snprintf(ap, sizeof(ap), v6 ? "[%s]:%u" : "%s:%u", addr,
			 ep->port);
	else
		snprintf(ap, sizeof(ap), "%s", addr);
	if (ep->name[0])
		snprintf(buf, len, "%s (%s)", ep->name, ap);
	else
		snprintf(buf, len, "%s", ap);
}

void bh_detect_fmt_duration(char *buf, size_t len, __u64 ns)
{
	__u64 s = ns / NS_PER_S;
	__u64 h = s / 3600, m = (s % 3600) / 60, r = s % 60;
	int n = 0;

	buf[0] = 0;
	if (h)
		n += snprintf(buf + n, len - (size_t)n, "%lluh",
			      (unsigned long long)h);
	if (m && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "%llum",
			      (unsigned long long)m);
	if ((r || (!h && !m)) && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%llus",
			 (unsigned long long)r);
}
