// SPDX-License-Identifier: GPL-2.0-only
/* Flow record building: biflows, FIN/RST, idle and active timeouts, LRU
 * evictions, counter deltas across polls, events, names. The collector is
 * driven with a replay clock, so every time below is exact. */
#include "bh_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"

#define S(x) ((__u64)(x) * 1000000000ull)
#define T0 S(1700000000)
#define MAX_RECS 64

struct fixture {
	struct bh_collector *c;
	struct bh_clock clock;
	struct bh_flow_record recs[MAX_RECS];
	int n;
	/* the source's map, for lookup/delete */
	struct bh_flow_key map_key[8];
	struct bh_flow map_val[8];
	bool map_live[8];
	int deleted;
};

static void on_record(void *ctx, struct bh_flow_record *r)
{
	struct fixture *fx = ctx;

	assert_true(fx->n < MAX_RECS);
	fx->recs[fx->n++] = *r;
}

/* ---- a table-backed resolver ------------------------------------------ */

static const char *const web_labels[] = { "app=web", "tier=front" };
static const char *const db_labels[] = { "app=db" };

static int res_identity(void *ctx, __u32 id, struct bh_resolver_identity *out)
{
	(void)ctx;
	memset(out, 0, sizeof(*out));
	switch (id) {
	case 256:
		out->name = "web";
		out->kind = BH_KIND_WORKLOAD;
		out->labels = web_labels;
		out->n_labels = 2;
		return 0;
	case 257:
		out->name = "db";
		out->kind = BH_KIND_WORKLOAD;
		out->labels = db_labels;
		out->n_labels = 1;
		return 0;
	case 300:
		out->name = "partners";
		out->kind = BH_KIND_EXTERNAL;
		return 0;
	case BH_ID_WORLD:
		out->name = "world";
		out->kind = BH_KIND_RESERVED;
		return 0;
	}
	return -ENOENT;
}

static const char *res_workload(void *ctx, const union bh_addr *a)
{
	(void)ctx;
	/* 10.0.0.1 is web-1, 10.0.0.2 is db-0; other web replicas unnamed */
	if (a->b[15] == 1 && a->b[14] == 0)
		return "web-1";
	if (a->b[15] == 2 && a->b[14] == 0)
		return "db-0";
	return NULL;
}

static const char *res_rule(void *ctx, __u32 id)
{
	(void)ctx;
	return id == 3 ? "allow-web-db" : NULL;
}

static int res_generation(void *ctx, __u32 epoch, __u32 *gen)
{
	(void)ctx;
	*gen = 40 + epoch / 2;
	return 0;
}

static const char *res_iface(void *ctx, __u32 ifindex, enum bh_iface_kind *k)
{
	(void)ctx;
	if (ifindex == 7) {
		*k = BH_IFACE_WORKLOAD;
		return "veth-web";
	}
	if (ifindex == 2) {
		*k = BH_IFACE_UPLINK;
		return "eth0";
	}
	return NULL;
}

static const struct bh_collector_resolver resolver = {
	.identity = res_identity,
	.workload = res_workload,
	.rule = res_rule,
	.generation = res_generation,
	.iface = res_iface,
};

/* ---- a source with lookup and delete over a tiny "map" ----------------- */

static int find_map(struct fixture *fx, const struct bh_flow_key *k)
{
	int i;

	for (i = 0; i < 8; i++)
		if (fx->map_live[i] && !memcmp(&fx->map_key[i], k, sizeof(*k)))
			return i;
	return -1;
}

static int src_lookup(void *ctx, const struct bh_flow_key *k, bool denied,
		      struct bh_flow *out)
{
	struct fixture *fx = ctx;
	int i = find_map(fx, k);

	(void)denied;
	if (i < 0)
		return -ENOENT;
	*out = fx->map_val[i];
	return 0;
}

static int src_del(void *ctx, const struct bh_flow_key *k, bool denied)
{
	struct fixture *fx = ctx;
	int i = find_map(fx, k);

	(void)denied;
	if (i < 0)
		return -ENOENT;
	fx->map_live[i] = false;
	fx->deleted++;
	return 0;
}

/* ---- helpers ----------------------------------------------------------- */

static union bh_addr v4(const char *s)
{
	union bh_addr a = { .b = { 0 } };

	a.b[10] = 0xff;
	a.b[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, s, &a.b[12]), 1);
	return a;
}

static union bh_addr v6(const char *s)
{
	union bh_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, a.b), 1);
	return a;
}

static struct bh_flow_key key4(const char *a, __u16 ap, const char *b,
			       __u16 bp, __u8 proto)
{
	struct bh_flow_key k;

	memset(&k, 0, sizeof(k));
	k.a = v4(a);
	k.b = v4(b);
	k.a_port = ap;
	k.b_port = bp;
	k.proto = proto;
	return k;
}

static struct bh_flow flow_at(__u64 first, __u64 last)
{
	struct bh_flow f;

	memset(&f, 0, sizeof(f));
	f.first_seen_ns = first;
	f.last_seen_ns = last;
	f.verdict = BH_VERDICT_ALLOW;
	f.ct_state = BH_CT_ESTABLISHED;
	f.identity[0] = 256;
	f.identity[1] = 257;
	return f;
}

static void set_counts(struct bh_flow *f, __u64 pab, __u64 bab, __u64 pba,
		       __u64 bba)
{
	f->packets[BH_DIR_AB] = pab;
	f->bytes[BH_DIR_AB] = bab;
	f->packets[BH_DIR_BA] = pba;
	f->bytes[BH_DIR_BA] = bba;
}

/* One poll at time now that reads the given entries. */
static void poll(struct fixture *fx, __u64 now, const struct bh_flow_key *k,
		 const struct bh_flow *f, int n)
{
	int i;

	bh_collector_poll_begin(fx->c, now);
	for (i = 0; i < n; i++)
		assert_int_equal(bh_collector_ingest(fx->c, &k[i], &f[i], false),
				 0);
	bh_collector_poll_end(fx->c, now);
}

static int setup_opts(void **state, const struct bh_collector_opts *o)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct bh_collector_opts opts;

	assert_non_null(fx);
	bh_clock_init_replay(&fx->clock);
	if (o) {
		opts = *o;
	} else {
		bh_collector_opts_default(&opts);
		opts.max_flows = 16;
	}
	opts.node = "node-a";
	opts.clock = &fx->clock;
	opts.resolver = &resolver;
	opts.emit = on_record;
	opts.emit_ctx = fx;
	assert_int_equal(bh_collector_new(&fx->c, &opts), 0);
	*state = fx;
	return 0;
}

static int setup(void **state)
{
	return setup_opts(state, NULL);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	bh_collector_free(&fx->c);
	assert_null(fx->c);
	bh_collector_free(&fx->c); /* NULL-safe */
	free(fx);
	return 0;
}

static struct bh_collector_stats stats(struct fixture *fx)
{
	struct bh_collector_stats st;

	bh_collector_stats(fx->c, &st);
	return st;
}

/* ---- cases ------------------------------------------------------------- */

/* Initiator b: the record's initiator side takes b's address, port, counters,
 * flags, identity and interface. */
static void test_biflow_initiator_b(void **state)
{
	struct fixture *fx = *state;
	struct bh_flow_key k = key4("10.0.0.2", 5432, "10.0.0.9", 40000, 6);
	struct bh_flow f = flow_at(T0, T0 + S(1));
	const struct bh_flow_record *r;

	f.flags = BH_FLOW_F_INIT_B;
	f.identity[0] = 257;
	f.identity[1] = 256;
	f.ifindex[BH_DIR_BA] = 7; /* b's packets came in on its veth */
	f.ifindex[BH_DIR_AB] = 2;
	set_counts(&f, 4, 4000, 5, 500); /* a->b: the replies */
	f.tcp_flags[BH_DIR_BA] = BH_TCP_SYN | BH_TCP_ACK;
	f.tcp_flags[BH_DIR_AB] = BH_TCP_SYN | BH_TCP_ACK | BH_TCP_PSH;
	f.rule_id = 3;
	f.epoch = 4;
	poll(fx, T0 + S(2), &k, &f, 1);
	assert_int_equal(fx->n, 0);
	bh_collector_flush(fx->c, T0 + S(3));
	assert_int_equal(fx->n, 1);
	r = &fx->recs[0];
	assert_int_equal(r->end_reason, BH_END_FORCED);
	assert_int_equal(r->ep[BH_SIDE_INIT].port, 40000);
	assert_int_equal(r->ep[BH_SIDE_RESP].port, 5432);
	assert_int_equal(r->ep[BH_SIDE_INIT].addr.b[15], 9);
	assert_int_equal(r->packets[BH_SIDE_INIT], 5);
	assert_int_equal(r->bytes[BH_SIDE_INIT], 500);
	assert_int_equal(r->packets[BH_SIDE_RESP], 4);
	assert_int_equal(r->bytes[BH_SIDE_RESP], 4000);
	assert_int_equal(r->tcp_flags[BH_SIDE_INIT], BH_TCP_SYN | BH_TCP_ACK);
	assert_int_equal(r->ep[BH_SIDE_INIT].identity, 256);
	assert_int_equal(r->ep[BH_SIDE_INIT].ifindex, 7);
	assert_string_equal(r->ep[BH_SIDE_INIT].ifname, "veth-web");
	assert_int_equal(r->direction, BH_TDIR_EGRESS);
	/* 10.0.0.9 is a web replica without a name of its own */
	assert_string_equal(r->ep[BH_SIDE_INIT].workload, "web");
	assert_int_equal(r->ep[BH_SIDE_INIT].n_labels, 2);
	assert_string_equal(r->ep[BH_SIDE_INIT].labels[1], "tier=front");
	assert_string_equal(r->ep[BH_SIDE_RESP].workload, "db-0");
	assert_string_equal(r->rule, "allow-web-db");
	assert_int_equal(r->generation, 42);
	assert_int_equal(r->epoch, 4);
	assert_false(r->ipv6);
	assert_string_equal(r->node, "node-a");
	assert_int_equal(r->start_ns, T0);
	assert_int_equal(r->end_ns, T0 + S(1));
	assert_int_equal(r->record_start_ns, T0);
	assert_int_equal(r->flow_id, 1);
	assert_int_equal(strlen(r->community_id), BH_COMMUNITY_ID_LEN);
}

/* FIN from both sides: the record waits for the close linger, then says
 * FIN with every packet; nothing is reported twice. */
static void test_fin_close(void **state)
{
	struct fixture *fx = *state;
	struct bh_flow_key k = key4("10.0.0.1", 40000, "10.0.0.2", 5432, 6);
	struct bh_flow f = flow_at(T0, T0 + S(1));

	set_counts(&f, 3, 300, 2, 200);
	poll(fx, T0 + S(1), &k, &f, 1);
	f.last_seen_ns = T0 + S(2);
	f.ct_state = BH_CT_CLOSED;
	f.tcp_flags[0] = f.tcp_flags[1] = BH_TCP_FIN | BH_TCP_ACK;
	set_counts(&f, 6, 600, 4, 400);
	poll(fx, T0 + S(2) + S(1) / 2, &k, &f, 1); /* within the linger */
	assert_int_equal(fx->n, 0);
	set_counts(&f, 7, 640, 4, 400); /* the last ACK */
	f.last_seen_ns = T0 + S(2) + S(1) / 2;
	poll(fx, T0 + S(4), &k, &f, 1);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->recs[0].end_reason, BH_END_FIN);
	assert_int_equal(fx->recs[0].packets[BH_SIDE_INIT], 7);
	assert_int_equal(fx->recs[0].bytes[BH_SIDE_INIT], 640);
	assert_int_equal(fx->recs[0].packets[BH_SIDE_RESP], 4);
	/* More polls of the same entry: nothing new. */
	poll(fx, T0 + S(5), &k, &f, 1);
	bh_collector_flush(fx->c, T0 + S(6));
	assert_int_equal(fx->n, 1);
	assert_int_equal(stats(fx).flows_active, 0);
}

static void test_rst_close(void **state)
{
	struct fixture *fx = *state;
	struct bh_flow_key k = key4("10.0.0.1", 40000, "10.0.0.2", 5432, 6);
	struct bh_flow f = flow_at(T0, T0 + S(1));

	set_counts(&f, 1, 60, 1, 54);
	f.ct_state = BH_CT_CLOSED;
	f.tcp_flags[BH_DIR_AB] = BH_TCP_SYN;
	f.tcp_flags[BH_DIR_BA] = BH_TCP_RST | BH_TCP_ACK;
	poll(fx, T0 + S(3), &k, &f, 1);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->recs[0].end_reason, BH_END_RST);
	assert_int_equal(fx->recs[0].tcp_flags[BH_SIDE_RESP],
			 BH_TCP_RST | BH_TCP_ACK);
}

/* Idle timeout closes the record; packets after it make a new flow that
 * counts only them. */
static void test_idle_timeout_and_resume(void **state)
{
	struct fixture *fx = *state;
	struct bh_flow_key k = key4("10.0.0.1", 5353, "10.0.0.2", 53, 17);
	struct bh_flow f = flow_at(T0, T0 + S(1));

	set_counts(&f, 2, 200, 2, 300);
	poll(fx, T0 + S(10), &k, &f, 1);
	assert_int_equal(fx->n, 0);
	poll(fx, T0 + S(16), &k, &f, 1); /* 15 s quiet */
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->recs[0].end_reason, BH_END_IDLE_TIMEOUT);
	assert_int_equal(fx->recs[0].packets[BH_SIDE_INIT], 2);
	poll(fx, T0 + S(20), &k, &f, 1);
	assert_int_equal(fx->n, 1);

	set_counts(&f, 3, 300, 3, 450);
	f.last_seen_ns = T0 + S(30);
	poll(fx, T0 + S(31), &k, &f, 1);
	bh_collector_flush(fx->c, T0 + S(32));
	assert_int_equal(fx->n, 2);
	assert_int_equal(fx->recs[1].end_reason, BH_END_FORCED);
	assert_int_not_equal(fx->recs[1].flow_id, fx->recs[0].flow_id);
	assert_int_equal(fx->recs[1].record_index, 0);
	assert_int_equal(fx->recs[1].packets[BH_SIDE_INIT], 1);
	assert_int_equal(fx->recs[1].bytes[BH_SIDE_RESP], 150);
	/* it started after the idle record was made */
	assert_int_equal(fx->recs[1].start_ns, T0 + S(16));
}

/* A long flow reports every active timeout under one flow id; the records
 * add up to the totals and cover consecutive intervals. */
static void test_active_timeout(void **state)
{
	struct fixture *fx = *state;
	struct bh_flow_key k = key4("10.0.0.1", 40000, "10.0.0.2", 5432, 6);
	struct bh_flow f = flow_at(T0, T0);
	__u64 sum_p = 0, sum_b = 0, t;
	int i;

	for (t = 1; t <= 150; t++) {
		set_counts(&f, t * 10, t * 1000, t * 5, t * 100);
		f.last_seen_ns = T0 + S(t);
		poll(fx, T0 + S(t), &k, &f, 1);
	}
	assert_int_equal(fx->n, 2); /* at 60 s and 120 s */
	f.ct_state = BH_CT_CLOSED;
	poll(fx, T0 + S(152), &k, &f, 1);
	assert_int_equal(fx->n, 3);
	for (i = 0; i < fx->n; i++) {
		assert_int_equal(fx->recs[i].flow_id, fx->recs[0].flow_id);
		assert_int_equal(fx->recs[i].record_index, i);
		assert_int_equal(fx->recs[i].start_ns, T0);
		sum_p += fx->recs[i].packets[BH_SIDE_INIT];
		sum_b += fx->recs[i].bytes[BH_SIDE_RESP];
	}
	assert_int_equal(fx->recs[0].end_reason, BH_END_ACTIVE_TIMEOUT);
	assert_int_equal(fx->recs[0].packets[BH_SIDE_INIT], 600);
	assert_int_equal(fx->recs[0].record_start_ns, T0);
	assert_int_equal(fx->recs[1].record_start_ns, T0 + S(60));
	assert_int_equal(fx->recs[2].record_start_ns, T0 + S(120));
	assert_int_equal(fx->recs[2].end_reason, BH_END_FIN);
	assert_int_equal(sum_p, 1500);
	assert_int_equal(sum_b, 15000);
}

/* Cumulative counters read in many polls, and twice within one poll (a
 * batched walk may return an entry twice), are counted once. */
static void test_deltas_across_polls(void **state)
{
	struct fixture *fx = *state;
	struct bh_flow_key k[2] = {
		key4("10.0.0.1", 40000, "10.0.0.2", 5432, 6),
		key4("10.0.0.1", 40001, "10.0.0.2", 5432, 6),
	};
	struct bh_flow f[2] = { flow_at(T0, T0), flow_at(T0, T0) };
	int t;

	for (t = 1; t <= 10; t++) {
		set_counts(&f[0], t, t * 100, t * 2, t * 10);
		set_counts(&f[1], 1, 100, 0, 0);
		f[0].last_seen_ns = T0 + S(t);
		bh_collector_poll_begin(fx->c, T0 + S(t));
		bh_collector_ingest(fx->c, &k[0], &f[0], false);
		bh_collector_ingest(fx->c, &k[1], &f[1], false);
		bh_collector_ingest(fx->c, &k[0], &f[0], false);
		bh_collector_poll_end(fx->c, T0 + S(t));
	}
	bh_collector_flush(fx->c, T0 + S(11));
	assert_int_equal(fx->n, 2);
	assert_int_equal(fx->recs[0].packets[BH_SIDE_INIT], 10);
	assert_int_equal(fx->recs[0].bytes[BH_SIDE_INIT], 1000);
	assert_int_equal(fx->recs[0].packets[BH_SIDE_RESP], 20);
	assert_int_equal(fx->recs[1].packets[BH_SIDE_INIT], 1);
	assert_int_equal(fx->recs[1].packets[BH_SIDE_RESP], 0);
	assert_int_equal(stats(fx).ingested, 30);
	assert_int_equal(stats(fx).flows_discovered, 2);
}

/* An entry missing from a complete pass was evicted: its counters up to
 * the last poll are reported, with the reason, and counted. */
static void test_eviction_missing(void **state)
{
	struct fixture *fx = *state;
	struct bh_flow_key k = key4("10.0.0.1", 40000, "10.0.0.2", 5432, 6);
	struct bh_flow f = flow_at(T0, T0 + S(1));

	set_counts(&f, 5, 500, 5, 5000);
	poll(fx, T0 + S(1), &k, &f, 1);
	poll(fx, T0 + S(2), NULL, NULL, 0);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->recs[0].end_reason, BH_END_EVICTION);
	assert_int_equal(fx->recs[0].bytes[BH_SIDE_RESP], 5000);
	assert_int_equal(stats(fx).flows_evicted, 1);
	assert_int_equal(stats(fx).flows_tracked, 0);
}

/* The LRU reused the key for a new connection between two polls: the old
 * flow is reported evicted and the new one counts from zero. */
static void test_eviction_reuse(void **state)
{
	struct fixture *fx = *state;
	struct bh_flow_key k = key4("10.0.0.1", 40000, "10.0.0.2", 5432, 6);
	struct bh_flow f = flow_at(T0, T0 + S(1));

	set_counts(&f, 5, 500, 5, 500);
	poll(fx, T0 + S(1), &k, &f, 1);
	f = flow_at(T0 + S(3), T0 + S(3));
	set_counts(&f, 1, 60, 0, 0);
	poll(fx, T0 + S(4), &k, &f, 1);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->recs[0].end_reason, BH_END_EVICTION);
	assert_int_equal(fx->recs[0].packets[BH_SIDE_INIT], 5);
	bh_collector_flush(fx->c, T0 + S(5));
	assert_int_equal(fx->n, 2);
	assert_int_equal(fx->recs[1].packets[BH_SIDE_INIT], 1);
	assert_int_equal(fx->recs[1].start_ns, T0 + S(3));
	assert_int_not_equal(fx->recs[1].flow_id, fx->recs[0].flow_id);
}

/* A closed connection whose entry was removed by someone else is reported
 * as closed, not evicted. */
static void test_closed_then_gone(void **state)
{
	struct fixture *fx = *state;
	struct bh_flow_key k = key4("10.0.0.1", 40000, "10.0.0.2", 5432, 6);
	struct bh_flow f = flow_at(T0, T0 + S(1));

	set_counts(&f, 4, 400, 4, 400);
	f.ct_state = BH_CT_CLOSED;
	f.tcp_flags[0] = f.tcp_flags[1] = BH_TCP_FIN;
	poll(fx, T0 + S(1), &k, &f, 1); /* within the linger */
	poll(fx, T0 + S(2), NULL, NULL, 0);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->recs[0].end_reason, BH_END_FIN);
	assert_int_equal(stats(fx).flows_evicted, 0);
}

/* With a source: an entry the walk skipped is read again and not called
 * evicted; a closed entry is deleted once quiet long enough. */
static void test_source_lookup_and_delete(void **state)
{
	struct fixture *fx = *state;
	struct bh_collector_source src = {
		.ctx = fx, .lookup = src_lookup, .del = src_del
	};
	struct bh_flow f;

	bh_collector_set_source(fx->c, &src);
	fx->map_key[0] = key4("10.0.0.1", 40000, "10.0.0.2", 5432, 6);
	f = flow_at(T0, T0 + S(1));
	set_counts(&f, 2, 200, 2, 200);
	fx->map_val[0] = f;
	fx->map_live[0] = true;
	poll(fx, T0 + S(1), fx->map_key, fx->map_val, 1);
	fx->map_val[0].packets[0] = 3;
	poll(fx, T0 + S(2), NULL, NULL, 0); /* skipped by the walk */
	assert_int_equal(fx->n, 0);
	assert_int_equal(stats(fx).flows_evicted, 0);

	fx->map_val[0].ct_state = BH_CT_CLOSED;
	poll(fx, T0 + S(3), fx->map_key, fx->map_val, 1);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->recs[0].end_reason, BH_END_FIN);
	assert_int_equal(fx->recs[0].packets[BH_SIDE_INIT], 3);
	assert_int_equal(fx->deleted, 0);
	poll(fx, T0 + S(40), fx->map_key, fx->map_val, 1);
	assert_int_equal(fx->deleted, 1);
	assert_int_equal(stats(fx).deletes, 1);
	assert_int_equal(stats(fx).flows_tracked, 0);
	assert_int_equal(fx->n, 1);
}

static struct bh_event icmp_event(const char *src, const char *dst, __u8 type,
				  __u64 ts)
{
	struct bh_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = ts;
	ev.type = BH_EV_NEW_FLOW;
	ev.verdict = BH_VERDICT_ALLOW;
	ev.src_identity = 256;
	ev.dst_identity = 257;
	ev.ifindex = 7;
	ev.pkt.saddr = v4(src);
	ev.pkt.daddr = v4(dst);
	ev.pkt.sport = ev.pkt.dport = 77; /* echo id */
	ev.pkt.ip_proto = 1;
	ev.pkt.icmp_type = type;
	ev.pkt.pkt_len = 98;
	ev.pkt.flags = BH_PKT_HAS_L4;
	return ev;
}

/* An event names a flow before any poll; the map entry is adopted without
 * counting the event's packet twice, and the record gets the ICMP type and
 * a Community ID. */
static void test_event_then_map(void **state)
{
	struct fixture *fx = *state;
	struct bh_event ev = icmp_event("10.0.0.2", "10.0.0.1", 8, T0);
	struct bh_flow_key k = key4("10.0.0.1", 77, "10.0.0.2", 77, 1);
	struct bh_flow f = flow_at(T0, T0 + S(1));
	const struct bh_flow_record *r;

	bh_collector_event(fx->c, &ev);
	f.flags = BH_FLOW_F_INIT_B;
	set_counts(&f, 2, 196, 2, 196);
	poll(fx, T0 + S(2), &k, &f, 1);
	bh_collector_flush(fx->c, T0 + S(3));
	assert_int_equal(fx->n, 1);
	r = &fx->recs[0];
	assert_int_equal(r->packets[BH_SIDE_INIT], 2);
	assert_true(r->has_icmp);
	assert_int_equal(r->icmp_type, 8);
	assert_int_equal(r->ep[BH_SIDE_INIT].addr.b[15], 2);
	assert_int_equal(strlen(r->community_id), BH_COMMUNITY_ID_LEN);
	assert_int_equal(stats(fx).flows_discovered, 1);
	assert_int_equal(stats(fx).events_new_flow, 1);
}

/* A tunnelled flow's event and its map entry meet on the key with the VNI
 * in it (the classifier's): one flow, one record. The same inner tuple in
 * another VNI is another flow. */
static void test_event_then_map_vni(void **state)
{
	struct fixture *fx = *state;
	struct bh_event ev = icmp_event("10.0.0.2", "10.0.0.1", 8, T0);
	struct bh_flow_key k = key4("10.0.0.1", 77, "10.0.0.2", 77, 1);
	struct bh_flow_key k2;
	struct bh_flow f = flow_at(T0, T0 + S(1));

	ev.pkt.vni = 0x123456;
	ev.pkt.tun_type = BH_TUN_VXLAN;
	bh_collector_event(fx->c, &ev);
	bh_vni_put(k.vni, 0x123456);
	assert_int_equal(k.vni[0], 0x12);
	assert_int_equal(bh_vni_get(k.vni), 0x123456);
	k2 = k;
	bh_vni_put(k2.vni, 7);
	f.flags = BH_FLOW_F_INIT_B | BH_FLOW_F_TUNNEL;
	f.vni = 0x123456;
	set_counts(&f, 2, 196, 2, 196);
	poll(fx, T0 + S(2), &k, &f, 1);
	bh_collector_flush(fx->c, T0 + S(3));
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->recs[0].vni, 0x123456);
	assert_int_equal(fx->recs[0].packets[BH_SIDE_INIT], 2);
	assert_int_equal(stats(fx).flows_evicted, 0);

	f.vni = 7;
	poll(fx, T0 + S(4), &k2, &f, 1);
	bh_collector_flush(fx->c, T0 + S(5));
	assert_int_equal(fx->n, 2);
	assert_int_equal(fx->recs[1].vni, 7);
	assert_true(fx->recs[1].flow_id != fx->recs[0].flow_id);
}

/* A flow known only from its event and gone before any poll saw it is
 * reported evicted with the event's packet, after the grace period. */
static void test_event_only_evicted(void **state)
{
	struct fixture *fx = *state;
	struct bh_event ev = icmp_event("10.0.0.1", "10.0.0.2", 8, T0);

	ev.type = BH_EV_DENY;
	ev.verdict = BH_VERDICT_DENY;
	ev.reason = BH_REASON_DEFAULT_DENY;
	bh_collector_event(fx->c, &ev);
	poll(fx, T0 + S(1) / 2, NULL, NULL, 0); /* within the grace */
	assert_int_equal(fx->n, 0);
	poll(fx, T0 + S(2), NULL, NULL, 0);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->recs[0].end_reason, BH_END_EVICTION);
	assert_int_equal(fx->recs[0].packets[BH_SIDE_INIT], 1);
	assert_int_equal(fx->recs[0].bytes[BH_SIDE_INIT], 98);
	assert_int_equal(fx->recs[0].verdict, BH_VERDICT_DENY);
	assert_true(fx->recs[0].denied);
	assert_int_equal(stats(fx).flows_evicted, 1);
	assert_int_equal(stats(fx).events_deny, 1);
}

/* Drops by reason come from counter deltas of DENY flows, audit apart. */
static void test_drop_accounting(void **state)
{
	struct fixture *fx = *state;
	struct bh_flow_key k[2] = {
		key4("10.0.0.1", 40000, "10.0.0.2", 22, 6),
		key4("10.0.0.1", 40001, "10.0.0.2", 23, 6),
	};
	struct bh_flow f[2] = { flow_at(T0, T0), flow_at(T0, T0) };
	struct bh_collector_stats st;

	f[0].verdict = BH_VERDICT_DENY;
	f[0].reason = BH_REASON_POLICY_DENIED;
	f[1].verdict = BH_VERDICT_AUDIT;
	f[1].reason = BH_REASON_DEFAULT_DENY;
	set_counts(&f[0], 3, 180, 0, 0);
	set_counts(&f[1], 2, 120, 2, 100);
	bh_collector_poll_begin(fx->c, T0 + S(1));
	bh_collector_ingest(fx->c, &k[0], &f[0], true);
	bh_collector_ingest(fx->c, &k[1], &f[1], false);
	bh_collector_poll_end(fx->c, T0 + S(1));
	set_counts(&f[0], 5, 300, 0, 0);
	bh_collector_poll_begin(fx->c, T0 + S(2));
	bh_collector_ingest(fx->c, &k[0], &f[0], true);
	bh_collector_ingest(fx->c, &k[1], &f[1], false);
	bh_collector_poll_end(fx->c, T0 + S(2));
	st = stats(fx);
	assert_int_equal(st.drop_packets[BH_REASON_POLICY_DENIED], 5);
	assert_int_equal(st.drop_bytes[BH_REASON_POLICY_DENIED], 300);
	assert_int_equal(st.audit_packets[BH_REASON_DEFAULT_DENY], 4);
	assert_int_equal(st.audit_bytes[BH_REASON_DEFAULT_DENY], 220);
	assert_int_equal(st.last_poll_entries[1], 1);
	bh_collector_flush(fx->c, T0 + S(3));
	assert_int_equal(fx->n, 2);
	assert_true(fx->recs[0].denied);
	assert_true(fx->recs[1].audit);
}

/* Tunnel, VLAN, IPv6 and external group fields reach the record. */
/* 2001:db8::2:50000 -> 2001:db8::1:443, TCP (initiator b). */
static struct bh_flow_key tunnel6_key(void)
{
	struct bh_flow_key k;

	memset(&k, 0, sizeof(k));
	k.a = v6("2001:db8::1");
	k.b = v6("2001:db8::2");
	k.a_port = 443;
	k.b_port = 50000;
	k.proto = 6;
	return k;
}

static void test_fields_tunnel_vlan_v6(void **state)
{
	struct fixture *fx = *state;
	struct bh_flow_key k;
	struct bh_flow f = flow_at(T0, T0 + S(1));
	const struct bh_flow_record *r;

	k = tunnel6_key();
	f.flags = BH_FLOW_F_INIT_B | BH_FLOW_F_TUNNEL | BH_FLOW_F_IPV6;
	f.identity[0] = 300;
	f.identity[1] = 256;
	f.vni = 4242;
	f.vlan[0] = 100;
	f.outer_saddr = v4("192.168.1.1");
	f.outer_daddr = v4("192.168.1.2");
	f.ifindex[BH_DIR_BA] = 2;
	set_counts(&f, 1, 100, 1, 100);
	poll(fx, T0 + S(1), &k, &f, 1);
	bh_collector_flush(fx->c, T0 + S(2));
	r = &fx->recs[0];
	assert_true(r->ipv6);
	assert_true(r->tunneled);
	assert_int_equal(r->vni, 4242);
	assert_int_equal(r->tun_type, BH_TUN_NONE); /* no event: unknown */
	assert_int_equal(r->outer_daddr.b[15], 2);
	assert_int_equal(r->vlan_count, 1);
	assert_int_equal(r->vlan[0], 100);
	assert_int_equal(r->direction, BH_TDIR_INGRESS);
	assert_string_equal(r->ep[BH_SIDE_RESP].external_group, "partners");
	assert_null(r->ep[BH_SIDE_RESP].workload);
	assert_int_equal(r->ep[BH_SIDE_RESP].identity_kind, BH_KIND_EXTERNAL);
}

/* A flow the node opened (TC egress on a workload's veth) is not a
 * workload's egress: its direction is local. */
static void test_direction_host(void **state)
{
	struct fixture *fx = *state;
	struct bh_flow_key k = key4("10.0.0.1", 40000, "10.0.0.2", 8080, 6);
	struct bh_flow f = flow_at(T0, T0 + S(1));
	const struct bh_flow_record *r;

	f.identity[0] = BH_ID_HOST;
	f.identity[1] = 256;
	f.ifindex[BH_DIR_AB] = 7; /* left through the web's veth */
	f.ifindex[BH_DIR_BA] = 7;
	set_counts(&f, 3, 300, 3, 300);
	poll(fx, T0 + S(1), &k, &f, 1);
	bh_collector_flush(fx->c, T0 + S(2));
	assert_int_equal(fx->n, 1);
	r = &fx->recs[0];
	assert_int_equal(r->ep[BH_SIDE_INIT].identity, BH_ID_HOST);
	assert_int_equal(r->direction, BH_TDIR_LOCAL);
}

/* A full table counts what it cannot track instead of failing silently. */
static void test_table_full(void **state)
{
	struct fixture *fx = *state;
	struct bh_flow_key k;
	struct bh_flow f = flow_at(T0, T0);
	int i, err = 0;

	set_counts(&f, 1, 60, 0, 0);
	bh_collector_poll_begin(fx->c, T0 + S(1));
	for (i = 0; i < 20; i++) {
		k = key4("10.0.0.1", 40000 + i, "10.0.0.2", 80, 6);
		err = bh_collector_ingest(fx->c, &k, &f, false);
		if (i < 16)
			assert_int_equal(err, 0);
	}
	assert_int_equal(err, -ENOSPC);
	bh_collector_poll_end(fx->c, T0 + S(1));
	assert_int_equal(stats(fx).flows_untracked, 4);
	assert_int_equal(stats(fx).flows_tracked, 16);
	assert_true(stats(fx).memory_bytes >= 16 * 200);
}

/* Without an event, an ICMP echo flow takes its type from the port the
 * policy was evaluated with; its Community ID is the one the event would
 * have given. */
static void test_icmp_type_from_policy_port(void **state)
{
	struct fixture *fx = *state;
	struct bh_event ev = icmp_event("10.0.0.1", "10.0.0.2", 8, T0);
	struct bh_flow_key k = key4("10.0.0.1", 77, "10.0.0.2", 77, 1);
	struct bh_flow f = flow_at(T0, T0 + S(1));
	char with_event[BH_COMMUNITY_ID_LEN + 1];

	set_counts(&f, 1, 98, 1, 98);
	bh_collector_event(fx->c, &ev);
	poll(fx, T0 + S(1), &k, &f, 1);
	bh_collector_flush(fx->c, T0 + S(2));
	assert_int_equal(fx->n, 1);
	strcpy(with_event, fx->recs[0].community_id);

	k.a_port = k.b_port = 78; /* another echo id, no event */
	f.policy_port = 8;
	poll(fx, T0 + S(3), &k, &f, 1);
	bh_collector_flush(fx->c, T0 + S(4));
	assert_int_equal(fx->n, 2);
	assert_true(fx->recs[1].has_icmp);
	assert_int_equal(fx->recs[1].icmp_type, 8);
	assert_int_equal(fx->recs[1].icmp_code, 0);
	assert_string_equal(fx->recs[1].community_id, with_event);

	/* a one-way type without its code: nothing to hash */
	k.a_port = k.b_port = 0;
	f.policy_port = 3;
	poll(fx, T0 + S(5), &k, &f, 1);
	bh_collector_flush(fx->c, T0 + S(6));
	assert_int_equal(fx->n, 3);
	assert_false(fx->recs[2].has_icmp);
	assert_string_equal(fx->recs[2].community_id, "");
}

/* A policy switch lets a denied flow through: the data plane moves its
 * entry from bh_denied to bh_flows with its counters. One flow, counted
 * once, not evicted. */
static void test_flow_moves_between_maps(void **state)
{
	struct fixture *fx = *state;
	struct bh_flow_key k = key4("10.0.0.1", 40000, "10.0.0.2", 5432, 6);
	struct bh_flow f = flow_at(T0, T0 + S(1));

	f.verdict = BH_VERDICT_DENY;
	f.reason = BH_REASON_DEFAULT_DENY;
	set_counts(&f, 3, 180, 0, 0);
	bh_collector_poll_begin(fx->c, T0 + S(1));
	bh_collector_ingest(fx->c, &k, &f, true);
	bh_collector_poll_end(fx->c, T0 + S(1));
	f.verdict = BH_VERDICT_ALLOW;
	f.reason = BH_REASON_NONE;
	f.last_seen_ns = T0 + S(2);
	set_counts(&f, 5, 300, 2, 120);
	poll(fx, T0 + S(2), &k, &f, 1);
	bh_collector_flush(fx->c, T0 + S(3));
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->recs[0].packets[BH_SIDE_INIT], 5);
	assert_int_equal(fx->recs[0].verdict, BH_VERDICT_ALLOW);
	assert_false(fx->recs[0].denied);
	assert_int_equal(stats(fx).flows_evicted, 0);
	assert_int_equal(stats(fx).flows_discovered, 1);
	assert_int_equal(stats(fx).drop_packets[BH_REASON_DEFAULT_DENY], 3);
}

/* Incremental polls (bh_collector_due, bh_collector_poll_end_partial): a
 * flow not ingested is unchanged, not gone, and due times say when to
 * ingest it again: the active timeout with packets pending, then idle; a
 * closed flow at the close linger, then its deletion. A flow known from an
 * event only is still reported evicted. */
static void test_due_partial_polls(void **state)
{
	struct fixture *fx = *state;
	const struct bh_collector_source src = { .ctx = fx, .del = src_del };
	struct bh_flow_key k = key4("10.0.0.1", 40000, "10.0.0.2", 5432, 6);
	struct bh_flow_key kc = key4("10.0.0.1", 40001, "10.0.0.2", 5432, 6);
	struct bh_flow_key kx = key4("10.0.0.9", 1, "10.0.0.2", 2, 17);
	struct bh_event ev = icmp_event("10.0.0.1", "10.0.0.3", 8, T0 + S(50));
	struct bh_flow f = flow_at(T0, T0 + S(50));
	struct bh_flow fc = flow_at(T0 + S(40), T0 + S(49) + S(1) / 2);
	__u64 t;

	bh_collector_set_source(fx->c, &src);
	fx->map_key[0] = kc;
	fx->map_val[0] = fc;
	fx->map_live[0] = true;
	assert_int_equal(bh_collector_due(fx->c, &k, false), UINT64_MAX);
	set_counts(&f, 10, 1000, 5, 500);
	fc.ct_state = BH_CT_CLOSED;
	set_counts(&fc, 3, 180, 3, 180);
	bh_collector_event(fx->c, &ev);
	bh_collector_poll_begin(fx->c, T0 + S(50));
	assert_int_equal(bh_collector_ingest(fx->c, &kc, &fc, false), 0);
	assert_int_equal(bh_collector_ingest(fx->c, &k, &f, false), 0);
	bh_collector_poll_end_partial(fx->c, T0 + S(50));
	/* pending since T0: active timeout at 60 s before idle at 65 s */
	assert_int_equal(bh_collector_due(fx->c, &k, false), T0 + S(60));
	assert_int_equal(bh_collector_due(fx->c, &kc, false),
			 T0 + S(50) + S(1) / 2);
	assert_int_equal(bh_collector_due(fx->c, &kx, false), UINT64_MAX);

	/* nothing ingested: nothing happens but the event's eviction */
	for (t = 51; t < 60; t++) {
		bh_collector_poll_begin(fx->c, T0 + S(t));
		bh_collector_poll_end_partial(fx->c, T0 + S(t));
	}
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->recs[0].end_reason, BH_END_EVICTION);
	assert_int_equal(fx->recs[0].proto, 1);
	assert_int_equal(stats(fx).flows_tracked, 2);

	/* each ingested when due, as a full poll would find it */
	bh_collector_poll_begin(fx->c, T0 + S(60));
	assert_int_equal(bh_collector_ingest(fx->c, &kc, &fc, false), 0);
	assert_int_equal(bh_collector_ingest(fx->c, &k, &f, false), 0);
	bh_collector_poll_end_partial(fx->c, T0 + S(60));
	assert_int_equal(fx->n, 3);
	assert_int_equal(fx->recs[1].end_reason, BH_END_FIN);
	assert_int_equal(fx->recs[2].end_reason, BH_END_ACTIVE_TIMEOUT);
	assert_int_equal(bh_collector_due(fx->c, &k, false), T0 + S(65));
	assert_int_equal(bh_collector_due(fx->c, &kc, false),
			 T0 + S(79) + S(1) / 2);

	bh_collector_poll_begin(fx->c, T0 + S(65));
	assert_int_equal(bh_collector_ingest(fx->c, &k, &f, false), 0);
	bh_collector_poll_end_partial(fx->c, T0 + S(65));
	assert_int_equal(fx->n, 4);
	assert_int_equal(fx->recs[3].end_reason, BH_END_IDLE_TIMEOUT);
	assert_int_equal(fx->recs[3].packets[BH_SIDE_INIT], 0);
	/* finished, not closed: nothing more to do until it changes */
	assert_int_equal(bh_collector_due(fx->c, &k, false), UINT64_MAX);

	bh_collector_poll_begin(fx->c, T0 + S(80));
	assert_int_equal(bh_collector_ingest(fx->c, &kc, &fc, false), 0);
	bh_collector_poll_end_partial(fx->c, T0 + S(80));
	assert_int_equal(fx->deleted, 1);
	assert_int_equal(bh_collector_due(fx->c, &kc, false), UINT64_MAX);
	assert_int_equal(stats(fx).flows_tracked, 1);
	assert_int_equal(fx->n, 4);
}

/* defer_community_id: records leave without it, and
 * bh_flow_record_community_id() gives what the collector would have put,
 * for TCP and for ICMP from the responder. */
static void test_defer_community_id(void **state)
{
	struct fixture *fx = *state, *fd;
	struct bh_collector_opts o;
	struct bh_event ev = icmp_event("10.0.0.2", "10.0.0.1", 0, T0);
	struct bh_flow_key k[2] = {
		key4("10.0.0.1", 40000, "10.0.0.2", 5432, 6),
		key4("10.0.0.1", 77, "10.0.0.2", 77, 1),
	};
	struct bh_flow f[2] = { flow_at(T0, T0 + S(1)), flow_at(T0, T0) };
	struct bh_flow_record r;
	void *st;
	int i;

	bh_collector_opts_default(&o);
	o.max_flows = 16;
	o.defer_community_id = true;
	assert_int_equal(setup_opts(&st, &o), 0);
	fd = st;
	set_counts(&f[0], 3, 300, 2, 200);
	set_counts(&f[1], 1, 98, 1, 98);
	ev.type = BH_EV_NEW_FLOW;
	bh_collector_event(fx->c, &ev);
	bh_collector_event(fd->c, &ev);
	poll(fx, T0 + S(1), k, f, 2);
	poll(fd, T0 + S(1), k, f, 2);
	bh_collector_flush(fx->c, T0 + S(2));
	bh_collector_flush(fd->c, T0 + S(2));
	assert_int_equal(fx->n, 2);
	assert_int_equal(fd->n, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(strlen(fx->recs[i].community_id),
				 BH_COMMUNITY_ID_LEN);
		assert_string_equal(fd->recs[i].community_id, "");
		r = fd->recs[i];
		bh_flow_record_community_id(&r, 0);
		assert_string_equal(r.community_id, fx->recs[i].community_id);
	}
	teardown(&st);
}

/* Thousands of flows: the table's buckets grow as flows come (from 1,024)
 * and every flow is still found, in both maps, poll after poll. */
static void test_many_flows_buckets_grow(void **state)
{
	struct bh_collector_opts o;
	struct fixture *fx;
	struct bh_flow_key k;
	struct bh_flow f = flow_at(T0, T0);
	char a[32];
	void *st;
	int i, pass;

	(void)state;
	bh_collector_opts_default(&o);
	o.max_flows = 5000;
	assert_int_equal(setup_opts(&st, &o), 0);
	fx = st;
	for (pass = 0; pass < 3; pass++) {
		bh_collector_poll_begin(fx->c, T0 + S(1 + pass));
		for (i = 0; i < 3000; i++) {
			snprintf(a, sizeof(a), "10.%d.%d.1", i / 250, i % 250);
			k = key4(a, 40000, "10.255.0.1", 443, 6);
			f.last_seen_ns = T0 + S(1 + pass);
			set_counts(&f, 1 + pass, 100, 0, 0);
			assert_int_equal(bh_collector_ingest(fx->c, &k, &f,
							     i % 3 == 0),
					 0);
		}
		bh_collector_poll_end(fx->c, T0 + S(1 + pass));
		assert_int_equal(stats(fx).flows_discovered, 3000);
		assert_int_equal(stats(fx).flows_tracked, 3000);
	}
	assert_int_equal(stats(fx).flows_evicted, 0);
	assert_int_equal(fx->n, 0);
	assert_int_equal(bh_collector_due(fx->c, &k, false), T0 + S(3 + 15));
	teardown(&st);
}

/* Interim views: while young, after each poll that saw the flow change;
 * one more past the window; never a record, and records stay whole. */
struct views {
	struct bh_flow_record v[16];
	int n;
};

/* Keeps each view as delivered, and counts the views of a flow in its
 * mark. */
static void on_view(void *ctx, struct bh_flow_record *r)
{
	struct views *vs = ctx;

	assert_true(vs->n < 16);
	vs->v[vs->n++] = *r;
	r->mark = (__u8)((r->mark + 1) & BH_RECORD_MARK_MASK);
}

static void test_interim_views(void **state)
{
	struct bh_flow_key k[2] = {
		key4("10.0.0.1", 40000, "10.0.0.2", 22, 6),
		key4("10.0.0.1", 40001, "10.0.0.9", 22, 6),
	};
	struct bh_flow f[2] = { flow_at(T0, T0), flow_at(T0, T0) };
	struct bh_collector_opts o;
	struct views vs = { .n = 0 };
	struct fixture *fx;

	bh_collector_opts_default(&o);
	o.max_flows = 16;
	o.interim = on_view;
	o.interim_ctx = &vs;
	o.interim_window_ns = S(3);
	setup_opts(state, &o);
	fx = *state;
	/* flow 0 is answered and talks; flow 1 is a SYN nobody answers */
	set_counts(&f[0], 1, 60, 1, 60);
	set_counts(&f[1], 1, 60, 0, 0);
	poll(fx, T0 + S(1) / 2, k, f, 2);
	assert_int_equal(vs.n, 2); /* both new */
	assert_int_equal(vs.v[0].end_reason, BH_END_UNSPEC);
	assert_int_equal(vs.v[0].end_ns, T0 + S(1) / 2); /* the poll */
	assert_int_equal(vs.v[0].packets[BH_SIDE_RESP], 1);
	set_counts(&f[0], 5, 900, 4, 800);
	f[0].last_seen_ns = T0 + S(1);
	poll(fx, T0 + S(3) / 2, k, f, 2);
	assert_int_equal(vs.n, 3); /* flow 0 changed, flow 1 did not */
	assert_int_equal(vs.v[2].flow_id, vs.v[0].flow_id);
	assert_int_equal(vs.v[2].packets[BH_SIDE_INIT], 5);
	assert_int_equal(vs.v[0].mark, 0);
	assert_int_equal(vs.v[2].mark, 1); /* what the first view left */
	poll(fx, T0 + S(5) / 2, k, f, 2);
	assert_int_equal(vs.n, 3);
	poll(fx, T0 + S(7) / 2, k, f, 2); /* past 3 s: one view each */
	assert_int_equal(vs.n, 5);
	assert_int_equal(vs.v[4].packets[BH_SIDE_RESP], 0);
	set_counts(&f[0], 9, 1900, 8, 1800);
	f[0].last_seen_ns = T0 + S(4);
	poll(fx, T0 + S(9) / 2, k, f, 2);
	poll(fx, T0 + S(10), k, f, 2);
	assert_int_equal(vs.n, 5); /* old now: records only */
	assert_int_equal(stats(fx).interim_views, 5);
	assert_int_equal(fx->n, 0);
	bh_collector_flush(fx->c, T0 + S(11));
	assert_int_equal(fx->n, 2);
	assert_int_equal(fx->recs[0].packets[BH_SIDE_INIT], 9);
	assert_int_equal(fx->recs[0].end_ns, T0 + S(4));
	/* records carry the marks the views left: 3 views, 2 views */
	assert_int_equal(fx->recs[0].mark, 3);
	assert_int_equal(fx->recs[1].mark, 2);
}

/* ---- restart continuity ------------------------------------------------ */

struct done_list {
	struct bh_flow_key key[4];
	struct bh_flow snap[4];
	__u64 done_ns[4];
	bool denied[4];
	int n;
	int fail_at; /* return -EIO at this call (-1 never) */
};

static int collect_done(void *ctx, const struct bh_flow_key *key, bool denied,
			const struct bh_flow *snap, __u64 done_ns)
{
	struct done_list *l = ctx;

	if (l->n == l->fail_at)
		return -EIO;
	assert_true(l->n < 4);
	l->key[l->n] = *key;
	l->snap[l->n] = *snap;
	l->done_ns[l->n] = done_ns;
	l->denied[l->n] = denied;
	l->n++;
	return 0;
}

/* What one instance reported, adopted by the next: later packets make a
 * flow that counts only them, unchanged entries make nothing, and an entry
 * reused by a new connection is counted whole. */
static void test_adopt_after_restart(void **state)
{
	struct fixture *fx = *state, *fx2;
	struct bh_flow_key k[2] = {key4("10.0.0.1", 40000, "10.0.0.2", 80, 6),
				   key4("10.0.0.1", 5353, "10.0.0.3", 53, 17)};
	struct bh_flow f[2] = {flow_at(T0, T0 + S(9)), flow_at(T0, T0 + S(1))};
	struct done_list l = {.fail_at = -1};
	void *st2;
	int i;

	set_counts(&f[0], 5, 500, 4, 400);
	set_counts(&f[1], 2, 200, 2, 200);
	poll(fx, T0 + S(10), k, f, 2);
	poll(fx, T0 + S(17), k, f, 2); /* k[1] idle: its record */
	bh_collector_flush(fx->c, T0 + S(18)); /* k[0]: forced */
	assert_int_equal(fx->n, 2);
	assert_int_equal(bh_collector_for_each_done(fx->c, collect_done, &l),
			 0);
	assert_int_equal(l.n, 2);
	l.n = 0;
	l.fail_at = 1;
	assert_int_equal(bh_collector_for_each_done(fx->c, collect_done, &l),
			 -EIO);
	assert_int_equal(l.n, 1);
	l.n = 0;
	l.fail_at = -1;
	assert_int_equal(bh_collector_for_each_done(fx->c, collect_done, &l),
			 0);

	/* the next instance */
	setup(&st2);
	fx2 = st2;
	for (i = 0; i < l.n; i++)
		assert_int_equal(bh_collector_adopt(fx2->c, &l.key[i],
						    l.denied[i], &l.snap[i],
						    l.done_ns[i]),
				 0);
	assert_int_equal(bh_collector_adopt(fx2->c, &l.key[0], l.denied[0],
					    &l.snap[0], l.done_ns[0]),
			 -EEXIST);
	assert_int_equal(stats(fx2).flows_active, 0);

	/* k[0] went on while no collector ran; k[1] did not */
	set_counts(&f[0], 7, 700, 5, 500);
	f[0].last_seen_ns = T0 + S(19);
	poll(fx2, T0 + S(20), k, f, 2);
	bh_collector_flush(fx2->c, T0 + S(21));
	assert_int_equal(fx2->n, 1);
	assert_memory_equal(&fx2->recs[0].ep[BH_SIDE_INIT].addr, &k[0].a,
			    sizeof(k[0].a));
	assert_int_equal(fx2->recs[0].packets[BH_SIDE_INIT], 2);
	assert_int_equal(fx2->recs[0].bytes[BH_SIDE_INIT], 200);
	assert_int_equal(fx2->recs[0].packets[BH_SIDE_RESP], 1);
	assert_int_equal(fx2->recs[0].bytes[BH_SIDE_RESP], 100);
	assert_int_equal(fx2->recs[0].end_reason, BH_END_FORCED);

	/* k[1]'s entry reused by a new connection: all of it */
	f[1] = flow_at(T0 + S(30), T0 + S(31));
	set_counts(&f[1], 1, 60, 1, 90);
	poll(fx2, T0 + S(32), k, f, 2);
	bh_collector_flush(fx2->c, T0 + S(33));
	assert_int_equal(fx2->n, 2);
	assert_int_equal(fx2->recs[1].packets[BH_SIDE_INIT], 1);
	assert_int_equal(fx2->recs[1].bytes[BH_SIDE_RESP], 90);
	teardown(&st2);
}

/* What a source keeps of reported() and forget(): the daemon's
 * bh_reported map, as a little table. */
struct kept {
	struct bh_flow_key key[8];
	bool denied[8];
	struct bh_flow snap[8];
	__u64 done_ns[8];
	bool live[8];
	int forgets;
};

static int kept_find(struct kept *kp, const struct bh_flow_key *key,
		     bool denied)
{
	int i, free_i = -1;

	for (i = 0; i < 8; i++) {
		if (kp->live[i] && kp->denied[i] == denied &&
		    !memcmp(&kp->key[i], key, sizeof(*key)))
			return i;
		if (!kp->live[i] && free_i < 0)
			free_i = i;
	}
	return -1 - free_i;
}

static void kept_reported(void *ctx, const struct bh_flow_key *key,
			  bool denied, const struct bh_flow *snap,
			  __u64 done_ns)
{
	struct kept *kp = ctx;
	int i = kept_find(kp, key, denied);

	if (i < 0)
		i = -1 - i;
	assert_true(i >= 0 && i < 8);
	kp->key[i] = *key;
	kp->denied[i] = denied;
	kp->snap[i] = *snap;
	kp->done_ns[i] = done_ns;
	kp->live[i] = true;
}

static void kept_forget(void *ctx, const struct bh_flow_key *key, bool denied)
{
	struct kept *kp = ctx;
	int i = kept_find(kp, key, denied);

	kp->forgets++;
	if (i >= 0)
		kp->live[i] = false;
}

/* An instance that dies (no flush, no state file) after an active-timeout
 * record: the next one adopts what the source kept and reports only the
 * packets after that record; the sums over both instances are the flow's.
 * A flow gone from the maps is forgotten by the source. */
static void test_reported_across_crash(void **state)
{
	struct fixture *fx = *state, *fx2;
	struct bh_flow_key ks[2] = { key4("10.0.0.1", 40000, "10.0.0.2", 80, 6),
				     key4("10.0.0.1", 40001, "10.0.0.2", 81,
					  6) };
	struct bh_flow fs[2] = { flow_at(T0, T0), flow_at(T0 + S(70), T0) };
	struct bh_flow_key k = ks[0], k2 = ks[1];
	struct bh_flow f = fs[0];
	struct kept kp = { .forgets = 0 };
	struct bh_collector_source src = { .ctx = &kp,
					   .reported = kept_reported,
					   .forget = kept_forget };
	__u64 sum = 0, t;
	void *st2;
	int i;

	bh_collector_set_source(fx->c, &src);
	for (t = 1; t <= 70; t++) {
		set_counts(&f, t * 10, t * 1000, t * 5, t * 500);
		f.last_seen_ns = T0 + S(t);
		poll(fx, T0 + S(t), &k, &f, 1);
	}
	/* one record, at the 60 s active timeout: 600 packets one way */
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->recs[0].packets[BH_SIDE_INIT], 600);
	i = kept_find(&kp, &k, false);
	assert_true(i >= 0);
	assert_int_equal(kp.snap[i].packets[BH_DIR_AB], 600);
	assert_int_equal(kp.done_ns[i], T0 + S(60));
	/* a short flow that ends: kept, and forgotten once it is gone */
	fs[0] = f;
	set_counts(&fs[1], 1, 60, 1, 60);
	fs[1].last_seen_ns = T0 + S(71);
	fs[1].ct_state = BH_CT_CLOSED;
	poll(fx, T0 + S(71), ks, fs, 2);
	poll(fx, T0 + S(73), ks, fs, 2); /* closed, linger over: record */
	assert_true(kept_find(&kp, &k2, false) >= 0);
	assert_int_equal(fx->n, 2);
	sum = fx->recs[0].packets[BH_SIDE_INIT];

	/* killed here: the next instance adopts what the source kept */
	setup(&st2);
	fx2 = st2;
	for (i = 0; i < 8; i++)
		if (kp.live[i])
			assert_int_equal(bh_collector_adopt(fx2->c, &kp.key[i],
							    kp.denied[i],
							    &kp.snap[i],
							    kp.done_ns[i]),
					 0);
	bh_collector_set_source(fx2->c, &src);
	for (t = 71; t <= 80; t++) {
		set_counts(&f, t * 10, t * 1000, t * 5, t * 500);
		f.last_seen_ns = T0 + S(t);
		poll(fx2, T0 + S(t), &k, &f, 1);
	}
	f.ct_state = BH_CT_CLOSED;
	poll(fx2, T0 + S(82), &k, &f, 1);
	/* k2 quiet, nothing more of it; k: 800 - 600 packets */
	assert_int_equal(fx2->n, 1);
	assert_int_equal(fx2->recs[0].end_reason, BH_END_FIN);
	sum += fx2->recs[0].packets[BH_SIDE_INIT];
	assert_int_equal(sum, 800);
	assert_int_equal(fx2->recs[0].bytes[BH_SIDE_RESP], 80 * 500 - 60 * 500);
	/* k2 gone from the maps (only k is read): forgotten */
	poll(fx2, T0 + S(84), &k, &f, 1);
	assert_true(kept_find(&kp, &k2, false) < 0);
	assert_true(kp.forgets >= 1);
	teardown(&st2);
}

/* Makings of records and views (emit_src, interim_src) made into records
 * with bh_record_make() give the records and views a collector makes
 * itself, field for field: the same polls to two collectors, one each way,
 * over a tunnelled IPv6 flow with names, an interim view, an active
 * timeout and an idle timeout. */
struct made {
	const struct bh_record_maker *m;
	struct bh_flow_record v[16];
	int n;
};

static void on_src(void *ctx, const struct bh_record_src *s)
{
	struct made *md = ctx;

	assert_true(md->n < 16);
	bh_record_make(md->m, s, &md->v[md->n++]);
}

static void on_rec(void *ctx, struct bh_flow_record *r)
{
	struct made *md = ctx;

	assert_true(md->n < 16);
	md->v[md->n++] = *r;
}

static void test_emit_src_same_records(void **state)
{
	struct bh_record_maker m = { .node = "node-a", .resolver = resolver };
	struct made direct = { .n = 0 }, made = { .m = &m, .n = 0 };
	struct bh_collector *c[2];
	struct bh_collector_opts o;
	struct bh_clock clk;
	struct bh_flow_key k;
	struct bh_flow f = flow_at(T0, T0 + S(1));
	__u64 t;
	int i, j;

	(void)state;
	bh_clock_init_replay(&clk);
	m.clock = &clk;
	for (i = 0; i < 2; i++) {
		bh_collector_opts_default(&o);
		o.max_flows = 16;
		o.node = "node-a";
		o.clock = &clk;
		o.resolver = &resolver;
		o.interim_window_ns = S(3);
		o.emit_ctx = o.interim_ctx = i ? (void *)&made : (void *)&direct;
		if (i) {
			o.emit_src = on_src;
			o.interim_src = on_src;
		} else {
			o.emit = on_rec;
			o.interim = on_rec;
		}
		assert_int_equal(bh_collector_new(&c[i], &o), 0);
	}
	k = tunnel6_key();
	f.flags = BH_FLOW_F_INIT_B | BH_FLOW_F_TUNNEL | BH_FLOW_F_IPV6;
	f.identity[0] = 256;
	f.identity[1] = 257;
	f.rule_id = 3;
	f.epoch = 4;
	f.vni = 4242;
	f.vlan[0] = 100;
	f.ifindex[BH_DIR_BA] = 7;
	for (t = 1; t <= 100; t += 33) {
		set_counts(&f, t, 100 * t, t, 90 * t);
		f.last_seen_ns = T0 + S(t);
		for (i = 0; i < 2; i++) {
			bh_collector_poll_begin(c[i], T0 + S(t));
			bh_collector_ingest(c[i], &k, &f, false);
			bh_collector_poll_end(c[i], T0 + S(t));
		}
	}
	for (i = 0; i < 2; i++) {
		bh_collector_poll_begin(c[i], T0 + S(200));
		bh_collector_ingest(c[i], &k, &f, false);
		bh_collector_poll_end(c[i], T0 + S(200));
	}
	/* views, active-timeout records and the idle timeout's last one */
	assert_true(direct.n >= 4);
	assert_int_equal(made.n, direct.n);
	for (j = 0; j < direct.n; j++) {
		struct bh_flow_record *x = &direct.v[j], *y = &made.v[j];

		assert_string_equal(x->node, y->node);
		x->node = y->node; /* the collector's own copy */
		assert_memory_equal(x, y, sizeof(*x));
	}
	assert_int_equal(direct.v[direct.n - 1].end_reason, BH_END_IDLE_TIMEOUT);
	assert_string_equal(made.v[0].ep[BH_SIDE_INIT].workload, "db-0");
	assert_string_equal(made.v[0].rule, "allow-web-db");
	assert_int_equal(made.v[0].vni, 4242);
	assert_int_equal(strlen(made.v[direct.n - 1].community_id),
			 BH_COMMUNITY_ID_LEN);
	for (i = 0; i < 2; i++)
		bh_collector_free(&c[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_biflow_initiator_b),
		T(test_fin_close),
		T(test_rst_close),
		T(test_idle_timeout_and_resume),
		T(test_active_timeout),
		T(test_deltas_across_polls),
		T(test_eviction_missing),
		T(test_eviction_reuse),
		T(test_closed_then_gone),
		T(test_source_lookup_and_delete),
		T(test_event_then_map),
		T(test_event_then_map_vni),
		T(test_event_only_evicted),
		T(test_drop_accounting),
		T(test_fields_tunnel_vlan_v6),
		T(test_direction_host),
		T(test_table_full),
		T(test_icmp_type_from_policy_port),
		T(test_flow_moves_between_maps),
		T(test_due_partial_polls),
		T(test_defer_community_id),
		T(test_many_flows_buckets_grow),
		T(test_adopt_after_restart),
		T(test_reported_across_crash),
		cmocka_unit_test_teardown(test_interim_views, teardown),
		cmocka_unit_test(test_emit_src_same_records),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
