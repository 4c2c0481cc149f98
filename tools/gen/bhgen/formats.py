# SPDX-License-Identifier: GPL-2.0-only
"""One short flow set written in every capture format the replay reader
must accept, plus broken files it must reject with a precise error.

pcaps/formats/formats.truth.json says, for each file, what a reader must
report: packets, original and captured byte totals, the sum of IP lengths
(the same in every format: a check that the link layer was stripped
right), first and last timestamps, and for broken files the 1-based index
and byte offset of the first bad record.
"""
import ipaddress
import json
import os
import struct

from . import sim, wire
from .run import BASE
from .sim import MS, US, Capture, Host, Tcp

DESCRIPTION = "the same flows as pcap (us, ns, big-endian), pcapng, SLL, " \
    "SLL2, raw IP, BSD loopback, snaplen 64, broken and interleaved files"

SCHEMA = "bulkhead-formats-truth/1"


def flow_set():
    """Six flows, IPv4 and IPv6, TCP, UDP, ICMP; timestamps with
    sub-microsecond parts so that the ns file differs from the us ones."""
    cap = Capture(None, keep=True, seed=7)
    web = Host("10.0.1.10", "web-1", True)
    api = Host("10.0.2.10", "api-1", True)
    dns = Host("10.0.6.10", "dns-1", True)
    mon = Host("10.0.5.10", "monitor-1", True)
    db = Host("10.0.3.10", "db-1", True)
    web6 = Host("fd00::1:10", "web-1", True)
    web6b = Host("fd00::1:11", "web-2", True)
    client6 = Host("2001:db8:beef:1::5", "world", False, ttl=57)
    corp6 = Host("2001:db8:1::53", "corporate", False, ttl=61)
    admin6 = Host("2001:db8:1::44", "corporate", False, ttl=61)
    t = BASE + 123  # ns part

    f = cap.new_flow("tcp", web, api, 8080)
    c = Tcp(cap, f, 180 * US + 7, retrans=0)
    x = c.handshake(t)
    x = c.exchange(x, 300, 3000, b"POST /v1/cart HTTP/1.1\r\n",
                   b"HTTP/1.1 200 OK\r\n")
    c.close(x + 5 * MS, 0)

    f = cap.new_flow("tcp", client6, web6, 443)
    c = Tcp(cap, f, 31 * MS + 311, retrans=0)
    x = c.handshake(t + 1 * MS + 1)
    x = c.send(x, 0, 517, b"\x16\x03\x01\x02\x00\x01")
    x = c.send(x + 1 * MS, 1, 1800, b"\x16\x03\x03\x00\x7a\x02")
    c.reset(x + 20 * MS, 0)

    f = cap.new_flow("udp", web, dns, 53)
    for qtype in (1, 28):
        q = wire.dns_query(0x1000 + qtype, "api.shop.svc.cluster.local", qtype)
        a = wire.dns_answer(0x1000 + qtype, "api.shop.svc.cluster.local",
                            qtype, ["10.0.2.10"] if qtype == 1 else [], 5,
                            aa=True)
        sim.udp_exchange(cap, f, t + 2 * MS + 3 + qtype * 11 * US, q, a,
                         rtt=95 * US + 9)

    f = cap.new_flow("udp", web6b, corp6, 53)
    q = wire.dns_query(0x2222, "storage.corp.example", 28)
    a = wire.dns_answer(0x2222, "storage.corp.example", 28, ["2001:db8:1::80"],
                        300)
    sim.udp_exchange(cap, f, t + 3 * MS + 5, q, a, rtt=4 * MS + 77)

    f = cap.new_flow("icmp", mon, db, 0x2a01, sport=0x2a01)
    sim.ping(cap, f, t + 4 * MS + 13, count=2, interval=200 * MS + 1,
             rtt=60 * US + 3)

    f = cap.new_flow("icmp", admin6, web6, 0x0b0b, sport=0x0b0b)
    sim.ping(cap, f, t + 5 * MS + 17, count=1, rtt=9 * MS + 5)
    cap.flush()
    return cap


# Linux packet types for SLL: 0 to us, 4 outgoing.
def _pkttype(smac):
    return 4 if smac[:2] == b"\x0a\x58" else 0


def _v6(l3):
    return (l3[0] >> 4) == 6


def _frames(cap, kind):
    """(ts, frame, l3) per packet, for a link layer kind."""
    fam6 = [wire.AF_INET6_NETBSD, wire.AF_INET6_FREEBSD, wire.AF_INET6_DARWIN]
    n6 = 0
    for ts, l3, smac, dmac, et in cap.kept:
        if kind == "eth":
            fr = wire.eth_header(dmac, smac, et) + l3
        elif kind == "sll":
            fr = wire.sll_header(_pkttype(smac), smac, et) + l3
        elif kind == "sll2":
            fr = wire.sll2_header(_pkttype(smac), smac, et,
                                  7 if _pkttype(smac) else 2) + l3
        elif kind == "raw":
            fr = l3
        elif kind == "null":
            if _v6(l3):
                fam = fam6[n6 % 3]
                n6 += 1
            else:
                fam = wire.AF_INET
            fr = wire.null_header(fam) + l3
        yield ts, fr, l3


def _ip_len(l3):
    if _v6(l3):
        return 40 + struct.unpack("!H", l3[4:6])[0]
    return struct.unpack("!H", l3[2:4])[0]


LINKTYPES = {"eth": wire.LINKTYPE_ETHERNET, "sll": wire.LINKTYPE_LINUX_SLL,
             "sll2": wire.LINKTYPE_LINUX_SLL2, "raw": wire.LINKTYPE_RAW,
             "null": wire.LINKTYPE_NULL}
LINKNAMES = {0: "NULL", 1: "EN10MB", 101: "RAW", 113: "LINUX_SLL",
             276: "LINUX_SLL2"}


def _info(frames, linktype, res, snaplen=262144, order="little",
          fmt="pcap"):
    caps = [min(len(fr), snaplen) for _, fr, _ in frames]
    div = 1 if res == "ns" else 1000
    return {
        "format": fmt, "linktype": linktype,
        "linktype_name": LINKNAMES[linktype], "ts_resolution": res,
        "byte_order": order, "snaplen": snaplen,
        "packets": len(frames),
        "bytes_orig": sum(len(fr) for _, fr, _ in frames),
        "bytes_captured": sum(caps),
        "truncated_packets": sum(c < len(fr) for c, (_, fr, _)
                                 in zip(caps, frames)),
        "ip_bytes": sum(_ip_len(l3) for _, _, l3 in frames),
        "ipv6_packets": sum(_v6(l3) for _, _, l3 in frames),
        "first_ts": frames[0][0] // div * div,
        "last_ts": frames[-1][0] // div * div,
        "error": None,
    }


def _pcap(path, frames, linktype, **kw):
    with open(path, "wb") as fh:
        w = wire.PcapWriter(fh, linktype, **kw)
        for ts, fr, _ in frames:
            w.write(ts, fr)


def write_all(out):
    cap = flow_set()
    files = {}
    eth = list(_frames(cap, "eth"))
    us = [ts // 1000 for ts, _, _ in eth]
    if len(set(us)) != len(us):
        raise SystemExit("formats: two packets share a microsecond, the "
                         "merge order of the interleaved files is ambiguous")

    for name, kw, res, order in (
            ("eth-us.pcap", {}, "us", "little"),
            ("eth-ns.pcap", {"nanosecond": True}, "ns", "little"),
            ("eth-us-be.pcap", {"big_endian": True}, "us", "big")):
        _pcap(os.path.join(out, name), eth, 1, **kw)
        files[name] = _info(eth, 1, res, order=order)

    for kind in ("sll", "sll2", "raw", "null"):
        fr = list(_frames(cap, kind))
        name = kind + ".pcap"
        _pcap(os.path.join(out, name), fr, LINKTYPES[kind])
        files[name] = _info(fr, LINKTYPES[kind], "us")

    _pcap(os.path.join(out, "snap64.pcap"), eth, 1, snaplen=64)
    files["snap64.pcap"] = _info(eth, 1, "us", snaplen=64)

    # pcapng: IPv4 packets on interface 0 (us), IPv6 on interface 1 (ns).
    with open(os.path.join(out, "two-if.pcapng"), "wb") as fh:
        w = wire.PcapngWriter(fh)
        w.add_interface(1, "eth0", tsresol=6)
        w.add_interface(1, "veth-web-1", tsresol=9)
        for ts, fr, l3 in eth:
            w.write(1 if _v6(l3) else 0, ts, fr,
                    flags=1 if fr[6:8] != b"\x0a\x58" else 2)
        w.write_stats(0, eth[-1][0], len(eth), 0)
    info = _info(eth, 1, "per-interface", fmt="pcapng")
    info["interfaces"] = [{"name": "eth0", "ts_resolution": "us",
                           "packets": sum(not _v6(x[2]) for x in eth)},
                          {"name": "veth-web-1", "ts_resolution": "ns",
                           "packets": sum(_v6(x[2]) for x in eth)}]
    stamps = [ts if _v6(l3) else ts // 1000 * 1000 for ts, _, l3 in eth]
    info["first_ts"], info["last_ts"] = stamps[0], stamps[-1]
    files["two-if.pcapng"] = info

    files.update(_broken(out, eth))
    interleave = _interleave(out, cap, eth)
    truth = {
        "schema": SCHEMA,
        "generator": "tools/gen/scenarios.py --only formats",
        "description": "One flow set (TCP over IPv4 and IPv6, DNS over "
        "UDP/IPv4 and IPv6, ICMP and ICMPv6 echo) in every format the "
        "replay reader supports, and broken files it must reject. "
        "Timestamps are ns since the epoch (truncated to us where the file "
        "has us); error.packet is the 1-based index of the first bad "
        "record, error.offset its byte offset in the file.",
        "flows": [{"proto": f.proto, "src": f.src.ip, "sport": f.sport,
                   "dst": f.dst.ip, "dport": f.dport,
                   "packets": f.packets} for f in cap.flows],
        "files": dict(sorted(files.items())),
        "interleave": interleave,
    }
    with open(os.path.join(out, "formats.truth.json"), "w") as fh:
        json.dump(truth, fh, indent=1)
        fh.write("\n")


def _record_offsets(frames, header=24):
    offs = []
    o = header
    for _, fr, _ in frames:
        offs.append(o)
        o += 16 + len(fr)
    return offs, o


def _broken(out, eth):
    files = {}
    good = os.path.join(out, "eth-us.pcap")
    with open(good, "rb") as fh:
        data = fh.read()
    offs, _ = _record_offsets(eth)
    k = 9  # the tenth record goes bad (index 9, packet 10)

    def info(kind, cut_at, message):
        i = _info(eth[:k], 1, "us")
        i["packets"] = k
        i["error"] = {"packet": k + 1, "offset": offs[k], "kind": kind,
                      "message": message}
        i["file_bytes"] = cut_at
        return i

    cut = offs[k] + 16 + 20  # 20 bytes into the tenth packet's data
    with open(os.path.join(out, "truncated-data.pcap"), "wb") as fh:
        fh.write(data[:cut])
    files["truncated-data.pcap"] = info(
        "truncated_record", cut, "file ends inside packet 10's data")

    cut = offs[k] + 7  # inside the tenth record header
    with open(os.path.join(out, "truncated-header.pcap"), "wb") as fh:
        fh.write(data[:cut])
    files["truncated-header.pcap"] = info(
        "truncated_header", cut, "file ends inside packet 10's record header")

    bad = bytearray(data)
    struct.pack_into("<I", bad, offs[k] + 8, 0x00FFFFF0)  # incl_len
    with open(os.path.join(out, "corrupt-caplen.pcap"), "wb") as fh:
        fh.write(bad)
    files["corrupt-caplen.pcap"] = info(
        "bad_caplen", len(bad),
        "packet 10's captured length 16777200 exceeds the snaplen 262144")

    # pcapng: the tenth EPB's trailing length disagrees with its leading one
    path = os.path.join(out, "corrupt-block.pcapng")
    with open(path, "wb") as fh:
        w = wire.PcapngWriter(fh)
        w.add_interface(1, "eth0", tsresol=6)
        pos = []
        for ts, fr, _ in eth:
            pos.append(fh.tell())
            w.write(0, ts, fr)
    with open(path, "r+b") as fh:
        fh.seek(pos[k] + 4)
        total = struct.unpack("<I", fh.read(4))[0]
        fh.seek(pos[k] + total - 4)
        fh.write(struct.pack("<I", total + 4))
    i = _info(eth[:k], 1, "us", fmt="pcapng")
    i["packets"] = k
    i["error"] = {"packet": k + 1, "offset": pos[k], "kind": "bad_block",
                  "message": "block 10's trailing total length does not "
                  "match its leading one"}
    i["file_bytes"] = os.path.getsize(path)
    files["corrupt-block.pcapng"] = i
    return files


def _interleave(out, cap, eth):
    """Two files whose packets interleave in time: one per side of the
    flow set (flows alternate between them)."""
    owner = {}
    for n, f in enumerate(cap.flows):
        owner[(f.src.ip, f.dst.ip)] = n % 2
        owner[(f.dst.ip, f.src.ip)] = n % 2
    parts = ([], [])
    merged = []
    for ts, fr, l3 in eth:
        if _v6(l3):
            s, d = l3[8:24], l3[24:40]
        else:
            s, d = l3[12:16], l3[16:20]
        key = (str(ipaddress.ip_address(s)), str(ipaddress.ip_address(d)))
        side = owner[key]
        merged.append(["ab"[side], len(parts[side])])
        parts[side].append((ts, fr, l3))
    names = ["interleave-a.pcap", "interleave-b.pcap"]
    for name, p in zip(names, parts):
        _pcap(os.path.join(out, name), p, 1)
    return {
        "files": names,
        "packets": [len(parts[0]), len(parts[1])],
        "merged_order": merged,
        "merged_first_ts": eth[0][0] // 1000 * 1000,
        "merged_last_ts": eth[-1][0] // 1000 * 1000,
    }
