// SPDX-License-Identifier: GPL-2.0-only
/*
 * Threshold Random Walk (Jung, Paxson, Berger, Balakrishnan: "Fast Portscan
 * Detection Using Sequential Hypothesis Testing", IEEE S&P 2004).
 *
 * Only first contacts count: connections from a source to a responder it
 * never contacted before (remembered in the source's bloom filters for
 * trw.memory). Each outcome Y (1 = success) updates the likelihood ratio
 *   Lambda = prod P(Y | H1) / P(Y | H0)
 * where H0 = benign (first contacts succeed with probability theta0) and
 * H1 = scanner (theta1 < theta0): a success multiplies it by theta1/theta0,
 * a failure by (1 - theta1)/(1 - theta0). Wald's sequential test stops at
 *   Lambda >= eta1 = P_D / P_F               -> scanner (alert)
 *   Lambda <= eta0 = (1 - P_D) / (1 - P_F)   -> benign
 * for a target false-alarm rate P_F and detection rate P_D. With the paper's
 * values (theta0 0.8, theta1 0.2, P_F 0.01, P_D 0.99) each failure adds
 * ln 4 = 1.39 and each success -1.39 to ln Lambda, and ln eta1 = -ln eta0 =
 * ln 99 = 4.60: four net failures make a scanner, however slowly they come.
 * After either decision the walk restarts, so a benign host that later
 * turns into a scanner is still caught.
 *
 * A failed first contact waits trw.retry_grace before it counts: when the
 * same responder answers within that time (a service still starting, a
 * retried request) it counts as a success instead.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "detect_int.h"

#define TRW_PENDING 4

struct trw_pending {
	__u32 dst;
	__u32 t;
};

struct trw_state {
	double llr;	  /* ln Lambda */
	__u32 fails, oks; /* first contacts in the current walk */
	__u8 n_pending;
	__u8 pad[7];
	struct trw_pending pending[TRW_PENDING];
};

static void trw_raise(struct bh_detect_ctx *ctx, struct trw_state *st,
		      double ln_eta1)
{
	const struct bh_detect_config *c = ctx->cfg;
	struct bh_detect_hit h = {
	    .detector = BH_DETECT_TRW,
	    .technique = "T1046",
	    .severity = BH_SEV_MEDIUM,
	    .no_evidence = true,
	};
	struct bh_detect_alert *a;
	char src[128];
	bool is_new;

	h.score = 50 + 5.0 * (st->fails > 4 ? st->fails - 4 : 0);
	a = bh_detect_hit(ctx, &h, &is_new);
	if (!a)
		return;
	bh_detect_src_fill(ctx, a, BH_EV_FIRST, bh_win_s(c->trw.memory_ns),
			   true, NULL);
	bh_detect_fmt_endpoint(src, sizeof(src), &a->source, false);
	bh_detect_alert_summary(
	    a,
	    "%s failed %u of %u connections to hosts it never contacted "
	    "(likelihood ratio %.0f >= %.0f): scanning, possibly slowly; "
	    "find the process in %s",
	    src, st->fails, st->fails + st->oks, exp(st->llr), exp(ln_eta1),
	    src);
	bh_detect_commit(ctx, a, is_new);
}

static void trw_step(struct bh_detect_ctx *ctx, struct trw_state *st, bool ok)
{
	const struct bh_detect_config *c = ctx->cfg;
	double t0 = c->trw.theta0, t1 = c->trw.theta1;
	double ln_eta1 = log(c->trw.detection / c->trw.false_alarm);
	double ln_eta0 = log((1 - c->trw.detection) / (1 - c->trw.false_alarm));

	if (ok) {
		st->llr += log(t1 / t0);
		st->oks++;
	} else {
		st->llr += log((1 - t1) / (1 - t0));
		st->fails++;
	}
	if (st->llr >= ln_eta1) {
		trw_raise(ctx, st, ln_eta1);
	} else if (st->llr <= ln_eta0) {
		/* benign: restart below */
	} else {
		if (st->llr > ln_eta1 / 2)
			bh_detect_src_mark(ctx, 1);
		return;
	}
	st->llr = 0;
	st->fails = st->oks = 0;
}

static void pending_del(struct trw_state *st, unsigned int i)
{
	st->pending[i] = st->pending[--st->n_pending];
}

static void trw_flow(struct bh_detect_ctx *ctx, void *state, void *priv)
{
	const struct bh_detect_config *c = ctx->cfg;
	struct trw_state *st = state;
	__u32 grace = (__u32)(c->trw.retry_grace_ns / NS_PER_S);
	unsigned int i;

	if (!c->trw.c.enabled)
		return;
	for (i = 0; i < st->n_pending;) {
		struct trw_pending *p = &st->pending[i];

		if (ctx->outcome == BH_OUTCOME_OK && p->dst == ctx->dst_hash) {
			pending_del(st, i);
			trw_step(ctx, st, true);
		} else if (ctx->now - p->t >= grace) {
			pending_del(st, i);
			trw_step(ctx, st, false);
		} else {
			i++;
		}
	}
	if (!ctx->first_contact || (ctx->outcome != BH_OUTCOME_OK &&
				    ctx->outcome != BH_OUTCOME_FAILED))
		return;
	if (ctx->outcome == BH_OUTCOME_OK) {
		trw_step(ctx, st, true);
		return;
	}
	if (!grace) {
		trw_step(ctx, st, false);
		return;
	}
	if (st->n_pending == TRW_PENDING) {
		/* Full: the oldest resolves as the failure it is so far. */
		unsigned int oldest = 0;

		for (i = 1; i < TRW_PENDING; i++)
			if (st->pending[i].t < st->pending[oldest].t)
				oldest = i;
		pending_del(st, oldest);
		trw_step(ctx, st, false);
	}
	st->pending[st->n_pending].dst = ctx->dst_hash;
	st->pending[st->n_pending].t = ctx->now;
	st->n_pending++;
}

const struct bh_detector bh_det_trw = {
    .name = "trw",
    .state_size = sizeof(struct trw_state),
    .flow = trw_flow,
};
