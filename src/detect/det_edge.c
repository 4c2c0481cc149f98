// SPDX-License-Identifier: GPL-2.0-only
/* New edge (T1021.x, T1210) and tool transfer (T1570).
 *
 * An edge is (initiator workload, responder workload, protocol, port),
 * keyed by workload so that replicas, rescheduled pods and new IPs of a
 * known workload share the edges it learned (edges.c). */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "detect_int.h"

static const char *proto_name(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return "icmp";
	}
	return "ip";
}

/* The policy's view of a connection that was answered: empty when it was
 * allowed. A denied one was answered only before enforcement (a capture
 * replayed under a new policy), a would-deny one in audit mode. */
static const char *verdict_note(const struct bh_detect_ctx *ctx)
{
	if (ctx->f->verdict == BH_VERDICT_DENY)
		return "; denied by policy, yet answered";
	if (ctx->f->verdict == BH_VERDICT_AUDIT)
		return "; would be denied (audit mode)";
	return "";
}

static __u64 wkey_hash(struct bh_detect *d, __u32 tag, __u32 a, __u32 b,
		       __u32 c)
{
	__u32 v[4] = {tag, a, b, c};

	return bh_detect_hash(d, v, sizeof(v)) | 1;
}

static void new_edge_flow(struct bh_detect_ctx *ctx, void *state, void *priv)
{
	const struct bh_detect_flow *f = ctx->f;
	struct bh_detect_hit h = {.detector = BH_DETECT_NEW_EDGE};
	struct bh_detect_alert *a;
	struct bh_detect_names nm;
	bool is_new;

	if (!ctx->cfg->new_edge.c.enabled || ctx->edge != BH_EDGE_NEW)
		return;
	/* One alert per workload pair and port: replicas making the same new
	 * connection aggregate into it. */
	h.source_key = wkey_hash(ctx->d, 1, ctx->src_wkey, 0, 0);
	h.target_key =
	    wkey_hash(ctx->d, 2, ctx->dst_wkey, f->resp.port, f->proto);
	if (ctx->admin >= 0) {
		h.technique = bh_detect_admin_technique(f->resp.port);
		h.severity = BH_SEV_HIGH;
		h.score = 70;
	} else {
		h.technique = "T1210";
		h.severity = BH_SEV_MEDIUM;
		h.score = 50;
	}
	a = bh_detect_hit(ctx, &h, &is_new);
	if (!a)
		return;
	bh_detect_alert_flow_target(ctx, a, true, &nm);
	bh_detect_alert_summary(
	    a,
	    "%s opened a connection never seen before: to %s/%s%s%s; "
	    "confirm this access is expected, else isolate %s",
	    nm.src, nm.dst, proto_name(f->proto),
	    ctx->admin >= 0 ? " (admin port)" : "", verdict_note(ctx), nm.src);
	bh_detect_commit(ctx, a, is_new);
}

const struct bh_detector bh_det_new_edge = {
    .name = "new_edge",
    .views = BH_VIEW_EDGE_NEW,
    .flow = new_edge_flow,
};

static void fmt_bytes(char *buf, size_t len, __u64 b)
{
	if (b >= (1ULL << 30))
		snprintf(buf, len, "%.1f GiB", (double)b / (1ULL << 30));
	else if (b >= (1ULL << 20))
		snprintf(buf, len, "%.1f MiB", (double)b / (1ULL << 20));
	else
		snprintf(buf, len, "%.1f KiB", (double)b / 1024);
}

static void transfer_flow(struct bh_detect_ctx *ctx, void *state, void *priv)
{
	const struct bh_detect_config *c = ctx->cfg;
	const struct bh_detect_flow *f = ctx->f;
	struct bh_detect_hit h = {
	    .detector = BH_DETECT_TRANSFER,
	    .technique = "T1570",
	    .severity = BH_SEV_HIGH,
	};
	bool payload = f->flags & BH_DETECT_F_PAYLOAD, is_new;
	__u64 up =
	    payload ? f->payload[BH_DETECT_FWD] : f->bytes[BH_DETECT_FWD];
	__u64 down =
	    payload ? f->payload[BH_DETECT_REV] : f->bytes[BH_DETECT_REV];
	struct bh_detect_alert *a;
	struct bh_detect_names nm;
	char sz[32];
	bool new_edge;

	if (!c->transfer.c.enabled || ctx->conn != BH_OUTCOME_OK ||
	    up < c->transfer.min_bytes || (double)up < c->transfer.ratio * down)
		return;
	new_edge = ctx->edge == BH_EDGE_NEW || ctx->edge == BH_EDGE_RECENT;
	if (!new_edge && ctx->admin < 0)
		return;
	h.target_key =
	    bh_detect_hash(ctx->d, &f->resp.addr, sizeof(f->resp.addr)) ^
	    f->resp.port;
	h.score = new_edge && ctx->admin >= 0 ? 85 : 75;
	a = bh_detect_hit(ctx, &h, &is_new);
	if (!a)
		return;
	bh_detect_alert_flow_target(ctx, a, true, &nm);
	fmt_bytes(sz, sizeof(sz), up);
	bh_detect_alert_summary(
	    a,
	    "%s uploaded %s to %s over %s%s: possible tool transfer; "
	    "check what was copied to %s",
	    nm.src, sz, nm.dst,
	    new_edge ? "a never-seen connection" : "an admin port",
	    verdict_note(ctx), nm.dst);
	bh_detect_commit(ctx, a, is_new);
}

const struct bh_detector bh_det_transfer = {
    .name = "tool_transfer",
    .views = BH_VIEW_EDGE_NEW | BH_VIEW_EDGE_RECENT | BH_VIEW_ADMIN_OK,
    .flow = transfer_flow,
};
