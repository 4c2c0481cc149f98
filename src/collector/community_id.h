/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Community ID v1 flow hash (https://github.com/corelight/community-id-spec),
 * the flow identifier Zeek, Suricata, Arkime and Elastic log, so that
 * bulkhead's flow records join their logs on one string.
 */
#ifndef BH_COMMUNITY_ID_H
#define BH_COMMUNITY_ID_H

#include <stdbool.h>
#include <stddef.h>

#include "bulkhead_abi.h"

/* Length of "1:" + base64 of a 20-byte SHA-1 (28 characters). */
#define BH_COMMUNITY_ID_LEN 30

/* One direction of a flow as the spec takes it. Addresses as bulkhead keeps
 * them (IPv4-mapped for IPv4: ipv6 false hashes the 4 IPv4 bytes). For ICMP
 * and ICMPv6, sport/dport are the message type and code. */
struct bh_community_tuple {
	union bh_addr saddr;
	union bh_addr daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	bool ipv6;
};

/* Writes the Community ID of t with the given seed (0 is the default every
 * tool uses) to out (at least BH_COMMUNITY_ID_LEN + 1 bytes). Returns 0, or
 * -EINVAL when the tuple cannot be hashed. */
int bh_community_id_v1(const struct bh_community_tuple *t, __u16 seed,
		       char *out, size_t out_len);

/* The type answering ICMP (proto 1) or ICMPv6 (58) message type, for the
 * request/reply pairs the spec (after Zeek) treats as two-way; -1 for
 * one-way messages. */
int bh_community_icmp_counterpart(__u8 proto, __u8 type);

#endif /* BH_COMMUNITY_ID_H */
