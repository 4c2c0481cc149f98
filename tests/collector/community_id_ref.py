#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Independent Community ID v1 implementation, written from the spec
(github.com/corelight/community-id-spec) with Python's hashlib, to check the
C implementation. Reads "seed proto saddr daddr sport dport" lines (ports
"-" when the protocol has none; ICMP: type and code) and prints one ID per
line."""
import base64
import hashlib
import ipaddress
import struct
import sys

ICMP4_PAIRS = {0: 8, 8: 0, 9: 10, 10: 9, 13: 14, 14: 13, 15: 16, 16: 15,
               17: 18, 18: 17}
ICMP6_PAIRS = {128: 129, 129: 128, 130: 131, 131: 130, 133: 134, 134: 133,
               135: 136, 136: 135, 139: 140, 140: 139, 144: 145, 145: 144}


def community_id(seed, proto, saddr, daddr, sport, dport):
    src = ipaddress.ip_address(saddr).packed
    dst = ipaddress.ip_address(daddr).packed
    one_way = False
    if proto in (1, 58):
        pairs = ICMP4_PAIRS if proto == 1 else ICMP6_PAIRS
        if sport in pairs:
            dport = pairs[sport]
        else:
            one_way = True
    has_ports = sport is not None
    ordered = one_way or src < dst or (src == dst and has_ports and
                                        sport < dport)
    if not ordered:
        src, dst, sport, dport = dst, src, dport, sport
    data = struct.pack("!H", seed) + src + dst + struct.pack("!BB", proto, 0)
    if has_ports:
        data += struct.pack("!HH", sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


for line in sys.stdin:
    seed, proto, saddr, daddr, sport, dport = line.split()
    sp = None if sport == "-" else int(sport)
    dp = None if dport == "-" else int(dport)
    print(community_id(int(seed), int(proto), saddr, daddr, sp, dp))
