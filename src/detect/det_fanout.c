// SPDX-License-Identifier: GPL-2.0-only
/* Admin fan-out (T1021.x, T1110.003): a source using admin ports (SSH, RDP,
 * SMB, WinRM, kubelet, docker...) towards several distinct workloads within
 * a window. Bastions and configuration management do this by design: they
 * belong in fanout.allowlist. Many connections per target is password
 * spraying (T1110.003) rather than plain remote-service use. */
#include <stdio.h>
#include <string.h>

#include "detect_int.h"

struct fanout_state {
	struct bh_dc6 targets;	   /* distinct responder workloads */
	struct bh_dc6 slow;	   /* the same over the slow window */
	struct bh_wcount attempts; /* admin connections */
};

static void fanout_init(void *state, void *priv)
{
	struct fanout_state *st = state;

	bh_dc_init(&st->targets.h, 6);
	bh_dc_init(&st->slow.h, 6);
}

static void fanout_flow(struct bh_detect_ctx *ctx, void *state, void *priv)
{
	const struct bh_detect_config *c = ctx->cfg;
	const struct bh_detect_flow *f = ctx->f;
	struct fanout_state *st = state;
	__u32 w = bh_win_s(c->fanout.window_ns), item, n, ns, att;
	__u32 sw = bh_win_s(c->fanout.slow_window_ns);
	struct bh_detect_hit h = {.detector = BH_DETECT_ADMIN_FANOUT};
	struct bh_detect_alert *a;
	struct bh_detect_names nm;
	char win[32];
	bool loud, spray, is_new;

	if (!c->fanout.c.enabled || ctx->conn != BH_OUTCOME_OK ||
	    ctx->admin < 0 || !ctx->first)
		return;
	/* Replicas of one workload count once; addresses without a workload
	 * identity count each. */
	if (!f->resp.external && ctx->dst_wkey >= BH_ID_FIRST_USER)
		item = ctx->dst_wkey * 0x9e3779b1u + 0x7f4a7c15u;
	else
		item = ctx->dst_hash;
	bh_dc_add(&st->targets.h, item, ctx->t, ctx->now, w);
	bh_dc_add(&st->slow.h, item, ctx->t, ctx->now, sw);
	bh_wcount_add(&st->attempts, ctx->t, ctx->now, w);
	n = bh_dc_count(&st->targets.h, ctx->now, w);
	ns = bh_dc_count(&st->slow.h, ctx->now, sw);
	att = bh_wcount_sum(&st->attempts, ctx->now, w);
	if (2 * n >= c->fanout.workloads || 2 * ns >= c->fanout.slow_workloads)
		bh_detect_src_mark(ctx, 1);
	loud = n >= c->fanout.workloads;
	if (!loud && ns < c->fanout.slow_workloads)
		return;
	spray = loud && att >= (__u64)c->fanout.spray_ratio * n;
	h.technique =
	    spray ? "T1110.003" : bh_detect_admin_technique(f->resp.port);
	h.severity = BH_SEV_HIGH;
	h.score = spray ? 80 : 70;
	a = bh_detect_hit(ctx, &h, &is_new);
	if (!a)
		return;
	bh_detect_src_fill(ctx, a, BH_EV_ADMIN_OK, loud ? w : sw, true, NULL);
	bh_detect_alert_flow_target(ctx, a, true, &nm);
	bh_detect_fmt_duration(win, sizeof(win),
			       loud ? c->fanout.window_ns
				    : c->fanout.slow_window_ns);
	bh_detect_alert_summary(
	    a,
	    "%s used admin ports of %u workloads within %s (last %s): %s; "
	    "allowlist it if it is a bastion or config management, else "
	    "isolate it",
	    nm.src, loud ? n : ns, win, nm.dst,
	    spray ? "password spraying" : "lateral movement");
	bh_detect_commit(ctx, a, is_new);
}

const struct bh_detector bh_det_fanout = {
    .name = "admin_fanout",
    .views = BH_VIEW_ADMIN_FIRST,
    .state_size = sizeof(struct fanout_state),
    .src_init = fanout_init,
    .flow = fanout_flow,
};
