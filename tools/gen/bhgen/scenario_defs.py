# SPDX-License-Identifier: GPL-2.0-only
"""The scenario captures: what each one contains and what it should raise.

Each function builds one capture (background + attacks) and declares its
expected alerts; the seeds are fixed per capture. Times are minutes from the
capture start; the first 10 minutes are the learning period (every benign
edge of the application appears in it) and attacks start after it.
"""
from . import attacks as A
from .run import ADMIN_PORTS, Run, failed, reached
from .sim import MS, SEC

SCENARIOS = {}


def scenario(desc):
    def reg(fn):
        SCENARIOS[fn.__name__.replace("_", "-")] = (fn, desc)
        return fn
    return reg


def by_step(atk, *steps):
    return lambda: [f for f in atk.flows if not steps or f.step in steps]


def failed_of(atk, *steps):
    return lambda: [f for f in by_step(atk, *steps)() if failed(f)]


def reached_of(atk, *steps):
    return lambda: [f for f in by_step(atk, *steps)() if reached(f)]


def dst_key(f):
    return f.dst.ip


def port_key(f):
    return f.dport


def pair_key(f):
    return (f.dst.ip, f.dport)


def wl_key(f):
    """Workloads by identity: replicas share one and count once."""
    return f.extra["dst_identity"]


# ---------------------------------------------------------------------------

@scenario("two hours of benign traffic with deploy churn, scaling, cron "
          "jobs, scrapes: zero alerts")
def benign_baseline(name, out, pol):
    r = Run(name, out, pol, seed=101, minutes=120,
            description="Two hours of the shop application with nothing "
            "malicious: customers over IPv4 and IPv6, keep-alive pools, DNS "
            "with search-list expansion, scrapes every 60 s, pings, the "
            "report and backup cron jobs in fresh pods, bastion admin "
            "sessions, web-3 scaled in at 25 min, a rolling update replacing "
            "web-2 by web-4 at 45 min (one failed scrape of the old pod), "
            "api-3 scaled in at 70 min and out at 100 min. Expected: no "
            "alert at all.",
            initial=["dns-1", "monitor-1", "db-1", "cache-1", "api-1",
                     "api-2", "web-1", "web-2", "reports-1", "bastion-1"],
            churn=[(25, "start", "web-3"), (45, "start", "web-4"),
                   (46, "stop", "web-2"), (70, "start", "api-3"),
                   (100, "stop", "api-3")],
            bastion=[(3, ["db-1", "cache-1"]), (82, ["db-1"])],
            sessions_per_min=0.27)
    r.scenario("benign", None, None, None,
               "no attack: every alert on this capture is a false positive")
    return r.finish()


# --- helpers for the attack captures ----------------------------------------

def attack_run(name, out, pol, seed, minutes, description, **profile):
    """Attack captures carry a quieter background than the baseline (the
    same parts, fewer customers) to keep them small."""
    profile.setdefault("sessions_per_min", 0.12)
    profile.setdefault("backup_bytes", 40_000)
    profile.setdefault("bastion", [(3, ["db-1"])])
    return Run(name, out, pol, seed=seed, minutes=minutes,
               description=description, **profile)


def first_contacts(atk, *steps):
    """Failed probes to addresses with no workload: surely first contacts."""
    return lambda: [f for f in failed_of(atk, *steps)()
                    if f.dst.name == "world"]


def tls_touch(atk, t, src, dst, step):
    """A short successful HTTPS connection (a first contact that works)."""
    def go(ts):
        f = atk.flow("tcp", src, dst, 443, step)
        c = A.Tcp(atk.cap, f, 30 * MS)
        x = c.handshake(ts)
        x = c.exchange(x, 517, 3200, A.appmod.tls_client_hello(
            "cdn.payments.example"), A.appmod.TLS_SERVER_HELLO, 2 * MS)
        c.close(x + 200 * MS, 0)
    atk.at(t, go)


def pool_ips(prefix, lo, hi, skip=()):
    return ["%s.%d" % (prefix, i) for i in range(lo, hi + 1) if i not in skip]


# --- horizontal scans -----------------------------------------------------------

@scenario("loud horizontal scan of the pod network from a compromised web "
          "pod (sweep, TRW)")
def sweep_loud(name, out, pol):
    r = attack_run(name, out, pol, 201, 16,
                   "web-2 is compromised (RCE in the storefront) and runs a "
                   "SYN sweep of tcp/80 over 10.0.1.0/24 and 10.0.2.0/24 at "
                   "about 20 probes per second, starting at 12:00. Most "
                   "addresses have no pod and stay silent (one "
                   "retransmission each), the web and api pods reset.")
    a = A.Attack(r, "sweep-loud", "web-2")
    src = r.app.h["web-2"]
    ips = pool_ips("10.0.1", 1, 254) + pool_ips("10.0.2", 1, 254)
    A.sweep(a, src, ips, 80, r.t(12), 50 * MS, jitter=10 * MS)
    r.scenario("sweep-loud", "T1046", "web-2", "loud",
               "SYN sweep of 508 addresses on tcp/80 in ~28 s")
    r.expect("sweep", "T1046", src, "loud", failed_of(a), key=dst_key,
             count=25, window=300)
    r.expect("trw", "T1046", src, "loud", first_contacts(a), trw=True)
    return r.finish()


@scenario("slow horizontal scan, one probe a minute (TRW fires, the sweep "
          "window does not)")
def sweep_slow(name, out, pol):
    r = attack_run(name, out, pol, 202, 56,
                   "api-1 is compromised and connect()-scans tcp/80 on 40 "
                   "addresses of 10.0.3.0/24, one a minute with jitter, from "
                   "12:00 to about 52:00: six destinations per five minutes, "
                   "far under the sweep threshold. Every probe is a failed "
                   "first contact, which the sequential hypothesis test "
                   "accumulates.")
    a = A.Attack(r, "sweep-slow", "api-1")
    src = r.app.h["api-1"]
    A.sweep(a, src, pool_ips("10.0.3", 1, 40), 80, r.t(12), 55 * SEC,
            jitter=10 * SEC, style="connect")
    r.scenario("sweep-slow", "T1046", "api-1", "slow",
               "connect scan of 40 addresses on tcp/80, one per minute")
    r.expect("trw", "T1046", src, "slow", first_contacts(a), trw=True)
    r.expect("sweep", "T1046", src, "slow", failed_of(a), expected="miss",
             why="at most 7 distinct destinations in any 5 minutes, under "
             "the 25-host threshold: slow scans are TRW's job")
    return r.finish()


@scenario("evasion: a sweep slower than the window, hidden among "
          "successful first contacts (known miss)")
def sweep_evasion(name, out, pol):
    r = attack_run(name, out, pol, 203, 50,
                   "api-2 is compromised and probes 14 unused addresses of "
                   "10.0.3.0/24 on tcp/5432, one every 2.5 minutes from 12:00, "
                   "and after every probe opens two successful HTTPS "
                   "connections to addresses of the payment provider it has "
                   "never contacted (allowed by api-to-payments). A known "
                   "miss: the sweep window never sees more than two failures, "
                   "and each failure (likelihood ratio x4) is cancelled by two "
                   "successful first contacts (x0.25 each).")
    a = A.Attack(r, "sweep-evasion", "api-2")
    src = r.app.h["api-2"]
    t = r.t(12)
    for i, ip in enumerate(pool_ips("10.0.3", 41, 54)):
        a.at(t, lambda ts, ip=ip: A.probe(a, ts, src, A.host_of(a, ip), 5432,
                                          "probe", "connect"))
        for k in range(2):
            dst = r.app.external("198.51.100.%d" % (100 + 2 * i + k), 55)
            tls_touch(a, t + (20 + 15 * k) * SEC, src, dst, "cover")
        t += 150 * SEC
    r.scenario("sweep-evasion", "T1046", "api-2", "evasion",
               "14 probes at 2.5-minute intervals, each followed by two "
               "successful first contacts")
    why = ("slower than the 5-minute sweep window and interleaved with "
           "successful first contacts, which keep the TRW likelihood ratio "
           "below its threshold")
    r.expect("sweep", "T1046", src, "evasion", failed_of(a, "probe"),
             expected="miss", why=why)
    r.expect("trw", "T1046", src, "evasion", failed_of(a, "probe"),
             expected="miss", why=why)
    return r.finish()


# --- vertical scans -------------------------------------------------------------

@scenario("loud vertical port scan of the cache pod (port scan, admin-port "
          "probing)")
def portscan_loud(name, out, pol):
    r = attack_run(name, out, pol, 211, 16,
                   "web-1 is compromised and SYN-scans cache-1: ports 1-1024 "
                   "plus the admin ports and a few service ports, in random "
                   "order, about one probe per millisecond, at 12:00. Open "
                   "ports (22, 6379, 9100) answer SYN-ACK and get a reset "
                   "from the scanner; the rest reset.")
    a = A.Attack(r, "portscan-loud", "web-1")
    src, dst = r.app.h["web-1"], r.app.h["cache-1"]
    ports = sorted(set(range(1, 1025)) | set(ADMIN_PORTS) |
                   {6379, 9100, 8080, 9090, 27017, 11211})
    r.app.rng.shuffle(ports)
    A.portscan(a, src, dst, ports, r.t(12), 1 * MS)
    r.scenario("portscan-loud", "T1046", "web-1", "loud",
               "SYN scan of %d ports of cache-1 in about a second"
               % len(ports))
    r.expect("portscan", "T1046", src, "loud", failed_of(a), key=port_key,
             count=15, window=300)
    return r.finish()


@scenario("slow admin-port probing of the database pod, one port a minute")
def portscan_slow(name, out, pol):
    r = attack_run(name, out, pol, 212, 32,
                   "api-2 is compromised and connect()-probes the 13 admin "
                   "ports of db-1, one every 60-90 s from 12:00 (about 16 "
                   "minutes): never more than 5 ports in 5 minutes, but every "
                   "probe is an admin port, and all are denied by "
                   "deny-lateral-admin. sshd on db-1 answers the tcp/22 "
                   "probe.")
    a = A.Attack(r, "portscan-slow", "api-2")
    src, dst = r.app.h["api-2"], r.app.h["db-1"]
    ports = list(ADMIN_PORTS)
    r.app.rng.shuffle(ports)
    A.portscan(a, src, dst, ports, r.t(12), 60 * SEC, jitter=30 * SEC,
               style="connect")
    r.scenario("portscan-slow", "T1046", "api-2", "slow",
               "13 admin ports of db-1 over about 16 minutes")
    r.expect("portscan", "T1046", src, "slow", failed_of(a), key=port_key,
             count=3, window=3600,
             why="admin-port probing: distinct failed admin ports on one "
             "destination (the 15 ports / 5 minutes rule does not fire)")
    return r.finish()


# --- admin protocols between workloads -------------------------------------------

@scenario("SSH, RDP, SMB and WinRM between workloads that never talk that "
          "way (new edge)")
def lateral_admin(name, out, pol):
    r = attack_run(name, out, pol, 221, 21,
                   "api-1 is compromised. At 12:00 it opens an interactive "
                   "SSH session to db-1, at 13:30 an RDP session to the "
                   "Windows reports-1, at 15:00 SMB to reports-1's ADMIN$ "
                   "share with a 250 kB service binary written (PsExec "
                   "style), at 16:30 WinRM with three shell commands. None "
                   "of these identity/port edges occurs in the learning "
                   "period. db-1 is enforced (deny), reports-1 is in audit "
                   "mode (would-deny).")
    a = A.Attack(r, "lateral-admin", "api-1")
    src, db, rep = r.app.h["api-1"], r.app.h["db-1"], r.app.h["reports-1"]
    A.ssh(a, r.t(12), src, db, "ssh", keys=20)
    A.rdp(a, r.t(13.5), src, rep, "rdp", seconds=40)
    A.smb(a, r.t(15), src, rep, "smb", write=250_000)
    A.winrm(a, r.t(16.5), src, rep, "winrm", commands=3)
    r.scenario("lateral-admin", "T1021", "api-1", "loud",
               "four admin protocols towards two workloads within 5 minutes")
    for step, tech in (("ssh", "T1021.004"), ("rdp", "T1021.001"),
                       ("smb", "T1021.002"), ("winrm", "T1021.006")):
        r.expect("new_edge", tech, src, "loud", by_step(a, step))
    return r.finish()


@scenario("one quiet SSH hop (new edge fires) and an exploit over a learned "
          "edge (known miss)")
def lateral_admin_stealthy(name, out, pol):
    r = attack_run(name, out, pol, 222, 35,
                   "Two stealthy moves. At 20:00 api-2 abuses its own "
                   "database connection (api-to-db is allowed and learned): "
                   "COPY ... TO PROGRAM and a 600 kB read, a known miss for "
                   "edge-based detection. At 31:00 cache-1 opens one short "
                   "SSH session to db-1, three commands, nothing else: a new "
                   "edge, which must fire however quiet it is.")
    a = A.Attack(r, "learned-edge-abuse", "api-2")
    A.pg_dump(a, r.t(20), r.app.h["api-2"], r.app.h["db-1"], "copy-program",
              600_000)
    b = A.Attack(r, "quiet-ssh", "cache-1")
    src = r.app.h["cache-1"]
    A.ssh(b, r.t(31), src, r.app.h["db-1"], "ssh", keys=6)
    r.scenario("learned-edge-abuse", "T1210", "api-2", "evasion",
               "exploitation of the database over the allowed api->db edge")
    r.scenario("quiet-ssh", "T1021.004", "cache-1", "slow",
               "a single short SSH session between two data-tier pods")
    r.expect("new_edge", "T1210", r.app.h["api-2"], "evasion",
             by_step(a), expected="miss",
             why="api->db tcp/5432 is a learned edge: the abuse is inside "
             "the allowed conversation, edge detection has nothing new to see")
    r.expect("new_edge", "T1021.004", src, "slow", by_step(b))
    return r.finish()


# --- admin fan-out ------------------------------------------------------------------

@scenario("SSH password spraying from one pod to six workloads in a minute "
          "(admin fan-out)")
def admin_fanout_loud(name, out, pol):
    r = attack_run(name, out, pol, 231, 16,
                   "web-3 is compromised and sprays SSH passwords at 12:00: "
                   "every 8 s a new workload (api-1, api-2, db-1, cache-1, "
                   "dns-1, reports-1). Where sshd runs, three password "
                   "attempts fail and the server disconnects; elsewhere the "
                   "port resets.")
    a = A.Attack(r, "admin-fanout-loud", "web-3")
    src = r.app.h["web-3"]
    for i, n in enumerate(("api-1", "api-2", "db-1", "cache-1", "dns-1",
                           "reports-1")):
        A.ssh(a, r.t(12) + i * 8 * SEC, src, r.app.h[n], "spray",
              auth_ok=False)
    r.scenario("admin-fanout-loud", "T1110.003", "web-3", "loud",
               "SSH password spraying to six workloads in 48 s")
    r.expect("admin_fanout", "T1110.003", src, "loud", reached_of(a),
             key=wl_key, count=3, window=600)
    return r.finish()


@scenario("admin fan-out spread over nine minutes (SSH, SSH, WinRM)")
def admin_fanout_slow(name, out, pol):
    r = attack_run(name, out, pol, 232, 25,
                   "api-1 is compromised and moves carefully: SSH to db-1 at "
                   "12:00, SSH to cache-1 at 16:30, WinRM to reports-1 at "
                   "21:00. Three workloads over admin ports inside one "
                   "10-minute window, none within 4 minutes of another.")
    a = A.Attack(r, "admin-fanout-slow", "api-1")
    src = r.app.h["api-1"]
    A.ssh(a, r.t(12), src, r.app.h["db-1"], "ssh", keys=5)
    A.ssh(a, r.t(16.5), src, r.app.h["cache-1"], "ssh", keys=5)
    A.winrm(a, r.t(21), src, r.app.h["reports-1"], "winrm", commands=1)
    r.scenario("admin-fanout-slow", "T1021", "api-1", "slow",
               "three admin sessions to three workloads, 4.5 minutes apart")
    r.expect("admin_fanout", "T1021", src, "slow", reached_of(a), key=wl_key,
             count=3, window=600)
    for step, tech in (("ssh", "T1021.004"), ("winrm", "T1021.006")):
        r.expect("new_edge", tech, src, "slow", by_step(a, step))
    return r.finish()


# --- pivot chains -------------------------------------------------------------------

def _pivot(name, out, pol, seed, gap_min, variant, minutes, expected, why,
           description):
    r = attack_run(name, out, pol, seed, minutes, description)
    attacker = r.app.external("203.0.113.211", ttl=49)
    web, db = r.app.h["web-1"], r.app.h["db-1"]
    a = A.Attack(r, name, "203.0.113.211")
    A.ssh(a, r.t(12), attacker, web, "hop1", keys=25)
    A.ssh(a, r.t(12 + gap_min), web, db, "hop2", keys=15)
    r.scenario(name, "T1021.004", "203.0.113.211", variant,
               "internet -> web-1:22 (debug sshd), then web-1 -> db-1:22 "
               "%g minutes later" % gap_min)
    r.expect("pivot_chain", "T1021.004", attacker, variant,
             by_step(a, "hop1", "hop2"), expected=expected, why=why,
             key=lambda f: f.step, count=2, window=10 ** 6,
             targets=["web-1 (10.0.1.10)", "db-1 (10.0.3.10)"])
    r.expect("new_edge", "T1021.004", attacker, variant, by_step(a, "hop1"))
    r.expect("new_edge", "T1021.004", web, variant, by_step(a, "hop2"))
    return r.finish()


@scenario("pivot chain attacker -> web -> db over SSH, hops 90 s apart")
def pivot_loud(name, out, pol):
    return _pivot(name, out, pol, 241, 1.5, "loud", 17, "fire", None,
                  "An attacker on the internet (203.0.113.211) logs in to a "
                  "debug sshd left in web-1 at 12:00 (denied by "
                  "deny-admin-from-world) and 90 s later hops from web-1 to "
                  "db-1 over SSH (denied by deny-lateral-admin). One alert "
                  "should name the chain attacker -> web-1 -> db-1.")


@scenario("pivot chain with the second hop 8 minutes later (inside the "
          "window)")
def pivot_slow(name, out, pol):
    return _pivot(name, out, pol, 242, 8, "slow", 24, "fire", None,
                  "The same chain as pivot-loud, with the attacker waiting 8 "
                  "minutes on web-1 before the hop to db-1: well inside the "
                  "30-minute chain window.")


@scenario("evasion: pivot chain with the hops 40 minutes apart (known miss "
          "for the chain, both edges still fire)")
def pivot_evasion(name, out, pol):
    return _pivot(name, out, pol, 243, 40, "evasion", 56, "miss",
                  "the second hop comes 40 minutes after the first, outside "
                  "the 30-minute chain window; each hop is still a new edge",
                  "The same chain, with 40 minutes between the hops. The "
                  "chain is a known miss; the two new edges must fire.")


# --- data staging, exfiltration, tool transfer -----------------------------------------

@scenario("data staged from the database, then uploaded to the internet "
          "(upload-heavy new edge)")
def exfil_staging(name, out, pol):
    r = attack_run(name, out, pol, 251, 19,
                   "api-2 is compromised. At 12:00 it reads 1.1 MB from db-1 "
                   "over its allowed, learned database connection (data "
                   "staging: a known miss for flow-level detection), then at "
                   "14:00 uploads it over HTTPS to 203.0.113.240, an "
                   "internet address the api never talked to (default deny): "
                   "an upload-heavy flow on a new edge.")
    a = A.Attack(r, "exfil-staging", "api-2")
    src = r.app.h["api-2"]
    A.pg_dump(a, r.t(12), src, r.app.h["db-1"], "stage", 1_100_000)
    A.tls_upload(a, r.t(14), src, r.app.external("203.0.113.240", 50),
                 "upload", 1_120_000, 4_000_000)
    r.scenario("exfil-staging", "T1048.002", "api-2", "loud",
               "staging (T1074) over a learned edge, then an HTTPS upload "
               "to the internet")
    r.expect("tool_transfer", "T1570", src, "loud", by_step(a, "upload"),
             at_last=True)
    r.expect("new_edge", "T1210", src, "loud", by_step(a, "upload"))
    r.expect("tool_transfer", "T1074", src, "evasion", by_step(a, "stage"),
             expected="miss",
             why="the staging read is download-heavy and on the learned "
             "api->db edge")
    return r.finish()


@scenario("tool transfer: 1.1 MB scp upload over SSH to the database pod")
def tool_transfer_loud(name, out, pol):
    r = attack_run(name, out, pol, 261, 16,
                   "web-1 is compromised and copies a 1.1 MB tool to db-1 "
                   "with scp at 12:00 (SSH between workloads is denied by "
                   "deny-lateral-admin): upload-heavy, on an admin port, on "
                   "a new edge.")
    a = A.Attack(r, "tool-transfer-loud", "web-1")
    src = r.app.h["web-1"]
    A.ssh(a, r.t(12), src, r.app.h["db-1"], "scp", keys=4, upload=1_100_000,
          rate=30_000_000)
    r.scenario("tool-transfer-loud", "T1570", "web-1", "loud",
               "scp of a 1.1 MB binary to db-1")
    r.expect("tool_transfer", "T1570", src, "loud", by_step(a), at_last=True)
    r.expect("new_edge", "T1021.004", src, "loud", by_step(a))
    return r.finish()


@scenario("tool transfer throttled to 2.3 kB/s over 8 minutes (scp -l)")
def tool_transfer_slow(name, out, pol):
    r = attack_run(name, out, pol, 262, 25,
                   "api-1 is compromised and copies a 1.1 MB tool to "
                   "cache-1 over SSH, rate-limited to about 2.3 kB/s so that "
                   "it lasts 8 minutes, starting at 12:00.")
    a = A.Attack(r, "tool-transfer-slow", "api-1")
    src = r.app.h["api-1"]
    A.ssh(a, r.t(12), src, r.app.h["cache-1"], "scp", keys=3,
          upload=1_100_000, rate=2_300)
    r.scenario("tool-transfer-slow", "T1570", "api-1", "slow",
               "throttled scp upload of 1.1 MB to cache-1")
    r.expect("tool_transfer", "T1570", src, "slow", by_step(a), at_last=True)
    r.expect("new_edge", "T1021.004", src, "slow", by_step(a))
    return r.finish()


@scenario("evasion: upload through the allowed payment-provider edge "
          "(known miss)")
def tool_transfer_evasion(name, out, pol):
    r = attack_run(name, out, pol, 263, 16,
                   "api-1 is compromised and uploads 1.1 MB over HTTPS to "
                   "198.51.100.77, an address in the payment provider's "
                   "range that the api is allowed to reach and reaches every "
                   "day (api-to-payments). A known miss: upload-heavy, but on "
                   "a learned edge and not on an admin port.")
    a = A.Attack(r, "tool-transfer-evasion", "api-1")
    src = r.app.h["api-1"]
    A.tls_upload(a, r.t(12), src, r.app.external("198.51.100.77", 55),
                 "upload", 1_100_000, 3_000_000, sni="api.payments.example")
    r.scenario("tool-transfer-evasion", "T1567", "api-1", "evasion",
               "exfiltration through an allowed partner API")
    r.expect("tool_transfer", "T1570", src, "evasion", by_step(a),
             expected="miss",
             why="the api->payments tcp/443 edge is learned and allowed, "
             "and 443 is not an admin port")
    return r.finish()


# --- deny probing --------------------------------------------------------------------

DENIED_PAIRS = [("web-1", p) for p in (80, 8080, 9100, 3000)] + \
    [("web-2", p) for p in (80, 8080, 9100, 3000)] + \
    [("db-1", p) for p in (6379, 8080, 3306, 27017)] + \
    [("cache-1", p) for p in (5432, 11211, 8080, 9200)] + \
    [("dns-1", p) for p in (8080, 8053, 9153)] + \
    [("monitor-1", p) for p in (9090, 3000, 9093)] + \
    [("reports-1", p) for p in (1433, 9182)] + \
    [("bastion-1", p) for p in (80, 443, 8080)] + \
    [("api-2", p) for p in (5000, 8443, 9229)]


def _retry(r, count, interval, start):
    b = A.Attack(r, "denied-retry", "web-1", label="benign")
    A.retry_loop(b, start, r.app.h["web-1"], r.app.h["api-1"], 8081, count,
                 interval)
    r.scenario("denied-retry", None, "web-1", None,
               "benign: a misconfigured health check retries api-1:8081 "
               "(closed, and denied) %d times, from inside the learning "
               "period; one denied pair retried is not probing, no alert"
               % count)


@scenario("many distinct denied destination/port pairs in 90 s, beside a "
          "benign denied retry loop")
def deny_probing_loud(name, out, pol):
    r = attack_run(name, out, pol, 271, 22,
                   "api-1 is compromised and tries %d destination/port pairs "
                   "that the policy denies, within 90 s from 12:00. In the "
                   "same capture web-1 retries one denied connection "
                   "(api-1:8081) every second from 02:00, 1000 times: that is not "
                   "probing." % len(DENIED_PAIRS))
    _retry(r, 1000, 1 * SEC, r.t(2))
    a = A.Attack(r, "deny-probing-loud", "api-1")
    src = r.app.h["api-1"]
    for i, (n, port) in enumerate(DENIED_PAIRS):
        a.at(r.t(12) + i * 3 * SEC,
             lambda ts, n=n, port=port: A.probe(a, ts, src, r.app.h[n], port,
                                                "probe", "connect"))
    r.scenario("deny-probing-loud", "T1046", "api-1", "loud",
               "%d distinct denied pairs in 90 s" % len(DENIED_PAIRS))
    r.expect("deny_probe", "T1046", src, "loud", failed_of(a),
             key=pair_key, count=10, window=300)
    return r.finish()


@scenario("denied pairs probed one every 90 s for half an hour, beside the "
          "benign retry loop")
def deny_probing_slow(name, out, pol):
    r = attack_run(name, out, pol, 272, 46,
                   "api-2 is compromised and tries 20 denied destination/port "
                   "pairs, one every 90 s from 12:00, against a deny rate of "
                   "zero during learning. web-1's benign retry loop "
                   "(api-1:8081, every 2 s from 02:00, 1000 times) runs alongside.")
    _retry(r, 1000, 2 * SEC, r.t(2))
    a = A.Attack(r, "deny-probing-slow", "api-2")
    src = r.app.h["api-2"]
    pairs = [p for p in DENIED_PAIRS if p[0] != "api-2"][:20]
    for i, (n, port) in enumerate(pairs):
        a.at(r.t(12) + i * 90 * SEC,
             lambda ts, n=n, port=port: A.probe(a, ts, src, r.app.h[n], port,
                                                "probe", "connect"))
    r.scenario("deny-probing-slow", "T1046", "api-2", "slow",
               "20 distinct denied pairs over 30 minutes")
    r.expect("deny_probe", "T1046", src, "slow", failed_of(a),
             key=pair_key, count=10, window=3600)
    return r.finish()


# --- flood -----------------------------------------------------------------------

@scenario("SYN floods: spoofed internet sources at web-1, and a pod flooding "
          "a denied port")
def syn_flood(name, out, pol):
    r = attack_run(name, out, pol, 281, 17,
                   "At 12:00, 800 SYNs in 2 s from spoofed internet "
                   "addresses to web-1:443 (allowed: every one creates "
                   "connection state; web-1 answers with SYN cookies and "
                   "nobody completes). At 14:00 the compromised web-2 floods "
                   "db-1:5432 (denied, default deny) with 400 SYNs from "
                   "random source ports; db-1 answers and web-2's kernel "
                   "resets. No detector of issue 8 is about floods: they are "
                   "data-plane stress (conntrack and deny-map pressure, "
                   "event rate limits) and a false-positive test.")
    a = A.Attack(r, "syn-flood-spoofed", "spoofed")
    spoof = pool_ips("203.0.113", 1, 254)
    A.syn_flood(a, r.t(12), r.app.h["web-1"], 443, 800, 400, spoof)
    b = A.Attack(r, "syn-flood-pod", "web-2")
    A.syn_flood(b, r.t(14), r.app.h["db-1"], 5432, 400, 200, None,
                src_host=r.app.h["web-2"])
    r.scenario("syn-flood-spoofed", "T1499.002", "spoofed", "loud",
               "800 spoofed SYNs to web-1:443 in 2 s")
    r.scenario("syn-flood-pod", "T1499.002", "web-2", "loud",
               "400 SYNs from web-2 to db-1:5432 in 2 s")
    r.expect(None, "T1499.002", SPOOFED, "loud", by_step(a),
             expected="miss", targets=["web-1 (10.0.1.10)"],
             why="no flood detector; every spoofed source sends one SYN, "
             "so no scan detector has a source to accumulate")
    r.expect(None, "T1499.002", r.app.h["web-2"], "loud", by_step(b),
             expected="miss",
             why="one destination/port pair: a flood is not deny probing "
             "or scanning")
    return r.finish()


# --- the README demo ---------------------------------------------------------------

@scenario("the README demo: one of everything on top of the background, "
          "in 32 minutes")
def demo(name, out, pol):
    r = attack_run(name, out, pol, 301, 32,
                   "A compact tour for the README: 10 minutes of learning, "
                   "then web-2 sweeps the pod network (11:00) and port-scans "
                   "cache-1 (12:30); an internet attacker logs in to web-1's "
                   "debug sshd (14:00), hops to db-1 (15:30) and copies a "
                   "1.2 MB tool there (16:30); web-3 sprays SSH passwords at "
                   "four workloads (18:00); api-1 uses RDP, SMB and WinRM "
                   "against the audited reports-1 (20:00); api-2 probes 12 "
                   "denied pairs (22:00), while web-1 has been retrying a "
                   "denied connection since 04:00 (200 times); web-1 uploads 1.2 MB to the "
                   "internet (24:00); spoofed sources SYN-flood web-3 "
                   "(26:00).")
    h = r.app.h
    a = A.Attack(r, "sweep", "web-2")
    A.sweep(a, h["web-2"], pool_ips("10.0.1", 1, 40) + pool_ips("10.0.2", 1, 20),
            80, r.t(11), 150 * MS)
    r.scenario("sweep", "T1046", "web-2", "loud", "SYN sweep of 60 addresses")
    r.expect("sweep", "T1046", h["web-2"], "loud", failed_of(a), key=dst_key,
             count=25, window=300)
    r.expect("trw", "T1046", h["web-2"], "loud", first_contacts(a),
             trw=True)

    b = A.Attack(r, "portscan", "web-2")
    ports = list(range(1, 201)) + [2375, 2379, 3389, 5985, 6379, 6443, 9100,
                                   10250]
    r.app.rng.shuffle(ports)
    A.portscan(b, h["web-2"], h["cache-1"], ports, r.t(12.5), 2 * MS)
    r.scenario("portscan", "T1046", "web-2", "loud",
               "SYN scan of %d ports of cache-1" % len(ports))
    r.expect("portscan", "T1046", h["web-2"], "loud", failed_of(b),
             key=port_key, count=15, window=300)

    attacker = r.app.external("203.0.113.211", ttl=49)
    c = A.Attack(r, "pivot", "203.0.113.211")
    A.ssh(c, r.t(14), attacker, h["web-1"], "hop1", keys=12)
    A.ssh(c, r.t(15.5), h["web-1"], h["db-1"], "hop2", keys=8)
    A.ssh(c, r.t(16.5), h["web-1"], h["db-1"], "scp", keys=2,
          upload=1_200_000, rate=20_000_000)
    r.scenario("pivot", "T1021.004", "203.0.113.211", "loud",
               "internet -> web-1:22 -> db-1:22, then an scp upload")
    r.expect("pivot_chain", "T1021.004", attacker, "loud",
             by_step(c, "hop1", "hop2"), key=lambda f: f.step, count=2,
             window=10 ** 6, targets=["web-1 (10.0.1.10)", "db-1 (10.0.3.10)"])
    r.expect("new_edge", "T1021.004", attacker, "loud", by_step(c, "hop1"))
    r.expect("new_edge", "T1021.004", h["web-1"], "loud", by_step(c, "hop2"))
    r.expect("tool_transfer", "T1570", h["web-1"], "loud", by_step(c, "scp"),
             at_last=True)

    d = A.Attack(r, "spray", "web-3")
    for i, n in enumerate(("api-1", "db-1", "cache-1", "dns-1")):
        A.ssh(d, r.t(18) + i * 10 * SEC, h["web-3"], h[n], "spray",
              auth_ok=False)
    r.scenario("spray", "T1110.003", "web-3", "loud",
               "SSH password spraying to four workloads")
    r.expect("admin_fanout", "T1110.003", h["web-3"], "loud",
             reached_of(d),
             key=wl_key, count=3, window=600)

    e = A.Attack(r, "windows-lateral", "api-1")
    A.rdp(e, r.t(20), h["api-1"], h["reports-1"], "rdp", seconds=20)
    A.smb(e, r.t(20.75), h["api-1"], h["reports-1"], "smb", write=150_000)
    A.winrm(e, r.t(21.5), h["api-1"], h["reports-1"], "winrm", commands=2)
    r.scenario("windows-lateral", "T1021", "api-1", "loud",
               "RDP, SMB and WinRM to reports-1 (audit mode: would-deny)")
    for step, tech in (("rdp", "T1021.001"), ("smb", "T1021.002"),
                       ("winrm", "T1021.006")):
        r.expect("new_edge", tech, h["api-1"], "loud", by_step(e, step))

    f = A.Attack(r, "deny-probing", "api-2")
    for i, (n, port) in enumerate(DENIED_PAIRS[:12]):
        f.at(r.t(22) + i * 4 * SEC,
             lambda ts, n=n, port=port: A.probe(f, ts, h["api-2"], h[n], port,
                                                "probe", "connect"))
    r.scenario("deny-probing", "T1046", "api-2", "loud",
               "12 distinct denied pairs in 48 s")
    r.expect("deny_probe", "T1046", h["api-2"], "loud", failed_of(f),
             key=pair_key, count=10, window=300)
    _retry(r, 200, 4 * SEC, r.t(4))

    g = A.Attack(r, "exfil", "web-1")
    A.tls_upload(g, r.t(24), h["web-1"], r.app.external("203.0.113.240", 50),
                 "upload", 1_200_000, 4_000_000)
    r.scenario("exfil", "T1048.002", "web-1", "loud",
               "1.2 MB HTTPS upload to an internet address")
    r.expect("tool_transfer", "T1570", h["web-1"], "loud", by_step(g),
             at_last=True)
    r.expect("new_edge", "T1210", h["web-1"], "loud", by_step(g))

    k = A.Attack(r, "syn-flood", "spoofed")
    A.syn_flood(k, r.t(26), h["web-3"], 443, 300, 300,
                pool_ips("203.0.113", 1, 254))
    r.scenario("syn-flood", "T1499.002", "spoofed", "loud",
               "300 spoofed SYNs to web-3:443 in 1 s")
    r.expect(None, "T1499.002", SPOOFED, "loud", by_step(k), expected="miss",
             targets=["web-3 (10.0.1.12)"],
             why="no flood detector; one SYN per spoofed source")
    return r.finish()


SPOOFED = {"name": "spoofed", "address": "203.0.113.0/24"}
