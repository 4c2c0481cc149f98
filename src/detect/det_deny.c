// SPDX-License-Identifier: GPL-2.0-only
/* Deny probing (T1046): a source denied (or would-be denied) towards many
 * distinct (host, port) pairs, measured against its workload's normal rate.
 * Distinct pairs, not connections: one denied connection retried a
 * thousand times is one pair. The normal rate is an EWMA of the distinct
 * denied pairs per window, per workload (so replicas and new pods of a
 * workload share it), sampled once per window of each source, in windows
 * that had denies at all. It is learned like edges: during the learning
 * period, during a new workload's grace period, or from the baseline file,
 * and frozen afterwards, so that slow probing cannot teach itself as
 * normal; windows that alerted are never sampled. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "detect_int.h"
#include "siphash.h"

struct deny_state {
	struct bh_dc7 pairs;
	struct bh_dc7 slow; /* over the slow window */
	__u32 win_start;
	__u8 alerted; /* in the current window */
	__u8 pad[3];
};

static void deny_init(void *state, void *priv)
{
	struct deny_state *st = state;

	bh_dc_init(&st->pairs.h, 7);
	bh_dc_init(&st->slow.h, 7);
}

/* A window ending at end (seconds) teaches the workload's normal. */
static bool deny_learning(struct bh_detect_ctx *ctx,
			  const struct bh_detect_workload *wl, __u32 end)
{
	const struct bh_detect *d = ctx->d;

	if ((__u64)end * NS_PER_S < d->learning_end_ns)
		return true;
	return !wl->baseline && end >= wl->first_s &&
	       (__u64)(end - wl->first_s) * NS_PER_S <
		   ctx->cfg->workload_grace_ns;
}

/* Windows of this source that ended: fold them into the workload's EWMA. */
static void deny_roll(struct bh_detect_ctx *ctx, struct deny_state *st, __u32 w)
{
	const struct bh_detect_config *c = ctx->cfg;
	struct bh_detect_workload *wl;
	__u32 ended, end, sample;
	bool created;
	double ewma;

	if (!st->win_start) {
		st->win_start = ctx->now;
		return;
	}
	if (ctx->now - st->win_start < w)
		return;
	ended = (ctx->now - st->win_start) / w;
	end = st->win_start + w - 1;
	sample = bh_dc_count(&st->pairs.h, end, w);
	wl = bh_detect_workload_get(ctx->d, ctx->src_wkey, ctx->now, &created);
	ewma = wl->deny_ewma;
	if (!st->alerted && deny_learning(ctx, wl, end)) {
		/* The first sample sets the baseline; windows without denies
		 * are not samples: replicas share the baseline and one
		 * replica's quiet windows say nothing about the others. */
		ewma = wl->deny_samples ? (1 - c->deny.weight) * ewma +
					      c->deny.weight * sample
					: sample;
		wl->deny_samples++;
	}
	wl->deny_ewma = (float)ewma;
	st->win_start += ended * w;
	st->alerted = 0;
}

static __u32 threshold(__u32 floor, double factor, double normal)
{
	double t = ceil(factor * normal);

	return t > floor ? (t < 1e9 ? (__u32)t : 1000000000u) : floor;
}

static void deny_flow(struct bh_detect_ctx *ctx, void *state, void *priv)
{
	const struct bh_detect_config *c = ctx->cfg;
	const struct bh_detect_flow *f = ctx->f;
	struct deny_state *st = state;
	__u32 w = bh_win_s(c->deny.window_ns), n, thr, item;
	__u32 sw = bh_win_s(c->deny.slow_window_ns), ns, sthr;
	struct bh_detect_hit h = {
	    .detector = BH_DETECT_DENY_PROBE,
	    .technique = "T1046",
	};
	struct bh_detect_workload *wl;
	struct bh_detect_alert *a;
	struct bh_detect_names nm;
	char win[32];
	double normal;
	bool fresh, loud, is_new;

	if (!c->deny.c.enabled || !ctx->denied)
		return;
	deny_roll(ctx, st, w);
	item = (__u32)bh_mix64(((__u64)ctx->dst_hash << 24) ^
			       ((__u64)f->proto << 16) ^ f->resp.port);
	fresh = bh_dc_add(&st->pairs.h, item, ctx->t, ctx->now, w);
	fresh |= bh_dc_add(&st->slow.h, item, ctx->t, ctx->now, sw);
	n = bh_dc_count(&st->pairs.h, ctx->now, w);
	ns = bh_dc_count(&st->slow.h, ctx->now, sw);
	wl = bh_lru_find(&ctx->d->workloads, &ctx->src_wkey);
	normal = wl ? wl->deny_ewma : 0;
	thr = threshold(c->deny.min_pairs, c->deny.factor, normal);
	/* The normal is per window: scaled to the slow window it is an upper
	 * bound (it is learned from windows that had denies at all). */
	sthr = threshold(c->deny.slow_pairs, c->deny.factor,
			 normal * ((double)sw / w));
	if (2 * n >= thr || 2 * ns >= sthr)
		bh_detect_src_mark(ctx, 1);
	loud = n >= thr;
	if (!fresh || (!loud && ns < sthr))
		return;
	h.severity = n >= 3 * thr ? BH_SEV_HIGH : BH_SEV_MEDIUM;
	h.score = n >= 3 * thr ? 70 : 55;
	a = bh_detect_hit(ctx, &h, &is_new);
	if (!a)
		return;
	st->alerted = 1;
	bh_detect_alert_flow_target(ctx, a, true, &nm);
	bh_detect_src_fill(ctx, a, BH_EV_DENIED, loud ? w : sw, true, NULL);
	bh_detect_fmt_duration(win, sizeof(win),
			       loud ? c->deny.window_ns
				    : c->deny.slow_window_ns);
	bh_detect_alert_summary(
	    a,
	    "%s was denied towards %u distinct host:port pairs within %s "
	    "(its normal: %.1f per %us; last %s): probing the segmentation "
	    "policy; find the process in %s",
	    nm.src, loud ? n : ns, win, normal, w, nm.dst, nm.src);
	bh_detect_commit(ctx, a, is_new);
}

const struct bh_detector bh_det_deny = {
    .name = "deny_probe",
    .views = BH_VIEW_DENIED,
    .state_size = sizeof(struct deny_state),
    .src_init = deny_init,
    .flow = deny_flow,
};
