// SPDX-License-Identifier: GPL-2.0-only
/* Pivot chains: A -> B is flagged (a new edge, admin fan-out, tool transfer
 * or pivot alert names B as reached from A); when B, within pivot.window,
 * opens a new edge or an admin connection to C, one alert names the whole
 * path A -> B -> C, and C is flagged with that path in turn, so a longer
 * chain updates the same alert (keyed by its first hop). Flagged endpoints
 * live in a capped table keyed by address. */
#include <stdio.h>
#include <string.h>

#include "detect_int.h"

struct pivot {
	struct bh_lru_node node;
	union bh_addr addr; /* key: the reached endpoint */
	__u32 expires;	    /* seconds */
	__u32 path_len;
	__u32 via; /* detector that flagged it */
	__u32 pad;
	struct bh_detect_endpoint path[BH_DETECT_MAX_PATH]; /* origin first */
};

size_t bh_det_pivot_entry_size(void)
{
	return sizeof(struct pivot);
}

static struct pivot *flagged(struct bh_detect_ctx *ctx,
			     const union bh_addr *addr)
{
	struct pivot *p;

	if (!ctx->d->pivots.n)
		return NULL;
	p = bh_lru_find(&ctx->d->pivots, addr);
	if (p && p->expires <= ctx->now) {
		bh_lru_remove(&ctx->d->pivots, p);
		return NULL;
	}
	return p;
}

static bool in_path(const struct bh_detect_endpoint *path, __u32 n,
		    const union bh_addr *addr)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (!memcmp(&path[i].addr, addr, sizeof(*addr)))
			return true;
	return false;
}

static void pivot_alert(struct bh_detect_ctx *ctx,
			const struct bh_detect_alert *a, void *priv)
{
	const struct bh_detect_config *c = ctx->cfg;
	const struct bh_detect_flow *f = ctx->f;
	struct bh_detect_endpoint path[BH_DETECT_MAX_PATH];
	struct pivot *from, *to;
	__u32 n;
	bool created;

	if (!c->pivot.c.enabled || (a->detector != BH_DETECT_NEW_EDGE &&
				    a->detector != BH_DETECT_ADMIN_FANOUT &&
				    a->detector != BH_DETECT_TRANSFER &&
				    a->detector != BH_DETECT_PIVOT))
		return;
	from = flagged(ctx, &f->init.addr);
	if (from) {
		n = from->path_len;
		memcpy(path, from->path, n * sizeof(path[0]));
	} else {
		n = 1;
		bh_detect_endpoint_from_peer(&path[0], &f->init, false);
	}
	if (n >= c->pivot.max_hops || in_path(path, n, &f->resp.addr))
		return;
	bh_detect_endpoint_from_peer(&path[n], &f->resp, true);
	n++;
	to = bh_lru_get(&ctx->d->pivots, &f->resp.addr, ctx->now, &created);
	if (created || to->expires <= ctx->now || n >= to->path_len) {
		memcpy(to->path, path, n * sizeof(path[0]));
		to->path_len = n;
		to->via = a->detector;
	}
	to->expires = ctx->now + bh_win_s(c->pivot.window_ns);
}

static void pivot_flow(struct bh_detect_ctx *ctx, void *state, void *priv)
{
	const struct bh_detect_config *c = ctx->cfg;
	const struct bh_detect_flow *f = ctx->f;
	struct bh_detect_hit h = {
	    .detector = BH_DETECT_PIVOT,
	    .severity = BH_SEV_CRITICAL,
	};
	bool admin_conn, is_new;
	struct bh_detect_alert *a;
	struct pivot *p;
	char hops[BH_DETECT_SUMMARY_LEN], ep[128], win[32];
	size_t off = 0;
	__u32 i, n;

	if (!c->pivot.c.enabled)
		return;
	admin_conn =
	    ctx->admin >= 0 && ctx->conn == BH_OUTCOME_OK && ctx->first;
	if (ctx->edge != BH_EDGE_NEW && !admin_conn)
		return;
	p = flagged(ctx, &f->init.addr);
	if (!p || p->path_len < 2 || p->path_len >= BH_DETECT_MAX_PATH ||
	    in_path(p->path, p->path_len, &f->resp.addr))
		return;
	h.source_key =
	    bh_detect_hash(ctx->d, &p->path[0].addr, sizeof(p->path[0].addr));
	h.target_key =
	    bh_detect_hash(ctx->d, &p->path[1].addr, sizeof(p->path[1].addr)) |
	    1;
	h.technique =
	    ctx->admin >= 0 ? bh_detect_admin_technique(f->resp.port) : "T1210";
	h.score = 85 + 5 * (p->path_len - 1);
	a = bh_detect_hit(ctx, &h, &is_new);
	if (!a)
		return;
	n = p->path_len;
	/* A longer chain replaces the path; another branch of the same
	 * length only adds its target, so the path stays the first chain. */
	if (n + 1 > a->path_len) {
		memcpy(a->path, p->path, n * sizeof(a->path[0]));
		bh_detect_endpoint_from_peer(&a->path[n], &f->resp, true);
		a->path_len = n + 1;
	}
	a->source = a->path[0];
	for (i = 1; i < a->path_len; i++)
		bh_detect_alert_add_target(a, &a->path[i]);
	for (i = 0; i < a->path_len && off < sizeof(hops); i++) {
		bh_detect_fmt_endpoint(ep, sizeof(ep), &a->path[i], i > 0);
		off += (size_t)snprintf(hops + off, sizeof(hops) - off, "%s%s",
					i ? " -> " : "", ep);
	}
	bh_detect_fmt_duration(win, sizeof(win), c->pivot.window_ns);
	bh_detect_alert_summary(
	    a,
	    "pivot chain %s (each hop within %s): isolate the middle "
	    "hops and review how the first was reached",
	    hops, win);
	bh_detect_commit(ctx, a, is_new);
}

const struct bh_detector bh_det_pivot = {
    .name = "pivot_chain",
    .views = BH_VIEW_EDGE_NEW | BH_VIEW_ADMIN_FIRST,
    .flow = pivot_flow,
    .alert = pivot_alert,
};
