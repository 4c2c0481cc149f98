/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The classifier pipeline, for both targets: parse, identify, conntrack,
 * decide, account, report. Entry point bh_classify(); the XDP program
 * (bulkhead.bpf.c) and the native engine (src/native/) are thin callers.
 *
 * Fast path: a packet of a known flow whose cached verdict was decided
 * under the current policy epoch costs the parse, one hash lookup in
 * bh_flows, an epoch compare and the counter updates. Everything else
 * (new flows, policy switches, fragments, ICMP errors, denials) is the
 * slow path.
 */
#ifndef BH_CLASSIFY_H
#define BH_CLASSIFY_H

#include "bh_ct.h"
#include "bh_parse.h"
#include "bh_policy.h"
#include "bh_target.h"
#include "bh_work.h"

/* Context of one packet, rebuilt by each pipeline step from the working
 * memory (a BPF global function cannot receive pointers to maps). */
struct bh_pctx {
	struct bh_env *env;
	struct bh_work *w;
	const struct bh_config *cfg;
	const struct bh_slot_cfg *sc;
	struct bh_stats *st;
	__u64 now;
	__u32 epoch;
	__u32 slot;
	__u32 ifindex;
};

static __always_inline int bh_pctx_load(struct bh_pctx *p, struct bh_env *env,
					struct bh_work *w)
{
	if (!w)
		return -1;
	p->env = env;
	p->w = w;
	p->cfg = bh_t_config(env);
	p->st = bh_t_stats(env);
	if (!p->cfg || !p->st)
		return -1;
	p->now = w->now;
	p->epoch = w->epoch;
	p->slot = w->slot & 1;
	p->sc = &p->cfg->slot[p->slot];
	p->ifindex = w->ifindex;
	return 0;
}

static __always_inline void bh_res_set(struct bh_result *res, __u8 verdict,
				       __u8 reason, __u32 rule_id)
{
	res->verdict = verdict;
	res->reason = reason;
	res->rule_id = rule_id;
}

/* ------------------------------------------------------------------------ */
/* Events (DESIGN.md decision 7): per-CPU token bucket; what the limit      */
/* suppresses or a full ring refuses is counted.                            */

#define BH_EV_MAX_RATE 1000000ULL /* per second per CPU, clamp */
#define BH_EV_MAX_ELAPSED 1000000000000ULL /* 1000 s: no overflow below */

/* Token bucket: refill at now for rate per second, burst tokens at most;
 * returns the milli-tokens now in the bucket (also stored). */
static __always_inline __u64 bh_bucket_refill(__u64 *tokens_milli,
					      __u64 *last_ns, __u64 rate,
					      __u32 burst, __u64 now)
{
	__u64 cap, tokens, elapsed, add;

	if (rate > BH_EV_MAX_RATE)
		rate = BH_EV_MAX_RATE;
	cap = (__u64)(burst ? burst : 1) * 1000;
	tokens = *tokens_milli;
	if (!*last_ns || now < *last_ns) {
		tokens = cap; /* first use, or the clock went back (replay) */
		*last_ns = now;
	} else {
		elapsed = now - *last_ns;
		if (elapsed > BH_EV_MAX_ELAPSED)
			elapsed = BH_EV_MAX_ELAPSED;
		/* tokens/ns = rate / 1e9; milli-tokens: x 1000. last_ns stays
		 * while less than one milli-token accrued, so that frequent
		 * calls do not round the refill away. */
		add = elapsed * rate / 1000000;
		if (add) {
			tokens += add;
			*last_ns = now;
		}
	}
	if (tokens > cap)
		tokens = cap;
	*tokens_milli = tokens;
	return tokens;
}

/* Take one token (rate 0: unlimited); 1 when a token was taken. */
static __always_inline int bh_bucket_take(__u64 *tokens_milli, __u64 *last_ns,
					  __u64 rate, __u32 burst, __u64 now)
{
	if (!rate)
		return 1;
	if (bh_bucket_refill(tokens_milli, last_ns, rate, burst, now) < 1000)
		return 0;
	*tokens_milli -= 1000;
	return 1;
}

static __always_inline int bh_ev_take(struct bh_pctx *p)
{
	struct bh_ratelimit *rl;

	if (!p->cfg->ev_rate)
		return 1;
	rl = bh_t_ratelimit(p->env);
	if (!rl)
		return 1;
	if (bh_bucket_take(&rl->tokens_milli, &rl->last_ns, p->cfg->ev_rate,
			   p->cfg->ev_burst, p->now))
		return 1;
	p->st->ev_suppressed++;
	return 0;
}

/* May a new denied flow take an entry in bh_denied? */
static __always_inline int bh_deny_cache_take(struct bh_pctx *p)
{
	struct bh_ratelimit *rl;

	if (!p->cfg->deny_cache_rate)
		return 1;
	rl = bh_t_ratelimit(p->env);
	if (!rl)
		return 1;
	if (bh_bucket_take(&rl->deny_tokens_milli, &rl->deny_last_ns,
			   p->cfg->deny_cache_rate, p->cfg->deny_cache_burst,
			   p->now))
		return 1;
	p->st->denied_uncached++;
	return 0;
}

/* Emit an event of type for the packet and its w->res; the caller took a
 * token (bh_event()). */
BH_STEP int bh_emit(struct bh_env *env, struct bh_work *w, __u32 type)
{
	struct bh_event *ev;
	struct bh_pctx p;

	if (bh_pctx_load(&p, env, w))
		return 0;
	ev = &w->ev;
	ev->ts_ns = p.now;
	ev->type = (__u8)type;
	ev->verdict = w->res.verdict;
	ev->reason = w->res.reason;
	ev->pad0 = 0;
	ev->rule_id = w->res.rule_id;
	ev->src_identity = w->res.src_identity;
	ev->dst_identity = w->res.dst_identity;
	ev->ifindex = p.ifindex;
	ev->epoch = p.epoch;
	ev->pkt = w->pkt;
	ev->pad1 = 0;
	if (bh_t_event(p.env, ev))
		p.st->ev_ringfull++;
	else
		p.st->ev_sent++;
	return 0;
}

/* An event, if the rate limit lets it through (checked inline: under a
 * flood most are suppressed, at the cost of the token check only). */
static __always_inline void bh_event(struct bh_pctx *p, __u32 type)
{
	if (bh_ev_take(p))
		bh_emit(p->env, p->w, type);
}

/* Deny event for a refused (or would-be refused) packet, when asked for. */
static __always_inline void bh_emit_deny(struct bh_pctx *p, int log)
{
	if (log || (p->cfg->flags & BH_CFG_EV_DENY))
		bh_event(p, BH_EV_DENY);
}

/* ------------------------------------------------------------------------ */
/* Identities and policy.                                                   */

/* Identities of s and d into w->src, w->dst and the result. */
static __always_inline void bh_identify_in(struct bh_pctx *p,
					   const union bh_addr *s,
					   const union bh_addr *d)
{
	struct bh_work *w = p->w;

	bh_identity_lookup(p->env, p->slot, p->sc, s, &w->src);
	bh_identity_lookup(p->env, p->slot, p->sc, d, &w->dst);
	w->res.src_identity = w->src.id;
	w->res.dst_identity = w->dst.id;
}

/* Policy decision for w->src -> w->dst into w->dec. */
static __always_inline void bh_decide_in(struct bh_pctx *p, __u8 proto,
					 __u16 port)
{
	struct bh_work *w = p->w;

	p->st->policy_evals++;
	bh_policy_decide(p->env, p->slot, p->sc, &w->src, &w->dst, proto,
			 port, &w->dec);
}

/* The same as pipeline steps of their own, for the slow paths. */
BH_STEP int bh_identify(struct bh_env *env, struct bh_work *w,
			const union bh_addr *s, const union bh_addr *d)
{
	struct bh_pctx p;

	if (bh_pctx_load(&p, env, w) || !s || !d)
		return 0;
	bh_identify_in(&p, s, d);
	return 0;
}

BH_STEP int bh_decide(struct bh_env *env, struct bh_work *w, __u32 proto,
		      __u32 port)
{
	struct bh_pctx p;

	if (bh_pctx_load(&p, env, w))
		return 0;
	bh_decide_in(&p, (__u8)proto, (__u16)port);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Flows.                                                                   */

/* Count the packet in direction dir of f. Writes what changed only: the
 * entry's cache line is shared by the CPUs that see the flow. */
static __always_inline void bh_fast_account(struct bh_flow *f, int dir,
					    const struct bh_pkt *pkt,
					    const struct bh_work *w)
{
	dir &= 1;
	if (!f->packets[dir] && f->ifindex[dir] != w->ifindex)
		f->ifindex[dir] = w->ifindex;
	bh_t_add64(&f->packets[dir], w->segs);
	bh_t_add64(&f->bytes[dir], pkt->pkt_len);
	if ((f->tcp_flags[dir] | pkt->tcp_flags) != f->tcp_flags[dir])
		f->tcp_flags[dir] |= pkt->tcp_flags;
	if (w->now > f->last_seen_ns)
		f->last_seen_ns = w->now;
}

static __always_inline void bh_flow_account(struct bh_pctx *p,
					    struct bh_flow *f, int dir)
{
	bh_fast_account(f, dir, &p->w->pkt, p->w);
}

/* Re-decide a flow under the current epoch's policy, from its initiator to
 * its responder (a policy switch or an endpoint change happened since). */
BH_STEP int bh_flow_redecide(struct bh_env *env, struct bh_work *w,
			     const struct bh_flow_key *k, struct bh_flow *f)
{
	struct bh_pctx p;
	__u8 old;
	int init;

	if (bh_pctx_load(&p, env, w) || !k || !f)
		return 0;
	old = f->verdict;
	init = bh_flow_init_dir(f);
	if (init == BH_DIR_AB)
		bh_identify(env, w, &k->a, &k->b);
	else
		bh_identify(env, w, &k->b, &k->a);
	bh_decide(env, w, k->proto, f->policy_port);
	f->verdict = w->dec.verdict;
	f->reason = w->dec.reason;
	f->rule_id = w->dec.rule_id;
	f->identity[init] = w->src.id;
	f->identity[init ^ 1] = w->dst.id;
	f->epoch = p.epoch;
	/* A policy change that turns a flow's verdict around is reported
	 * like a new flow or a new denial. */
	if (f->verdict != old) {
		bh_res_set(&w->res, f->verdict, f->reason, f->rule_id);
		if (f->verdict != BH_VERDICT_ALLOW)
			bh_emit_deny(&p, w->dec.log);
		else if (w->dec.log || (p.cfg->flags & BH_CFG_EV_NEW_FLOWS))
			bh_event(&p, BH_EV_NEW_FLOW);
	}
	return 0;
}

/* Packet of a known flow: the fast path when the epoch matches. */
static __always_inline void bh_flow_hit(struct bh_pctx *p,
					const struct bh_flow_key *k,
					struct bh_flow *f, int dir)
{
	struct bh_result *res = &p->w->res;
	__u8 reason;

	dir &= 1;
	if (bh_unlikely(f->epoch != p->epoch))
		bh_flow_redecide(p->env, p->w, k, f);
	if (f->verdict != BH_VERDICT_DENY)
		bh_ct_advance(f, dir, &p->w->pkt);
	bh_flow_account(p, f, dir);
	reason = f->reason;
	if (dir != bh_flow_init_dir(f) && f->verdict == BH_VERDICT_ALLOW)
		reason = BH_REASON_CT_REPLY;
	bh_res_set(res, f->verdict, reason, f->rule_id);
	res->src_identity = f->identity[dir];
	res->dst_identity = f->identity[dir ^ 1];
}

/* First packet of the flow w->key (or of a flow whose entry in bh_flows,
 * stale, has expired or closed): decide it and create its entry, in
 * bh_flows when it passes, in bh_denied when it is dropped. */
BH_STEP int bh_flow_new(struct bh_env *env, struct bh_work *w, __u32 dir,
			__u32 stale)
{
	const struct bh_pkt *pkt;
	struct bh_flow *nf;
	struct bh_result *res;
	struct bh_pctx p;

	if (bh_pctx_load(&p, env, w))
		return 0;
	pkt = &w->pkt;
	nf = &w->flow;
	res = &w->res;
	dir &= 1;
	bh_identify_in(&p, &pkt->saddr, &pkt->daddr);
	if (pkt->ip_proto == BH_IPPROTO_TCP && !bh_tcp_is_syn(pkt) &&
	    !p.sc->ct_loose) {
		bh_res_set(res, bh_refuse(bh_mode_of(p.sc, &w->src, &w->dst)),
			   BH_REASON_CT_INVALID, 0);
		bh_emit_deny(&p, 0);
		return 0;
	}
	bh_decide_in(&p, pkt->ip_proto, bh_policy_port(pkt));
	bh_res_set(res, w->dec.verdict, w->dec.reason, w->dec.rule_id);
	if (w->dec.verdict == BH_VERDICT_DENY) {
		if (stale)
			bh_t_delete(env, bh_flows, &w->key);
		/* Over the admission rate (a flood of new tuples) the flow
		 * is dropped and counted, not cached. */
		if (!bh_deny_cache_take(&p)) {
			bh_emit_deny(&p, w->dec.log);
			return 0;
		}
	}

	bh_memset(nf, 0, sizeof(*nf));
	nf->epoch = p.epoch;
	nf->verdict = w->dec.verdict;
	nf->reason = w->dec.reason;
	nf->ct_state = bh_ct_initial(pkt);
	nf->flags = (dir == BH_DIR_BA ? BH_FLOW_F_INIT_B : 0) |
		    (w->dec.log ? BH_FLOW_F_LOG : 0) |
		    (pkt->tun_type ? BH_FLOW_F_TUNNEL : 0) |
		    ((pkt->flags & BH_PKT_IPV6) ? BH_FLOW_F_IPV6 : 0);
	nf->last_seen_ns = p.now;
	nf->first_seen_ns = p.now;
	nf->packets[dir] = w->segs;
	nf->bytes[dir] = pkt->pkt_len;
	nf->tcp_flags[dir] = pkt->tcp_flags;
	nf->policy_port = bh_policy_port(pkt);
	nf->rule_id = w->dec.rule_id;
	nf->identity[dir] = w->src.id;
	nf->identity[dir ^ 1] = w->dst.id;
	nf->ifindex[dir] = p.ifindex;
	nf->vni = pkt->vni;
	nf->vlan[0] = pkt->vlan[0];
	nf->vlan[1] = pkt->vlan[1];
	nf->outer_saddr = pkt->outer_saddr;
	nf->outer_daddr = pkt->outer_daddr;

	if (w->dec.verdict == BH_VERDICT_DENY) {
		if (bh_t_update(env, bh_denied, &w->key, nf, BH_ANY))
			p.st->insert_failed++;
		else
			p.st->denied_created++;
		bh_emit_deny(&p, w->dec.log);
		return 0;
	}
	if (bh_t_update(env, bh_flows, &w->key, nf, BH_ANY)) {
		p.st->insert_failed++;
	} else {
		p.st->flows_created++;
		res->new_flow = 1;
	}
	if (w->dec.verdict == BH_VERDICT_AUDIT)
		bh_emit_deny(&p, w->dec.log);
	else if (w->dec.log || (p.cfg->flags & BH_CFG_EV_NEW_FLOWS))
		bh_event(&p, BH_EV_NEW_FLOW);
	return 0;
}

/* A packet of the denied flow w->key, entry d. Its verdict is re-decided
 * after a policy switch; a flow the new policy lets through moves to
 * bh_flows. */
BH_STEP int bh_denied_hit(struct bh_env *env, struct bh_work *w,
			  struct bh_flow *d, __u32 dir)
{
	struct bh_flow *f;
	struct bh_pctx p;

	if (bh_pctx_load(&p, env, w) || !d)
		return 0;
	dir &= 1;
	if (d->epoch != p.epoch) {
		bh_flow_redecide(env, w, &w->key, d);
		if (d->verdict != BH_VERDICT_DENY) {
			w->flow = *d;
			if (bh_t_update(env, bh_flows, &w->key, &w->flow,
					BH_ANY)) {
				p.st->insert_failed++;
			} else {
				p.st->flows_created++;
				w->res.new_flow = 1;
			}
			bh_t_delete(env, bh_denied, &w->key);
			f = bh_t_lookup(env, bh_flows, &w->key);
			if (f) {
				bh_flow_hit(&p, &w->key, f, dir);
				return 0;
			}
		}
	}
	bh_flow_account(&p, d, dir);
	bh_res_set(&w->res, d->verdict, d->reason, d->rule_id);
	w->res.src_identity = d->identity[dir];
	w->res.dst_identity = d->identity[dir ^ 1];
	return 0;
}

/* ICMP error quoting a packet of a passing connection: it follows that
 * connection (returns 1), else it is classified as any ICMP packet. */
BH_STEP int bh_icmp_related(struct bh_env *env, struct bh_work *w)
{
	const struct bh_pkt *pkt;
	struct bh_flow *f;
	struct bh_pctx p;

	if (bh_pctx_load(&p, env, w))
		return 0;
	pkt = &w->pkt;
	bh_flow_key_make(&w->rkey, &pkt->err_saddr, pkt->err_sport,
			 &pkt->err_daddr, pkt->err_dport, pkt->err_proto,
			 pkt->vni);
	f = bh_t_lookup(env, bh_flows, &w->rkey);
	if (!f || bh_ct_expired(p.cfg, f, w->rkey.proto, p.now))
		return 0;
	if (f->epoch != p.epoch)
		bh_flow_redecide(env, w, &w->rkey, f);
	if (f->verdict == BH_VERDICT_DENY)
		return 0;
	bh_identify(env, w, &pkt->saddr, &pkt->daddr);
	bh_res_set(&w->res, f->verdict, BH_REASON_CT_RELATED, f->rule_id);
	return 1;
}

/* A packet with an L4 header, a first fragment or a protocol without ports:
 * the conntrack path. */
BH_STEP int bh_conn(struct bh_env *env, struct bh_work *w)
{
	const struct bh_pkt *pkt;
	struct bh_flow *f;
	struct bh_pctx p;
	int dir;

	if (bh_pctx_load(&p, env, w))
		return 0;
	pkt = &w->pkt;
	dir = bh_flow_key_make(&w->key, &pkt->saddr, pkt->sport, &pkt->daddr,
			       pkt->dport, pkt->ip_proto, pkt->vni);
	f = bh_t_lookup(env, bh_flows, &w->key);
	if (bh_likely(f != NULL)) {
		if (bh_likely(!bh_ct_expired(p.cfg, f, w->key.proto, p.now) &&
			      !(f->ct_state == BH_CT_CLOSED &&
				bh_tcp_is_syn(pkt)))) {
			bh_flow_hit(&p, &w->key, f, dir);
			return 0;
		}
	} else {
		f = bh_t_lookup(env, bh_denied, &w->key);
		if (f) {
			if (!bh_ct_expired(p.cfg, f, w->key.proto, p.now)) {
				bh_denied_hit(env, w, f, dir);
				return 0;
			}
			bh_t_delete(env, bh_denied, &w->key);
		}
		f = NULL;
	}
	if ((pkt->flags & BH_PKT_ICMP_ERR) && bh_icmp_related(env, w))
		return 0;
	bh_flow_new(env, w, dir, f != NULL);
	return 0;
}

/* The fast path, inline in the program: a packet of a known flow whose
 * verdict was decided under the current epoch. Returns 0 to take the slow
 * path (bh_conn) instead. */
static __always_inline int bh_fast(struct bh_env *env, struct bh_work *w,
				   const struct bh_config *cfg,
				   struct bh_stats *st)
{
	const struct bh_pkt *pkt = &w->pkt;
	struct bh_pctx p;
	struct bh_flow *f;
	int dir;

	w->fast_miss = 0;
	if (pkt->flags & BH_PKT_ICMP_ERR)
		return 0;
	dir = bh_flow_key_make(&w->key, &pkt->saddr, pkt->sport, &pkt->daddr,
			       pkt->dport, pkt->ip_proto, pkt->vni);
	w->fast_dir = dir;
	f = bh_t_lookup(env, bh_flows, &w->key);
	if (!f) {
		/* A known denied flow: dropped after this lookup. */
		f = bh_t_lookup(env, bh_denied, &w->key);
		w->fast_miss = !f;
		if (!f || f->epoch != w->epoch ||
		    bh_ct_expired(cfg, f, w->key.proto, w->now))
			return 0;
		dir &= 1;
		bh_fast_account(f, dir, pkt, w);
		bh_res_set(&w->res, f->verdict, f->reason, f->rule_id);
		w->res.src_identity = f->identity[dir];
		w->res.dst_identity = f->identity[dir ^ 1];
		return 1;
	}
	if (f->epoch != w->epoch ||
	    bh_ct_expired(cfg, f, w->key.proto, w->now) ||
	    (f->ct_state == BH_CT_CLOSED && bh_tcp_is_syn(pkt)))
		return 0;
	p.env = env;
	p.w = w;
	p.cfg = cfg;
	p.st = st;
	p.now = w->now;
	p.epoch = w->epoch;
	p.slot = w->slot & 1;
	p.sc = &cfg->slot[p.slot];
	p.ifindex = w->ifindex;
	bh_flow_hit(&p, &w->key, f, dir);
	return 1;
}

/* Flood mode: while new denied flows arrive faster than bh_denied admits
 * them (the admission bucket is empty), a TCP SYN is judged by the policy
 * before any flow lookup, and one the policy refuses is dropped at once,
 * uncached: a SYN flood of new tuples then costs a policy evaluation per
 * packet, not two misses in the flow maps. (A known denied flow's SYN is
 * then not accounted to its entry; bh_stats counts it.) Outside a flood
 * the conntrack lookups come first, as for every other packet. */
static __always_inline int bh_syn_flood(struct bh_env *env,
					const struct bh_config *cfg,
					const struct bh_work *w)
{
	struct bh_ratelimit *rl;

	if (!cfg->deny_cache_rate || w->pkt.ip_proto != BH_IPPROTO_TCP ||
	    !(w->pkt.flags & BH_PKT_HAS_L4) || !bh_tcp_is_syn(&w->pkt))
		return 0;
	rl = bh_t_ratelimit(env);
	return rl && bh_bucket_refill(&rl->deny_tokens_milli,
				      &rl->deny_last_ns, cfg->deny_cache_rate,
				      cfg->deny_cache_burst, w->now) < 1000;
}

/* In flood mode: 1 when the policy refuses the SYN (dropped, counted),
 * 0 to classify it as usual. */
BH_STEP int bh_syn_flood_drop(struct bh_env *env, struct bh_work *w)
{
	struct bh_pctx p;

	if (bh_pctx_load(&p, env, w))
		return 0;
	bh_identify_in(&p, &w->pkt.saddr, &w->pkt.daddr);
	bh_decide_in(&p, BH_IPPROTO_TCP, w->pkt.dport);
	if (w->dec.verdict != BH_VERDICT_DENY)
		return 0;
	bh_res_set(&w->res, w->dec.verdict, w->dec.reason, w->dec.rule_id);
	p.st->denied_uncached++;
	bh_emit_deny(&p, w->dec.log);
	return 1;
}

/* ------------------------------------------------------------------------ */
/* Fragments.                                                               */

static __always_inline void bh_frag_key_make(struct bh_frag_key *fk,
					     const struct bh_pkt *pkt)
{
	fk->saddr = pkt->saddr;
	fk->daddr = pkt->daddr;
	fk->id = pkt->frag_id;
	fk->proto = pkt->ip_proto;
	bh_vni_put(fk->vni, pkt->vni);
}

/* A first fragment that passed: remember its verdict for the rest of the
 * datagram. Dropped first fragments are not recorded, so that a flood of
 * them cannot evict the entries of passing datagrams; their later
 * fragments are then untracked, which drops them too. */
BH_STEP int bh_frag_first(struct bh_env *env, struct bh_work *w)
{
	struct bh_frag *fr;
	struct bh_pctx p;

	if (bh_pctx_load(&p, env, w) || w->res.verdict == BH_VERDICT_DENY)
		return 0;
	fr = &w->frag;
	bh_frag_key_make(&w->fkey, &w->pkt);
	fr->last_seen_ns = p.now;
	fr->rule_id = w->res.rule_id;
	fr->sport = w->pkt.sport;
	fr->dport = w->pkt.dport;
	fr->verdict = w->res.verdict;
	fr->reason = w->res.reason;
	bh_memset(fr->pad, 0, sizeof(fr->pad));
	if (bh_t_update(env, bh_frags, &w->fkey, fr, BH_ANY))
		p.st->insert_failed++;
	else
		p.st->frags_created++;
	return 0;
}

/* A later fragment: the verdict of its first fragment, accounted to its
 * flow; without one, frag_untracked. */
BH_STEP int bh_frag_later(struct bh_env *env, struct bh_work *w)
{
	const struct bh_pkt *pkt;
	struct bh_frag *fr;
	struct bh_flow *f;
	struct bh_pctx p;
	__u64 tmo;
	int dir;

	if (bh_pctx_load(&p, env, w))
		return 0;
	pkt = &w->pkt;
	tmo = p.cfg->ct_timeout_ns[BH_CT_TMO_FRAG];
	bh_frag_key_make(&w->fkey, pkt);
	fr = bh_t_lookup(env, bh_frags, &w->fkey);
	if (fr && tmo && p.now > fr->last_seen_ns &&
	    p.now - fr->last_seen_ns > tmo)
		fr = NULL;
	if (!fr) {
		bh_identify(env, w, &pkt->saddr, &pkt->daddr);
		bh_res_set(&w->res,
			   bh_refuse(bh_mode_of(p.sc, &w->src, &w->dst)),
			   BH_REASON_FRAG_UNTRACKED, 0);
		bh_emit_deny(&p, 0);
		return 0;
	}
	if (p.now > fr->last_seen_ns)
		fr->last_seen_ns = p.now;
	bh_res_set(&w->res, fr->verdict, BH_REASON_FRAG_TRACKED, fr->rule_id);
	dir = bh_flow_key_make(&w->key, &pkt->saddr, fr->sport, &pkt->daddr,
			       fr->dport, pkt->ip_proto, pkt->vni);
	f = bh_t_lookup(env, bh_flows, &w->key);
	if (f) {
		bh_flow_account(&p, f, dir);
		if (!(f->flags & BH_FLOW_F_FRAGS))
			f->flags |= BH_FLOW_F_FRAGS;
		w->res.src_identity = f->identity[dir & 1];
		w->res.dst_identity = f->identity[(dir & 1) ^ 1];
	} else {
		bh_identify(env, w, &pkt->saddr, &pkt->daddr);
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Entry point.                                                             */

static __always_inline void bh_count(struct bh_stats *st,
				     const struct bh_result *res, __u32 len,
				     __u32 segs)
{
	__u32 v = res->verdict, r = res->reason;

	if (v >= BH_VERDICT_MAX)
		v = BH_VERDICT_UNSPEC;
	if (r >= BH_REASON_MAX)
		r = BH_REASON_NONE;
	st->verdict_pkts[v] += segs;
	st->verdict_bytes[v] += len;
	st->reason_pkts[r] += segs;
}

/* A GSO packet (TC egress) stands for segs packets on the wire, each with
 * the headers in front of the payload: its wire length counts them so. */
static __always_inline void bh_gso_wire_len(struct bh_pkt *pkt, __u32 segs)
{
	__u32 hdr = pkt->payload_off ? pkt->payload_off :
		    pkt->l4_off	     ? pkt->l4_off :
					pkt->l3_off;

	pkt->pkt_len += (segs - 1) * hdr;
}

/* Classify the frame [data, data_end) of wire_len bytes on the wire,
 * received on ifindex, with w as working memory. segs: the packets on the
 * wire the frame stands for, more than 1 for a GSO packet (TC egress: it
 * is segmented after the hook); its wire length then counts each
 * segment's headers. now_ns is the caller's clock (0: ask the target's
 * clock); bh_config's overrides win. Returns 1 to pass the packet, 0 to
 * drop it; w->res holds the outcome. */
static __always_inline int bh_classify(struct bh_env *env, struct bh_work *w,
				       const void *data, const void *data_end,
				       __u32 wire_len, __u32 segs,
				       __u32 ifindex, __u64 now_ns)
{
	struct bh_result *res = &w->res;
	const struct bh_pkt *pkt = &w->pkt;
	struct bh_config *cfg = bh_t_config(env);
	struct bh_stats *st = bh_t_stats(env);
	__u32 epoch;
	__u8 mode;
	int r;

	if (!cfg || !st)
		return 1;
	epoch = bh_read_once(cfg->epoch);
	w->epoch = epoch;
	w->slot = epoch & 1;
	w->ifindex = ifindex;
	if (cfg->flags & BH_CFG_IFINDEX_OVERRIDE)
		w->ifindex = cfg->ifindex_override;
	if (cfg->wire_len_override)
		wire_len = cfg->wire_len_override;
	w->now = cfg->now_override_ns;
	if (!w->now)
		w->now = now_ns ? now_ns : bh_t_now(env);

	r = bh_parse(data, data_end, wire_len, &w->pkt);
	w->segs = 1;
	if (segs > 1 && segs <= BH_GSO_MAX_SEGS && !r) {
		w->segs = segs;
		bh_gso_wire_len(&w->pkt, segs);
	}
	bh_memset(res, 0, sizeof(*res));
	res->epoch = epoch;

	if (!(cfg->flags & BH_CFG_ENABLED)) {
		/* Loaded, no policy yet: pass and count. */
		bh_res_set(res, BH_VERDICT_ALLOW, (__u8)r, 0);
	} else if (r == BH_REASON_NON_IP) {
		bh_res_set(res, BH_VERDICT_ALLOW, BH_REASON_NON_IP, 0);
	} else if (r) {
		/* An IP packet we cannot classify is refused, per the
		 * global mode, with the parse reason. */
		struct bh_pctx p;

		mode = cfg->slot[epoch & 1].mode;
		bh_res_set(res, bh_refuse(mode), (__u8)r, 0);
		if (!bh_pctx_load(&p, env, w))
			bh_emit_deny(&p, 0);
	} else if ((pkt->frag_flags & BH_FRAG_IS_FRAG) && pkt->frag_off) {
		bh_frag_later(env, w);
	} else {
		if (bh_syn_flood(env, cfg, w) && bh_syn_flood_drop(env, w))
			; /* refused in flood mode, before any flow lookup */
		else if (!bh_fast(env, w, cfg, st)) {
			if (w->fast_miss) /* a new flow: w->key is set */
				bh_flow_new(env, w, w->fast_dir, 0);
			else
				bh_conn(env, w);
		}
		if (pkt->frag_flags & BH_FRAG_IS_FRAG)
			bh_frag_first(env, w);
	}

	res->drop = res->verdict == BH_VERDICT_DENY;
	bh_count(st, res, pkt->pkt_len, w->segs);
	if (cfg->flags & BH_CFG_RECORD_RESULT)
		bh_t_record(env, res);
	return !res->drop;
}

#endif /* BH_CLASSIFY_H */
