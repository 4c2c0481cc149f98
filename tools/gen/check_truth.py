#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Cross-check ground-truth files against their captures.

    tools/gen/check_truth.py [DIR]        (default: the repository's pcaps/)

Reads every capture with parsers that are not the generator's: scapy
(python3-scapy) dissects each packet, tcpdump (libpcap, what bulkhead
itself uses) reads the format variants and must fail on the broken ones
where the truth says. For each scenario capture it checks that every
packet belongs to a labelled flow and every labelled flow is in the
capture with the same packet and byte counts and times in both
directions, the IPv4 header checksums, the L4 checksums of packets captured
whole (a sample), the totals, that alerts name existing attack flows and
fall inside the capture, and that the demo policy allows every benign flow
of the application. Exit 0 when all holds, 1 otherwise.
"""
import glob
import json
import os
import struct
import subprocess
import sys

from scapy.all import (ICMP, IP, TCP, UDP, ICMPv6EchoReply,
                       ICMPv6EchoRequest, IPv6, Loopback, PcapNgReader,
                       PcapReader, raw)

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
DETECTORS = {"sweep", "portscan", "trw", "new_edge", "admin_fanout",
             "tool_transfer", "pivot_chain", "deny_probe", None}


class Checker:
    def __init__(self):
        self.errors = []
        self.checks = 0

    def ok(self, cond, where, msg):
        self.checks += 1
        if not cond:
            self.errors.append("%s: %s" % (where, msg))
        return cond


def _ipv4_ok(ip):
    h = raw(ip)[:ip.ihl * 4]
    s = sum(struct.unpack("!%dH" % (len(h) // 2), h))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s == 0xFFFF


def _l4_ok(pkt):
    """Recompute the TCP/UDP/ICMP checksum with scapy and compare."""
    for layer, field in ((TCP, "chksum"), (UDP, "chksum"), (ICMP, "chksum"),
                         (ICMPv6EchoRequest, "cksum"),
                         (ICMPv6EchoReply, "cksum")):
        if layer in pkt:
            orig = getattr(pkt[layer], field)
            p = pkt.copy()
            delattr(p[layer], field)
            return getattr(p.__class__(raw(p))[layer], field) == orig
    return True


def flow_key(pkt):
    """(proto, a, aport, b, bport) of a packet, in its own direction."""
    if IP in pkt:
        ip, src, dst = pkt[IP], pkt[IP].src, pkt[IP].dst
    elif IPv6 in pkt:
        ip, src, dst = pkt[IPv6], pkt[IPv6].src, pkt[IPv6].dst
    else:
        return None, None
    if TCP in pkt:
        return ("tcp", src, pkt[TCP].sport, dst, pkt[TCP].dport), ip
    if UDP in pkt:
        return ("udp", src, pkt[UDP].sport, dst, pkt[UDP].dport), ip
    for e in (ICMP, ICMPv6EchoRequest, ICMPv6EchoReply):
        if e in pkt:
            return ("icmp", src, pkt[e].id, dst, pkt[e].id), ip
    return ("other", src, 0, dst, 0), ip


def check_scenario(ck, truth_path):
    name = os.path.basename(truth_path)[:-len(".truth.json")]
    with open(truth_path) as fh:
        truth = json.load(fh)
    pcap = os.path.join(os.path.dirname(truth_path), truth["capture"])
    flows = truth["flows"]
    byid = {f["id"]: f for f in flows}
    index = {}
    for f in flows:
        fwd = (f["proto"], f["src"], f["sport"], f["dst"], f["dport"])
        rev = (f["proto"], f["dst"], f["dport"], f["src"], f["sport"])
        index.setdefault(fwd, []).append((f["first_us"], f["id"], 0))
        index.setdefault(rev, []).append((f["first_us"], f["id"], 1))
    seen = {f["id"]: [[0, 0], [0, 0], None, None] for f in flows}
    packets = non_ip = 0
    first = last = None
    size = os.path.getsize(pcap)
    ck.ok(size < 1_000_000, name, "capture is %d bytes, over 1 MB" % size)
    for n, pkt in enumerate(PcapReader(pcap)):
        packets += 1
        ts = int(pkt.time * 1000000)
        first = ts if first is None else first
        ck.ok(last is None or ts >= last, name,
              "packet %d goes back in time" % (n + 1))
        last = ts
        key, ip = flow_key(pkt)
        if key is None:
            non_ip += 1
            continue
        if IP in pkt and not ck.ok(_ipv4_ok(pkt[IP]), name,
                                   "packet %d: bad IPv4 checksum" % (n + 1)):
            continue
        if pkt.wirelen == len(pkt) and n % 7 == 0:
            ck.ok(_l4_ok(pkt), name, "packet %d: bad L4 checksum" % (n + 1))
        cands = [c for c in index.get(key, []) if c[0] <= ts]
        if not ck.ok(cands, name, "packet %d (%s) is in no labelled flow"
                     % (n + 1, key)):
            continue
        _, fid, d = max(cands)
        s = seen[fid]
        s[0][d] += 1
        s[1][d] += pkt.wirelen
        s[2] = ts if s[2] is None else s[2]
        s[3] = ts
    c = truth["counts"]
    ck.ok(packets == c["packets"], name, "%d packets, truth says %d"
          % (packets, c["packets"]))
    ck.ok(non_ip == c["non_ip_packets"], name, "%d non-IP packets, truth "
          "says %d" % (non_ip, c["non_ip_packets"]))
    ck.ok(len(flows) == c["flows"], name, "flow count mismatch")
    ck.ok(sum(f["label"] == "attack" for f in flows) == c["attack_flows"],
          name, "attack flow count mismatch")
    ck.ok(first == truth["start_us"] and last == truth["end_us"], name,
          "capture span differs from start_us/end_us")
    for f in flows:
        s = seen[f["id"]]
        where = "%s flow %d" % (name, f["id"])
        ck.ok(s[0] == f["packets"], where, "packets %s, truth says %s"
              % (s[0], f["packets"]))
        ck.ok(s[1] == f["bytes"], where, "bytes %s, truth says %s"
              % (s[1], f["bytes"]))
        ck.ok(s[2] == f["first_us"] and s[3] == f["last_us"], where,
              "first/last packet times differ")
        ck.ok(f["label"] in ("benign", "attack"), where, "bad label")
        if f["label"] == "benign" and f["scenario"] is None:
            ck.ok(f["verdict"] == "allow", where,
                  "benign application flow not allowed by the demo policy "
                  "(%s %s)" % (f["verdict"], f["reason"]))
    # Every benign edge after the learning period was seen during it:
    # otherwise an edge-learning detector would rightly flag it, and the
    # capture would expect a false positive.
    ident = truth["identities"]

    def edge(f):
        return (ident[f["src_name"]], ident[f["dst_name"]], f["proto"],
                f["dport"] if f["proto"] != "icmp" else 0)
    learn = truth["learning_until_us"]
    learned = {edge(f) for f in flows if f["first_us"] < learn}
    for f in flows:
        if f["label"] == "benign" and f["first_us"] >= learn:
            ck.ok(edge(f) in learned, "%s flow %d" % (name, f["id"]),
                  "benign edge %s first seen after the learning period"
                  % (edge(f),))
    steps = {s["name"] for s in truth["scenarios"]}
    for i, a in enumerate(truth["alerts"]):
        where = "%s alert %d (%s)" % (name, i, a["detector"])
        ck.ok(a["detector"] in DETECTORS, where, "unknown detector")
        ck.ok(a["expected"] in ("fire", "miss"), where, "bad expected")
        ev = [byid.get(e) for e in a["evidence"]]
        if not ck.ok(ev and all(ev), where, "evidence names unknown flows"):
            continue
        ck.ok(all(f["label"] == "attack" and f["scenario"] in steps
                  for f in ev), where, "evidence is not attack flows")
        ck.ok(a["first_evidence_us"] == min(f["first_us"] for f in ev),
              where, "first_evidence_us is not the first evidence packet")
        if a["expected"] == "fire":
            ok = truth["start_us"] <= a["threshold_us"] <= a["fire_by_us"] \
                <= truth["end_us"]
            ck.ok(ok, where, "threshold/fire_by outside the capture")
            ck.ok(a["threshold_us"] >= truth["learning_until_us"], where,
                  "alert due inside the learning period")
        else:
            ck.ok(bool(a.get("why")), where, "a known miss needs a why")
    if name == "benign-baseline":
        ck.ok(not truth["alerts"] and c["attack_flows"] == 0, name,
              "the baseline must expect no alert")
    return packets


def _tcpdump(path):
    p = subprocess.run(["tcpdump", "-nn", "-r", path], capture_output=True,
                       text=True)
    lines = [x for x in p.stdout.splitlines() if x.strip()]
    return len(lines), p.stderr


def _read_scapy(path):
    """Packets of a file; BSD loopback frames whose address family is
    another OS's AF_INET6 (24, 28, 30), which scapy leaves undecoded, are
    decoded as IPv6 here (tcpdump decodes all three)."""
    reader = PcapNgReader if path.endswith(".pcapng") else PcapReader
    out = []
    for p in reader(path):
        if Loopback in p and IP not in p and IPv6 not in p:
            fam = p[Loopback].type
            if fam in (24, 28, 30):
                q = IPv6(raw(p)[4:])
                q.time, q.wirelen = p.time, p.wirelen
                q.captured_len = len(p)
                p = q
        out.append(p)
    return out


def _ip_len(pkt):
    if IP in pkt:
        return pkt[IP].len
    if IPv6 in pkt:
        return 40 + pkt[IPv6].plen
    return 0


def check_formats(ck, d):
    path = os.path.join(d, "formats.truth.json")
    if not ck.ok(os.path.exists(path), d, "formats.truth.json missing"):
        return
    with open(path) as fh:
        truth = json.load(fh)
    for name, info in truth["files"].items():
        f = os.path.join(d, name)
        where = "formats/" + name
        n, err = _tcpdump(f)
        ck.ok(n == info["packets"], where, "tcpdump read %d packets, truth "
              "says %d" % (n, info["packets"]))
        if info["error"]:
            ck.ok("pcap_loop" in err or "truncated" in err, where,
                  "libpcap did not report an error: %r" % err)
            ck.ok(os.path.getsize(f) == info["file_bytes"], where,
                  "file size differs")
            continue
        ck.ok(not err.strip() or "reading from file" in err, where,
              "tcpdump complained: %r" % err)
        pkts = _read_scapy(f)
        ck.ok(len(pkts) == info["packets"], where, "scapy packet count")
        ck.ok(sum(p.wirelen for p in pkts) == info["bytes_orig"], where,
              "original byte total differs")
        ck.ok(sum(getattr(p, "captured_len", len(p)) for p in pkts) ==
              info["bytes_captured"], where,
              "captured byte total differs")
        ck.ok(sum(_ip_len(p) for p in pkts) == info["ip_bytes"], where,
              "sum of IP lengths differs: link layer mis-stripped")
        ck.ok(sum(IPv6 in p for p in pkts) == info["ipv6_packets"], where,
              "IPv6 packet count differs")
        ts = [int(p.time * 10 ** 9) for p in pkts]
        ck.ok(ts[0] == info["first_ts"] and ts[-1] == info["last_ts"],
              where, "first/last timestamps differ (%d %d)" % (ts[0], ts[-1]))
        if info["snaplen"] >= 262144:
            for i, p in enumerate(pkts):
                if IP in p:
                    ck.ok(_ipv4_ok(p[IP]), where, "packet %d: IPv4 checksum"
                          % (i + 1))
                ck.ok(_l4_ok(p), where, "packet %d: L4 checksum" % (i + 1))
    il = truth["interleave"]
    stamps = []
    for side, name in zip("ab", il["files"]):
        for i, p in enumerate(_read_scapy(os.path.join(d, name))):
            stamps.append((int(p.time * 10 ** 9), side, i))
    merged = [[s, i] for _, s, i in sorted(stamps)]
    ck.ok(merged == il["merged_order"], "formats/interleave",
          "time-ordered merge differs from merged_order")


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "pcaps")
    ck = Checker()
    truths = sorted(glob.glob(os.path.join(d, "*.truth.json")))
    if not truths:
        print("check_truth: no *.truth.json in %s" % d, file=sys.stderr)
        return 1
    total = 0
    for t in truths:
        before = len(ck.errors)
        n = check_scenario(ck, t)
        total += n
        print("%-28s %6d packets %s" % (os.path.basename(t), n,
              "ok" if len(ck.errors) == before else "FAILED"))
    if os.path.isdir(os.path.join(d, "formats")):
        before = len(ck.errors)
        check_formats(ck, os.path.join(d, "formats"))
        print("%-28s %s" % ("formats/", "ok" if len(ck.errors) == before
                             else "FAILED"))
    for e in ck.errors[:50]:
        print("error: " + e, file=sys.stderr)
    if len(ck.errors) > 50:
        print("error: ... %d more" % (len(ck.errors) - 50), file=sys.stderr)
    print("check_truth: %d checks, %d failed" % (ck.checks, len(ck.errors)))
    return 1 if ck.errors else 0


if __name__ == "__main__":
    sys.exit(main())
