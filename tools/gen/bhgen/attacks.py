# SPDX-License-Identifier: GPL-2.0-only
"""Attack traffic on top of the benign application.

Every function schedules its packets as simulation events (so they
interleave with the background in time order), labels its flows as attack
flows of a scenario step, and records them in an Attack, whose flows the
expected alerts of the ground truth point to.

Targets answer as they would without enforcement: an open port completes
the handshake, a closed one resets, an address with no pod stays silent.
The captures are what a tap sees before the policy is applied (or with
bulkhead in audit mode); the verdicts in the ground truth say what the
policy makes of each flow.
"""
from . import app as appmod
from . import sim
from .sim import MS, SEC, US, Tcp

RDP_CR = bytes.fromhex("0300002b26e00000000000436f6f6b69653a206d737473"
                       "686173683d61646d696e0d0a0100080003000000")
RDP_CC = bytes.fromhex("0300001302f08090d00000000001000800020000000000")
SMB_NEG = b"\x00\x00\x00\xb4\xfeSMB\x40\x00\x00\x00\x00\x00\x00\x00"
SMB_SETUP = b"\x00\x00\x00\xa2\xfeSMB\x40\x00\x01\x00\x00\x00\x00\x00" \
    b"\x01\x00NTLMSSP\x00"
SMB_TREE = b"\x00\x00\x00\x5c\xfeSMB\x40\x00\x01\x00\x00\x00\x00\x00" \
    b"\x03\x00\\\\reports-1\\ADMIN$"
SMB_WRITE = b"\x00\x00\x10\x70\xfeSMB\x40\x00\x01\x00\x00\x00\x00\x00\x09\x00"
WINRM = b"POST /wsman HTTP/1.1\r\nAuthorization: Negotiate TlRMTVNTUAAB\r\n" \
    b"Content-Type: application/soap+xml;charset=UTF-8\r\nHost: "
HTTP_401 = b"HTTP/1.1 401 \r\nWWW-Authenticate: Negotiate TlRMTVNTUAAC\r\n"


class Attack:
    """The flows of one scenario step (one actor, one technique)."""

    def __init__(self, run, scenario, actor, label="attack"):
        self.run = run
        self.label = label
        self.cap = run.cap
        self.app = run.app
        self.scenario = scenario
        self.actor = actor
        self.flows = []

    def flow(self, proto, src, dst, dport, step, sport=None):
        f = self.cap.new_flow(proto, src, dst, dport, self.label,
                              self.scenario, step, sport=sport)
        self.flows.append(f)
        return f

    def at(self, t, fn, *args):
        self.run.sched.at(t, fn, *args)


def _rtt(src, dst):
    return 200 * US if (src.local and dst.local) else 35 * MS


def probe(atk, t, src, dst, port, step, style="syn"):
    """One scan probe; the target answers as its state says."""
    f = atk.flow("tcp", src, dst, port, step)
    c = Tcp(atk.cap, f, _rtt(src, dst), retrans=0)
    state = atk.app.outcome(dst.ip, port)
    if state == "dead":
        c.syn(t, retries=1)
    elif state == "closed":
        c.refused(t)
    elif style == "syn":
        c.scanner_reset(t)
    else:  # connect(): full handshake, then the scanner resets
        c.reset(c.handshake(t) + 50 * US, 0)
    return f


def host_of(atk, ip):
    """The Host object for ip: a workload replica or an outside address."""
    a = atk.app
    for name in sorted(a.h):
        if a.h[name].ip == ip:
            return a.h[name]
    for name in sorted(a.h6):
        if a.h6[name].ip == ip:
            return a.h6[name]
    return a.external(ip) if not ip.startswith("10.") else \
        sim.Host(ip, "world", True)


def sweep(atk, src, ips, port, start, interval, jitter=0, style="syn"):
    """Horizontal scan: one port on many addresses."""
    rng = atk.app.rng
    t = start
    for ip in ips:
        atk.at(t, lambda ts, ip=ip: probe(atk, ts, src, host_of(atk, ip),
                                          port, "probe", style))
        t += interval + (rng.randrange(jitter) if jitter else 0)
    return t


def portscan(atk, src, dst, ports, start, interval, jitter=0, style="syn"):
    """Vertical scan: many ports of one workload."""
    rng = atk.app.rng
    t = start
    for port in ports:
        atk.at(t, lambda ts, p=port: probe(atk, ts, src, dst, p, "probe",
                                           style))
        t += interval + (rng.randrange(jitter) if jitter else 0)
    return t


def ssh(atk, t, src, dst, step, keys=12, upload=0, download=0, rate=None,
        auth_ok=True):
    """An SSH session (interactive, with an optional scp transfer)."""
    def go(ts):
        f = atk.flow("tcp", src, dst, 22, step)
        if atk.app.outcome(dst.ip, 22) != "open":
            Tcp(atk.cap, f, _rtt(src, dst)).refused(ts)
            return
        appmod.ssh_session(atk.cap, f, ts, atk.app.rng, keys=keys,
                           rtt=_rtt(src, dst), upload=upload,
                           download=download, rate=rate, auth_ok=auth_ok)
    atk.at(t, go)


def _session(atk, t, src, dst, port, step, body, rate=None):
    """At t, a TCP connection src -> dst:port whose handshake is followed
    by body(conn, time)."""
    def go(ts):
        f = atk.flow("tcp", src, dst, port, step)
        c = Tcp(atk.cap, f, _rtt(src, dst), rate=rate)
        body(c, c.handshake(ts))
    atk.at(t, go)


def rdp(atk, t, src, dst, step, seconds=40):
    """RDP: X.224 connection, TLS/CredSSP, then screen updates."""
    def body(c, x):
        x = c.exchange(x, len(RDP_CR), len(RDP_CC), RDP_CR, RDP_CC)
        x = c.exchange(x, 517, 1800, appmod.tls_client_hello("reports-1"),
                       appmod.TLS_SERVER_HELLO)
        x = c.exchange(x, 420, 260, appmod.TLS_APP, appmod.TLS_APP, 20 * MS)
        x = c.exchange(x, 1100, 900, appmod.TLS_APP, appmod.TLS_APP, 5 * MS)
        rng = atk.app.rng
        end = x + seconds * SEC
        while x < end:  # input events up, bitmap updates down
            x = c.send(x + rng.randrange(200, 900) * MS, 0,
                       40 + rng.randrange(60), appmod.TLS_APP)
            x = c.send(x + 8 * MS, 1, 600 + rng.randrange(9000),
                       appmod.TLS_APP)
        c.close(x + 100 * MS, 0)
    _session(atk, t, src, dst, 3389, step, body)


def smb(atk, t, src, dst, step, write=0):
    """SMB2: negotiate, NTLM session setup, tree connect to ADMIN$, and an
    optional file write (what PsExec does with its service binary)."""
    def body(c, x):
        x = c.exchange(x, 184, 252, SMB_NEG, SMB_NEG)
        x = c.exchange(x, 166, 290, SMB_SETUP, SMB_SETUP)
        x = c.exchange(x, 540, 80, SMB_SETUP, SMB_SETUP)
        x = c.exchange(x, 96, 84, SMB_TREE, SMB_TREE)
        if write:
            x = c.send(x + 10 * MS, 0, write, SMB_WRITE)
            x = c.send(x, 1, 84, SMB_WRITE)
        x = c.exchange(x + 200 * MS, 88, 76, SMB_TREE, SMB_TREE)
        c.close(x + 10 * MS, 0)
    _session(atk, t, src, dst, 445, step, body)


def winrm(atk, t, src, dst, step, commands=3):
    """WinRM over HTTP: Negotiate authentication, then shell commands."""
    def body(c, x):
        x = c.exchange(x, 260, 180, WINRM, HTTP_401)
        x = c.exchange(x, 2900, 1500, WINRM, appmod.HTTP_OK, 30 * MS)
        for _ in range(commands):
            x = c.exchange(x + 600 * MS, 1900,
                           2400 + atk.app.rng.randrange(6000),
                           WINRM, appmod.HTTP_OK, 80 * MS)
        c.close(x + 50 * MS, 0)
    _session(atk, t, src, dst, 5985, step, body)


def tls_upload(atk, t, src, dst, step, nbytes, rate, port=443,
               sni="files.example.net"):
    """An HTTPS upload (data staging / exfiltration)."""
    def body(c, x):
        x = c.send(x, 0, 517, appmod.tls_client_hello(sni))
        x = c.send(x + 2 * MS, 1, 3600, appmod.TLS_SERVER_HELLO)
        x = c.send(x, 0, 126, appmod.TLS_FINISH)
        x = c.send(x + 300 * US, 0, nbytes, appmod.TLS_APP)
        x = c.send(x + 40 * MS, 1, 380, appmod.TLS_APP)
        c.close(x, 0)
    _session(atk, t, src, dst, port, step, body, rate=rate)


def pg_dump(atk, t, src, dst, step, nbytes):
    """A large read over the learned api->db edge (data staging)."""
    def body(c, x):
        x = c.exchange(x, 82, 340, appmod.PG_STARTUP, b"R\x00\x00\x00\x08")
        x = c.exchange(x, 64, nbytes, appmod.PG_COPY, appmod.PG_COPY_DATA,
                       30 * MS)
        c.close(x, 0)
    _session(atk, t, src, dst, 5432, step, body, rate=60_000_000)


def syn_flood(atk, t, dst, port, count, rate, sources, src_host=None):
    """SYN flood: from spoofed addresses (sources: list of IPs, the server
    answers SYN-ACKs that nobody acknowledges, syncookies so no
    retransmission) or from one workload with random source ports (then its
    own kernel resets the unexpected SYN-ACKs)."""
    rng = atk.app.rng
    gap = SEC // rate

    def burst(ts, n0, n):
        for i in range(n0, min(n0 + n, count)):
            x = ts + (i - n0) * gap
            src = src_host or atk.app.external(
                sources[rng.randrange(len(sources))], ttl=rng.randrange(40, 60))
            f = atk.flow("tcp", src, dst, port, "syn")
            c = Tcp(atk.cap, f, 300 * US if src.local else 40 * MS, retrans=0)
            if atk.app.outcome(dst.ip, port) == "open":
                if src_host is None:
                    c.syn(x)
                    c.seq[0] += 1
                    c._pkt(x + 80 * US, 1, sim.SYN | sim.ACK,
                           opts=b"\x02\x04\x05\xb4", seq=c.seq[1])
                    f.state = "half-open"
                else:
                    c.scanner_reset(x)
            else:
                c.refused(x)
    per = max(1, rate // 10)  # one event per 100 ms of flood
    for k in range(0, count, per):
        atk.at(t + (k // per) * 100 * MS, burst, k, per)
    return t + count * gap


def retry_loop(atk, t, src, dst, port, count, interval, step="retry"):
    """A client retrying one connection that never works."""
    def go(ts, i):
        f = atk.flow("tcp", src, dst, port, step)
        c = Tcp(atk.cap, f, _rtt(src, dst), retrans=0)
        if atk.app.outcome(dst.ip, port) == "closed":
            c.refused(ts)
        else:
            c.syn(ts, retries=0)
        if i + 1 < count:
            atk.at(ts + interval, go, i + 1)
    atk.at(t, go, 0)


def icmp_probe(atk, t, src, dst, step):
    def go(ts):
        f = atk.flow("icmp", src, dst, 0, step,
                     sport=0x5100 + atk.app.rng.getrandbits(8))
        f.dport = f.sport
        sim.ping(atk.cap, f, ts, answer=atk.app.open_ports(dst.ip) is not None)
    atk.at(t, go)
