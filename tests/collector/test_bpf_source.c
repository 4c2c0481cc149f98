// SPDX-License-Identifier: GPL-2.0-only
/* The live source against real kernel objects: LRU hash maps with the ABI's
 * key and value, read with batched lookups (batches smaller than the map,
 * so that several are needed), a ring buffer filled by a BPF program run
 * with BPF_PROG_TEST_RUN, eviction noticed when an entry disappears, and a
 * closed connection's entry deleted from the kernel map. */
#include "bh_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_source.h"
#include "collector.h"
#include "ev_emit.skel.h"

#define S(x) ((__u64)(x) * 1000000000ull)
#define T0 S(1000)
#define N_FLOWS 40

struct fixture {
	struct ev_emit *skel;
	int flows_fd, denied_fd;
	struct bh_clock clock;
	struct bh_collector *c;
	struct bh_bpf_source *src;
	struct bh_flow_record recs[128];
	int n;
};

static void on_record(void *ctx, struct bh_flow_record *r)
{
	struct fixture *fx = ctx;

	assert_true(fx->n < 128);
	fx->recs[fx->n++] = *r;
}

static struct bh_flow_key key(int i, __u8 proto)
{
	struct bh_flow_key k;

	memset(&k, 0, sizeof(k));
	k.a.b[10] = k.a.b[11] = k.b.b[10] = k.b.b[11] = 0xff;
	k.a.b[12] = 10;
	k.a.b[15] = 1;
	k.b.b[12] = 10;
	k.b.b[15] = 2;
	k.a_port = (__u16)(proto == 1 ? 9 : 30000 + i);
	k.b_port = (__u16)(proto == 1 ? 9 : 80);
	k.proto = proto;
	return k;
}

static struct bh_flow flow(__u64 packets, __u64 last)
{
	struct bh_flow f;

	memset(&f, 0, sizeof(f));
	f.first_seen_ns = T0;
	f.last_seen_ns = last;
	f.verdict = BH_VERDICT_ALLOW;
	f.ct_state = BH_CT_ESTABLISHED;
	f.packets[0] = packets;
	f.bytes[0] = packets * 100;
	f.packets[1] = packets;
	f.bytes[1] = packets * 1000;
	return f;
}

/* A collector on the fixture's clock, records into fx. */
static struct bh_collector *new_collector(struct fixture *fx)
{
	struct bh_collector_opts co;
	struct bh_collector *c = NULL;

	bh_collector_opts_default(&co);
	co.max_flows = 256;
	co.clock = &fx->clock;
	co.emit = on_record;
	co.emit_ctx = fx;
	assert_int_equal(bh_collector_new(&c, &co), 0);
	return c;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct bh_bpf_source_opts so = { .batch = 8, .reported_fd = -1 };

	assert_non_null(fx);
	fx->skel = ev_emit__open_and_load();
	assert_non_null(fx->skel);
	fx->flows_fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "bh_flows",
				      sizeof(struct bh_flow_key),
				      sizeof(struct bh_flow), 1024, NULL);
	fx->denied_fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "bh_denied",
				       sizeof(struct bh_flow_key),
				       sizeof(struct bh_flow), 256, NULL);
	assert_true(fx->flows_fd >= 0 && fx->denied_fd >= 0);
	bh_clock_init_replay(&fx->clock);
	fx->c = new_collector(fx);
	so.flows_fd = fx->flows_fd;
	so.denied_fd = fx->denied_fd;
	so.events_fd = bpf_map__fd(fx->skel->maps.bh_events);
	assert_int_equal(bh_bpf_source_new(&fx->src, fx->c, &so), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	bh_bpf_source_free(&fx->src);
	bh_collector_free(&fx->c);
	close(fx->flows_fd);
	close(fx->denied_fd);
	ev_emit__destroy(fx->skel);
	free(fx);
	return 0;
}

static void emit_event(struct fixture *fx, const struct bh_event *ev)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = ev,
		    .data_size_in = sizeof(*ev), .repeat = 1);
	int fd = bpf_program__fd(fx->skel->progs.bh_ev_emit);

	assert_int_equal(bpf_prog_test_run_opts(fd, &opts), 0);
	assert_int_equal(opts.retval, 2 /* XDP_PASS */);
}

static void test_batched_poll_events_eviction_delete(void **state)
{
	struct fixture *fx = *state;
	struct bh_bpf_source_occupancy occ;
	struct bh_collector_stats st;
	struct bh_flow_key k;
	struct bh_flow f;
	struct bh_event ev;
	__u64 sum = 0;
	int i, icmp = -1;

	for (i = 0; i < N_FLOWS; i++) {
		k = key(i, 6);
		f = flow((__u64)i + 1, T0 + S(1));
		assert_int_equal(bpf_map_update_elem(fx->flows_fd, &k, &f,
						     BPF_ANY), 0);
	}
	k = key(100, 6);
	f = flow(3, T0 + S(1));
	f.verdict = BH_VERDICT_DENY;
	f.reason = BH_REASON_DEFAULT_DENY;
	assert_int_equal(bpf_map_update_elem(fx->denied_fd, &k, &f, BPF_ANY),
			 0);
	k = key(0, 1);
	f = flow(1, T0 + S(1));
	assert_int_equal(bpf_map_update_elem(fx->flows_fd, &k, &f, BPF_ANY), 0);

	/* The event of the ICMP flow comes through the kernel ring buffer. */
	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = T0;
	ev.type = BH_EV_NEW_FLOW;
	ev.verdict = BH_VERDICT_ALLOW;
	ev.pkt.saddr = k.a;
	ev.pkt.daddr = k.b;
	ev.pkt.sport = ev.pkt.dport = 9;
	ev.pkt.ip_proto = 1;
	ev.pkt.icmp_type = 8;
	ev.pkt.pkt_len = 98;
	emit_event(fx, &ev);

	assert_int_equal(bh_bpf_source_poll(fx->src, T0 + S(2)), 0);
	bh_bpf_source_occupancy(fx->src, &occ);
	assert_int_equal(occ.flows, N_FLOWS + 1);
	assert_int_equal(occ.flows_max, 1024);
	assert_int_equal(occ.denied, 1);
	assert_int_equal(occ.denied_max, 256);
	bh_collector_stats(fx->c, &st);
	assert_int_equal(st.events_new_flow, 1);
	assert_int_equal(st.flows_discovered, N_FLOWS + 2);
	assert_int_equal(st.drop_packets[BH_REASON_DEFAULT_DENY], 6);
	assert_int_equal(fx->n, 0);

	/* The kernel loses one entry: reported evicted at the next poll. */
	k = key(7, 6);
	assert_int_equal(bpf_map_delete_elem(fx->flows_fd, &k), 0);
	assert_int_equal(bh_bpf_source_poll(fx->src, T0 + S(3)), 0);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->recs[0].end_reason, BH_END_EVICTION);
	assert_int_equal(fx->recs[0].ep[BH_SIDE_INIT].port, 30007);
	assert_int_equal(fx->recs[0].packets[BH_SIDE_INIT], 8);

	/* One connection closes; its record comes, then, once quiet for
	 * delete_closed_after, its entry is deleted from the kernel map. */
	k = key(3, 6);
	f = flow(4, T0 + S(3));
	f.ct_state = BH_CT_CLOSED;
	f.tcp_flags[0] = f.tcp_flags[1] = BH_TCP_FIN | BH_TCP_ACK;
	assert_int_equal(bpf_map_update_elem(fx->flows_fd, &k, &f, BPF_EXIST),
			 0);
	assert_int_equal(bh_bpf_source_poll(fx->src, T0 + S(5)), 0);
	assert_int_equal(fx->n, 2);
	assert_int_equal(fx->recs[1].end_reason, BH_END_FIN);
	assert_int_equal(bpf_map_lookup_elem(fx->flows_fd, &k, &f), 0);
	assert_int_equal(bh_bpf_source_poll(fx->src, T0 + S(40)), 0);
	assert_int_not_equal(bpf_map_lookup_elem(fx->flows_fd, &k, &f), 0);
	bh_collector_stats(fx->c, &st);
	assert_int_equal(st.deletes, 1);
	assert_int_equal(st.flows_evicted, 1);

	/* Everything else ended idle at 40 s; each counted exactly once. */
	for (i = 0; i < fx->n; i++) {
		if (fx->recs[i].proto == 1)
			icmp = i;
		if (fx->recs[i].proto == 6 && !fx->recs[i].denied)
			sum += fx->recs[i].packets[BH_SIDE_INIT];
	}
	assert_int_equal(fx->n, N_FLOWS + 2);
	assert_int_equal(sum, N_FLOWS * (N_FLOWS + 1) / 2);
	assert_true(icmp >= 0);
	assert_true(fx->recs[icmp].has_icmp);
	assert_int_equal(fx->recs[icmp].icmp_type, 8);
	assert_int_equal(strlen(fx->recs[icmp].community_id),
			 BH_COMMUNITY_ID_LEN);
}

/* A pass in steps of a few entries (an event loop between them) counts
 * what a whole pass counts: every entry once, eviction only at its end,
 * events taken between steps. */
static void test_poll_in_steps(void **state)
{
	struct fixture *fx = *state;
	struct bh_bpf_source_occupancy occ;
	struct bh_collector_stats st;
	struct bh_flow_key k;
	struct bh_flow f;
	struct bh_event ev;
	int i, steps = 0, ret;

	for (i = 0; i < N_FLOWS; i++) {
		k = key(i, 6);
		f = flow(1, T0 + S(1));
		assert_int_equal(bpf_map_update_elem(fx->flows_fd, &k, &f,
						     BPF_ANY), 0);
	}
	k = key(100, 6);
	f = flow(3, T0 + S(1));
	f.verdict = BH_VERDICT_DENY;
	assert_int_equal(bpf_map_update_elem(fx->denied_fd, &k, &f, BPF_ANY),
			 0);
	do {
		ret = bh_bpf_source_poll_step(fx->src, T0 + S(2), 8);
		assert_true(ret >= 0);
		steps++;
	} while (!ret);
	/* 41 entries; a step ends once 8 are read, in whole batches of at
	 * most 8 (fewer when a hash bucket does not fit): 15 a step at most */
	assert_true(steps >= 3);
	bh_bpf_source_occupancy(fx->src, &occ);
	assert_int_equal(occ.flows, N_FLOWS);
	assert_int_equal(occ.denied, 1);
	bh_collector_stats(fx->c, &st);
	assert_int_equal(st.flows_discovered, N_FLOWS + 1);
	assert_int_equal(st.ingested, N_FLOWS + 1);
	assert_int_equal(st.polls, 1);

	/* Lost entries are evicted at the end of the next pass, not while
	 * it runs; an event between two steps is taken. */
	for (i = 0; i < 5; i++) {
		k = key(i, 6);
		assert_int_equal(bpf_map_delete_elem(fx->flows_fd, &k), 0);
	}
	assert_int_equal(bh_bpf_source_poll_step(fx->src, T0 + S(3), 8), 0);
	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = T0 + S(3);
	ev.type = BH_EV_NEW_FLOW;
	ev.verdict = BH_VERDICT_ALLOW;
	ev.pkt.saddr = k.a;
	ev.pkt.daddr = k.b;
	ev.pkt.sport = 40000;
	ev.pkt.dport = 80;
	ev.pkt.ip_proto = 6;
	emit_event(fx, &ev);
	assert_int_equal(bh_bpf_source_events(fx->src, 0), 1);
	while (!(ret = bh_bpf_source_poll_step(fx->src, T0 + S(3), 8)))
		assert_int_equal(fx->n, 0);
	assert_int_equal(ret, 1);
	assert_int_equal(fx->n, 5);
	for (i = 0; i < fx->n; i++)
		assert_int_equal(fx->recs[i].end_reason, BH_END_EVICTION);
	bh_collector_stats(fx->c, &st);
	assert_int_equal(st.flows_evicted, 5);
	assert_int_equal(st.events_new_flow, 1);
	assert_int_equal(st.ingested, 2 * N_FLOWS + 2 - 5);
	assert_int_equal(st.polls, 2);
	/* the whole-pass call still works after steps */
	assert_int_equal(bh_bpf_source_poll(fx->src, T0 + S(4)), 0);
	bh_collector_stats(fx->c, &st);
	assert_int_equal(st.polls, 3);
}

/* What the collector reports goes to a bh_reported map (as the daemon's,
 * hash and not preallocated); a collector started after this one died
 * adopts it from there and reports only what came after. */
static void test_reported_map(void **state)
{
	struct fixture *fx = *state;
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_NO_PREALLOC);
	struct bh_bpf_source_opts so = { .batch = 8 };
	struct bh_reported_key rk = { 0 };
	struct bh_reported r;
	struct bh_collector *c2;
	struct bh_bpf_source *s2 = NULL;
	struct bh_flow_key k = key(1, 6);
	struct bh_flow f = flow(10, T0 + S(1));
	size_t n, skipped;
	int rfd, n0;

	rfd = bpf_map_create(BPF_MAP_TYPE_HASH, "bh_reported", sizeof(rk),
			     sizeof(r), 64, &mo);
	assert_true(rfd >= 0);
	/* this instance, with the map */
	bh_bpf_source_free(&fx->src);
	so.flows_fd = fx->flows_fd;
	so.denied_fd = fx->denied_fd;
	so.events_fd = -1;
	so.reported_fd = rfd;
	assert_int_equal(bh_bpf_source_new(&fx->src, fx->c, &so), 0);
	assert_int_equal(bpf_map_update_elem(fx->flows_fd, &k, &f, BPF_ANY), 0);
	assert_true(bh_bpf_source_poll(fx->src, T0 + S(2)) >= 0);
	/* idle: its record, and what it reported in the map */
	assert_true(bh_bpf_source_poll(fx->src, T0 + S(30)) >= 0);
	n0 = fx->n;
	assert_int_equal(n0, 1);
	rk.key = k;
	assert_int_equal(bpf_map_lookup_elem(rfd, &rk, &r), 0);
	assert_int_equal(r.packets[0], 10);
	assert_int_equal(r.bytes[1], 10000);
	assert_int_equal(r.done_ns, T0 + S(30));

	/* it dies; the flow goes on; the next instance */
	f = flow(14, T0 + S(40));
	assert_int_equal(bpf_map_update_elem(fx->flows_fd, &k, &f, BPF_ANY), 0);
	c2 = new_collector(fx);
	assert_int_equal(bh_bpf_source_new(&s2, c2, &so), 0);
	assert_int_equal(bh_bpf_source_adopt_reported(s2, &n, &skipped), 0);
	assert_int_equal(n, 1);
	assert_int_equal(skipped, 0);
	assert_true(bh_bpf_source_poll(s2, T0 + S(41)) >= 0);
	bh_collector_flush(c2, T0 + S(42));
	assert_int_equal(fx->n, n0 + 1);
	assert_int_equal(fx->recs[n0].packets[BH_SIDE_INIT], 4);
	assert_int_equal(fx->recs[n0].bytes[BH_SIDE_RESP], 4000);
	/* the entry deleted from the flow map: the next pass forgets it */
	assert_int_equal(bpf_map_delete_elem(fx->flows_fd, &k), 0);
	assert_true(bh_bpf_source_poll(s2, T0 + S(43)) >= 0);
	assert_int_equal(bpf_map_lookup_elem(rfd, &rk, &r), -ENOENT);
	bh_bpf_source_free(&s2);
	bh_collector_free(&c2);
	close(rfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_batched_poll_events_eviction_delete, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_reported_map, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_poll_in_steps, setup,
						teardown),
	};
	int err = bh_test_require_bpf();

	if (err)
		return err;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
