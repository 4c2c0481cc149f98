// SPDX-License-Identifier: GPL-2.0-only
/* Replay engines over the native classifier and the real XDP program. */
#include "engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "log.h"
#include "native.h"

struct bh_engine {
	enum bh_engine_kind kind;
	struct bh_native *native;
	struct bh_dp *dp;
	bh_engine_event_cb cb;
	void *ctx;
};

int bh_engine_kind_parse(const char *s, enum bh_engine_kind *out)
{
	if (!strcmp(s, "native")) {
		*out = BH_ENGINE_NATIVE;
		return 0;
	}
	if (!strcmp(s, "bpf")) {
		*out = BH_ENGINE_BPF;
		return 0;
	}
	return -EINVAL;
}

const char *bh_engine_kind_str(enum bh_engine_kind k)
{
	return k == BH_ENGINE_BPF ? "bpf" : "native";
}

static void bh_engine_native_event(void *ctx, const struct bh_event *ev)
{
	struct bh_engine *e = ctx;

	if (e->cb)
		e->cb(e->ctx, ev);
}

/* Replay keeps every event and caches every denied flow: the data plane's
 * per-CPU token buckets (events, denied-flow admission) would make results
 * depend on timing and, for the bpf engine, on which CPU each test run
 * lands. The conntrack timeouts stay the data plane's defaults, which both
 * engines share through the config they start with. */
static void bh_engine_replay_config(struct bh_config *cfg)
{
	cfg->flags |= BH_CFG_EV_NEW_FLOWS | BH_CFG_EV_DENY | BH_CFG_ENABLED;
	cfg->ev_rate = 0;
	cfg->ev_burst = 0;
	cfg->deny_cache_rate = 0;
	cfg->deny_cache_burst = 0;
}

static int bh_engine_open_native(struct bh_engine *e,
				 const struct bh_compiled_policy *cp)
{
	struct bh_native_opts o = { 0 };
	int err;

	err = bh_native_new(&e->native, &o);
	if (err)
		return err;
	bh_engine_replay_config(bh_native_config(e->native));
	bh_native_set_event_cb(e->native, bh_engine_native_event, e);
	return bh_native_load_policy(e->native, cp, 1);
}

static int bh_engine_open_bpf(struct bh_engine *e,
			      const struct bh_compiled_policy *cp)
{
	struct bh_dp_opts o = { 0 };
	struct bh_dp_runtime rt;
	__u32 gen = 1;
	int err;

	err = bh_dp_open(&e->dp, &o);
	if (err) {
		pr_warn("replay: engine bpf: cannot load the XDP program: %s "
			"(it needs root and BPF)\n",
			strerror(-err));
		return err;
	}
	err = bh_dp_runtime_get(e->dp, &rt);
	if (err)
		return err;
	rt.flags |= BH_CFG_EV_NEW_FLOWS | BH_CFG_EV_DENY;
	rt.ev_rate = 0;
	rt.ev_burst = 0;
	rt.deny_cache_rate = 0;
	rt.deny_cache_burst = 0;
	err = bh_dp_runtime_set(e->dp, &rt);
	if (err)
		return err;
	err = bh_dp_events_open(e->dp, (bh_dp_event_cb)e->cb, e->ctx);
	if (err)
		return err;
	err = bh_dp_load_policy(e->dp, cp, &gen);
	if (err)
		return err;
	bh_dp_config(e->dp)->flags |= BH_CFG_IFINDEX_OVERRIDE;
	return 0;
}

int bh_engine_new(struct bh_engine **out, enum bh_engine_kind kind,
		  const struct bh_compiled_policy *cp, bh_engine_event_cb cb,
		  void *ctx)
{
	struct bh_engine *e;
	int err;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->kind = kind;
	e->cb = cb;
	e->ctx = ctx;
	err = kind == BH_ENGINE_BPF ? bh_engine_open_bpf(e, cp) :
				      bh_engine_open_native(e, cp);
	if (err) {
		bh_engine_free(&e);
		return err;
	}
	*out = e;
	return 0;
}

void bh_engine_free(struct bh_engine **ep)
{
	struct bh_engine *e = *ep;

	if (!e)
		return;
	bh_native_free(&e->native);
	bh_dp_free(&e->dp);
	free(e);
	*ep = NULL;
}

int bh_engine_classify(struct bh_engine *e, const void *frame, __u32 caplen,
		       __u32 wire_len, __u32 ifindex, __u64 now_ns,
		       struct bh_result *res)
{
	int r;

	if (caplen < BH_ENGINE_MIN_FRAME || caplen > BH_ENGINE_MAX_FRAME)
		return -EINVAL;
	if (e->kind == BH_ENGINE_NATIVE) {
		bh_native_classify(e->native, frame, caplen, wire_len, ifindex,
				   now_ns, res);
		return 0;
	}
	/* BPF_PROG_TEST_RUN runs the program as if on loopback: account the
	 * packet to the capture's interface instead, as native does. */
	bh_dp_config(e->dp)->ifindex_override = ifindex;
	r = bh_dp_test_run(e->dp, frame, caplen, wire_len, now_ns, res);
	if (r < 0)
		return r;
	/* Deliver this packet's events before the next packet, as the
	 * native engine does from inside classify. */
	r = bh_dp_events_poll(e->dp, 0);
	return r < 0 ? r : 0;
}

int bh_engine_flows(struct bh_engine *e, bool denied, bh_engine_flow_cb cb,
		    void *ctx)
{
	if (e->kind == BH_ENGINE_NATIVE)
		return bh_native_flows(e->native, denied, cb, ctx);
	return bh_dp_flows(e->dp, denied, cb, ctx);
}

int bh_engine_flow_delete(struct bh_engine *e, bool denied,
			  const struct bh_flow_key *key)
{
	if (e->kind == BH_ENGINE_NATIVE)
		return bh_native_flow_delete(e->native, denied, key);
	return bh_dp_flow_delete(e->dp, denied, key);
}

struct bh_native *bh_engine_native(struct bh_engine *e)
{
	return e->kind == BH_ENGINE_NATIVE ? e->native : NULL;
}

bool bh_engine_incremental(const struct bh_engine *e)
{
	return e->kind == BH_ENGINE_NATIVE;
}

void bh_engine_flows_mark(const struct bh_engine *e, bool denied,
			  __u64 *clock, __u64 *removed)
{
	*clock = 0;
	*removed = 0;
	if (e->kind != BH_ENGINE_NATIVE)
		return;
	*clock = bh_native_flows_clock(e->native, denied);
	*removed = bh_native_flows_removed(e->native, denied);
}

int bh_engine_flows_since(struct bh_engine *e, bool denied, __u64 since,
			  bh_engine_flow_cb cb, void *ctx)
{
	if (e->kind != BH_ENGINE_NATIVE)
		return -EOPNOTSUPP;
	return bh_native_flows_since(e->native, denied, since, cb, ctx);
}

int bh_engine_flow_peek(struct bh_engine *e, bool denied,
			const struct bh_flow_key *key, struct bh_flow *out,
			__u64 *stamp)
{
	if (e->kind != BH_ENGINE_NATIVE)
		return -EOPNOTSUPP;
	return bh_native_flow_peek(e->native, denied, key, out, stamp);
}

int bh_engine_stats(struct bh_engine *e, struct bh_stats *out)
{
	if (e->kind == BH_ENGINE_NATIVE) {
		bh_native_stats(e->native, out);
		return 0;
	}
	return bh_dp_stats(e->dp, out);
}
