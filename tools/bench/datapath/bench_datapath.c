// SPDX-License-Identifier: GPL-2.0-only
/*
 * Data plane benchmark (run it with tools/bench/datapath/run.sh).
 *
 *   bench_datapath testrun [-r REPEAT] [-f XDPFILTER_OBJ]
 *	ns/packet through BPF_PROG_TEST_RUN for bulkhead, a bare XDP_PASS
 *	program and xdp-filter (all features, a few rules) on the same
 *	packets, with 10,000 identities, 1,000 rules and 100,000 conntrack
 *	entries loaded; then bulkhead's clock/atomics choices.
 *   bench_datapath live [-n FRAMES] [-f XDPFILTER_OBJ]
 *	Mpps on a veth pair between two namespaces, frames generated in the
 *	kernel with BPF_F_TEST_XDP_LIVE_FRAMES.
 *
 * Times are the kernel's average per run of a BPF_PROG_TEST_RUN call (1 ns
 * resolution), median of BENCH_RUNS calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "bench_policy.h"
#include "bench_xdp.skel.h"
#include "bh_pktgen.h"
#include "loader.h"
#include "log.h"

#define BENCH_RUNS 5
#define BENCH_CT_FLOWS 100000
#define XDPFILT_OBJ "/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_all.o"
/* xdp-filter's map value flags (xdp-tools common_kern_user.h) */
#define XF_SRC (1 << 0)
#define XF_DST (1 << 1)
#define XF_TCP (1 << 2)
#define XF_UDP (1 << 3)

static const char *xdpfilt_path = XDPFILT_OBJ;

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_datapath: %s: %s\n", what, strerror(err));
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ns per run of prog_fd on the frame, median of BENCH_RUNS calls. */
static double ns_per_pkt(int prog_fd, const void *frame, int len,
			 __u32 repeat, __u32 *retval)
{
	double v[BENCH_RUNS];
	int i;

	for (i = 0; i < BENCH_RUNS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = (__u32)len, .repeat = repeat);

		if (bpf_prog_test_run_opts(prog_fd, &o))
			die("BPF_PROG_TEST_RUN", errno);
		/* The kernel's own per-run average: it stops its timer
		 * while the test yields the CPU to other tasks, which a
		 * wall clock on a shared 2-core machine would count. */
		v[i] = o.duration;
		if (retval)
			*retval = o.retval;
	}
	qsort(v, BENCH_RUNS, sizeof(v[0]), dbl_cmp);
	return v[BENCH_RUNS / 2];
}

/* ------------------------------------------------------------------------ */
/* Frames.                                                                  */

static int frame_tcp(__u8 *buf, size_t cap, const union bh_addr *s,
		     const union bh_addr *d, __u16 sport, __u16 dport,
		     __u8 flags, bool v6, __u32 vni)
{
	struct bh_pktgen g;

	bh_pktgen_init(&g, buf, cap);
	bh_pktgen_eth(&g, NULL);
	if (vni) {
		bh_pktgen_ipv4(&g, &(struct bh_pktgen_ipv4){
					   .saddr = BH_PKTGEN_IP4(172, 16, 0, 1),
					   .daddr = BH_PKTGEN_IP4(172, 16, 0, 2) });
		bh_pktgen_udp(&g, 49152, 4789, 0);
		bh_pktgen_vxlan(&g, vni);
		bh_pktgen_eth(&g, NULL);
	}
	if (v6) {
		struct bh_pktgen_ipv6 ip6 = { 0 };

		memcpy(ip6.saddr, s->b, 16);
		memcpy(ip6.daddr, d->b, 16);
		bh_pktgen_ipv6(&g, &ip6);
	} else {
		bh_pktgen_ipv4(&g, &(struct bh_pktgen_ipv4){
					   .saddr = __builtin_bswap32(s->w[3]),
					   .daddr = __builtin_bswap32(d->w[3]) });
	}
	bh_pktgen_tcp(&g, &(struct bh_pktgen_tcp){
				  .sport = sport, .dport = dport,
				  .flags = flags });
	return bh_pktgen_finish(&g);
}

/* The benchmark's packets. */
enum { F_EST, F_NEW, F_DENY, F_EST6, F_VXLAN, F_MAX };
static const char *const frame_names[F_MAX] = {
	[F_EST] = "established allowed, IPv4 TCP 64 B",
	[F_NEW] = "new allowed flow (SYN, new tuple each packet)",
	[F_DENY] = "denied (known denied flow)",
	[F_EST6] = "established allowed, IPv6 TCP",
	[F_VXLAN] = "established allowed, inside VXLAN",
};

struct frame_spec {
	union bh_addr s, d;
	__u16 sport, dport;
	__u8 flags;
	bool v6;
	__u32 vni;
};

struct frames {
	__u8 buf[F_MAX][256];
	int len[F_MAX];
	struct frame_spec spec[F_MAX];
	__u8 flood_new[256]; /* denied, new tuple each packet */
	int flood_new_len;
};

static int frame_of(__u8 *buf, size_t cap, const struct frame_spec *sp)
{
	return frame_tcp(buf, cap, &sp->s, &sp->d, sp->sport, sp->dport,
			 sp->flags, sp->v6, sp->vni);
}

/* Source identity 5 (app 5) to its allowed destination identity; source
 * identity 5 to identity 6 on tcp/22 is denied (deny rule 5). */
static void build_frames(struct frames *f)
{
	unsigned int src = 5, dst = bench_allow_dst_app(5), i;
	__u16 port = (__u16)bench_allow_port(5);
	struct frame_spec *sp = f->spec;

	memset(sp, 0, sizeof(f->spec));
	bench_addr4(src, 0, &sp[F_EST].s);
	bench_addr4(dst, 0, &sp[F_EST].d);
	sp[F_EST].sport = 40000;
	sp[F_EST].dport = port;
	sp[F_EST].flags = BH_TCP_ACK;
	sp[F_NEW] = sp[F_EST];
	bench_addr4(src, 1, &sp[F_NEW].s);
	sp[F_NEW].sport = 1;
	sp[F_NEW].flags = BH_TCP_SYN;
	sp[F_DENY] = sp[F_EST];
	bench_addr4(6, 0, &sp[F_DENY].d);
	sp[F_DENY].sport = 40001;
	sp[F_DENY].dport = 22;
	sp[F_DENY].flags = BH_TCP_SYN;
	sp[F_EST6] = sp[F_EST];
	bench_addr6(src, &sp[F_EST6].s);
	bench_addr6(dst, &sp[F_EST6].d);
	sp[F_EST6].v6 = true;
	sp[F_EST6].sport = 40002;
	sp[F_VXLAN] = sp[F_EST];
	sp[F_VXLAN].sport = 40003;
	sp[F_VXLAN].vni = 7;
	for (i = 0; i < F_MAX; i++)
		f->len[i] = frame_of(f->buf[i], 256, &sp[i]);
	{
		struct frame_spec fl = sp[F_DENY];

		fl.sport = 1;
		f->flood_new_len = frame_of(f->flood_new, 256, &fl);
	}
}

/* Pad to 64 bytes on the wire (60 + FCS), as a minimum-size frame. */
static void pad64(__u8 *buf, int *len)
{
	if (*len < 60) {
		memset(buf + *len, 0, (size_t)(60 - *len));
		*len = 60;
	}
}

/* ------------------------------------------------------------------------ */
/* Setup.                                                                   */

static __u32 bench_gen;

/* Open bulkhead with the big policy and BENCH_CT_FLOWS connections. */
static struct bh_dp *setup_bulkhead(void)
{
	struct bh_compiled_policy cp;
	struct bh_result res;
	struct bh_dp *dp = NULL;
	unsigned int k, a, m, i, j;
	__u8 buf[128];
	int err, len;

	err = bh_dp_open(&dp, NULL);
	if (err)
		die("open the data plane", -err);
	err = bench_policy_build(&cp);
	if (err)
		die("build the policy", -err);
	err = bh_dp_load_policy(dp, &cp, &bench_gen);
	if (err)
		die("load the policy", -err);
	bench_policy_free(&cp);
	/* Connections: source app a's identities to its allowed app. */
	for (k = 0; k < BENCH_CT_FLOWS; k++) {
		union bh_addr s, d;

		a = k % BENCH_APPS;
		m = k / BENCH_APPS;
		i = a + BENCH_APPS * (m % BENCH_APPS);
		j = bench_allow_dst_app(a) + BENCH_APPS * (m % 7);
		bench_addr4(i, 0, &s);
		bench_addr4(j, 0, &d);
		len = frame_tcp(buf, sizeof(buf), &s, &d, (__u16)(1024 + m),
				(__u16)bench_allow_port(a), BH_TCP_SYN, false,
				0);
		err = bh_dp_test_run(dp, buf, (__u32)len, (__u32)len,
				     1000000000ULL, &res);
		if (err < 0 || res.verdict != BH_VERDICT_ALLOW)
			die("create the connections", err < 0 ? -err : EINVAL);
	}
	return dp;
}

/* Establish the flows of the benchmark frames (SYN, SYN-ACK, ACK) and the
 * denied flow, with the kernel clock. */
static void prime_flows(struct bh_dp *dp, struct frames *f)
{
	static const int est[] = { F_EST, F_EST6, F_VXLAN };
	struct frame_spec sp, rsp;
	struct bh_result res;
	unsigned int i, k;
	__u8 buf[256];
	int r, len;

	for (i = 0; i < sizeof(est) / sizeof(est[0]); i++) {
		sp = f->spec[est[i]];
		rsp = sp;
		rsp.s = sp.d;
		rsp.d = sp.s;
		rsp.sport = sp.dport;
		rsp.dport = sp.sport;
		for (k = 0; k < 3; k++) {
			const struct frame_spec *x = k == 1 ? &rsp : &sp;
			struct frame_spec y = *x;

			y.flags = k == 0 ? BH_TCP_SYN :
				  k == 1 ? (BH_TCP_SYN | BH_TCP_ACK) :
					   BH_TCP_ACK;
			len = frame_of(buf, sizeof(buf), &y);
			r = bh_dp_test_run(dp, buf, (__u32)len, (__u32)len, 0,
					   &res);
			if (r < 0 || res.verdict != BH_VERDICT_ALLOW)
				die("prime an established flow", EINVAL);
		}
	}
	r = bh_dp_test_run(dp, f->buf[F_DENY], (__u32)f->len[F_DENY],
			   (__u32)f->len[F_DENY], 0, &res);
	if (r < 0 || res.verdict != BH_VERDICT_DENY)
		die("prime the denied flow", EINVAL);
}

/* Write a rule into one of xdp-filter's maps; they are per-CPU maps, so
 * the value goes to every CPU. */
static void xf_rule(struct bpf_object *obj, const char *map, const void *key,
		    __u32 flags)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, map);
	int n = libbpf_num_possible_cpus(), c;
	__u64 *vals;
	bool percpu;

	if (!m || n <= 0)
		die(map, ENOENT);
	percpu = bpf_map__type(m) == BPF_MAP_TYPE_PERCPU_ARRAY ||
		 bpf_map__type(m) == BPF_MAP_TYPE_PERCPU_HASH;
	vals = calloc((size_t)n, sizeof(*vals));
	if (!vals)
		die(map, ENOMEM);
	for (c = 0; c < n; c++)
		vals[c] = flags; /* __u32 values, 8-byte per-CPU stride */
	if (!percpu)
		memcpy(vals, &flags, sizeof(flags));
	if (bpf_map_update_elem(bpf_map__fd(m), key, vals, BPF_ANY))
		die(map, errno);
	free(vals);
}

/* xdp-filter with every feature (TCP, UDP, IPv4, IPv6, Ethernet), in its
 * default mode (pass what no rule matches: xdpfilt_alw_*), with a few
 * rules that drop: four TCP destination ports, an IPv4 and an IPv6 source,
 * a source MAC. */
static struct bpf_object *setup_xdpfilter(int *prog_fd)
{
	struct bpf_object *obj = bpf_object__open_file(xdpfilt_path, NULL);
	__u8 key6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x66 };
	__u8 mac[6] = { 0xde, 0xad, 0xbe, 0xef, 0, 1 };
	__u32 ports[] = { 22, 23, 445, 3389 }, key4;
	struct bpf_map *map;
	unsigned int i;
	int err;

	if (!obj)
		die(xdpfilt_path, errno);
	/* Its maps ask to be pinned by name: keep this copy private. */
	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
	err = bpf_object__load(obj);
	if (err)
		die("load xdp-filter", -err);
	*prog_fd = bpf_program__fd(bpf_object__next_program(obj, NULL));
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		/* xdp-filter keys ports in network byte order */
		__u32 key = __builtin_bswap16((__u16)ports[i]);

		xf_rule(obj, "filter_ports", &key, XF_DST | XF_TCP);
	}
	key4 = __builtin_bswap32(BH_PKTGEN_IP4(198, 51, 100, 66));
	xf_rule(obj, "filter_ipv4", &key4, XF_SRC);
	xf_rule(obj, "filter_ipv6", key6, XF_SRC);
	xf_rule(obj, "filter_ethernet", mac, XF_SRC);
	return obj;
}

/* The benchmark build of the program, sharing the data plane's maps. */
static struct bpf_object *open_variant(struct bh_dp *dp, const char *name)
{
	char path[512];
	struct bpf_object *obj;
	struct bpf_map *map;
	int err, fd;

	snprintf(path, sizeof(path), "%s/%s.bpf.o", BENCH_OBJ_DIR, name);
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		die(path, errno);
	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map)) {
			if (strstr(bpf_map__name(map), ".rodata")) {
				__u8 base = 80; /* see bench_addr4() */

				bpf_map__set_initial_value(map, &base, 1);
			}
			continue;
		}
		fd = bh_dp_map_fd(dp, bpf_map__name(map));
		if (fd < 0 || bpf_map__reuse_fd(map, fd))
			die(bpf_map__name(map), ENOENT);
	}
	err = bpf_object__load(obj);
	if (err)
		die(path, -err);
	return obj;
}

static int prog_fd_of(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	if (!p)
		die(name, ENOENT);
	return bpf_program__fd(p);
}

/* ------------------------------------------------------------------------ */
/* testrun                                                                  */

static void print_row(const char *what, double bh, double floor_ns,
		      double xf)
{
	printf("| %-46s | %7.1f | %7.1f | %7.1f | %5.2fx | %5.2fx |\n", what,
	       bh, floor_ns, xf, bh / floor_ns, bh / xf);
}

static int do_testrun(__u32 repeat)
{
	struct bench_xdp *bx = bench_xdp__open_and_load();
	struct bpf_object *xf_obj, *var;
	struct bh_stats st0, st1;
	struct frames f;
	struct bh_dp *dp;
	int bh_fd, pass_fd, xf_fd, new_fd, i;
	double bh[F_MAX], fl[F_MAX], xf[F_MAX], t0;
	double bh_flood, xf_flood, fl_flood;
	__u32 rv;
	static const char *const variants[] = {
		"bench_dp",	  "bench_dp_plain",
		"bench_dp_ktime", "bench_dp_ktime_plain",
	};
	static const char *const variant_desc[] = {
		"coarse clock, atomic adds (shipped)",
		"coarse clock, plain adds",
		"bpf_ktime_get_ns(), atomic adds",
		"bpf_ktime_get_ns(), plain adds",
	};

	if (!bx)
		die("load the floor programs", errno);
	build_frames(&f);
	for (i = 0; i < F_MAX; i++)
		pad64(f.buf[i], &f.len[i]);
	pad64(f.flood_new, &f.flood_new_len);
	t0 = now_s();
	dp = setup_bulkhead();
	prime_flows(dp, &f);
	printf("setup: %d identities, %d rules, %d connections in %.1f s "
	       "(policy generation %u)\n\n",
	       BENCH_IDS, BENCH_RULES, BENCH_CT_FLOWS, now_s() - t0,
	       bench_gen);
	xf_obj = setup_xdpfilter(&xf_fd);
	var = open_variant(dp, "bench_dp");
	bh_fd = bh_dp_prog_fd(dp);
	new_fd = prog_fd_of(var, "bench_dp_new");
	pass_fd = bpf_program__fd(bx->progs.bench_pass);

	bh_dp_stats(dp, &st0);
	for (i = 0; i < F_MAX; i++) {
		fl[i] = ns_per_pkt(pass_fd, f.buf[i], f.len[i], repeat, NULL);
		xf[i] = ns_per_pkt(xf_fd, f.buf[i], f.len[i], repeat, &rv);
		if (rv != (i == F_DENY ? XDP_DROP : XDP_PASS))
			die("xdp-filter's verdict", EINVAL);
		bh[i] = ns_per_pkt(i == F_NEW ? new_fd : bh_fd, f.buf[i],
				   f.len[i], repeat, &rv);
		if (rv != (i == F_DENY ? XDP_DROP : XDP_PASS))
			die(frame_names[i], EINVAL);
	}
	/* a flood of denied new flows (the wrapper rewrites the source port
	 * and address: every packet a new tuple, a policy evaluation, and,
	 * within the admission rate, a bh_denied entry) */
	bh_flood = ns_per_pkt(new_fd, f.flood_new, f.flood_new_len, repeat,
			      &rv);
	xf_flood = ns_per_pkt(xf_fd, f.flood_new, f.flood_new_len, repeat,
			      NULL);
	fl_flood = ns_per_pkt(pass_fd, f.flood_new, f.flood_new_len, repeat,
			      NULL);
	if (rv != XDP_DROP)
		die("denied new flows", EINVAL);
	bh_dp_stats(dp, &st1);
	printf("BPF_PROG_TEST_RUN, %u repetitions per call, median of %d "
	       "calls, ns/packet\n\n",
	       repeat, BENCH_RUNS);
	printf("| %-46s | %7s | %7s | %7s | %6s | %6s |\n", "packet",
	       "bulkhd", "XDP_PASS", "xdp-flt", "/floor", "/xdp-filter");
	printf("|%s|---:|---:|---:|---:|---:|\n",
	       "------------------------------------------------");
	for (i = 0; i < F_MAX; i++)
		print_row(frame_names[i], bh[i], fl[i], xf[i]);
	print_row("denied, new tuple each packet (flood)", bh_flood, fl_flood,
		  xf_flood);
	{
		struct bench_key40 {
			__u32 w[10];
		} k40 = { { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 } };
		__u32 k16[4] = { 1, 2, 3, 4 };
		__u64 val[15] = { 0 };
		double ins, h40, h16;

		if (bpf_map_update_elem(bpf_map__fd(bx->maps.bench_lru40), &k40,
					val, BPF_ANY) ||
		    bpf_map_update_elem(bpf_map__fd(bx->maps.bench_lru16), k16,
					val, BPF_ANY))
			die("micro-benchmark maps", errno);
		h40 = ns_per_pkt(bpf_program__fd(bx->progs.bench_hit40),
				 f.buf[F_EST], f.len[F_EST], repeat, NULL);
		h16 = ns_per_pkt(bpf_program__fd(bx->progs.bench_hit16),
				 f.buf[F_EST], f.len[F_EST], repeat, NULL);
		/* fill the 262144 entries first: inserts then evict */
		ns_per_pkt(bpf_program__fd(bx->progs.bench_insert),
			   f.buf[F_EST], f.len[F_EST], 300000, NULL);
		ins = ns_per_pkt(bpf_program__fd(bx->progs.bench_insert),
				 f.buf[F_EST], f.len[F_EST], repeat, NULL);
		printf("\nMap floors (bare programs, same methodology): LRU "
		       "hit with a 40 B key %.1f ns, with a 16 B key %.1f ns; "
		       "insert of a new key into a full 262144-entry LRU of "
		       "bh_flows' shape %.1f ns.\n",
		       h40, h16, ins);
		printf("new flow / (xdp-filter + LRU insert floor): %.2fx\n",
		       bh[F_NEW] / (xf[F_NEW] + ins));
	}
	printf("\nduring these rows: %llu flows created, %llu policy "
	       "evaluations, %llu denied flows cached, %llu not cached (over "
	       "the admission rate)\n",
	       (unsigned long long)(st1.flows_created - st0.flows_created),
	       (unsigned long long)(st1.policy_evals - st0.policy_evals),
	       (unsigned long long)(st1.denied_created - st0.denied_created),
	       (unsigned long long)(st1.denied_uncached -
				    st0.denied_uncached));
	printf("targets: established <= 1.0x xdp-filter, IPv6/VXLAN <= "
	       "1.5x, denied <= 3x, new flow <= 4x\n\n");

	printf("Choices, established allowed IPv4 packet, ns/packet:\n\n");
	printf("| %-40s | %7s | %7s |\n", "variant", "ns", "/xdp-flt");
	printf("|------------------------------------------|---:|---:|\n");
	for (i = 0; i < 4; i++) {
		struct bpf_object *o = i ? open_variant(dp, variants[i]) : var;
		double ns = ns_per_pkt(prog_fd_of(o, "bench_dp"), f.buf[F_EST],
				       f.len[F_EST], repeat, NULL);

		printf("| %-40s | %7.1f | %6.2fx |\n", variant_desc[i], ns,
		       ns / xf[F_EST]);
		if (i)
			bpf_object__close(o);
	}
	bpf_object__close(var);
	bpf_object__close(xf_obj);
	bench_xdp__destroy(bx);
	bh_dp_free(&dp);
	return 0;
}

/* Where a new flow's time goes: fresh data planes, the new-flow packet
 * repeated `repeat` times (each a new tuple). */
static int do_newflow(__u32 repeat)
{
	struct bh_dp_opts big = { .flow_entries = 4 * 1048576 };
	struct bh_compiled_policy cp;
	struct bpf_object *var;
	struct frames f;
	struct bh_dp *dp;
	double ns;
	int k;

	build_frames(&f);
	pad64(f.buf[F_NEW], &f.len[F_NEW]);
	printf("| %-58s | %7s |\n", "new allowed flow", "ns");
	printf("|------------------------------------------------------------|---:|\n");
	for (k = 0; k < 4; k++) {
		struct bh_dp_runtime rt;

		if (bh_dp_open(&dp, k >= 2 ? NULL : &big))
			die("open", EINVAL);
		if (bench_policy_build(&cp) || bh_dp_load_policy(dp, &cp, NULL))
			die("policy", EINVAL);
		bench_policy_free(&cp);
		bh_dp_runtime_get(dp, &rt);
		if (k == 1 || k == 3)
			rt.flags = 0;
		bh_dp_runtime_set(dp, &rt);
		var = open_variant(dp, "bench_dp");
		if (k >= 2) /* fill bh_flows first: every insert evicts */
			ns_per_pkt(prog_fd_of(var, "bench_dp_new"),
				   f.buf[F_NEW], f.len[F_NEW], 300000, NULL);
		ns = ns_per_pkt(prog_fd_of(var, "bench_dp_new"), f.buf[F_NEW],
				f.len[F_NEW], repeat, NULL);
		printf("| %-58s | %7.1f |\n",
		       k == 0 ? "bh_flows with room, events on (rate-limited)" :
		       k == 1 ? "bh_flows with room, events off" :
		       k == 2 ? "bh_flows full (LRU evicts), events on" :
				"bh_flows full (LRU evicts), events off",
		       ns);
		bpf_object__close(var);
		bh_dp_free(&dp);
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* live                                                                     */

static char ns_a[64], ns_b[64];

static void live_cleanup(void)
{
	char cmd[256];

	if (ns_a[0]) {
		snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", ns_a);
		if (system(cmd))
			fprintf(stderr, "cannot remove netns %s\n", ns_a);
	}
	if (ns_b[0]) {
		snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", ns_b);
		if (system(cmd))
			fprintf(stderr, "cannot remove netns %s\n", ns_b);
	}
	ns_a[0] = ns_b[0] = 0;
}

static int ns_fd(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path, errno);
	return fd;
}

static void enter(int fd)
{
	if (setns(fd, CLONE_NEWNET))
		die("setns", errno);
}

static __u64 percpu_sum(int map_fd, __u32 key, size_t val_size, size_t off)
{
	int n = libbpf_num_possible_cpus(), c;
	__u8 *v = calloc((size_t)n, val_size);
	__u64 sum = 0, x;

	if (!v || bpf_map_lookup_elem(map_fd, &key, v))
		die("read a counter", errno);
	for (c = 0; c < n; c++) {
		memcpy(&x, v + (size_t)c * val_size + off, 8);
		sum += x;
	}
	free(v);
	return sum;
}

struct live_ctx {
	int fd_a, fd_b, va, vb;
	int gen_fd;
	struct bench_xdp *bx;
};

#define LIVE_RUNS 3

/* Attach prog on vb (namespace B), send n frames from va, return Mpps of
 * what count() says the receiver handled. */
static double live_once(struct live_ctx *lc, int prog_fd, const __u8 *frame,
			int len, __u32 n, __u64 (*count)(void *), void *cctx)
{
	struct xdp_md md = { .data_end = (__u32)len };
	__u64 c0, c1;
	double t;
	int err;

	enter(lc->fd_b);
	err = bpf_xdp_attach(lc->vb, prog_fd, XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		die("attach on vb", -err);
	enter(lc->fd_a);
	md.ingress_ifindex = (__u32)lc->va;
	c0 = count(cctx);
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = (__u32)len, .ctx_in = &md,
			    .ctx_size_in = sizeof(md), .repeat = n,
			    .batch_size = 64,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		t = now_s();
		if (bpf_prog_test_run_opts(lc->gen_fd, &o))
			die("live frames", errno);
		t = now_s() - t;
	}
	c1 = count(cctx);
	if (getenv("BENCH_DEBUG"))
		fprintf(stderr, "live run: %llu handled in %.3f s\n",
			(unsigned long long)(c1 - c0), t);
	enter(lc->fd_b);
	bpf_xdp_detach(lc->vb, XDP_FLAGS_DRV_MODE, NULL);
	enter(lc->fd_a);
	if (c1 - c0 < n / 2)
		fprintf(stderr, "bench_datapath: warning: the receiver handled "
				"%llu of %u frames\n",
			(unsigned long long)(c1 - c0), n);
	return (double)(c1 - c0) / t / 1e6;
}

/* One receiver program of a comparison. */
struct live_prog {
	int fd;
	__u64 (*count)(void *ctx);
	void *ctx;
};

/* Mpps of each of n_progs programs on the same frames, median of
 * LIVE_RUNS runs; the programs take turns within each round so that a
 * change of load on the shared machine hits them alike. */
static void live_compare(struct live_ctx *lc, const struct live_prog *progs,
			 int n_progs, const __u8 *frame, int len, __u32 n,
			 double *out)
{
	double v[4][LIVE_RUNS];
	int r, i;

	for (r = 0; r < LIVE_RUNS; r++)
		for (i = 0; i < n_progs; i++)
			v[i][r] = live_once(lc, progs[i].fd, frame, len, n,
					    progs[i].count, progs[i].ctx);
	for (i = 0; i < n_progs; i++) {
		qsort(v[i], LIVE_RUNS, sizeof(v[i][0]), dbl_cmp);
		out[i] = v[i][LIVE_RUNS / 2];
	}
}

static __u64 count_bh(void *ctx)
{
	struct bh_stats st;
	__u64 n = 0;
	int v;

	bh_dp_stats(ctx, &st);
	for (v = 0; v < BH_VERDICT_MAX; v++)
		n += st.verdict_pkts[v];
	return n;
}

static __u64 count_drop(void *ctx)
{
	return percpu_sum(*(int *)ctx, 0, 8, 0);
}

/* xdp-filter's xdp_stats_map: per action {packets, bytes}. */
struct xf_count {
	int fd;
	__u32 action;
};

static __u64 count_xf(void *ctx)
{
	struct xf_count *x = ctx;

	return percpu_sum(x->fd, x->action, 16, 0);
}

static int do_live(__u32 n)
{
	struct live_ctx lc = { 0 };
	struct bpf_object *xf_obj;
	struct xf_count xc;
	struct frames f;
	struct bh_dp *dp;
	int self, xf_fd, drop_fd, i;
	double r[2][3];
	char cmd[512];
	struct bh_result res;

	snprintf(ns_a, sizeof(ns_a), "bhb-a-%d", (int)getpid());
	snprintf(ns_b, sizeof(ns_b), "bhb-b-%d", (int)getpid());
	atexit(live_cleanup);
	snprintf(cmd, sizeof(cmd),
		 "ip netns add %s && ip netns add %s && "
		 "ip -n %s link add va type veth peer name vb netns %s && "
		 "ip -n %s link set va up && ip -n %s link set vb up",
		 ns_a, ns_b, ns_a, ns_b, ns_a, ns_b);
	if (system(cmd))
		die("create the namespaces and veth pair", EINVAL);
	self = open("/proc/self/ns/net", O_RDONLY);
	lc.fd_a = ns_fd(ns_a);
	lc.fd_b = ns_fd(ns_b);
	enter(lc.fd_b);
	lc.vb = (int)if_nametoindex("vb");
	enter(lc.fd_a);
	lc.va = (int)if_nametoindex("va");
	if (!lc.va || !lc.vb)
		die("veth ifindex", ENODEV);

	build_frames(&f);
	for (i = 0; i < F_MAX; i++)
		pad64(f.buf[i], &f.len[i]);
	pad64(f.flood_new, &f.flood_new_len);

	lc.bx = bench_xdp__open();
	if (!lc.bx)
		die("open the generator", errno);
	lc.bx->rodata->gen_ifindex = (__u32)lc.va;
	if (bench_xdp__load(lc.bx))
		die("load the generator", errno);
	lc.gen_fd = bpf_program__fd(lc.bx->progs.bench_gen);
	drop_fd = bpf_map__fd(lc.bx->maps.bench_drops);

	dp = setup_bulkhead();
	prime_flows(dp, &f);
	/* The established flow was primed through test runs: it exists. */
	if (bh_dp_test_run(dp, f.buf[F_EST], (__u32)f.len[F_EST],
			   (__u32)f.len[F_EST], 0, &res) != XDP_PASS)
		die("established flow", EINVAL);
	xf_obj = setup_xdpfilter(&xf_fd);
	xc.fd = bpf_object__find_map_fd_by_name(xf_obj, "xdp_stats_map");

	/* A short warm-up: the veth pair's first frames may find it not
	 * quite up. */
	live_once(&lc, bpf_program__fd(lc.bx->progs.bench_drop), f.buf[F_DENY],
		  f.len[F_DENY], 10000, count_drop, &drop_fd);
	{
		struct xf_count xd = { .fd = xc.fd, .action = XDP_DROP };
		struct xf_count xp = { .fd = xc.fd, .action = XDP_PASS };
		struct live_prog deny[3] = {
			{ bh_dp_prog_fd(dp), count_bh, dp },
			{ xf_fd, count_xf, &xd },
			{ bpf_program__fd(lc.bx->progs.bench_drop), count_drop,
			  &drop_fd },
		};
		struct live_prog pass[2] = {
			{ bh_dp_prog_fd(dp), count_bh, dp },
			{ xf_fd, count_xf, &xp },
		};

		/* denied flood: bulkhead, xdp-filter, XDP_DROP */
		live_compare(&lc, deny, 3, f.buf[F_DENY], f.len[F_DENY], n,
			     r[0]);
		/* established allowed: bulkhead, xdp-filter (both pass) */
		live_compare(&lc, pass, 2, f.buf[F_EST], f.len[F_EST], n, r[1]);
		r[1][2] = 0;
	}

	printf("Live frames (BPF_F_TEST_XDP_LIVE_FRAMES, %u frames of 60 B + "
	       "FCS per run, batch 64) on a veth pair, receiver's XDP program "
	       "in native mode, Mpps handled by the receiver, median of %d "
	       "runs\n\n",
	       n, LIVE_RUNS);
	printf("| %-34s | %8s | %8s | %8s | %10s |\n", "traffic", "bulkhead",
	       "xdp-filter", "XDP_DROP", "bh/xdp-flt");
	printf("|------------------------------------|---:|---:|---:|---:|\n");
	printf("| %-34s | %8.2f | %8.2f | %8.2f | %9.2fx |\n",
	       "denied flood (one flow)", r[0][0], r[0][1], r[0][2],
	       r[0][0] / r[0][1]);
	printf("| %-34s | %8.2f | %8.2f | %8s | %9.2fx |\n",
	       "established allowed (XDP_PASS)", r[1][0], r[1][1], "-",
	       r[1][0] / r[1][1]);

	/* denied flood with a new tuple per frame (the generator rewrites the
	 * source port): every packet a policy evaluation and a bh_denied
	 * insertion. */
	bench_xdp__destroy(lc.bx);
	lc.bx = bench_xdp__open();
	lc.bx->rodata->gen_ifindex = (__u32)lc.va;
	lc.bx->rodata->gen_vary_off = 34; /* TCP source port */
	if (!lc.bx || bench_xdp__load(lc.bx))
		die("load the generator", errno);
	lc.gen_fd = bpf_program__fd(lc.bx->progs.bench_gen);
	drop_fd = bpf_map__fd(lc.bx->maps.bench_drops);
	{
		struct xf_count xd = { .fd = xc.fd, .action = XDP_DROP };
		struct live_prog deny[3] = {
			{ bh_dp_prog_fd(dp), count_bh, dp },
			{ xf_fd, count_xf, &xd },
			{ bpf_program__fd(lc.bx->progs.bench_drop), count_drop,
			  &drop_fd },
		};

		live_compare(&lc, deny, 3, f.flood_new, f.flood_new_len, n,
			     r[0]);
	}
	printf("| %-34s | %8.2f | %8.2f | %8.2f | %9.2fx |\n",
	       "denied flood (new flow per frame)", r[0][0], r[0][1], r[0][2],
	       r[0][0] / r[0][1]);
	printf("\ntarget: denied flood >= 0.5x xdp-filter's drop rate\n");

	enter(self);
	bpf_object__close(xf_obj);
	bench_xdp__destroy(lc.bx);
	bh_dp_free(&dp);
	live_cleanup();
	return 0;
}

int main(int argc, char **argv)
{
	__u32 repeat = 1000000, frames = 4000000;
	int c;

	bh_log_route_libs();
	if (argc < 2 || (strcmp(argv[1], "testrun") && strcmp(argv[1], "live") &&
			  strcmp(argv[1], "newflow"))) {
		fprintf(stderr, "usage: %s testrun|newflow|live [-r REPEAT] [-n FRAMES] "
				"[-f XDPFILTER_OBJ]\n",
			argv[0]);
		return 2;
	}
	optind = 2;
	while ((c = getopt(argc, argv, "r:n:f:")) != -1) {
		switch (c) {
		case 'r':
			repeat = (__u32)strtoul(optarg, NULL, 0);
			break;
		case 'n':
			frames = (__u32)strtoul(optarg, NULL, 0);
			break;
		case 'f':
			xdpfilt_path = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!strcmp(argv[1], "testrun"))
		return do_testrun(repeat);
	if (!strcmp(argv[1], "newflow"))
		return do_newflow(repeat);
	return do_live(frames);
}
