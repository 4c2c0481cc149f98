/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The data plane test table: each case is a policy, runtime settings, a
 * sequence of packets (and policy switches, endpoint changes) with the
 * expected result of each packet, and the expected flow, counter and event
 * totals. test_datapath runs every case through the kernel program
 * (BPF_PROG_TEST_RUN) and the native engine and requires both to match the
 * expectations and each other.
 */
#ifndef BH_TEST_DP_CASES_H
#define BH_TEST_DP_CASES_H

#include <stdbool.h>

#include "dp_policy.h"

enum tp_kind {
	K_TCP = 1,
	K_UDP,
	K_SCTP,
	K_ECHO,     /* ICMP/ICMPv6 echo request (sport = id); flags 1: reply */
	K_ICMP_ERR, /* ICMP(v6) dest unreachable quoting q* */
	K_PROTO,    /* IP protocol dport, no L4 header */
	K_ARP,
	K_BAD_IHL,  /* IPv4 header length 12 */
	K_TRUNC,    /* TCP header cut short */
};

struct tpkt {
	__u8 kind;
	const char *src, *dst;
	__u16 sport, dport;
	__u8 flags; /* TCP flags */
	__u16 vlan[2]; /* outermost first; 0: none */
	bool qinq;     /* outer tag is 802.1ad */
	__u8 tun;      /* BH_TUN_VXLAN / BH_TUN_GENEVE */
	__u32 vni;
	__u8 frag;     /* 1: first fragment, 2: later fragment */
	__u16 frag_id;
	__u8 v6ext;    /* IPv6 extension headers before L4 (hop, dst) */
	/* K_ICMP_ERR: the quoted packet */
	const char *qsrc, *qdst;
	__u8 qproto;
	__u16 qsport, qdport;
};

enum tp_op {
	OP_END = 0,
	OP_PKT,
	OP_POLICY,   /* load policies[policy] (atomic switch) */
	OP_ENDPOINT, /* add ep_addr with ep_ident's identity */
};

struct tstep {
	__u8 op;
	__u64 t_ms; /* packet time, ms */
	struct tpkt p;
	/* expected */
	__u8 verdict;
	__u8 reason;
	const char *rule;
	int policy;
	const char *ep_addr, *ep_ident;
};

enum tp_policy_id {
	P_MAIN,
	P_AUDIT,
	P_LOOSE,
	P_OVERRIDE,
	P_SWITCHED,
	P_DEFAULT_ALLOW,
	P_MAX,
};

#define TP_MAX_STEPS 400

struct tp_flow {
	struct bh_flow_key key;
	struct bh_flow flow;
};

/* What one engine produced for a case. */
struct tp_run {
	struct bh_result res[TP_MAX_STEPS];
	int pass[TP_MAX_STEPS];
	struct tp_flow *flows; /* sorted by key */
	size_t n_flows;
	struct tp_flow *denied;
	size_t n_denied;
	struct bh_event *events;
	size_t n_events;
	struct bh_stats stats;
};

/* The entry of the flow src:sport -> dst:dport (either direction), or
 * NULL. */
const struct bh_flow *tp_find_flow(const struct tp_run *r, bool denied,
				   const char *src, __u16 sport,
				   const char *dst, __u16 dport, __u8 proto);
/* The entry of that flow in VNI vni (tunnelled flows). */
const struct bh_flow *tp_find_flow_vni(const struct tp_run *r, bool denied,
				       const char *src, __u16 sport,
				       const char *dst, __u16 dport,
				       __u8 proto, __u32 vni);

struct tcase {
	const char *name;
	int policy;
	__u32 ev_rate, ev_burst;
	__u32 deny_rate, deny_burst; /* bh_denied admission; 0: default */
	int denied_uncached;
	__u64 tmo_udp_s, tmo_tcp_est_s; /* 0: defaults */
	__u32 flow_cap, denied_cap;     /* 0: the test's default */
	const struct tstep *steps;
	/* Or steps generated at run time (a flood); returns the count. */
	unsigned int (*gen)(struct tstep *out, unsigned int max);
	int flows, denied; /* entries at the end; -1: not checked */
	int ev_sent, ev_suppressed;
	bool lru_differs; /* bh_denied overflowed: LRU choices may differ */
	/* Extra checks on the flows of one engine (may be NULL). */
	void (*check)(const struct tp_run *run);
};

extern const struct tp_policy tp_policies[P_MAX];
extern const struct tcase tp_cases[];
extern const unsigned int tp_n_cases;

#endif /* BH_TEST_DP_CASES_H */
