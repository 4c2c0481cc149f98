# SPDX-License-Identifier: GPL-2.0-only
"""Packet builders and capture-file writers, with struct only.

Building packets byte by byte instead of through scapy objects keeps the
generator fast enough for the 2,000,000-packet benchmark capture and its
output byte-for-byte stable across scapy versions. The checker
(tools/gen/check_truth.py) reads the captures back with scapy and tcpdump,
so these builders are verified by independent parsers.

Every builder returns the bytes of one layer-3 packet (IPv4, IPv6 or ARP);
the link layer is added when a capture is written, so that the same packets
can be written as Ethernet, Linux cooked, raw IP or BSD loopback frames.
"""
import array
import ipaddress
import struct
import sys

ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
ETH_P_IPV6 = 0x86DD

PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17
PROTO_ICMPV6 = 58

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

# Link types (tcpdump.org/linktypes.html numbering as stored in files).
LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276

_LITTLE = sys.byteorder == "little"


def csum(data, start=0):
    """Internet checksum (RFC 1071) of data plus a partial sum, as the
    16-bit value to store big-endian in the header."""
    if len(data) & 1:
        data += b"\0"
    s = sum(array.array("H", data))
    if _LITTLE:  # words were summed byte-swapped: swap the start back in
        start = ((start & 0xFF) << 8) | (start >> 8)
    s += start
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    s = ~s & 0xFFFF
    if _LITTLE:
        s = ((s & 0xFF) << 8) | (s >> 8)
    return s


def _fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


_addr_cache = {}


def addr(text):
    """Packed bytes of an IPv4 (4) or IPv6 (16) address, cached."""
    b = _addr_cache.get(text)
    if b is None:
        b = ipaddress.ip_address(text).packed
        _addr_cache[text] = b
    return b


def is_v6(text):
    return ":" in text


def _pseudo_sum(src, dst, proto, length):
    """Partial (not complemented) sum of the TCP/UDP pseudo-header."""
    if len(src) == 4:
        ph = src + dst + struct.pack("!BBH", 0, proto, length)
    else:
        ph = src + dst + struct.pack("!IxxxB", length, proto)
    return _fold(sum(struct.unpack("!%dH" % (len(ph) // 2), ph)))


def ipv4(src, dst, proto, payload, ident=0, ttl=64, df=True, tos=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), ident,
                      0x4000 if df else 0, ttl, proto, 0, src, dst)
    c = csum(hdr)
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def ipv6(src, dst, nh, payload, hlim=64, flow=0):
    hdr = struct.pack("!IHBB16s16s", (6 << 28) | flow, len(payload), nh,
                      hlim, src, dst)
    return hdr + payload


def l4_checksum(src, dst, proto, seg):
    return csum(seg, _pseudo_sum(src, dst, proto, len(seg)))


def tcp_segment(src, dst, sport, dport, seq, ack, flags, win, opts, payload):
    off = (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                      ack & 0xFFFFFFFF, off << 4, flags, win, 0, 0) + opts
    seg = hdr + payload
    c = l4_checksum(src, dst, PROTO_TCP, seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp_datagram(src, dst, sport, dport, payload):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = l4_checksum(src, dst, PROTO_UDP, seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def icmp_echo(ident, seq, payload, reply=False, v6=False, src=b"", dst=b""):
    if v6:
        typ = 129 if reply else 128
        msg = struct.pack("!BBHHH", typ, 0, 0, ident, seq) + payload
        c = l4_checksum(src, dst, PROTO_ICMPV6, msg)
    else:
        typ = 0 if reply else 8
        msg = struct.pack("!BBHHH", typ, 0, 0, ident, seq) + payload
        c = csum(msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def arp(op, smac, sip, tmac, tip):
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, op, smac,
                       addr(sip), tmac, addr(tip))


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


# TCP options as Linux sends them.
def tcp_opts_syn(mss, tsval, tsecr, wscale):
    return (struct.pack("!BBH", 2, 4, mss) + b"\x04\x02" +
            struct.pack("!BBII", 8, 10, tsval, tsecr) +
            b"\x01" + struct.pack("!BBB", 3, 3, wscale))


def tcp_opts_ts(tsval, tsecr):
    return b"\x01\x01" + struct.pack("!BBII", 8, 10, tsval & 0xFFFFFFFF,
                                     tsecr & 0xFFFFFFFF)


# ---------------------------------------------------------------------------
# DNS messages (RFC 1035), small enough to be captured whole.

def _qname(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_query(qid, name, qtype):
    return (struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + _qname(name) +
            struct.pack("!HH", qtype, 1))


def dns_answer(qid, name, qtype, answers, ttl, rcode=0, aa=False):
    """answers: list of address strings (A or AAAA by qtype)."""
    flags = 0x8180 | (0x0400 if aa else 0) | rcode
    q = _qname(name) + struct.pack("!HH", qtype, 1)
    out = struct.pack("!HHHHHH", qid, flags, 1, len(answers), 0, 0) + q
    for a in answers:
        rd = addr(a)
        out += struct.pack("!HHHIH", 0xC00C, qtype, 1, ttl, len(rd)) + rd
    return out


# ---------------------------------------------------------------------------
# Link layers. A packet is written with link(kind, ...) around its L3 bytes.

def eth_header(dmac, smac, ethertype):
    return dmac + smac + struct.pack("!H", ethertype)


def sll_header(pkttype, smac, ethertype):
    # struct sll_header: packet type, ARPHRD_ETHER, address length, address
    return struct.pack("!HHH8sH", pkttype, 1, 6, smac, ethertype)


def sll2_header(pkttype, smac, ethertype, ifindex):
    return struct.pack("!HHIHBB8s", ethertype, 0, ifindex, 1, pkttype, 6,
                       smac)


# BSD loopback address families as the capturing OS wrote them (host byte
# order of the writer; these files are little-endian).
AF_INET = 2
AF_INET6_NETBSD = 24
AF_INET6_FREEBSD = 28
AF_INET6_DARWIN = 30


def null_header(family):
    return struct.pack("<I", family)


# ---------------------------------------------------------------------------
# Writers.

class PcapWriter:
    """Classic pcap: little-endian, µs (a1b2c3d4) or ns (a1b23c4d) stamps.
    Records are (ts_ns, frame, orig_len); frames longer than snaplen are
    cut, orig_len keeps the length on the wire."""

    def __init__(self, f, linktype, snaplen=262144, nanosecond=False,
                 big_endian=False):
        self.f = f
        self.snaplen = snaplen
        self.ns = nanosecond
        self.e = ">" if big_endian else "<"
        magic = 0xA1B23C4D if nanosecond else 0xA1B2C3D4
        f.write(struct.pack(self.e + "IHHiIII", magic, 2, 4, 0, 0, snaplen,
                            linktype))
        self.packets = 0
        self.bytes_orig = 0
        self.bytes_cap = 0

    def write(self, ts_ns, frame, orig_len=None):
        if orig_len is None:
            orig_len = len(frame)
        frame = frame[:self.snaplen]
        sec, sub = divmod(ts_ns, 1000000000)
        if not self.ns:
            sub //= 1000
        self.f.write(struct.pack(self.e + "IIII", sec, sub, len(frame),
                                 orig_len) + frame)
        self.packets += 1
        self.bytes_orig += orig_len
        self.bytes_cap += len(frame)


def _opt(code, value):
    pad = (-len(value)) % 4
    return struct.pack("<HH", code, len(value)) + value + b"\0" * pad


def _opts(items):
    if not items:
        return b""
    return b"".join(_opt(c, v) for c, v in items) + _opt(0, b"")


def _block(btype, body):
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


class PcapngWriter:
    """pcapng: one section, interfaces added with add_interface(), packets
    as Enhanced Packet Blocks; per-interface timestamp resolution."""

    def __init__(self, f, appl="bulkhead tools/gen/scenarios.py"):
        self.f = f
        self.ifaces = []  # (linktype, snaplen, units per second)
        body = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
        body += _opts([(4, appl.encode())])  # shb_userappl
        f.write(_block(0x0A0D0D0A, body))
        self.packets = 0
        self.bytes_orig = 0
        self.bytes_cap = 0

    def add_interface(self, linktype, name, snaplen=262144, tsresol=6):
        opts = [(2, name.encode()), (9, bytes([tsresol]))]  # if_name, tsresol
        body = struct.pack("<HHI", linktype, 0, snaplen) + _opts(opts)
        self.f.write(_block(0x00000001, body))
        self.ifaces.append((linktype, snaplen, 10 ** tsresol))
        return len(self.ifaces) - 1

    def write(self, iface, ts_ns, frame, orig_len=None, flags=None):
        if orig_len is None:
            orig_len = len(frame)
        _, snaplen, units = self.ifaces[iface]
        frame = frame[:snaplen]
        ts = ts_ns * units // 1000000000
        body = struct.pack("<IIIII", iface, ts >> 32, ts & 0xFFFFFFFF,
                           len(frame), orig_len)
        body += frame + b"\0" * ((-len(frame)) % 4)
        if flags is not None:  # epb_flags: direction in the low two bits
            body += _opts([(2, struct.pack("<I", flags))])
        self.f.write(_block(0x00000006, body))
        self.packets += 1
        self.bytes_orig += orig_len
        self.bytes_cap += len(frame)

    def write_stats(self, iface, ts_ns, received, dropped):
        """Interface Statistics Block: readers must skip it."""
        _, _, units = self.ifaces[iface]
        ts = ts_ns * units // 1000000000
        body = struct.pack("<III", iface, ts >> 32, ts & 0xFFFFFFFF)
        body += _opts([(4, struct.pack("<Q", received)),   # isb_ifrecv
                       (5, struct.pack("<Q", dropped))])   # isb_ifdrop
        self.f.write(_block(0x00000005, body))
