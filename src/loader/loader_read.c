// SPDX-License-Identifier: GPL-2.0-only
/* Counters, flows, events and test runs of the kernel data plane. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader_priv.h"
#include "log.h"

int bh_dp_stats(const struct bh_dp *dp, struct bh_stats *out)
{
	const size_t nf = sizeof(struct bh_stats) / sizeof(__u64);
	__u64 *vals, *sum = (__u64 *)out;
	__u32 zero = 0;
	size_t i;
	int c, err = 0;

	vals = calloc((size_t)dp->ncpus, sizeof(struct bh_stats));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.bh_stats), &zero,
				vals)) {
		err = -errno;
		pr_warn("loader: cannot read bh_stats: %s\n", strerror(-err));
		goto out;
	}
	memset(out, 0, sizeof(*out));
	for (c = 0; c < dp->ncpus; c++)
		for (i = 0; i < nf; i++)
			sum[i] += vals[(size_t)c * nf + i];
out:
	free(vals);
	return err;
}

int bh_dp_stats_reset(struct bh_dp *dp)
{
	__u32 zero = 0;
	void *vals;
	int err = 0;

	vals = calloc((size_t)dp->ncpus, sizeof(struct bh_stats));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.bh_stats), &zero,
				vals, BPF_ANY))
		err = -errno;
	free(vals);
	return err;
}

static int bh_dp_flow_fd(const struct bh_dp *dp, bool denied)
{
	return bpf_map__fd(denied ? dp->skel->maps.bh_denied :
				    dp->skel->maps.bh_flows);
}

/* Walk with get_next_key, for kernels without batch lookups. */
static int bh_dp_flows_iter(int fd, bh_dp_flow_cb cb, void *ctx)
{
	struct bh_flow_key key, next;
	struct bh_flow val;
	const void *prev = NULL;
	int r;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &val))
			continue; /* evicted meanwhile */
		r = cb(ctx, &key, &val);
		if (r)
			return r;
	}
	return errno == ENOENT ? 0 : -errno;
}

#define BH_DP_BATCH 1024
#ifndef ENOTSUPP
#define ENOTSUPP 524 /* kernel-internal, seen by userspace */
#endif

int bh_dp_flows(struct bh_dp *dp, bool denied, bh_dp_flow_cb cb, void *ctx)
{
	int fd = bh_dp_flow_fd(dp, denied), err = 0, r;
	__u32 n = BH_DP_BATCH, count, i;
	struct bh_flow_key *keys = NULL;
	struct bh_flow *vals = NULL;
	/* Batch token: a bucket index for hash maps; sized generously. */
	__u64 in_tok[8], out_tok[8];
	bool first = true, last = false;
	void *in = NULL;

	if (!cb)
		return -EINVAL;
	keys = calloc(n, sizeof(*keys));
	vals = calloc(n, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while (!last) {
		count = n;
		if (bpf_map_lookup_batch(fd, in, out_tok, keys, vals, &count,
					 NULL)) {
			err = -errno;
			if (err == -ENOENT) {
				last = true;
				err = 0;
			} else if (first && (err == -EINVAL ||
					     err == -EOPNOTSUPP ||
					     err == -ENOTSUPP)) {
				err = bh_dp_flows_iter(fd, cb, ctx);
				goto out;
			} else {
				pr_warn("loader: cannot read %s in batches: "
					"%s\n",
					denied ? "bh_denied" : "bh_flows",
					strerror(-err));
				goto out;
			}
		}
		first = false;
		for (i = 0; i < count; i++) {
			r = cb(ctx, &keys[i], &vals[i]);
			if (r) {
				err = r;
				goto out;
			}
		}
		memcpy(in_tok, out_tok, sizeof(in_tok));
		in = in_tok;
	}
out:
	free(keys);
	free(vals);
	return err;
}

int bh_dp_flow_lookup(struct bh_dp *dp, bool denied,
		      const struct bh_flow_key *key, struct bh_flow *out)
{
	if (bpf_map_lookup_elem(bh_dp_flow_fd(dp, denied), key, out))
		return -errno;
	return 0;
}

int bh_dp_flow_delete(struct bh_dp *dp, bool denied,
		      const struct bh_flow_key *key)
{
	if (bpf_map_delete_elem(bh_dp_flow_fd(dp, denied), key))
		return -errno;
	return 0;
}

static int bh_dp_count_one(void *ctx, const struct bh_flow_key *key,
			   const struct bh_flow *flow)
{
	(void)key;
	(void)flow;
	(*(size_t *)ctx)++;
	return 0;
}

int bh_dp_flow_count(struct bh_dp *dp, bool denied, size_t *count)
{
	*count = 0;
	return bh_dp_flows(dp, denied, bh_dp_count_one, count);
}

/* ------------------------------------------------------------------------ */
/* Events.                                                                  */

static int bh_dp_ring_sample(void *ctx, void *data, size_t size)
{
	struct bh_dp *dp = ctx;

	if (size < sizeof(struct bh_event)) {
		pr_warn("loader: short event (%zu bytes) in bh_events\n", size);
		return 0;
	}
	dp->ev_cb(dp->ev_ctx, data);
	return 0;
}

int bh_dp_events_open(struct bh_dp *dp, bh_dp_event_cb cb, void *ctx)
{
	int err;

	if (!cb || dp->rb)
		return -EINVAL;
	dp->ev_cb = cb;
	dp->ev_ctx = ctx;
	dp->rb = ring_buffer__new(bpf_map__fd(dp->skel->maps.bh_events),
				  bh_dp_ring_sample, dp, NULL);
	if (!dp->rb) {
		err = -errno;
		pr_warn("loader: cannot open the bh_events ring: %s\n",
			strerror(-err));
		return err;
	}
	return 0;
}

int bh_dp_events_poll(struct bh_dp *dp, int timeout_ms)
{
	if (!dp->rb)
		return -EINVAL;
	if (!timeout_ms)
		return ring_buffer__consume(dp->rb);
	return ring_buffer__poll(dp->rb, timeout_ms);
}

int bh_dp_events_fd(const struct bh_dp *dp)
{
	return dp->rb ? ring_buffer__epoll_fd(dp->rb) : -EINVAL;
}

/* ------------------------------------------------------------------------ */
/* BPF_PROG_TEST_RUN.                                                       */

#define BH_ETH_MIN 14 /* the kernel refuses shorter XDP test frames */

/* One BPF_PROG_TEST_RUN of prog_fd with the per-packet overrides set and
 * the result recorded (bh_dp_test_run, bh_dp_tc_test_run). */
static int test_run(struct bh_dp *dp, int prog_fd,
		    struct bpf_test_run_opts *o, __u32 wire_len, __u64 now_ns,
		    struct bh_result *res)
{
	struct bh_config *cfg = dp->cfg;
	__u32 flags = cfg->flags;
	int err;

	if (!o->data_in || o->data_size_in < BH_ETH_MIN) {
		pr_warn("loader: test run of a %u-byte frame: the program "
			"needs at least an Ethernet header\n",
			o->data_size_in);
		return -EINVAL;
	}
	if (prog_fd < 0)
		return prog_fd;
	cfg->now_override_ns = now_ns;
	cfg->wire_len_override =
	    wire_len != o->data_size_in ? wire_len : 0;
	cfg->flags = flags | BH_CFG_RECORD_RESULT;
	memset(&dp->skel->bss->bh_last_result, 0, sizeof(struct bh_result));
	err = bpf_prog_test_run_opts(prog_fd, o);
	if (err)
		err = -errno;
	cfg->flags = flags;
	cfg->now_override_ns = 0;
	cfg->wire_len_override = 0;
	if (err) {
		pr_warn("loader: BPF_PROG_TEST_RUN failed: %s\n",
			strerror(-err));
		return err;
	}
	if (res)
		*res = dp->skel->bss->bh_last_result;
	return (int)o->retval;
}

int bh_dp_test_run(struct bh_dp *dp, const void *frame, __u32 caplen,
		   __u32 wire_len, __u64 now_ns, struct bh_result *res)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
		    .data_size_in = caplen, .repeat = 1);

	return test_run(dp, bh_dp_prog_fd(dp), &o, wire_len, now_ns, res);
}

int bh_dp_tc_test_run(struct bh_dp *dp, const void *frame, __u32 len,
		      __u32 gso_segs, __u32 ingress_ifindex, __u64 now_ns,
		      struct bh_result *res)
{
	/* the fields BPF_PROG_TEST_RUN takes from a __sk_buff include
	 * ingress_ifindex (skb->skb_iif) and the GSO segment count and size
	 * (1448: a TCP segment of a 1500-byte MTU) */
	struct __sk_buff ctx = {
		.ingress_ifindex = ingress_ifindex,
		.gso_segs = gso_segs > 1 ? gso_segs : 0,
		.gso_size = gso_segs > 1 ? 1448 : 0,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
		    .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	return test_run(dp, bh_dp_tc_prog_fd(dp), &o, len, now_ns, res);
}
