// SPDX-License-Identifier: GPL-2.0-only
/* Sweep (T1046/T1018) and port scan (T1046): distinct failed connection
 * attempts per source over sliding windows, like Zeek's scan policy
 * (25 hosts / 15 ports in 5 minutes), with lower thresholds on admin
 * ports. Failed = SYN without SYN-ACK, RST without payload, denied or
 * would-deny (and unanswered ICMP echo). */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "detect_int.h"
#include "siphash.h"

static double ratio_score(double base, __u32 n, __u32 thr)
{
	double s = base, r = thr ? (double)n / thr : 1;

	/* +10 per doubling past the threshold. */
	while (r >= 2 && s < 100) {
		s += 10;
		r /= 2;
	}
	return s > 100 ? 100 : s;
}

/* --- Sweep ---------------------------------------------------------------- */

struct sweep_state {
	struct bh_dc7 hosts; /* failed first-contact responders */
	struct bh_dc6 admin; /* of which on admin ports */
};

static void sweep_init(void *state, void *priv)
{
	struct sweep_state *st = state;

	bh_dc_init(&st->hosts.h, 7);
	bh_dc_init(&st->admin.h, 6);
}

static void sweep_flow(struct bh_detect_ctx *ctx, void *state, void *priv)
{
	const struct bh_detect_config *c = ctx->cfg;
	struct sweep_state *st = state;
	__u32 w = bh_win_s(c->sweep.window_ns), n, na = 0;
	bool fresh, admin_hit = false, is_new;
	struct bh_detect_alert *a;
	struct bh_detect_names nm;
	char win[32];
	struct bh_detect_hit h = {.detector = BH_DETECT_SWEEP};

	if (!c->sweep.c.enabled || ctx->outcome != BH_OUTCOME_FAILED)
		return;
	/* A responder that answered this source before is a stale peer (a
	 * restarted pod, a scrape target gone), not a probe. */
	if (ctx->known_ok)
		return;
	fresh = bh_dc_add(&st->hosts.h, ctx->dst_hash, ctx->t, ctx->now, w);
	n = bh_dc_count(&st->hosts.h, ctx->now, w);
	if (ctx->admin >= 0) {
		fresh |=
		    bh_dc_add(&st->admin.h, ctx->dst_hash, ctx->t, ctx->now, w);
		na = bh_dc_count(&st->admin.h, ctx->now, w);
		admin_hit = na >= c->sweep.admin_hosts;
	}
	if (!fresh)
		return;
	if (2 * n >= c->sweep.hosts || 2 * na >= c->sweep.admin_hosts)
		bh_detect_src_mark(ctx, 1);
	if (n < c->sweep.hosts && !admin_hit)
		return;
	h.technique =
	    ctx->f->proto == IPPROTO_ICMP || ctx->f->proto == IPPROTO_ICMPV6
		? "T1018"
		: "T1046";
	h.severity = admin_hit ? BH_SEV_HIGH : BH_SEV_MEDIUM;
	h.score = admin_hit ? ratio_score(60, na, c->sweep.admin_hosts)
			    : ratio_score(40, n, c->sweep.hosts);
	a = bh_detect_hit(ctx, &h, &is_new);
	if (!a)
		return;
	bh_detect_alert_flow_target(ctx, a, true, &nm);
	bh_detect_src_fill(ctx, a, BH_EV_FAILED, w, true, NULL);
	bh_detect_fmt_duration(win, sizeof(win), c->sweep.window_ns);
	if (admin_hit)
		bh_detect_alert_summary(
		    a,
		    "%s failed to reach %u hosts on admin ports within "
		    "%s (last %s): admin-port sweep; isolate %s and find "
		    "the process",
		    nm.src, na, win, nm.dst, nm.src);
	else
		bh_detect_alert_summary(
		    a,
		    "%s failed to reach %u new hosts within %s (last "
		    "%s): network sweep; find the process in %s unless "
		    "it is a scanner you run",
		    nm.src, n, win, nm.dst, nm.src);
	bh_detect_commit(ctx, a, is_new);
}

const struct bh_detector bh_det_sweep = {
    .name = "sweep",
    .views = BH_VIEW_FAILED,
    .state_size = sizeof(struct sweep_state),
    .src_init = sweep_init,
    .flow = sweep_flow,
};

/* --- Port scan ------------------------------------------------------------ */

/* Destinations tracked per source at once. A source probing the ports of
 * more hosts in parallel rotates through the slots (and is a sweep). */
#define PS_SLOTS 4

struct ps_slot {
	__u32 dst; /* keyed hash of the responder address */
	__u32 last;
	struct bh_dc6 ports;
	struct bh_dc6 slow;
	struct bh_wbits admin; /* admin port indexes */
};

struct ps_state {
	struct ps_slot slot[PS_SLOTS];
};

static void ps_slot_init(struct ps_slot *s, __u32 dst)
{
	memset(s, 0, sizeof(*s));
	s->dst = dst;
	bh_dc_init(&s->ports.h, 6);
	bh_dc_init(&s->slow.h, 6);
}

static void ps_init(void *state, void *priv)
{
	struct ps_state *st = state;
	unsigned int i;

	for (i = 0; i < PS_SLOTS; i++)
		ps_slot_init(&st->slot[i], 0);
}

static struct ps_slot *ps_find(struct ps_state *st, __u32 dst, __u32 now,
			       __u32 slow_w)
{
	struct ps_slot *s, *victim = NULL;
	__u32 best = UINT32_MAX, n;
	unsigned int i;

	for (i = 0; i < PS_SLOTS; i++)
		if (st->slot[i].last && st->slot[i].dst == dst)
			return &st->slot[i];
	/* Replace an unused or expired slot, else the one with the fewest
	 * failed ports (the oldest of those). */
	for (i = 0; i < PS_SLOTS; i++) {
		s = &st->slot[i];
		if (!s->last || now - s->last >= slow_w) {
			victim = s;
			break;
		}
		n = bh_dc_count(&s->slow.h, now, slow_w);
		if (n < best || (n == best && s->last < victim->last)) {
			best = n;
			victim = s;
		}
	}
	ps_slot_init(victim, dst);
	return victim;
}

static void ps_flow(struct bh_detect_ctx *ctx, void *state, void *priv)
{
	const struct bh_detect_config *c = ctx->cfg;
	const struct bh_detect_flow *f = ctx->f;
	struct ps_state *st = state;
	__u32 w = bh_win_s(c->portscan.window_ns);
	__u32 sw = bh_win_s(c->portscan.slow_window_ns);
	__u32 item, n, ns, na = 0;
	struct ps_slot *s;
	struct bh_detect_alert *a;
	struct bh_detect_hit h = {.detector = BH_DETECT_PORTSCAN};
	struct bh_detect_names nm;
	char win[32];
	bool fresh, is_new;
	__u64 dh;

	if (!c->portscan.c.enabled || ctx->outcome != BH_OUTCOME_FAILED ||
	    (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP &&
	     f->proto != IPPROTO_SCTP))
		return;
	s = ps_find(st, ctx->dst_hash, ctx->now, sw);
	s->last = ctx->now;
	item = (__u32)bh_mix64(((__u64)f->proto << 16) | f->resp.port);
	fresh = bh_dc_add(&s->ports.h, item, ctx->t, ctx->now, w);
	fresh |= bh_dc_add(&s->slow.h, item, ctx->t, ctx->now, sw);
	n = bh_dc_count(&s->ports.h, ctx->now, w);
	ns = bh_dc_count(&s->slow.h, ctx->now, sw);
	if (ctx->admin >= 0) {
		/* Admin ports over the slow window: one probe every few
		 * minutes is as telling as a burst, and a benign client
		 * failing on three different admin ports of one host within
		 * the hour is rare. */
		bh_wbits_set(&s->admin, (unsigned int)ctx->admin, ctx->t,
			     ctx->now, sw);
		na = (__u32)__builtin_popcount(
		    bh_wbits_get(&s->admin, ctx->now, sw));
	}
	if (!fresh)
		return;
	if (2 * n >= c->portscan.ports || 2 * ns >= c->portscan.slow_ports ||
	    2 * na >= c->portscan.admin_ports)
		bh_detect_src_mark(ctx, 1);
	h.technique = "T1046";
	if (na >= c->portscan.admin_ports) {
		h.severity = BH_SEV_HIGH;
		h.score = ratio_score(60, na, c->portscan.admin_ports);
	} else if (n >= c->portscan.ports) {
		h.severity = BH_SEV_MEDIUM;
		h.score = ratio_score(45, n, c->portscan.ports);
	} else if (ns >= c->portscan.slow_ports) {
		h.severity = BH_SEV_MEDIUM;
		h.score = ratio_score(40, ns, c->portscan.slow_ports);
	} else {
		return;
	}
	dh = bh_detect_hash(ctx->d, &f->resp.addr, sizeof(f->resp.addr));
	h.target_key = dh | 1;
	a = bh_detect_hit(ctx, &h, &is_new);
	if (!a)
		return;
	bh_detect_alert_flow_target(ctx, a, false, &nm);
	bh_detect_src_fill(ctx, a, BH_EV_FAILED, sw, false, &f->resp.addr);
	if (na >= c->portscan.admin_ports) {
		bh_detect_alert_summary(
		    a,
		    "%s probed %u admin ports of %s (last %u/%s): "
		    "admin-port probing; isolate %s and check %s for "
		    "logins",
		    nm.src, na, nm.dst, f->resp.port,
		    f->proto == IPPROTO_UDP ? "udp" : "tcp", nm.src, nm.dst);
	} else {
		bool loud = n >= c->portscan.ports;

		bh_detect_fmt_duration(win, sizeof(win),
				       loud ? c->portscan.window_ns
					    : c->portscan.slow_window_ns);
		bh_detect_alert_summary(
		    a,
		    "%s failed on %u ports of %s within %s (last %u): "
		    "%sport scan; find the process in %s",
		    nm.src, loud ? n : ns, nm.dst, win, f->resp.port,
		    loud ? "" : "slow ", nm.src);
	}
	bh_detect_commit(ctx, a, is_new);
}

const struct bh_detector bh_det_portscan = {
    .name = "portscan",
    .views = BH_VIEW_FAILED,
    .state_size = sizeof(struct ps_state),
    .src_init = ps_init,
    .flow = ps_flow,
};
