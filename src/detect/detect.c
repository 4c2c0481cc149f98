// SPDX-License-Identifier: GPL-2.0-only
/* Detection engine core: the source table, the per-flow context every
 * detector sees, the detector table and time. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "detect_int.h"
#include "log.h"
#include "siphash.h"

const char *bh_detect_severity_str(enum bh_detect_severity s)
{
	static const char *const names[] = {"info", "low", "medium", "high",
					    "critical"};

	return (unsigned int)s < 5 ? names[s] : "invalid";
}

const char *bh_detect_alert_state_str(enum bh_detect_alert_state s)
{
	switch (s) {
	case BH_ALERT_NEW:
		return "new";
	case BH_ALERT_UPDATE:
		return "update";
	case BH_ALERT_CLOSED:
		return "closed";
	}
	return "invalid";
}

const char *bh_detect_technique_name(const char *id)
{
	static const struct {
		const char *id, *name;
	} names[] = {
	    {"T1018", "Remote System Discovery"},
	    {"T1021", "Remote Services"},
	    {"T1021.001", "Remote Services: Remote Desktop Protocol"},
	    {"T1021.002", "Remote Services: SMB/Windows Admin Shares"},
	    {"T1021.003",
	     "Remote Services: Distributed Component Object Model"},
	    {"T1021.004", "Remote Services: SSH"},
	    {"T1021.005", "Remote Services: VNC"},
	    {"T1021.006", "Remote Services: Windows Remote Management"},
	    {"T1041", "Exfiltration Over C2 Channel"},
	    {"T1046", "Network Service Discovery"},
	    {"T1071", "Application Layer Protocol"},
	    {"T1110.003", "Brute Force: Password Spraying"},
	    {"T1210", "Exploitation of Remote Services"},
	    {"T1552", "Unsecured Credentials"},
	    {"T1570", "Lateral Tool Transfer"},
	    {"T1609", "Container Administration Command"},
	};
	size_t i;

	for (i = 0; id && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i].id, id))
			return names[i].name;
	return "";
}

__u32 bh_detect_workload_key(const char *name)
{
	static const uint64_t k[2] = {0x62682d776f726b6cULL,
				      0x6f61642d6b657921ULL};
	uint64_t h = bh_siphash13(k, name, strlen(name));
	__u32 v = (__u32)(h ^ (h >> 32));

	/* Nonzero, and clear of the reserved identity range so that a key is
	 * never mistaken for BH_ID_WORLD & co. */
	return v < BH_ID_FIRST_USER ? v + BH_ID_FIRST_USER : v;
}

__u64 bh_detect_hash(const struct bh_detect *d, const void *data, size_t len)
{
	return bh_siphash13(d->seed, data, len);
}

const char *bh_detect_admin_technique(__u16 port)
{
	switch (port) {
	case 22:
		return "T1021.004"; /* SSH */
	case 3389:
		return "T1021.001"; /* RDP */
	case 139:
	case 445:
		return "T1021.002"; /* SMB / admin shares */
	case 135:
		return "T1021.003"; /* DCOM */
	case 5900:
		return "T1021.005"; /* VNC */
	case 5985:
	case 5986:
		return "T1021.006"; /* WinRM */
	case 2375:
	case 2376:
	case 6443:
	case 10250:
		return "T1609"; /* container administration command */
	case 2379:
		return "T1552"; /* etcd: unsecured credentials */
	}
	return "T1021";
}

static const struct bh_detector *const builtin[BH_DETECT_N_BUILTIN] = {
    [BH_DETECT_SWEEP] = &bh_det_sweep,
    [BH_DETECT_PORTSCAN] = &bh_det_portscan,
    [BH_DETECT_TRW] = &bh_det_trw,
    [BH_DETECT_NEW_EDGE] = &bh_det_new_edge,
    [BH_DETECT_ADMIN_FANOUT] = &bh_det_fanout,
    [BH_DETECT_TRANSFER] = &bh_det_transfer,
    [BH_DETECT_PIVOT] = &bh_det_pivot,
    [BH_DETECT_DENY_PROBE] = &bh_det_deny,
};

int bh_detect_register(struct bh_detect *d, const struct bh_detector *det,
		       void *priv, unsigned int *id)
{
	if (d->sealed)
		return -EBUSY;
	if (d->n_det >= BH_DETECT_MAX)
		return -ENOSPC;
	if (!det || !det->name || !det->flow)
		return -EINVAL;
	if (det->baseline_tag && det->baseline_load &&
	    bh_detect_baseline_claim(d, det, priv))
		return -EINVAL;
	d->det[d->n_det].det = det;
	d->det[d->n_det].priv = priv;
	if (id)
		*id = d->n_det;
	d->n_det++;
	return 0;
}

int bh_detect_new(struct bh_detect **dp, const struct bh_detect_config *cfg,
		  bh_detect_alert_fn fn, void *ctx)
{
	char err[256];
	struct bh_detect *d;
	unsigned int i;
	int ret;

	*dp = NULL;
	ret = bh_detect_config_validate(cfg, err, sizeof(err));
	if (ret) {
		pr_warn("detect: invalid configuration: %s\n", err);
		return ret;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = bh_detect_config_copy(&d->cfg, cfg);
	if (ret) {
		free(d);
		return ret;
	}
	d->fn = fn;
	d->fn_ctx = ctx;
	d->seed[0] = cfg->hash_seed;
	d->seed[1] = bh_mix64(cfg->hash_seed ^ 0x6465746563740000ULL);
	for (i = 0; i < cfg->n_admin_ports; i++)
		d->admin_idx[cfg->admin_ports[i]] = (__u8)(i + 1);
	for (i = 0; i < BH_DETECT_N_BUILTIN; i++)
		bh_detect_register(d, builtin[i], NULL, NULL);

	ret = bh_detect_edges_init(d);
	if (!ret)
		ret = bh_detect_alerts_init(d);
	if (!ret && cfg->baseline_path)
		ret = bh_detect_baseline_load(d, cfg->baseline_path);
	if (ret) {
		bh_detect_free(&d);
		return ret;
	}
	*dp = d;
	return 0;
}

/* After registration closes: the per-source layout and the source table. */
static int seal(struct bh_detect *d)
{
	const struct bh_detect_config *c = &d->cfg;
	const __u64 windows[] = {c->sweep.window_ns, c->portscan.slow_window_ns,
				 c->trw.memory_ns, c->fanout.slow_window_ns,
				 c->deny.slow_window_ns};
	size_t off = sizeof(struct bh_detect_src);
	__u32 stale = 0;
	unsigned int i;
	int ret;

	/* Sources idle for longer than every window carry nothing that can
	 * still add up to an alert: they go first when the table is full. */
	for (i = 0; i < sizeof(windows) / sizeof(windows[0]); i++)
		if (bh_win_s(windows[i]) > stale)
			stale = bh_win_s(windows[i]);

	for (i = 0; i < d->n_det; i++) {
		off = (off + 7) & ~(size_t)7;
		d->det[i].off = off;
		off += d->det[i].det->state_size;
		if (d->det[i].det->stale > stale)
			stale = d->det[i].det->stale;
	}
	d->src_size = (off + 7) & ~(size_t)7;
	ret = bh_lru_init(&d->sources, d->cfg.max_sources, d->src_size,
			  sizeof(union bh_addr), BH_SRC_CLASSES, d->seed);
	if (ret)
		return ret;
	d->sources.stale = stale;
	d->sealed = true;
	bh_detect_baseline_release(d, true);
	return 0;
}

void bh_detect_free(struct bh_detect **dp)
{
	struct bh_detect *d = dp ? *dp : NULL;

	if (!d)
		return;
	bh_lru_fini(&d->sources);
	bh_lru_fini(&d->edges);
	bh_lru_fini(&d->workloads);
	bh_lru_fini(&d->pivots);
	bh_lru_fini(&d->alerts);
	bh_detect_baseline_release(d, false);
	bh_detect_config_clear(&d->cfg);
	free(d);
	*dp = NULL;
}

/* --- Bloom filters of contacted responders ------------------------------ */

static bool bloom_gen_has(const __u64 *bits, __u64 h)
{
	unsigned int k, bit;

	for (k = 0; k < 3; k++, h >>= 9) {
		bit = h & (BH_BLOOM_WORDS * 64 - 1);
		if (!(bits[bit / 64] & (1ULL << (bit % 64))))
			return false;
	}
	return true;
}

static bool bloom_has(const struct bh_bloom *b, __u64 h)
{
	return bloom_gen_has(b->bits[0], h) || bloom_gen_has(b->bits[1], h);
}

/* Puts h in the current generation, so that responders a source keeps
 * contacting stay remembered however long ago they were first seen. */
static void bloom_refresh(struct bh_bloom *b, __u64 h, __u32 now, __u32 memory)
{
	unsigned int k, bit;

	if (bloom_gen_has(b->bits[b->cur], h))
		return;
	if (b->gen_n >= BH_BLOOM_ITEMS || now - b->gen_start >= memory / 2) {
		b->cur ^= 1;
		memset(b->bits[b->cur], 0, sizeof(b->bits[b->cur]));
		b->gen_n = 0;
		b->gen_start = now;
	}
	for (k = 0; k < 3; k++, h >>= 9) {
		bit = h & (BH_BLOOM_WORDS * 64 - 1);
		b->bits[b->cur][bit / 64] |= 1ULL << (bit % 64);
	}
	b->gen_n++;
}

/* --- Per-flow context --------------------------------------------------- */

static bool no_payload(const struct bh_detect_flow *f)
{
	if (f->flags & BH_DETECT_F_PAYLOAD)
		return !f->payload[BH_DETECT_FWD] && !f->payload[BH_DETECT_REV];
	/* Unknown payload: a handshake and a reset carry none (SYN, ACK, RST
	 * one way, SYN-ACK the other). */
	return f->packets[BH_DETECT_REV] <= 1 && f->packets[BH_DETECT_FWD] <= 3;
}

/* What the packets show, whatever the policy said: answered, refused, or
 * not (yet) answered. */
static enum bh_detect_outcome classify_wire(const struct bh_detect *d,
					    const struct bh_detect_flow *f)
{
	bool final = f->flags & BH_DETECT_F_FINAL;
	bool waited = f->end_ns - f->start_ns >= d->cfg.failure_grace_ns;
	__u8 fi = f->tcp_flags[BH_DETECT_FWD], re = f->tcp_flags[BH_DETECT_REV];
	const __u8 synack = BH_TCP_SYN | BH_TCP_ACK;

	if (f->flags & BH_DETECT_F_MIDSTREAM)
		return BH_OUTCOME_UNKNOWN;
	switch (f->proto) {
	case IPPROTO_TCP:
		if (!(fi & BH_TCP_SYN))
			return BH_OUTCOME_UNKNOWN; /* start not seen */
		if ((re & synack) != synack) {
			if ((re & BH_TCP_RST) || final || waited)
				return BH_OUTCOME_FAILED;
			return BH_OUTCOME_PENDING;
		}
		if (((fi | re) & BH_TCP_RST) && no_payload(f))
			return BH_OUTCOME_FAILED;
		return BH_OUTCOME_OK;
	case IPPROTO_UDP:
		if (f->packets[BH_DETECT_REV])
			return BH_OUTCOME_OK;
		if (!final)
			return BH_OUTCOME_PENDING;
		return d->cfg.udp_unanswered_failed ? BH_OUTCOME_FAILED
						    : BH_OUTCOME_UNKNOWN;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (f->packets[BH_DETECT_REV])
			return BH_OUTCOME_OK;
		/* An echo reply comes within milliseconds: like a half-open
		 * TCP attempt, an echo unanswered for failure_grace failed
		 * (an interim view need not wait for the idle timeout). */
		return final || waited ? BH_OUTCOME_FAILED : BH_OUTCOME_PENDING;
	}
	return f->packets[BH_DETECT_REV] ? BH_OUTCOME_OK : BH_OUTCOME_UNKNOWN;
}

static bool flow_valid(const struct bh_detect_flow *f)
{
	/* Times are kept in 32-bit seconds: records past 2106 are bogus and
	 * would drag the engine's clock with them. */
	return f->end_ns >= f->start_ns &&
	       f->end_ns / NS_PER_S < UINT32_MAX - 7 * 86400 &&
	       f->verdict < BH_VERDICT_MAX &&
	       (f->init.labels || !f->init.n_labels) &&
	       (f->resp.labels || !f->resp.n_labels);
}

static inline __u32 peer_wkey(const struct bh_detect_peer *p)
{
	return p->workload ? p->workload : p->identity;
}

/* created: s is new, zeroed by bh_lru_get() already (a source's state is
 * a few KB: zeroing it twice cost as much as the detectors' work). */
static void src_reset(struct bh_detect *d, struct bh_detect_src *s,
		      const struct bh_detect_flow *f, __u32 now, bool created)
{
	unsigned int i;

	if (!created)
		memset((__u8 *)s + sizeof(s->node) + sizeof(s->addr), 0,
		       d->src_size - sizeof(s->node) - sizeof(s->addr));
	s->identity = f->init.identity;
	s->wkey = peer_wkey(&f->init);
	s->first_s = now;
	s->seen.gen_start = s->ok.gen_start = now;
	for (i = 0; i < d->n_det; i++)
		if (d->det[i].det->src_init)
			d->det[i].det->src_init((__u8 *)s + d->det[i].off,
						d->det[i].priv);
}

static inline void *src_slot(struct bh_detect *d, struct bh_detect_src *s,
			     unsigned int i)
{
	return (__u8 *)s + d->det[i].off;
}

void bh_detect_src_mark(struct bh_detect_ctx *ctx, unsigned int level)
{
	struct bh_detect_src *s = ctx->src;

	if (level > s->node.cls)
		bh_lru_set_class(&ctx->d->sources, s, level);
}

void bh_detect_src_push(struct bh_detect_ctx *ctx, __u8 kind)
{
	struct bh_detect_src *s = ctx->src;
	const struct bh_detect_flow *f = ctx->f;
	struct bh_src_event *e;

	if (s->ring_n) {
		e = &s->ring[(s->ring_head + BH_SRC_RING - 1) % BH_SRC_RING];
		if (e->flow == f->id) {
			e->kind |= kind;
			return;
		}
	}
	e = &s->ring[s->ring_head];
	s->ring_head = (s->ring_head + 1) % BH_SRC_RING;
	if (s->ring_n < BH_SRC_RING)
		s->ring_n++;
	e->flow = f->id;
	e->dst = f->resp.addr;
	e->dst_identity = f->resp.identity;
	e->dst_wkey = ctx->dst_wkey;
	e->t = ctx->t;
	e->port = f->resp.port;
	e->kind = kind;
	e->external = f->resp.external;
}

void bh_detect_src_fill(struct bh_detect_ctx *ctx, struct bh_detect_alert *a,
			__u8 kinds, __u32 window, bool by_port,
			const union bh_addr *dst)
{
	struct bh_detect_src *s = ctx->src;
	struct bh_detect_endpoint ep;
	unsigned int i;

	for (i = 1; i <= s->ring_n; i++) {
		const struct bh_src_event *e =
		    &s->ring[(s->ring_head + BH_SRC_RING - i) % BH_SRC_RING];

		if (!(e->kind & kinds) || ctx->now - e->t >= window ||
		    (dst && memcmp(dst, &e->dst, sizeof(*dst))))
			continue;
		memset(&ep, 0, sizeof(ep));
		ep.addr = e->dst;
		ep.identity = e->dst_identity;
		ep.workload = e->dst_wkey;
		ep.port = by_port ? e->port : 0;
		ep.external = e->external;
		if (!memcmp(&e->dst, &ctx->f->resp.addr, sizeof(e->dst)) &&
		    ctx->f->resp.name)
			snprintf(ep.name, sizeof(ep.name), "%s",
				 ctx->f->resp.name);
		bh_detect_alert_add_target(a, &ep);
		bh_detect_alert_add_evidence(a, e->flow);
	}
}

/* The BH_VIEW_* kinds of ctx's view. */
static __u32 view_kinds(const struct bh_detect_ctx *ctx)
{
	__u32 v = 0;

	if (ctx->outcome == BH_OUTCOME_FAILED)
		v |= BH_VIEW_FAILED;
	if (ctx->denied)
		v |= BH_VIEW_DENIED;
	if (ctx->edge == BH_EDGE_NEW)
		v |= BH_VIEW_EDGE_NEW;
	else if (ctx->edge == BH_EDGE_RECENT)
		v |= BH_VIEW_EDGE_RECENT;
	if (ctx->conn == BH_OUTCOME_OK) {
		v |= BH_VIEW_CONN_OK;
		if (ctx->admin >= 0)
			v |= BH_VIEW_ADMIN_OK |
			     (ctx->first ? BH_VIEW_ADMIN_FIRST : 0);
	}
	return v;
}

static void advance_to(struct bh_detect *d, __u64 now)
{
	if (now > d->now_ns)
		d->now_ns = now;
	bh_detect_alerts_expire(d, false);
}

int bh_detect_flow(struct bh_detect *d, const struct bh_detect_flow *f)
{
	struct bh_detect_ctx ctx;
	struct bh_detect_src *s;
	__u64 dh;
	__u32 memory;
	bool created;
	unsigned int i;
	__u32 views;
	__u8 kind = 0;
	int ret;

	if (!flow_valid(f)) {
		d->st.flows_invalid++;
		return -EINVAL;
	}
	if (!d->sealed) {
		ret = seal(d);
		if (ret)
			return ret;
	}
	if (!d->started) {
		d->started = true;
		d->first_ns = f->start_ns;
		d->learning_end_ns = f->start_ns + d->cfg.learning_ns;
	}
	d->st.flows++;
	advance_to(d, f->end_ns);

	memset(&ctx, 0, sizeof(ctx));
	ctx.d = d;
	ctx.cfg = &d->cfg;
	ctx.f = f;
	ctx.now_ns = d->now_ns;
	ctx.now = bh_ns_to_s(d->now_ns);
	ctx.t = bh_ns_to_s(f->start_ns);
	ctx.learning = d->now_ns < d->learning_end_ns;
	ctx.denied =
	    f->verdict == BH_VERDICT_DENY || f->verdict == BH_VERDICT_AUDIT;
	/* Two views of one attempt. For the scan detectors a denied or
	 * would-deny attempt failed, answered or not: that is what an
	 * attacker gets under enforcement, and audit mode reports what
	 * enforcement would show. For lateral movement what counts is
	 * whether the connection happened: in enforce mode a denied one
	 * never gets an answer (the data plane dropped it), but in audit
	 * mode, or in a capture taken before enforcement, it was answered
	 * and the session, the transfer, the next hop are real. */
	ctx.conn = classify_wire(d, f);
	ctx.outcome = ctx.denied ? BH_OUTCOME_FAILED : ctx.conn;
	ctx.first = !(f->flags & BH_DETECT_F_CONT);
	ctx.admin = d->admin_idx[f->resp.port] && (f->proto == IPPROTO_TCP ||
						   f->proto == IPPROTO_UDP ||
						   f->proto == IPPROTO_SCTP)
			? d->admin_idx[f->resp.port] - 1
			: -1;
	ctx.src_wkey = peer_wkey(&f->init);
	ctx.dst_wkey = peer_wkey(&f->resp);
	dh = bh_siphash13(d->seed, &f->resp.addr, sizeof(f->resp.addr));
	ctx.dst_hash = (__u32)(dh ^ (dh >> 32));

	s = bh_lru_get(&d->sources, &f->init.addr, ctx.now, &created);
	if (created || s->identity != f->init.identity)
		src_reset(d, s, f, ctx.now, created); /* new, or the address
						       * changed hands */
	ctx.src = s;
	ctx.first_contact = !bloom_has(&s->seen, dh);
	ctx.known_ok = bloom_has(&s->ok, dh);
	ctx.edge = bh_detect_edge_observe(&ctx);

	if (ctx.outcome == BH_OUTCOME_FAILED)
		kind |= BH_EV_FAILED | (ctx.first_contact ? BH_EV_FIRST : 0);
	if (ctx.denied)
		kind |= BH_EV_DENIED;
	if (ctx.outcome == BH_OUTCOME_OK && ctx.admin >= 0)
		kind |= BH_EV_ADMIN_OK;
	if (kind)
		bh_detect_src_push(&ctx, kind);

	views = view_kinds(&ctx);
	for (i = 0; i < d->n_det; i++) {
		const struct bh_detector *det = d->det[i].det;

		if (!det->views || (det->views & views))
			det->flow(&ctx, src_slot(d, s, i), d->det[i].priv);
	}

	if (ctx.outcome == BH_OUTCOME_OK || ctx.outcome == BH_OUTCOME_FAILED) {
		memory = bh_win_s(d->cfg.trw.memory_ns);
		bloom_refresh(&s->seen, dh, ctx.now, memory);
		if (ctx.outcome == BH_OUTCOME_OK)
			bloom_refresh(&s->ok, dh, ctx.now, memory);
	}
	return ctx.conn == BH_OUTCOME_OK ? BH_DETECT_ANSWERED : 0;
}

void bh_detect_advance(struct bh_detect *d, __u64 now_ns)
{
	if (now_ns / NS_PER_S < UINT32_MAX - 7 * 86400)
		advance_to(d, now_ns);
}

void bh_detect_flush(struct bh_detect *d)
{
	bh_detect_alerts_expire(d, true);
}

static void table_mem(const struct bh_lru *t, struct bh_detect_mem *m)
{
	m->alloc = t->pool ? bh_lru_mem(t) : 0;
	m->used = t->pool ? bh_lru_mem_used(t) : 0;
}

void bh_detect_stats_tables(const struct bh_detect_stats *st,
			    struct bh_detect_table_stats out[BH_DETECT_TABLES])
{
	out[0] = (struct bh_detect_table_stats){"sources", st->sources,
						st->sources_max,
						st->source_evictions};
	out[1] = (struct bh_detect_table_stats){"edges", st->edges,
						st->edges_max,
						st->edge_evictions};
	out[2] = (struct bh_detect_table_stats){"workloads", st->workloads,
						st->workloads_max,
						st->workload_evictions};
	out[3] = (struct bh_detect_table_stats){"pivots", st->pivots,
						st->pivots_max,
						st->pivot_evictions};
	out[4] = (struct bh_detect_table_stats){"alerts", st->alerts_open,
						st->alerts_max,
						st->alert_evictions};
}

void bh_detect_stats(const struct bh_detect *d, struct bh_detect_stats *st)
{
	const struct bh_lru *tables[] = {&d->sources, &d->edges, &d->workloads,
					 &d->pivots, &d->alerts};
	unsigned int i;

	*st = d->st;
	st->mem_bytes = sizeof(*d);
	st->mem_used_bytes = sizeof(*d);
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		if (!tables[i]->pool)
			continue;
		st->mem_bytes += bh_lru_mem(tables[i]);
		st->mem_used_bytes += bh_lru_mem_used(tables[i]);
	}
	st->sources = d->sources.n;
	st->sources_max = d->cfg.max_sources;
	st->edges = d->edges.n;
	st->edges_max = d->cfg.max_edges;
	st->workloads = d->workloads.n;
	st->workloads_max = d->cfg.max_workloads;
	st->pivots = d->pivots.n;
	st->pivots_max = d->cfg.max_pivots;
	st->alerts_open = d->alerts.n;
	st->alerts_max = d->cfg.max_alerts;
	st->source_evictions = d->sources.evictions;
	st->edge_evictions = d->edges.evictions;
	st->workload_evictions = d->workloads.evictions;
	st->pivot_evictions = d->pivots.evictions;
	st->alert_evictions = d->alerts.evictions;
	st->learning = !d->started || d->now_ns < d->learning_end_ns;
	st->learning_end_ns = d->started ? d->learning_end_ns : 0;
	st->n_detectors = d->n_det;
	for (i = 0; i < d->n_det; i++) {
		st->detector_names[i] = d->det[i].det->name;
		st->state_size[i] = (__u32)d->det[i].det->state_size;
	}
	st->src_base_size = sizeof(struct bh_detect_src);
	table_mem(&d->sources, &st->mem_sources);
	table_mem(&d->edges, &st->mem_edges);
	table_mem(&d->workloads, &st->mem_workloads);
	table_mem(&d->pivots, &st->mem_pivots);
	table_mem(&d->alerts, &st->mem_alerts);
}
