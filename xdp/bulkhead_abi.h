/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bulkhead ABI: every struct and enum that crosses the kernel/user boundary.
 *
 * This is the only copy of these definitions (CONVENTIONS.md rule 1). It is
 * included by the BPF programs (clang -target bpf, __bpf__ defined), by the
 * host build of the classifier and by every userspace part. Fixed-width
 * types, explicit padding and a size assertion on every struct, so that the
 * layout is the same for both targets and a change is caught at build time.
 *
 * The enums are defined through X-macro lists so that the C enum, the string
 * names used by userspace and the protobuf mirror (proto/, checked by a test)
 * all come from one place.
 */
#ifndef BULKHEAD_ABI_H
#define BULKHEAD_ABI_H

#include <linux/types.h>

/* ------------------------------------------------------------------------ */
/* Sizes. Overridable at build time; userspace reads them from here.        */

#ifndef BH_MAX_VLAN_TAGS
#define BH_MAX_VLAN_TAGS 2 /* 802.1Q + 802.1ad (QinQ) */
#endif
/* Segments of a GSO packet counted at most (the kernel's GSO_MAX_SEGS):
 * more is not a packet the kernel makes. */
#ifndef BH_GSO_MAX_SEGS
#define BH_GSO_MAX_SEGS 65535
#endif
#ifndef BH_MAX_IPV6_EXT
#define BH_MAX_IPV6_EXT 8 /* extension headers walked before giving up */
#endif
#ifndef BH_MAX_RULES
#define BH_MAX_RULES 2048 /* rules per policy: one bit each */
#endif
#define BH_RULE_WORDS (BH_MAX_RULES / 64)

#ifndef BH_FLOW_MAP_SIZE
#define BH_FLOW_MAP_SIZE 262144 /* conntrack + accounting entries (LRU) */
#endif
#ifndef BH_DENY_MAP_SIZE
#define BH_DENY_MAP_SIZE 65536 /* denied flows, apart so a flood cannot */
#endif			       /* evict allowed connections            */
#ifndef BH_FRAG_MAP_SIZE
#define BH_FRAG_MAP_SIZE 16384
#endif
#ifndef BH_ID_MAP_SIZE
#define BH_ID_MAP_SIZE 65536 /* exact addresses, both slots together */
#endif
#ifndef BH_CIDR_MAP_SIZE
#define BH_CIDR_MAP_SIZE 16384
#endif
#ifndef BH_PORT_MAP_SIZE
#define BH_PORT_MAP_SIZE 262144
#endif
#ifndef BH_BITMAP_MAP_SIZE
#define BH_BITMAP_MAP_SIZE 65536
#endif
#ifndef BH_EVENT_RING_SIZE
#define BH_EVENT_RING_SIZE (1 << 20)
#endif

/* Reserved identities (like Cilium's reserved range). Workload and external
 * group identities are allocated from BH_ID_FIRST_USER upwards. */
#define BH_ID_UNKNOWN 0
#define BH_ID_HOST 1
#define BH_ID_WORLD 2
#define BH_ID_FIRST_USER 256

/* Protocol value meaning "any protocol" in port-map keys. IP protocol 0
 * (hop-by-hop) never reaches L4 after the parser walked extension headers. */
#define BH_PROTO_ANY 0

/* ------------------------------------------------------------------------ */
/* Enums: value, C name, string name.                                       */

/* Verdict of a packet. Mirrored in proto/ as bulkhead.telemetry.v1.Verdict. */
#define BH_VERDICT_LIST(X)                                                     \
	X(UNSPEC, 0, "unspec")                                                 \
	X(ALLOW, 1, "allow")     /* passed by policy, conntrack or non-IP */   \
	X(DENY, 2, "deny")       /* dropped (enforce mode) */                  \
	X(AUDIT, 3, "would-deny") /* audit mode: would drop, passed */

/* Reason attached to a verdict: parse reasons (why a packet could not be
 * classified) and drop reasons (why it was denied). Mirrored in proto/ as
 * bulkhead.telemetry.v1.Reason with the same numbers. */
#define BH_REASON_LIST(X)                                                      \
	X(NONE, 0, "none")                                                     \
	X(NON_IP, 1, "non_ip")           /* ARP, LLDP...: passed unclassified */ \
	X(TRUNCATED, 2, "truncated")     /* a header ends past the packet */   \
	X(MALFORMED, 3, "malformed")     /* impossible header field values */  \
	X(UNSUPPORTED, 4, "unsupported") /* valid but not handled */           \
	X(VLAN_DEPTH, 5, "vlan_depth")   /* more VLAN tags than we walk */     \
	X(EXT_LIMIT, 6, "ipv6_ext_limit") /* IPv6 extension header bound hit */ \
	X(FRAG_UNTRACKED, 7, "frag_untracked") /* later fragment, no first */  \
	X(POLICY_DENIED, 8, "policy_denied")   /* an explicit deny rule */     \
	X(DEFAULT_DENY, 9, "default_deny")     /* no rule allowed it */        \
	X(CT_INVALID, 10, "ct_invalid") /* non-SYN TCP without connection */   \
	X(CT_REPLY, 11, "ct_reply")     /* allowed as reply of a connection */ \
	X(CT_RELATED, 12, "ct_related") /* ICMP error of a known connection */ \
	X(FRAG_TRACKED, 13, "frag_tracked") /* verdict of its first fragment */

#define BH__ENUM_VERDICT(name, val, str) BH_VERDICT_##name = val,
#define BH__ENUM_REASON(name, val, str) BH_REASON_##name = val,
enum bh_verdict { BH_VERDICT_LIST(BH__ENUM_VERDICT) BH_VERDICT_MAX };
enum bh_reason { BH_REASON_LIST(BH__ENUM_REASON) BH_REASON_MAX };

/* Tunnel the classified (inner) flow was carried in. */
enum bh_tunnel {
	BH_TUN_NONE = 0,
	BH_TUN_VXLAN = 1,  /* UDP 4789 */
	BH_TUN_GENEVE = 2, /* UDP 6081 */
};

/* Minimal connection state kept per flow (decision 4). */
enum bh_ct_state {
	BH_CT_NONE = 0,
	BH_CT_SYN_SENT = 1,    /* initiator sent SYN */
	BH_CT_SYN_RECV = 2,    /* responder answered SYN-ACK */
	BH_CT_ESTABLISHED = 3, /* TCP handshake done; UDP/ICMP: reply seen */
	BH_CT_CLOSING = 4,     /* a FIN was seen */
	BH_CT_CLOSED = 5,      /* RST, or FIN from both sides */
	BH_CT_OPEN = 6,        /* UDP/ICMP/other pseudo-connection, no reply */
};

/* Enforcement mode (decision 5). */
enum bh_mode {
	BH_MODE_ENFORCE = 0,
	BH_MODE_AUDIT = 1,
};

enum bh_action {
	BH_ACTION_DENY = 0,
	BH_ACTION_ALLOW = 1,
};

enum bh_identity_kind {
	BH_KIND_RESERVED = 0, /* host, world */
	BH_KIND_WORKLOAD = 1,
	BH_KIND_EXTERNAL = 2, /* a named external CIDR group */
};

/* Ring buffer event types. */
enum bh_event_type {
	BH_EV_NEW_FLOW = 1, /* first packet of a flow that passed */
	BH_EV_DENY = 2,     /* first packet of a denied or would-deny flow */
};

/* ------------------------------------------------------------------------ */
/* Addresses: IPv6, with IPv4 stored IPv4-mapped (::ffff:a.b.c.d).          */

union bh_addr {
	__u8 b[16];
	__be16 h[8];
	__be32 w[4];
};
_Static_assert(sizeof(union bh_addr) == 16, "bh_addr size");

/* ------------------------------------------------------------------------ */
/* Parser output (struct bh_pkt). Shared by the classifier of both targets  */
/* and carried in events. Addresses and ports are those of the flow that    */
/* matters: the inner one for VXLAN/Geneve.                                 */

/* bh_pkt.frag_flags */
#define BH_FRAG_IS_FRAG 0x01 /* packet is a fragment */
#define BH_FRAG_FIRST 0x02   /* offset 0 (carries the L4 header) */
#define BH_FRAG_MORE 0x04    /* more fragments follow */

/* bh_pkt.flags */
#define BH_PKT_IPV6 0x01       /* inner L3 is IPv6 (else IPv4) */
#define BH_PKT_HAS_L4 0x02     /* sport/dport/flags are valid */
#define BH_PKT_ICMP_ERR 0x04   /* ICMP error with inner tuple in err_* */
#define BH_PKT_OUTER_IPV6 0x08 /* tunnel outer L3 is IPv6 */
#define BH_PKT_IP_OPTIONS 0x10 /* IPv4 header carried options */

/* TCP flags as in the header's 13th byte (bh_pkt.tcp_flags). */
#define BH_TCP_FIN 0x01
#define BH_TCP_SYN 0x02
#define BH_TCP_RST 0x04
#define BH_TCP_PSH 0x08
#define BH_TCP_ACK 0x10
#define BH_TCP_URG 0x20
#define BH_TCP_ECE 0x40
#define BH_TCP_CWR 0x80

struct bh_pkt {
	union bh_addr saddr; /* inner source */
	union bh_addr daddr; /* inner destination */
	union bh_addr outer_saddr; /* tunnel outer source, if tun_type */
	union bh_addr outer_daddr;
	union bh_addr err_saddr; /* ICMP error: the quoted packet's source */
	union bh_addr err_daddr;
	/* Ports in host byte order. ICMP echo/info: both hold the ICMP id so
	 * that request and reply share one connection; other ICMP: 0. */
	__u16 sport;
	__u16 dport;
	__u16 err_sport; /* ICMP error: quoted packet's ports */
	__u16 err_dport;
	__u16 vlan[BH_MAX_VLAN_TAGS]; /* VLAN ids, outermost first */
	__u16 l3_off;      /* offset of the inner L3 header in the frame */
	__u16 l4_off;      /* offset of the inner L4 header (0 if none) */
	__u16 payload_off; /* offset of the L4 payload (0 if none) */
	__u16 frag_off;    /* fragment offset in 8-byte units */
	__u32 frag_id;     /* IPv4 id or IPv6 fragment identification */
	__u32 vni;         /* VXLAN VNI / Geneve VNI (24 bits) */
	__u32 pkt_len;     /* frame length on the wire */
	__u32 payload_len; /* L4 payload bytes (from IP lengths) */
	__u16 l3_proto;    /* inner ethertype, host order (0x0800/0x86dd) */
	__u8 ip_proto;     /* inner L4 protocol (after IPv6 ext headers) */
	__u8 err_proto;    /* ICMP error: quoted packet's protocol */
	__u8 tcp_flags;    /* BH_TCP_* */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 vlan_count;
	__u8 tun_type;     /* enum bh_tunnel */
	__u8 frag_flags;   /* BH_FRAG_* */
	__u8 ttl;          /* inner TTL / hop limit */
	__u8 ext_count;    /* IPv6 extension headers walked */
	__u8 flags;        /* BH_PKT_* */
	__u8 reason;       /* enum bh_reason: NONE when fully parsed */
	__u8 pad[2];
};
_Static_assert(sizeof(struct bh_pkt) == 148, "bh_pkt size");

/* ------------------------------------------------------------------------ */
/* Flow / conntrack map (bh_flows, LRU hash) and denied flows (bh_denied).  */
/*                                                                          */
/* One entry per connection, keyed by the normalized tuple: endpoint "a" is */
/* the lower (address, port) pair, so both directions find the same entry   */
/* with one lookup. The entry caches the verdict with the policy epoch it   */
/* was decided under: an established packet costs one lookup.               */

struct bh_flow_key {
	union bh_addr a; /* lower endpoint */
	union bh_addr b;
	__u16 a_port; /* host order */
	__u16 b_port;
	__u8 proto;
	/* VXLAN/Geneve VNI of a decapsulated flow (bh_vni_put), 0 when not
	 * tunnelled: tenants whose address spaces overlap in different VNIs
	 * keep apart connections (and their replies) with the same inner
	 * addresses. */
	__u8 vni[3];
};
_Static_assert(sizeof(struct bh_flow_key) == 40, "bh_flow_key size");

/* The 24-bit VNI in a key's three bytes, most significant first. */
static inline void bh_vni_put(__u8 *b, __u32 vni)
{
	b[0] = (__u8)(vni >> 16);
	b[1] = (__u8)(vni >> 8);
	b[2] = (__u8)vni;
}

static inline __u32 bh_vni_get(const __u8 *b)
{
	return (__u32)b[0] << 16 | (__u32)b[1] << 8 | b[2];
}

/* bh_flow.flags */
#define BH_FLOW_F_INIT_B 0x01  /* initiator is endpoint b (else a) */
#define BH_FLOW_F_LOG 0x02     /* deciding rule asked for events */
#define BH_FLOW_F_TUNNEL 0x04  /* seen inside VXLAN/Geneve */
#define BH_FLOW_F_IPV6 0x08
#define BH_FLOW_F_FRAGS 0x10   /* fragments were accounted to it */

/* Direction index into per-direction arrays: 0 = a->b, 1 = b->a. */
#define BH_DIR_AB 0
#define BH_DIR_BA 1

struct bh_flow {
	/* Hot: read or written by every packet (first cache line). */
	__u32 epoch;   /* policy epoch the verdict was decided under */
	__u8 verdict;  /* enum bh_verdict */
	__u8 reason;   /* enum bh_reason of the decision */
	__u8 ct_state; /* enum bh_ct_state */
	__u8 flags;    /* BH_FLOW_F_* */
	__u64 last_seen_ns;
	__u64 packets[2]; /* by direction, BH_DIR_* */
	__u64 bytes[2];   /* wire length */
	__u8 tcp_flags[2]; /* OR of flags seen, by direction */
	/* Port (ICMP: type) the policy was evaluated with, initiator to
	 * responder: kept so that a policy switch can re-decide the flow. */
	__u16 policy_port;
	__u32 rule_id; /* deciding rule (compiled rule index + 1; 0 none) */
	/* Cold: written when the flow is created or re-decided. */
	__u64 first_seen_ns;
	__u32 identity[2]; /* identity of a and b */
	__u32 ifindex[2];  /* ingress ifindex, first seen per direction */
	__u32 vni;
	__u16 vlan[BH_MAX_VLAN_TAGS];
	union bh_addr outer_saddr; /* tunnel outer addresses (first packet) */
	union bh_addr outer_daddr;
};
_Static_assert(sizeof(struct bh_flow) == 120, "bh_flow size");

/* Reported flows (bh_reported, hash, not preallocated, written by
 * userspace only, pinned with the flow maps): what the collector has
 * reported of each flow in its records so far, the entry as it read it then
 * and the record's time. An instance that starts after the last one died
 * (kill -9, a crash: no state file) goes on from there, where it would
 * otherwise report every flow in the maps again from its start. */
struct bh_reported_key {
	struct bh_flow_key key;
	__u8 denied; /* the flow is in bh_denied */
	__u8 pad[7];
};
_Static_assert(sizeof(struct bh_reported_key) == 48, "bh_reported_key size");

struct bh_reported {
	__u64 first_seen_ns;
	__u64 last_seen_ns;
	__u64 packets[2]; /* by direction, BH_DIR_* */
	__u64 bytes[2];
	__u64 done_ns; /* the record's time (data-plane time base) */
};
_Static_assert(sizeof(struct bh_reported) == 56, "bh_reported size");

/* Fragment map (bh_frags, LRU hash): verdict of a datagram's first fragment
 * applied to its later fragments. */
struct bh_frag_key {
	union bh_addr saddr;
	union bh_addr daddr;
	__u32 id;
	__u8 proto;
	__u8 vni[3]; /* as in bh_flow_key */
};
_Static_assert(sizeof(struct bh_frag_key) == 40, "bh_frag_key size");

struct bh_frag {
	__u64 last_seen_ns;
	__u32 rule_id;
	__u16 sport; /* ports from the first fragment, to account later */
	__u16 dport; /* fragments to the right flow                     */
	__u8 verdict;
	__u8 reason;
	__u8 pad[6];
};
_Static_assert(sizeof(struct bh_frag) == 24, "bh_frag size");

/* ------------------------------------------------------------------------ */
/* Compiled policy maps. Every key starts with the policy slot (0 or 1):    */
/* a reload writes the inactive slot, then flips bh_config.epoch, so no     */
/* packet is ever judged by a half-written policy (decision 6).             */
/*                                                                          */
/* Decision for a new flow (src -> dst, proto, port):                       */
/*  1. identity of src and dst: exact hash (bh_id_exact), else CIDR LPM     */
/*     (bh_id_cidr), else the slot's world identity;                        */
/*  2. S = bitmap[src.src_bitmap]: bit r set iff src matches rule r "from"; */
/*  3. D = bitmap of (dst.dst_class, proto, port): exact port hash          */
/*     (bh_port_exact), else port LPM (bh_port_lpm, ranges and any-port),   */
/*     else LPM with proto BH_PROTO_ANY; bit r set iff dst matches rule r   */
/*     "to" and r covers (proto, port);                                     */
/*  4. M = S & D. Rules are numbered deny-first, so the lowest set bit of M */
/*     decides: bit < n_deny is a deny. Empty M: the default action.        */

/* Identity of an address: value of bh_id_exact and bh_id_cidr. */
#define BH_IDF_MODE_SET 0x01 /* this identity overrides the global mode */
#define BH_IDF_AUDIT 0x02    /* with BH_IDF_MODE_SET: audit, else enforce */

struct bh_identity_info {
	__u32 id;         /* numeric identity */
	__u32 src_bitmap; /* bitmap index: rules whose "from" match it */
	__u32 dst_class;  /* destination class: key into the port maps */
	__u8 kind;        /* enum bh_identity_kind */
	__u8 flags;       /* BH_IDF_* */
	__u8 pad[2];
};
_Static_assert(sizeof(struct bh_identity_info) == 16, "identity size");

struct bh_id_exact_key {
	__u32 slot;
	union bh_addr addr;
};
_Static_assert(sizeof(struct bh_id_exact_key) == 20, "id key size");

/* LPM key: prefixlen counts bits of data[]: 8 for the slot byte, then the
 * address prefix (IPv4 CIDRs as IPv4-mapped: 96 + v4 prefix). */
struct bh_id_cidr_key {
	__u32 prefixlen;
	__u8 slot;
	__u8 addr[16];
	__u8 pad[3];
};
_Static_assert(sizeof(struct bh_id_cidr_key) == 24, "id cidr key size");

/* Exact destination port entry. */
struct bh_port_key {
	__u32 slot;
	__u32 dst_class;
	__u16 port; /* host order */
	__u8 proto;
	__u8 pad;
};
_Static_assert(sizeof(struct bh_port_key) == 12, "port key size");

/* Port ranges and any-port entries as an LPM over big-endian
 * (slot, class, proto, port); prefixlen = 48 + port prefix bits (0..16). */
struct bh_port_lpm_key {
	__u32 prefixlen;
	__u8 slot;
	__u8 dst_class[4]; /* big endian */
	__u8 proto;
	__u8 port[2]; /* big endian */
};
_Static_assert(sizeof(struct bh_port_lpm_key) == 12, "port lpm key size");

/* Value of both port maps: index into bh_bitmaps. */
struct bh_port_val {
	__u32 bitmap;
};

/* Rule bitmaps, deduplicated: identities and port entries share them. */
struct bh_bitmap_key {
	__u32 slot;
	__u32 index;
};
_Static_assert(sizeof(struct bh_bitmap_key) == 8, "bitmap key size");

struct bh_rule_bitmap {
	__u64 w[BH_RULE_WORDS];
};
_Static_assert(sizeof(struct bh_rule_bitmap) == BH_MAX_RULES / 8,
	       "bitmap size");

/* Per-rule data, array bh_rules indexed by slot * BH_MAX_RULES + bit. */
#define BH_RULEF_LOG 0x01 /* emit events for flows this rule decides */

struct bh_rule {
	__u32 rule_id; /* stable id reported in flows (bit + 1) */
	__u8 action;   /* enum bh_action */
	__u8 flags;    /* BH_RULEF_* */
	__u8 pad[2];
};
_Static_assert(sizeof(struct bh_rule) == 8, "rule size");

/* ------------------------------------------------------------------------ */
/* Runtime configuration: one element of the mmapable array bh_config.      */
/* Userspace writes the inactive slot and the other fields, then stores     */
/* epoch last with one atomic 32-bit store; the program reads epoch once    */
/* per packet. slot = epoch & 1. Endpoint updates that only add keys to the */
/* active slot bump epoch by 2, which keeps the slot and invalidates cached */
/* verdicts.                                                                */

/* Per-slot policy header, written with the slot's maps. */
struct bh_slot_cfg {
	struct bh_identity_info world; /* identity of unknown addresses */
	__u32 n_rules;  /* rule bits in use */
	__u32 n_deny;   /* bits [0, n_deny) are deny rules */
	__u32 n_words;  /* bitmap words in use: ceil(n_rules / 64) */
	__u8 default_action; /* enum bh_action when no rule matches */
	__u8 mode;           /* enum bh_mode, global */
	__u8 ct_loose;       /* 1: non-SYN TCP without entry is evaluated */
	__u8 pad;
	__u32 generation; /* policy generation reported in telemetry */
	__u32 pad1;
};
_Static_assert(sizeof(struct bh_slot_cfg) == 40, "slot cfg size");

/* bh_config.flags */
#define BH_CFG_EV_NEW_FLOWS 0x01 /* new-flow events for every flow */
#define BH_CFG_EV_DENY 0x02      /* deny events */
#define BH_CFG_ENABLED 0x04      /* 0: pass everything, count only */
#define BH_CFG_RECORD_RESULT 0x08 /* store each packet's bh_result (replay) */
#define BH_CFG_IFINDEX_OVERRIDE 0x10 /* use ifindex_override (replay) */

/* Conntrack timeouts, indexes into bh_config.ct_timeout_ns. */
enum bh_ct_timeout {
	BH_CT_TMO_TCP_SYN = 0,
	BH_CT_TMO_TCP_EST,
	BH_CT_TMO_TCP_CLOSE,
	BH_CT_TMO_UDP,
	BH_CT_TMO_ICMP,
	BH_CT_TMO_OTHER,
	BH_CT_TMO_FRAG,
	BH_CT_TMO_MAX,
};

struct bh_config {
	__u32 epoch; /* stored last, atomically; slot = epoch & 1 */
	__u32 flags; /* BH_CFG_* */
	/* Replay: packet time in ns. 0 = use the kernel's coarse clock. */
	__u64 now_override_ns;
	__u64 ct_timeout_ns[BH_CT_TMO_MAX];
	/* Event rate limit, per CPU token bucket. 0 rate = unlimited. */
	__u32 ev_rate;  /* events per second per CPU */
	__u32 ev_burst; /* bucket size */
	/* Replay: length of the packet on the wire when the capture cut it
	 * short (pcap original length). 0 = the frame's length. */
	__u32 wire_len_override;
	/* Replay: ingress ifindex to account packets to (the capture's
	 * interface), when flags has BH_CFG_IFINDEX_OVERRIDE. */
	__u32 ifindex_override;
	/* Admission of new denied flows into bh_denied, per CPU token bucket
	 * (entries per second, bucket size; 0 rate = unlimited). Over the
	 * rate a denied flow is dropped all the same and counted in
	 * bh_stats.denied_uncached: a flood of new tuples then costs a
	 * policy evaluation per packet instead of an LRU insertion. */
	__u32 deny_cache_rate;
	__u32 deny_cache_burst;
	struct bh_slot_cfg slot[2];
};
_Static_assert(sizeof(struct bh_config) == 176, "config size");

/* ------------------------------------------------------------------------ */
/* Counters: per-CPU array bh_stats, one element. Userspace sums over       */
/* libbpf_num_possible_cpus().                                              */

struct bh_stats {
	__u64 verdict_pkts[BH_VERDICT_MAX];
	__u64 verdict_bytes[BH_VERDICT_MAX];
	__u64 reason_pkts[BH_REASON_MAX];
	__u64 ev_sent;       /* events written to the ring */
	__u64 ev_suppressed; /* dropped by the rate limit */
	__u64 ev_ringfull;   /* ring buffer had no room */
	__u64 flows_created; /* entries inserted into bh_flows */
	__u64 denied_created; /* entries inserted into bh_denied */
	__u64 frags_created;
	__u64 policy_evals; /* full policy evaluations (slow path) */
	__u64 insert_failed; /* a flow/frag map update failed (not LRU full) */
	__u64 denied_uncached; /* denied new flows over deny_cache_rate */
};
_Static_assert(sizeof(struct bh_stats) ==
		       8 * (2 * BH_VERDICT_MAX + BH_REASON_MAX + 9),
	       "stats size");

/* Per-CPU token buckets (bh_ratelimit): events, bh_denied admission. */
struct bh_ratelimit {
	__u64 tokens_milli; /* event tokens x 1000 */
	__u64 last_ns;
	__u64 deny_tokens_milli; /* bh_denied admission tokens x 1000 */
	__u64 deny_last_ns;
};

/* Ring buffer event (bh_events). */
struct bh_event {
	__u64 ts_ns;
	__u8 type;    /* enum bh_event_type */
	__u8 verdict; /* enum bh_verdict */
	__u8 reason;  /* enum bh_reason */
	__u8 pad0;
	__u32 rule_id;
	__u32 src_identity;
	__u32 dst_identity;
	__u32 ifindex;
	__u32 epoch;
	struct bh_pkt pkt;
	__u32 pad1;
};
_Static_assert(sizeof(struct bh_event) == 184, "event size");

/* Outcome of classifying one packet. The classifier fills it in both
 * targets; with BH_CFG_RECORD_RESULT the XDP program also stores it in the
 * global bh_last_result so that BPF_PROG_TEST_RUN replay and the parity
 * tests see per-packet verdicts, not just XDP_PASS/XDP_DROP. */
struct bh_result {
	__u8 verdict;  /* enum bh_verdict */
	__u8 reason;   /* enum bh_reason */
	__u8 drop;     /* 1 when the packet is dropped */
	__u8 new_flow; /* 1 when this packet created a flow entry */
	__u32 rule_id;
	__u32 src_identity;
	__u32 dst_identity;
	__u32 epoch;
	__u32 pad;
};
_Static_assert(sizeof(struct bh_result) == 24, "result size");

/* ------------------------------------------------------------------------ */
/* Userspace-only helpers: string names of the enums.                       */
#ifndef __bpf__

#define BH__STR_CASE_VERDICT(name, val, str)                                   \
	case BH_VERDICT_##name:                                                \
		return str;
#define BH__STR_CASE_REASON(name, val, str)                                    \
	case BH_REASON_##name:                                                 \
		return str;

static inline const char *bh_verdict_str(unsigned int v)
{
	switch (v) {
		BH_VERDICT_LIST(BH__STR_CASE_VERDICT)
	}
	return "invalid";
}

static inline const char *bh_reason_str(unsigned int r)
{
	switch (r) {
		BH_REASON_LIST(BH__STR_CASE_REASON)
	}
	return "invalid";
}

#endif /* !__bpf__ */

#endif /* BULKHEAD_ABI_H */
