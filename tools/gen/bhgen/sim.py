# SPDX-License-Identifier: GPL-2.0-only
"""Discrete-event traffic simulation: hosts, flows, TCP/UDP/ICMP exchanges.

Time is integer nanoseconds (scenario captures are written with microsecond
stamps, and every generated time is a whole microsecond). Packets are kept
in a heap and written in time order; an exchange may emit packets ahead of
the simulation clock, and whatever is older than the clock can be flushed,
so that the 2,000,000-packet capture streams with bounded memory.

Nothing here reads the wall clock or an unseeded random source: the same
seed gives the same bytes.
"""
import heapq
import random
import struct

from . import wire
from .wire import ACK, FIN, PSH, RST, SYN

US = 1000
MS = 1000 * US
SEC = 1000 * MS
MIN = 60 * SEC

GATEWAY_MAC = wire.mac("0a:58:0a:00:00:01")  # the CNI bridge / router side
UPLINK_MAC = wire.mac("52:54:00:12:34:01")   # the upstream router on the NIC
NODE_MAC = wire.mac("52:54:00:ab:cd:01")     # the node's NIC

# Pseudo-random filler for payloads that would be encrypted or opaque.
_FILL = random.Random(0xB0C5).randbytes(70000)


def filler(n, offset=0):
    o = offset % 4096
    return _FILL[o:o + n]


class Host:
    """An endpoint: a workload replica (inside the node) or a remote host."""

    def __init__(self, ip, name, local, ttl=64, mac=None):
        self.ip = ip
        self.packed = wire.addr(ip)
        self.v6 = wire.is_v6(ip)
        self.name = name  # workload / external group / "world"
        self.local = local
        self.ttl = ttl
        if mac is None and local:
            if self.v6:
                mac = "0a:58:" + ":".join("%02x" % b for b in self.packed[-4:])
            else:
                mac = "0a:58:" + ":".join("%02x" % b for b in self.packed)
        self.mac = wire.mac(mac) if mac else UPLINK_MAC
        self.ip_id = (sum(self.packed) * 7919) & 0xFFFF
        self.ts_offset = (sum(self.packed) * 104729) & 0xFFFFFFFF


class Flow:
    """One connection (TCP) or request/response pair (UDP, ICMP echo), as
    the ground truth lists it: src is always the initiator."""

    __slots__ = ("fid", "proto", "src", "sport", "dst", "dport", "first",
                 "last", "packets", "bytes", "label", "scenario", "step",
                 "state", "v6", "extra", "verdict")

    def __init__(self, fid, proto, src, sport, dst, dport, label, scenario,
                 step):
        self.fid = fid
        self.proto = proto
        self.src = src
        self.sport = sport
        self.dst = dst
        self.dport = dport
        self.first = None
        self.last = None
        self.packets = [0, 0]
        self.bytes = [0, 0]
        self.label = label
        self.scenario = scenario
        self.step = step
        self.state = None
        self.v6 = src.v6
        self.extra = None
        self.verdict = None


class Capture:
    """Packets of one capture, in time order, written to a PcapWriter or
    kept for later (keep=True) so that the formats writer can reuse them."""

    def __init__(self, writer=None, keep=False, track_flows=True, seed=1,
                 max_packets=None):
        self.writer = writer
        self.keep = keep
        self.kept = []
        self.heap = []
        self.order = 0
        self.flows = []
        self.track = track_flows
        self.rng = random.Random(seed)
        self.non_ip = 0
        self.written = 0
        self.max_packets = max_packets
        self.used_ports = set()
        self.n_flows = 0
        self.last_ts = None
        self.first_ts = None

    # -- packets ------------------------------------------------------------
    def emit(self, ts, l3, src_mac, dst_mac, ethertype, flow=None, d=0):
        if self.last_ts is not None and ts < self.last_ts:
            raise RuntimeError("packet at %d emitted after %d was written"
                               % (ts, self.last_ts))
        if flow is not None:
            if flow.first is None or ts < flow.first:
                flow.first = ts
            if flow.last is None or ts > flow.last:
                flow.last = ts
            flow.packets[d] += 1
            flow.bytes[d] += 14 + len(l3)
        else:
            self.non_ip += 1
        self.order += 1
        heapq.heappush(self.heap, (ts, self.order, l3, src_mac, dst_mac,
                                   ethertype))

    def flush(self, upto=None):
        """Write every packet older than upto (all when None)."""
        h = self.heap
        while h and (upto is None or h[0][0] < upto):
            rec = heapq.heappop(h)
            if self.max_packets is not None and \
                    self.written >= self.max_packets:
                continue
            ts, _, l3, smac, dmac, et = rec
            if self.first_ts is None:
                self.first_ts = ts
            self.last_ts = ts
            self.written += 1
            if self.keep:
                self.kept.append((ts, l3, smac, dmac, et))
            if self.writer is not None:
                self.writer.write(ts, wire.eth_header(dmac, smac, et) + l3)

    def done(self):
        return self.max_packets is not None and \
            self.written >= self.max_packets

    # -- flows ---------------------------------------------------------------
    def new_flow(self, proto, src, dst, dport, label="benign", scenario=None,
                 step=None, sport=None):
        self.n_flows += 1
        if sport is None:
            sport = self.ephemeral(proto, src, dst, dport)
        f = Flow(len(self.flows), proto, src, sport, dst, dport, label,
                 scenario, step)
        if self.track:
            self.flows.append(f)
        return f

    def ephemeral(self, proto, src, dst, dport):
        """A source port from Linux's default range, unique per 5-tuple in
        the capture so that every truth flow is one connection."""
        while True:
            p = self.rng.randrange(32768, 60999)
            key = (proto, src.ip, p, dst.ip, dport)
            if not self.track or key not in self.used_ports:
                if self.track:
                    self.used_ports.add(key)
                return p

    # -- helpers for link addresses -----------------------------------------
    @staticmethod
    def macs(s, d):
        """(src MAC, dst MAC) of a packet from host s to host d at the
        first point bulkhead sees it (sender's veth, or the node NIC)."""
        if s.local:
            return s.mac, GATEWAY_MAC
        return UPLINK_MAC, NODE_MAC

    def ip_packet(self, ts, s, d, proto, payload, flow, direction, df=True):
        smac, dmac = self.macs(s, d)
        if s.v6:
            l3 = wire.ipv6(s.packed, d.packed, proto, payload, hlim=s.ttl)
            et = wire.ETH_P_IPV6
        else:
            s.ip_id = (s.ip_id + 1) & 0xFFFF
            l3 = wire.ipv4(s.packed, d.packed, proto, payload, ident=s.ip_id,
                           ttl=s.ttl, df=df)
            et = wire.ETH_P_IP
        self.emit(ts, l3, smac, dmac, et, flow, direction)


class Tcp:
    """A TCP connection between two hosts with Linux-like behaviour:
    options on SYN, timestamps, delayed ACKs every second segment, MSS-sized
    segments, occasional retransmissions, FIN or RST teardown.

    rtt: round trip seen at the capture point between a packet of one side
    and the answer of the other. Methods take a start time and return the
    time at which the exchange is over, for chaining."""

    def __init__(self, cap, flow, rtt, rate=None, mss=1448, retrans=0.002,
                 win=(64240, 65160)):
        self.cap = cap
        self.f = flow
        self.h = (flow.src, flow.dst)
        self.ports = (flow.sport, flow.dport)
        self.rtt = rtt
        # Bytes per second of a bulk transfer; serialisation gap per segment.
        self.gap = int(mss * SEC / rate) if rate else 12 * US
        # payload per segment with the timestamp option (MSS - 12)
        self.mss = mss - (20 if flow.v6 else 0)
        rng = cap.rng
        self.seq = [rng.getrandbits(32), rng.getrandbits(32)]
        self.tsecr = [0, 0]
        self.retrans = retrans
        self.win = win
        self.busy = 0  # time until which the connection is sending
        self.sent = 0
        self.open = False

    def _tsval(self, d, ts):
        return (self.h[d].ts_offset + ts // MS) & 0xFFFFFFFF

    def _pkt(self, ts, d, flags, payload=b"", opts=None, seq=None, win=None):
        s, t = self.h[d], self.h[1 - d]
        tsv = self._tsval(d, ts)
        if opts is None:
            opts = wire.tcp_opts_ts(tsv, self.tsecr[d])
        self.tsecr[1 - d] = tsv
        ack = self.seq[1 - d] if flags & ACK else 0
        seg = wire.tcp_segment(s.packed, t.packed, self.ports[d],
                               self.ports[1 - d],
                               self.seq[d] if seq is None else seq, ack,
                               flags, win or 502, opts, payload)
        self.cap.ip_packet(ts, s, t, wire.PROTO_TCP, seg, self.f, d)

    def syn(self, ts, retries=0, backoff=1 * SEC):
        """The initiator's SYN and `retries` retransmissions (no answer)."""
        opts = wire.tcp_opts_syn(self.mss + 12, self._tsval(0, ts), 0, 7)
        self._pkt(ts, 0, SYN, opts=opts, win=self.win[0])
        t = ts
        for _ in range(retries):
            t += backoff
            backoff *= 2
            opts = wire.tcp_opts_syn(self.mss + 12, self._tsval(0, t), 0, 7)
            self._pkt(t, 0, SYN, opts=opts, win=self.win[0])
        self.f.state = "unanswered"
        return t

    def handshake(self, ts, server_delay=20 * US):
        self.syn(ts)
        self.seq[0] += 1
        t = ts + self.rtt + server_delay
        opts = wire.tcp_opts_syn(self.mss + 12, self._tsval(1, t),
                                 self._tsval(0, ts), 7)
        self._pkt(t, 1, SYN | ACK, opts=opts, seq=self.seq[1],
                  win=self.win[1])
        self.seq[1] += 1
        t += self.rtt // 2 + 30 * US
        self._pkt(t, 0, ACK)
        self.f.state = "established"
        self.open = True
        self.busy = t
        return t

    def refused(self, ts):
        """SYN answered by RST-ACK: the port is closed."""
        self.syn(ts)
        self.seq[0] += 1
        self._pkt(ts + self.rtt, 1, RST | ACK, seq=0, opts=b"", win=0)
        self.f.state = "rejected"
        return ts + self.rtt

    def scanner_reset(self, ts):
        """Half-open scan of an open port: SYN, SYN-ACK, RST from the
        scanner (what nmap -sS does)."""
        self.syn(ts)
        self.seq[0] += 1
        t = ts + self.rtt
        opts = wire.tcp_opts_syn(self.mss + 12, self._tsval(1, t),
                                 self._tsval(0, ts), 7)
        self._pkt(t, 1, SYN | ACK, opts=opts, seq=self.seq[1],
                  win=self.win[1])
        self.seq[1] += 1
        self._pkt(t + 40 * US, 0, RST, opts=b"", win=0)
        self.f.state = "half-open"
        return t + 40 * US

    def send(self, ts, d, nbytes, head=b"", gap=None, think=0,
             ack_last=True):
        """d sends nbytes (head first, then opaque filler) in MSS segments;
        the other side ACKs every second segment and the last one (unless
        ack_last is False: its answer will carry the ACK)."""
        t = max(ts, self.busy + 5 * US) + think  # not on the same tick
        gap = self.gap if gap is None else gap
        rng = self.cap.rng
        left = nbytes
        i = 0
        last_ack = t
        while left > 0:
            n = min(self.mss, left)
            if i == 0 and head:
                body = head[:n] + filler(max(0, n - len(head)), self.sent)
            else:
                body = filler(n, self.sent + i)
            left -= n
            flags = ACK | (PSH if left == 0 else 0)
            seq0 = self.seq[d]
            self._pkt(t, d, flags, body)
            self.seq[d] += n
            if self.retrans and rng.random() < self.retrans:
                # lost after the capture point: the same bytes again after
                # the minimum retransmission timeout
                self._pkt(t + 200 * MS + self.rtt, d, flags, body, seq=seq0)
            # delayed ACK every second segment; once a bulk transfer is
            # under way, GRO on the receiver coalesces and ACKs stretch
            every = 2 if i < 16 else 4
            if i % every == every - 1 or (left == 0 and ack_last):
                last_ack = t + self.rtt
                self._pkt(last_ack, 1 - d, ACK)
            t += gap
            i += 1
        self.sent += nbytes
        self.busy = max(t, last_ack)
        return self.busy

    def exchange(self, ts, req, resp, req_head=b"", resp_head=b"",
                 server_time=1 * MS):
        """Request from the initiator, response from the responder. A
        response within the delayed-ACK timer (40 ms) carries the ACK of
        the request's last segment."""
        quick = server_time < 40 * MS
        t = self.send(ts, 0, req, req_head, ack_last=not quick)
        if quick:
            t += self.rtt
        return self.send(t + server_time, 1, resp, resp_head)

    def close(self, ts, d=0):
        """FIN from d, FIN-ACK from the other side, last ACK."""
        t = max(ts, self.busy)
        self._pkt(t, d, FIN | ACK)
        self.seq[d] += 1
        t2 = t + self.rtt
        self._pkt(t2, 1 - d, FIN | ACK)
        self.seq[1 - d] += 1
        t3 = t2 + self.rtt // 2 + 20 * US
        self._pkt(t3, d, ACK)
        self.open = False
        self.f.state = "closed"
        self.busy = t3
        return t3

    def reset(self, ts, d=0):
        t = max(ts, self.busy)
        self._pkt(t, d, RST | ACK)
        self.open = False
        self.f.state = "reset"
        self.busy = t
        return t


def udp_exchange(cap, flow, ts, req, resp=None, rtt=200 * US):
    """One UDP request and (optional) answer on a flow."""
    s, d = flow.src, flow.dst
    seg = wire.udp_datagram(s.packed, d.packed, flow.sport, flow.dport, req)
    cap.ip_packet(ts, s, d, wire.PROTO_UDP, seg, flow, 0, df=False)
    flow.state = "unanswered"
    if resp is None:
        return ts
    t = ts + rtt
    seg = wire.udp_datagram(d.packed, s.packed, flow.dport, flow.sport, resp)
    cap.ip_packet(t, d, s, wire.PROTO_UDP, seg, flow, 1, df=False)
    flow.state = "answered"
    return t


def ping(cap, flow, ts, count=1, interval=1 * SEC, rtt=100 * US,
         answer=True):
    """ICMP echo; the flow's sport/dport hold the echo identifier."""
    s, d = flow.src, flow.dst
    proto = wire.PROTO_ICMPV6 if s.v6 else wire.PROTO_ICMP
    t = ts
    for seq in range(1, count + 1):
        payload = struct.pack("!Q", t // US) + bytes(range(0x10, 0x38))
        msg = wire.icmp_echo(flow.sport, seq, payload, False, s.v6, s.packed,
                             d.packed)
        cap.ip_packet(t, s, d, proto, msg, flow, 0)
        if answer:
            msg = wire.icmp_echo(flow.sport, seq, payload, True, s.v6,
                                 d.packed, s.packed)
            cap.ip_packet(t + rtt, d, s, proto, msg, flow, 1)
        t += interval
    flow.state = "answered" if answer else "unanswered"
    return t


def arp_exchange(cap, ts, host, gateway_ip):
    """A pod asking for its gateway when it starts (non-IP traffic)."""
    req = wire.arp(1, host.mac, host.ip, b"\0" * 6, gateway_ip)
    cap.emit(ts, req, host.mac, b"\xff" * 6, wire.ETH_P_ARP)
    rep = wire.arp(2, GATEWAY_MAC, gateway_ip, host.mac, host.ip)
    cap.emit(ts + 30 * US, rep, GATEWAY_MAC, host.mac, wire.ETH_P_ARP)


class Scheduler:
    """Events in time order; an event's callback may schedule more."""

    def __init__(self, cap):
        self.cap = cap
        self.q = []
        self.n = 0
        self.now = 0

    def at(self, ts, fn, *args):
        self.n += 1
        heapq.heappush(self.q, (ts, self.n, fn, args))

    def run(self, until):
        while self.q and self.q[0][0] < until:
            ts, _, fn, args = heapq.heappop(self.q)
            self.now = ts
            self.cap.flush(ts)
            if self.cap.done():
                break
            fn(ts, *args)
        self.q = []
