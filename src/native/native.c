// SPDX-License-Identifier: GPL-2.0-only
/*
 * The native engine: xdp/bh_classify.h compiled for the host over the
 * tables of htab.c, and the per-target layer of xdp/bh_target_host.h.
 */
#include "native.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bh_classify.h"
#include "htab.h"
#include "log.h"
#include "policy_entries.h"

#define BH_NATIVE_EV_RATE 10000 /* default events/s, as the loader's */
#define BH_NATIVE_EV_BURST 1000

struct bh_env {
	struct bh_config cfg;
	struct bh_stats st;
	struct bh_ratelimit rl;
	struct bh_htab *flows;
	struct bh_htab *denied;
	struct bh_htab *frags;
	struct bh_htab *id_exact;
	struct bh_htab *port_exact;
	struct bh_htab *bitmaps;
	struct bh_lpm *id_cidr;
	struct bh_lpm *port_lpm;
	struct bh_rule rules[2 * BH_MAX_RULES];
	struct bh_work w;
	__u64 now;
	bh_event_cb ev_cb;
	void *ev_ctx;
	struct bh_result last;
};

struct bh_native {
	struct bh_env env;
};

/* ------------------------------------------------------------------------ */
/* Per-target layer (bh_target_host.h).                                     */

void *bh_host_lookup(struct bh_env *env, enum bh_host_map map,
		     const void *key)
{
	__u32 idx;

	switch (map) {
	case BH_HMAP_bh_flows:
		return bh_htab_lookup(env->flows, key);
	case BH_HMAP_bh_denied:
		return bh_htab_lookup(env->denied, key);
	case BH_HMAP_bh_frags:
		return bh_htab_lookup(env->frags, key);
	case BH_HMAP_bh_id_exact:
		return bh_htab_lookup(env->id_exact, key);
	case BH_HMAP_bh_id_cidr:
		return bh_lpm_lookup(env->id_cidr, key);
	case BH_HMAP_bh_port_exact:
		return bh_htab_lookup(env->port_exact, key);
	case BH_HMAP_bh_port_lpm:
		return bh_lpm_lookup(env->port_lpm, key);
	case BH_HMAP_bh_bitmaps:
		return bh_htab_lookup(env->bitmaps, key);
	case BH_HMAP_bh_rules:
		memcpy(&idx, key, sizeof(idx));
		return idx < 2 * BH_MAX_RULES ? &env->rules[idx] : NULL;
	default:
		return NULL;
	}
}

static struct bh_htab *bh_env_htab(struct bh_env *env, enum bh_host_map map)
{
	switch (map) {
	case BH_HMAP_bh_flows:
		return env->flows;
	case BH_HMAP_bh_denied:
		return env->denied;
	case BH_HMAP_bh_frags:
		return env->frags;
	case BH_HMAP_bh_id_exact:
		return env->id_exact;
	case BH_HMAP_bh_port_exact:
		return env->port_exact;
	case BH_HMAP_bh_bitmaps:
		return env->bitmaps;
	default:
		return NULL;
	}
}

int bh_host_update(struct bh_env *env, enum bh_host_map map, const void *key,
		   const void *val, __u64 flags)
{
	struct bh_htab *t = bh_env_htab(env, map);
	__u32 idx;

	if (t)
		return bh_htab_update(t, key, val, flags);
	if (map == BH_HMAP_bh_id_cidr)
		return bh_lpm_update(env->id_cidr, key, val, flags);
	if (map == BH_HMAP_bh_port_lpm)
		return bh_lpm_update(env->port_lpm, key, val, flags);
	if (map == BH_HMAP_bh_rules) {
		memcpy(&idx, key, sizeof(idx));
		if (idx >= 2 * BH_MAX_RULES)
			return -E2BIG;
		memcpy(&env->rules[idx], val, sizeof(env->rules[idx]));
		return 0;
	}
	return -EINVAL;
}

int bh_host_delete(struct bh_env *env, enum bh_host_map map, const void *key)
{
	struct bh_htab *t = bh_env_htab(env, map);

	if (t)
		return bh_htab_delete(t, key);
	if (map == BH_HMAP_bh_id_cidr)
		return bh_lpm_delete(env->id_cidr, key);
	if (map == BH_HMAP_bh_port_lpm)
		return bh_lpm_delete(env->port_lpm, key);
	return -EINVAL;
}

struct bh_config *bh_host_config(struct bh_env *env)
{
	return &env->cfg;
}

struct bh_stats *bh_host_stats(struct bh_env *env)
{
	return &env->st;
}

struct bh_ratelimit *bh_host_ratelimit(struct bh_env *env)
{
	return &env->rl;
}

__u64 bh_host_now(struct bh_env *env)
{
	return env->now;
}

int bh_host_event(struct bh_env *env, const struct bh_event *ev)
{
	if (env->ev_cb)
		env->ev_cb(env->ev_ctx, ev);
	return 0;
}

void bh_host_record(struct bh_env *env, const struct bh_result *res)
{
	env->last = *res;
}

/* ------------------------------------------------------------------------ */
/* Engine.                                                                  */

int bh_native_new(struct bh_native **out, const struct bh_native_opts *opts)
{
	struct bh_native_opts o = { 0 };
	struct bh_native *n;
	struct bh_env *e;
	int err;

	*out = NULL;
	if (opts)
		o = *opts;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	e = &n->env;
	err = bh_htab_new(&e->flows, sizeof(struct bh_flow_key),
			  sizeof(struct bh_flow),
			  o.flow_capacity ?: BH_FLOW_MAP_SIZE, true);
	err = err ?: bh_htab_new(&e->denied, sizeof(struct bh_flow_key),
				 sizeof(struct bh_flow),
				 o.deny_capacity ?: BH_DENY_MAP_SIZE, true);
	err = err ?: bh_htab_new(&e->frags, sizeof(struct bh_frag_key),
				 sizeof(struct bh_frag),
				 o.frag_capacity ?: BH_FRAG_MAP_SIZE, true);
	err = err ?: bh_htab_new(&e->id_exact, sizeof(struct bh_id_exact_key),
				 sizeof(struct bh_identity_info),
				 BH_ID_MAP_SIZE, false);
	err = err ?: bh_htab_new(&e->port_exact, sizeof(struct bh_port_key),
				 sizeof(struct bh_port_val), BH_PORT_MAP_SIZE,
				 false);
	err = err ?: bh_htab_new(&e->bitmaps, sizeof(struct bh_bitmap_key),
				 sizeof(struct bh_rule_bitmap),
				 BH_BITMAP_MAP_SIZE, false);
	err = err ?: bh_lpm_new(&e->id_cidr, sizeof(struct bh_id_cidr_key),
				sizeof(struct bh_identity_info),
				BH_CIDR_MAP_SIZE);
	err = err ?: bh_lpm_new(&e->port_lpm, sizeof(struct bh_port_lpm_key),
				sizeof(struct bh_port_val), BH_PORT_MAP_SIZE);
	if (err) {
		pr_warn("native: cannot create the engine's tables: %s\n",
			strerror(-err));
		bh_native_free(&n);
		return err;
	}
	bh_ct_default_timeouts(&e->cfg);
	e->cfg.flags = BH_CFG_EV_NEW_FLOWS | BH_CFG_EV_DENY;
	e->cfg.ev_rate = BH_NATIVE_EV_RATE;
	e->cfg.ev_burst = BH_NATIVE_EV_BURST;
	e->cfg.deny_cache_rate = BH_DENY_CACHE_RATE;
	e->cfg.deny_cache_burst = BH_DENY_CACHE_BURST;
	*out = n;
	return 0;
}

void bh_native_free(struct bh_native **np)
{
	struct bh_native *n = np ? *np : NULL;
	struct bh_env *e;

	if (!n)
		return;
	e = &n->env;
	bh_htab_free(&e->flows);
	bh_htab_free(&e->denied);
	bh_htab_free(&e->frags);
	bh_htab_free(&e->id_exact);
	bh_htab_free(&e->port_exact);
	bh_htab_free(&e->bitmaps);
	bh_lpm_free(&e->id_cidr);
	bh_lpm_free(&e->port_lpm);
	free(n);
	*np = NULL;
}

struct bh_config *bh_native_config(struct bh_native *n)
{
	return &n->env.cfg;
}

struct bh_slot_clear {
	struct bh_env *env;
	enum bh_pmap map;
	__u32 slot;
};

static int bh_slot_clear_one(void *ctx, const void *key, void *val)
{
	struct bh_slot_clear *c = ctx;

	(void)val;
	if (bh_pentry_slot(c->map, key) != c->slot)
		return 0;
	if (c->map == BH_PMAP_ID_CIDR)
		return bh_lpm_delete(c->env->id_cidr, key);
	if (c->map == BH_PMAP_PORT_LPM)
		return bh_lpm_delete(c->env->port_lpm, key);
	if (c->map == BH_PMAP_ID_EXACT)
		return bh_htab_delete(c->env->id_exact, key);
	if (c->map == BH_PMAP_PORT_EXACT)
		return bh_htab_delete(c->env->port_exact, key);
	return bh_htab_delete(c->env->bitmaps, key);
}

/* Empty every policy table of slot. */
static void bh_native_clear_slot(struct bh_env *e, __u32 slot)
{
	struct bh_slot_clear c = { .env = e, .slot = slot };

	c.map = BH_PMAP_ID_EXACT;
	bh_htab_foreach(e->id_exact, bh_slot_clear_one, &c);
	c.map = BH_PMAP_PORT_EXACT;
	bh_htab_foreach(e->port_exact, bh_slot_clear_one, &c);
	c.map = BH_PMAP_BITMAPS;
	bh_htab_foreach(e->bitmaps, bh_slot_clear_one, &c);
	c.map = BH_PMAP_ID_CIDR;
	bh_lpm_foreach(e->id_cidr, bh_slot_clear_one, &c);
	c.map = BH_PMAP_PORT_LPM;
	bh_lpm_foreach(e->port_lpm, bh_slot_clear_one, &c);
	memset(&e->rules[slot * BH_MAX_RULES], 0,
	       BH_MAX_RULES * sizeof(e->rules[0]));
}

static const enum bh_host_map bh_pmap_host[BH_PMAP_MAX] = {
	[BH_PMAP_ID_EXACT] = BH_HMAP_bh_id_exact,
	[BH_PMAP_ID_CIDR] = BH_HMAP_bh_id_cidr,
	[BH_PMAP_PORT_EXACT] = BH_HMAP_bh_port_exact,
	[BH_PMAP_PORT_LPM] = BH_HMAP_bh_port_lpm,
	[BH_PMAP_BITMAPS] = BH_HMAP_bh_bitmaps,
	[BH_PMAP_RULES] = BH_HMAP_bh_rules,
};

static int bh_native_put(void *ctx, enum bh_pmap map, const void *key,
			 const void *val)
{
	struct bh_env *e = ctx;
	int err = bh_host_update(e, bh_pmap_host[map], key, val, BH_ANY);

	if (err)
		pr_warn("native: cannot add a %s entry: %s\n",
			bh_pmap_name(map), strerror(-err));
	return err;
}

int bh_native_load_policy(struct bh_native *n,
			  const struct bh_compiled_policy *cp,
			  __u32 generation)
{
	struct bh_env *e = &n->env;
	__u32 epoch = e->cfg.epoch, slot = (epoch & 1) ^ 1;
	int err;

	if (!cp)
		return -EINVAL;
	err = bh_policy_entries_check(cp);
	if (err)
		return err;
	bh_native_clear_slot(e, slot);
	err = bh_policy_entries(cp, slot, bh_native_put, e);
	if (err) {
		bh_native_clear_slot(e, slot);
		return err;
	}
	e->cfg.slot[slot] = cp->hdr;
	e->cfg.slot[slot].generation = generation;
	e->cfg.flags |= BH_CFG_ENABLED;
	e->cfg.epoch = epoch + 1; /* flips the slot */
	return 0;
}

static int bh_native_endpoint(struct bh_native *n, const union bh_addr *addr,
			      __u8 prefixlen,
			      const struct bh_identity_info *info)
{
	struct bh_env *e = &n->env;
	__u32 slot = e->cfg.epoch & 1;
	struct bh_id_exact_key ek;
	struct bh_id_cidr_key ck;
	int err;

	if (!(e->cfg.flags & BH_CFG_ENABLED))
		return -ENOENT;
	if (!addr || prefixlen > 128)
		return -EINVAL;
	if (bh_pentry_addr_key(slot, addr, prefixlen, &ek, &ck) ==
	    BH_PMAP_ID_EXACT)
		err = info ? bh_htab_update(e->id_exact, &ek, info, BH_ANY) :
			     bh_htab_delete(e->id_exact, &ek);
	else
		err = info ? bh_lpm_update(e->id_cidr, &ck, info, BH_ANY) :
			     bh_lpm_delete(e->id_cidr, &ck);
	if (err)
		return err;
	e->cfg.epoch += 2; /* same slot, cached verdicts re-decided */
	return 0;
}

int bh_native_endpoint_add(struct bh_native *n, const union bh_addr *addr,
			   __u8 prefixlen, const struct bh_identity_info *info)
{
	if (!info)
		return -EINVAL;
	return bh_native_endpoint(n, addr, prefixlen, info);
}

int bh_native_endpoint_del(struct bh_native *n, const union bh_addr *addr,
			   __u8 prefixlen)
{
	return bh_native_endpoint(n, addr, prefixlen, NULL);
}

int bh_native_classify(struct bh_native *n, const void *frame, __u32 caplen,
		       __u32 wire_len, __u32 ifindex, __u64 now_ns,
		       struct bh_result *res)
{
	static const __u8 empty[1];
	struct bh_env *e = &n->env;
	const __u8 *data = frame ? frame : empty;
	int pass;

	if (!frame && caplen)
		return -EINVAL;
	e->now = now_ns;
	pass = bh_classify(e, &e->w, data, data + caplen, wire_len, 1, ifindex,
			   now_ns);
	if (res)
		*res = e->w.res;
	return pass;
}

int bh_native_decide(struct bh_native *n, const union bh_addr *src,
		     const union bh_addr *dst, __u8 proto, __u16 dport,
		     struct bh_result *res)
{
	struct bh_env *e = &n->env;
	struct bh_work *w = &e->w;
	__u64 evals = e->st.policy_evals;

	if (!src || !dst || !res)
		return -EINVAL;
	if (!(e->cfg.flags & BH_CFG_ENABLED))
		return -ENOENT;
	memset(&w->res, 0, sizeof(w->res));
	w->epoch = e->cfg.epoch;
	w->slot = w->epoch & 1;
	w->now = e->now;
	w->ifindex = 0;
	bh_identify(e, w, src, dst);
	bh_decide(e, w, proto, dport);
	e->st.policy_evals = evals;
	memset(res, 0, sizeof(*res));
	res->verdict = w->dec.verdict;
	res->reason = w->dec.reason;
	res->rule_id = w->dec.rule_id;
	res->drop = w->dec.verdict == BH_VERDICT_DENY;
	res->src_identity = w->src.id;
	res->dst_identity = w->dst.id;
	res->epoch = w->epoch;
	return 0;
}

void bh_native_set_event_cb(struct bh_native *n, bh_event_cb cb, void *ctx)
{
	n->env.ev_cb = cb;
	n->env.ev_ctx = ctx;
}

void bh_native_stats(const struct bh_native *n, struct bh_stats *out)
{
	*out = n->env.st;
}

struct bh_flow_walk {
	bh_flow_cb cb;
	void *ctx;
};

static int bh_flow_walk_one(void *ctx, const void *key, void *val)
{
	struct bh_flow_walk *fw = ctx;

	return fw->cb(fw->ctx, key, val);
}

int bh_native_flows(struct bh_native *n, bool denied, bh_flow_cb cb,
		    void *ctx)
{
	struct bh_flow_walk fw = { .cb = cb, .ctx = ctx };

	if (!cb)
		return -EINVAL;
	return bh_htab_foreach(denied ? n->env.denied : n->env.flows,
			       bh_flow_walk_one, &fw);
}

int bh_native_flow_delete(struct bh_native *n, bool denied,
			  const struct bh_flow_key *key)
{
	return bh_htab_delete(denied ? n->env.denied : n->env.flows, key);
}

__u64 bh_native_flows_clock(const struct bh_native *n, bool denied)
{
	return bh_htab_clock(denied ? n->env.denied : n->env.flows);
}

int bh_native_flows_since(struct bh_native *n, bool denied, __u64 since,
			  bh_flow_cb cb, void *ctx)
{
	struct bh_flow_walk fw = { .cb = cb, .ctx = ctx };

	if (!cb)
		return -EINVAL;
	return bh_htab_foreach_since(denied ? n->env.denied : n->env.flows,
				     since, bh_flow_walk_one, &fw);
}

int bh_native_flow_peek(struct bh_native *n, bool denied,
			const struct bh_flow_key *key, struct bh_flow *out,
			__u64 *stamp)
{
	const struct bh_flow *f =
		bh_htab_peek(denied ? n->env.denied : n->env.flows, key, stamp);

	if (!f)
		return -ENOENT;
	*out = *f;
	return 0;
}

__u64 bh_native_flows_removed(const struct bh_native *n, bool denied)
{
	return bh_htab_removals(denied ? n->env.denied : n->env.flows);
}
