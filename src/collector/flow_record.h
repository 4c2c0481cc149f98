/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A flow record as the collector builds it: the C form of
 * bulkhead.telemetry.v1.FlowRecord (proto/telemetry.proto documents every
 * field), handed to enrichment, detection and export. Strings point into
 * the resolver's storage or into the record: valid during the callback
 * that receives the record only; copy what you keep.
 */
#ifndef BH_FLOW_RECORD_H
#define BH_FLOW_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "bulkhead_abi.h"
#include "community_id.h"

/* Why a record was emitted; same numbers as proto EndReason. */
#define BH_END_REASON_LIST(X)                                                  \
	X(UNSPEC, 0, "unspec")                                                 \
	X(FIN, 1, "fin")                                                       \
	X(RST, 2, "rst")                                                       \
	X(IDLE_TIMEOUT, 3, "idle")                                             \
	X(ACTIVE_TIMEOUT, 4, "active")                                         \
	X(EVICTION, 5, "evicted")                                              \
	X(FORCED, 6, "forced")

#define BH__ENUM_END(name, val, str) BH_END_##name = val,
enum bh_end_reason { BH_END_REASON_LIST(BH__ENUM_END) BH_END_MAX };

/* Direction relative to the node; same numbers as proto TrafficDirection. */
enum bh_traffic_dir {
	BH_TDIR_UNKNOWN = 0,
	BH_TDIR_INGRESS = 1, /* first packet came in on an uplink */
	BH_TDIR_EGRESS = 2,  /* first packet left a workload (its veth) */
	BH_TDIR_LOCAL = 3,   /* the node opened it (TC egress) */
};

/* Per-side arrays of a record: initiator, then responder. */
#define BH_SIDE_INIT 0
#define BH_SIDE_RESP 1

struct bh_record_endpoint {
	union bh_addr addr; /* IPv4-mapped for IPv4 (see record.ipv6) */
	__u32 identity;
	__u16 port;
	__u8 identity_kind; /* enum bh_identity_kind */
	__u8 pad;
	__u32 ifindex;    /* where this side's packets came in, 0 unknown */
	const char *ifname;
	const char *workload;       /* NULL when none */
	const char *external_group; /* NULL when none */
	const char *const *labels;  /* "key=value", sorted */
	size_t n_labels;
	/* Filled by enrichment (GeoIP/ASN); empty from the collector. */
	char country_code[3];
	__u32 asn;
	const char *city;
	const char *as_org;
};

struct bh_flow_record {
	__u64 flow_id;
	__u32 record_index;
	__u8 end_reason; /* enum bh_end_reason */
	__u8 direction;  /* enum bh_traffic_dir */
	__u8 proto;      /* IP protocol */
	bool ipv6;
	/* Wall clock, ns since the epoch. */
	__u64 start_ns;
	__u64 end_ns;
	__u64 record_start_ns;
	const char *node;
	struct bh_record_endpoint ep[2]; /* BH_SIDE_* */
	__u64 packets[2];                /* this record's interval, BH_SIDE_* */
	__u64 bytes[2];
	__u8 tcp_flags[2]; /* cumulative OR over the flow, BH_SIDE_* */
	bool has_icmp; /* icmp_type/code known */
	__u8 icmp_type;
	__u8 icmp_code;
	bool icmp_from_resp; /* the responder sent that ICMP message */
	__u8 verdict; /* enum bh_verdict */
	__u8 reason;  /* enum bh_reason */
	bool audit;
	bool denied; /* came from the denied-flow map */
	__u32 rule_id;
	const char *rule; /* NULL when unknown or none */
	__u32 epoch;
	__u32 generation;
	/* Tunnel: tunneled says whether the rest is valid. tun_type is
	 * BH_TUN_NONE when the type was not seen (no event). */
	bool tunneled;
	__u8 tun_type; /* enum bh_tunnel */
	__u8 vlan_count;
	__u32 vni;
	union bh_addr outer_saddr;
	union bh_addr outer_daddr;
	__u16 vlan[BH_MAX_VLAN_TAGS];
	char community_id[BH_COMMUNITY_ID_LEN + 1]; /* "" when unknown */
	/* Not telemetry: a few bits the consumer keeps per flow, in the
	 * collector's own table (no table of its own to size). A record or
	 * interim view carries what the previous callback of the flow left
	 * here (0 for a new flow); the collector keeps what this callback
	 * leaves. Detection's pipeline marks flows answered in it. */
	__u8 mark; /* BH_RECORD_MARK_MASK bits */
};
#define BH_RECORD_MARK_MASK 0x0f

#define BH__STR_CASE_END(name, val, str)                                       \
	case BH_END_##name:                                                    \
		return str;

static inline const char *bh_end_reason_str(unsigned int r)
{
	switch (r) {
		BH_END_REASON_LIST(BH__STR_CASE_END)
	}
	return "invalid";
}

#endif /* BH_FLOW_RECORD_H */
