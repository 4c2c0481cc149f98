# SPDX-License-Identifier: GPL-2.0-only
"""The "shop" application and its benign traffic.

Workload names and addresses come from config/demo-policy.yaml. Services
are headless (or load-balanced at the socket), so packets carry workload
addresses, as an XDP program on a pod's veth sees them.

Benign traffic, each part rescheduling itself on the simulation clock:
- customers (IPv4 and IPv6 internet, corporate users) open HTTPS sessions
  to the web replicas; every request fans out to cache, api, db;
- keep-alive connection pools (web->api, web->cache, api->db, api->cache)
  that close when idle and reconnect with a DNS lookup;
- DNS: A+AAAA lookups from the pods to dns-1, cluster names answered
  locally, external names through the search list (ndots:5) and forwarded
  to the corporate resolvers when the cache expires;
- the monitoring agent scraping every workload's metrics port on a fixed
  interval and pinging the DNS and database pods;
- cron jobs: report-job (every 10 minutes) and backup-job (every 30) in
  fresh pods with fresh addresses;
- checkouts calling the payment provider; report rendering on the Windows
  reports service;
- administrators coming through the bastion;
- deploy churn: scale-ups, scale-downs and a rolling update, with a
  failed scrape of the pod that went away.
"""
import ipaddress
import random
import struct

from . import sim, wire
from .sim import MIN, MS, SEC, US, Host, Tcp

CLUSTER = "svc.cluster.local"
GATEWAY_IP = "10.0.0.1"

# Listening TCP ports per workload kind (the prefix of the workload name).
OPEN_PORTS = {
    "web": {443, 9090},
    "api": {8080, 9090, 22},
    "db": {5432, 9100, 22},
    "cache": {6379, 9100, 22},
    "dns": {53, 9100},
    "monitor": {9090},
    "reports": {135, 139, 445, 3389, 5985, 8080, 9182},
    "bastion": {22},
}
# A developer left a debug sshd in web-1's image: the pivot scenarios' way in.
EXTRA_OPEN = {"web-1": {22}}

SCRAPE_PORT = {"web": 9090, "api": 9090, "db": 9100, "cache": 9100,
               "dns": 9100}

NAMES = {  # DNS names of the services
    "api": "api.shop." + CLUSTER,
    "cache": "cache.shop." + CLUSTER,
    "db": "db.shop." + CLUSTER,
    "reports": "reports.shop." + CLUSTER,
    "payments": "api.payments.example",
    "storage": "storage.corp.example",
}

CORP_RESOLVER = "192.0.2.53"
CORP_STORAGE = "192.0.2.80"
CORP_ADMIN = "192.0.2.44"
PAYMENTS = ["198.51.100.20", "198.51.100.21"]


def kind(name):
    return name.split("-")[0]


# Payload heads of the protocols, so that a capture reads like one.
def tls_client_hello(sni):
    body = b"\x03\x03" + bytes(32) + b"\x20" + bytes(32)
    ext = struct.pack("!HHHBH", 0, len(sni) + 5, len(sni) + 3, 0, len(sni))
    ext += sni.encode()
    hs = b"\x01" + struct.pack("!I", len(body) + len(ext) + 2)[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", 512) + hs + ext


TLS_SERVER_HELLO = b"\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03"
TLS_APP = b"\x17\x03\x03"
TLS_FINISH = b"\x14\x03\x03\x00\x01\x01\x16\x03\x03\x00\x28"


def http_get(path, host):
    return ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Prometheus/2.45.0\r\n"
            "Accept-Encoding: gzip\r\n\r\n" % (path, host)).encode()


def http_req(method, path, host):
    return ("%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
            "\r\n" % (method, path, host)).encode()


HTTP_OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
HTTP_METRICS = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n" \
    b"Content-Type: text/plain; version=0.0.4\r\n"
PG_STARTUP = b"\x00\x00\x00\x52\x00\x03\x00\x00user\x00app\x00database\x00shop\x00"
PG_QUERY = b"Q\x00\x00\x00\x80SELECT "
PG_ROWS = b"T\x00\x00\x00\x60\x00\x04"
PG_COPY = b"Q\x00\x00\x00\x40COPY orders TO STDOUT"
PG_COPY_DATA = b"H\x00\x00\x00\x0d\x00\x00\x08d\x00\x00\x05\xdc"
REDIS_GET = b"*2\r\n$3\r\nGET\r\n$24\r\nsession:"
REDIS_SET = b"*3\r\n$3\r\nSET\r\n$24\r\nsession:"
REDIS_BULK = b"$180\r\n{\"user\":"
SSH_CLIENT = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n"
SSH_SERVER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n"
SSH_KEX = b"\x00\x00\x05\xdc\x08\x14"
SCP_CMD = b"\x00\x00\x00\x2c\x06\x5e"


class Pool:
    """Keep-alive connections from a client pod to one server, as HTTP and
    database client pools keep them: a request takes an idle connection or
    opens a new one (with a DNS lookup first); the client closes a
    connection left idle for `idle`."""

    def __init__(self, app, client, server, port, idle, dns_name=None,
                 rtt=150 * US):
        self.app = app
        self.client = client
        self.server = server
        self.port = port
        self.idle = idle
        self.dns_name = dns_name
        self.rtt = rtt
        self.conns = []

    def acquire(self, t):
        """An idle connection and the time it is ready to carry a request."""
        self.conns = [c for c in self.conns if c.open]
        for c in self.conns:
            if c.busy <= t:
                return c, t
        if self.dns_name:
            t = self.app.lookup(t, self.client, self.dns_name)
        cap = self.app.cap
        f = cap.new_flow("tcp", self.client, self.server, self.port)
        c = Tcp(cap, f, self.rtt)
        t = c.handshake(t)
        if self.port == 5432:  # postgres startup and authentication
            t = c.exchange(t, 82, 340, PG_STARTUP, b"R\x00\x00\x00\x08")
        self.conns.append(c)
        return c, t

    def request(self, t, req, resp, req_head=b"", resp_head=b"",
                server_time=1 * MS, conn=None):
        if conn is None:
            conn, t = self.acquire(t)
        t = conn.exchange(t, req, resp, req_head, resp_head, server_time)
        conn.last_use = t
        self.app.sched.at(t + self.idle, self.idle_check, conn, t)
        return t

    def idle_check(self, now, conn, last):
        if conn.open and conn.last_use == last:
            conn.close(now, 0)

    def shutdown(self, t, by_server=False):
        for c in self.conns:
            if c.open:
                c.close(max(t, c.busy), 1 if by_server else 0)
        self.conns = []


class App:
    def __init__(self, cap, sched, policy, seed, profile):
        self.cap = cap
        self.sched = sched
        self.pol = policy
        self.rng = random.Random(seed)
        self.p = profile
        self.h = {}    # workload name -> Host (IPv4)
        self.h6 = {}   # workload name -> Host (IPv6), where it has one
        for name in policy.workloads:
            for a in policy.addresses(name):
                host = Host(a, name, True,
                            ttl=128 if kind(name) == "reports" else 64)
                (self.h6 if wire.is_v6(a) else self.h)[name] = host
        self.up = set()        # names of running workloads
        self.pools = {}        # (client name, server name, port) -> Pool
        self.scrape = {}       # target name -> Pool
        self.dns_cache = {}    # name -> expiry
        self.ext = {}          # external address -> Host
        self.web_rr = 0
        self.job_seq = {"report-job": 0, "backup-job": 0}
        self.gone = []         # (time, name) of pods that went away
        self.end = 0

    # -- hosts -----------------------------------------------------------------
    def external(self, ip, ttl=52):
        h = self.ext.get(ip)
        if h is None:
            ident = self.pol.identify(ip)
            h = Host(ip, ident.name, False, ttl=ttl)
            self.ext[ip] = h
        return h

    def running(self, k):
        return sorted(n for n in self.up if kind(n) == k)

    def open_ports(self, ip):
        """TCP ports open at ip now (None if nothing answers there)."""
        for name in self.up:
            for hh in (self.h.get(name), self.h6.get(name)):
                if hh is not None and hh.ip == ip:
                    return OPEN_PORTS.get(kind(name), set()) | \
                        EXTRA_OPEN.get(name, set())
        return None

    def outcome(self, ip, port):
        ports = self.open_ports(ip)
        if ports is None:
            return "dead"
        return "open" if port in ports else "closed"

    # -- DNS -------------------------------------------------------------------
    def dns_answers(self, name):
        for k, n in NAMES.items():
            if n == name:
                if k == "payments":
                    return PAYMENTS, [], 60
                if k == "storage":
                    return [CORP_STORAGE], [], 300
                return [self.h[x].ip for x in self.running(k)], [], 5
        return [], [], 30

    def lookup(self, t, client, name):
        """glibc-style A+AAAA lookup on one socket; names outside the
        cluster go through the search list first (ndots:5). Returns the
        time the answer is in."""
        dns = self.h["dns-1"]
        cap = self.cap
        tries = [name]
        if not name.endswith(CLUSTER):
            ns = "shop." + CLUSTER
            tries = [name + "." + s for s in (ns, CLUSTER, "cluster.local")]
            tries.append(name)
        for q in tries:
            f = cap.new_flow("udp", client, dns, 53)
            a4, a6, ttl = self.dns_answers(q)
            rcode = 3 if q != name else 0  # NXDOMAIN for the search list
            delay = 120 * US
            if rcode == 0 and not q.endswith(CLUSTER):
                exp = self.dns_cache.get(q, 0)
                if t >= exp:  # forwarded upstream
                    delay = self.forward(t + 60 * US, q, a4, ttl)
                    self.dns_cache[q] = t + ttl * SEC
            for qtype, ans in ((1, a4), (28, a6)):
                qid = self.rng.getrandbits(16)
                req = wire.dns_query(qid, q, qtype)
                resp = wire.dns_answer(qid, q, qtype, [] if rcode else ans, ttl,
                                       rcode=rcode,
                                       aa=q.endswith(CLUSTER))
                sim.udp_exchange(cap, f, t, req, resp, rtt=delay)
                t += 25 * US
            t += delay
        return t + 50 * US

    def forward(self, t, name, answers, ttl):
        """dns-1 asks the corporate resolver; returns the added delay."""
        cap = self.cap
        up = self.external(CORP_RESOLVER, ttl=62)
        f = cap.new_flow("udp", self.h["dns-1"], up, 53)
        qid = self.rng.getrandbits(16)
        rtt = (4 + self.rng.randrange(8)) * MS
        sim.udp_exchange(cap, f, t, wire.dns_query(qid, name, 1),
                         wire.dns_answer(qid, name, 1, answers, ttl), rtt=rtt)
        return rtt + 200 * US

    # -- pods --------------------------------------------------------------------
    def pool(self, client, server, port, idle, dns_kind=None):
        key = (client, server, port)
        p = self.pools.get(key)
        if p is None:
            p = Pool(self, self.h[client], self.h[server], port, idle,
                     NAMES.get(dns_kind) if dns_kind else None)
            self.pools[key] = p
        return p

    def start_pod(self, t, name):
        self.up.add(name)
        sim.arp_exchange(self.cap, t, self.h[name], GATEWAY_IP)

    def stop_pod(self, t, name):
        """Graceful shutdown: the pod closes its connections."""
        self.up.discard(name)
        for (c, s, _), p in sorted(self.pools.items()):
            if c == name:
                p.shutdown(t)
            elif s == name:
                p.shutdown(t, by_server=True)
        sp = self.scrape.pop(name, None)
        if sp is not None:
            sp.shutdown(t, by_server=True)
            self.gone.append((t, name))

    def schedule_churn(self, events):
        for minute, what, name in events:
            fn = self.start_pod if what == "start" else self.stop_pod
            self.sched.at(self.p["t0"] + int(minute * MIN), fn, name)

    # -- customer sessions ---------------------------------------------------------
    def client_host(self):
        r = self.rng.random()
        if r < self.p.get("v6_share", 0.15):
            ip = "2001:db8:beef:%x::%x" % (self.rng.randrange(1, 4096),
                                           self.rng.randrange(1, 65535))
            return self.external(ip, ttl=self.rng.choice((54, 57, 118)))
        if r < 0.3:
            return self.external("192.0.2.%d" % self.rng.randrange(100, 160),
                                 ttl=62)
        return self.external("203.0.113.%d" % self.rng.randrange(1, 150),
                             ttl=self.rng.choice((47, 52, 113, 116)))

    def session(self, t, client=None):
        webs = self.running("web")
        if not webs:
            return
        self.web_rr += 1
        web = webs[self.web_rr % len(webs)]
        client = client or self.client_host()
        server = self.h6[web] if client.v6 else self.h[web]
        cap = self.cap
        f = cap.new_flow("tcp", client, server, 443)
        rtt = (15 + self.rng.randrange(80)) * MS
        c = Tcp(cap, f, rtt, rate=2_000_000)
        t = c.handshake(t)
        t = c.send(t, 0, 517, tls_client_hello("shop.example"))
        # half of the customers come back and resume their TLS session
        hello = 160 if self.rng.random() < self.p.get("resume", 0.5) else \
            3900 + self.rng.randrange(800)
        t = c.send(t + 1 * MS, 1, hello, TLS_SERVER_HELLO)
        t = c.send(t, 0, 126, TLS_FINISH)
        t = c.send(t + 200 * US, 1, 51, TLS_FINISH)
        for i in range(1 + int(self.rng.random() * self.p.get("reqs", 2))):
            t = c.send(t + self.rng.randrange(300, 4000) * MS, 0,
                       300 + self.rng.randrange(500), TLS_APP)
            if self.rng.random() < self.p.get("backend", 1.0):
                t = self.backend(t, web, i == 0)  # else a static asset
            t = c.send(t, 1, 800 + int(self.rng.expovariate(
                1 / self.p.get("resp_mean", 9000))), TLS_APP)
        linger = t + self.rng.randrange(2000, 15000) * MS
        if self.rng.random() < 0.1:
            c.reset(linger, 0)  # browsers often end TLS with a reset
        else:
            c.close(linger, self.rng.choice((0, 1)))
        self.end = max(self.end, c.busy)

    def backend(self, t, web, first):
        """What one customer request costs inside the cluster: the session
        lookup (first request of a session), the API call and its work."""
        rng = self.rng
        if first:
            p = self.pool(web, "cache-1", 6379, 300 * SEC, "cache")
            t = p.request(t, 60, 190, REDIS_GET, REDIS_BULK, 80 * US)
        apis = self.running("api")
        api = apis[rng.randrange(len(apis))]
        p = self.pool(web, api, 8080, 90 * SEC, "api")
        conn, t0 = p.acquire(t)
        ta = self.api_work(t0 + 200 * US, api)
        return p.request(t0, 350 + rng.randrange(400),
                         600 + rng.randrange(6000),
                         http_req("POST", "/v1/cart", "api"), HTTP_OK,
                         server_time=ta - t0, conn=conn)

    def api_work(self, t, api):
        rng = self.rng
        if rng.random() < 0.6:  # cache hit
            p = self.pool(api, "cache-1", 6379, 600 * SEC, "cache")
            t = p.request(t, 60, 190, REDIS_GET, REDIS_BULK, 80 * US)
        else:
            p = self.pool(api, "db-1", 5432, 1800 * SEC, "db")
            t = p.request(t, 120 + rng.randrange(200),
                          200 + rng.randrange(3000), PG_QUERY, PG_ROWS, 2 * MS)
        if rng.random() < self.p.get("checkout", 0.06):
            t = self.payment(t, api)
        if rng.random() < self.p.get("render", 0.03):
            t = self.render(t, api)
        return t

    def render(self, t, api):
        """The API has the Windows service render a PDF report."""
        if "reports-1" not in self.up:
            return t
        p = self.pool(api, "reports-1", 8080, 30 * SEC, "reports")
        return p.request(t, 900, 14000, http_req("POST", "/render", "reports"),
                         HTTP_OK, 40 * MS)

    def payment(self, t, api):
        t = self.lookup(t, self.h[api], NAMES["payments"])
        dst = self.external(PAYMENTS[self.rng.randrange(2)], ttl=55)
        f = self.cap.new_flow("tcp", self.h[api], dst, 443)
        c = Tcp(self.cap, f, 28 * MS)
        t = c.handshake(t)
        t = c.send(t, 0, 517, tls_client_hello(NAMES["payments"]))
        t = c.send(t + 2 * MS, 1, 4200, TLS_SERVER_HELLO)
        t = c.send(t, 0, 126, TLS_FINISH)
        t = c.send(t, 1, 51, TLS_FINISH)
        t = c.exchange(t, 700, 420, TLS_APP, TLS_APP, 120 * MS)
        return c.close(t, 0)

    def clients(self, t):
        """Poisson arrivals of customer sessions."""
        self.session(t)
        rate = self.p["sessions_per_min"]
        gap = int(self.rng.expovariate(rate / 60.0) * SEC)
        self.sched.at(t + max(gap, 50 * MS), self.clients)

    # -- monitoring --------------------------------------------------------------
    def scrape_all(self, t):
        """Two scrape jobs: the applications' own metrics (:9090) every
        interval, the exporter sidecars (:9100) every second interval."""
        mon = self.h["monitor-1"]
        i = 0
        self.scrape_round = getattr(self, "scrape_round", -1) + 1
        for name in sorted(self.up):
            port = SCRAPE_PORT.get(kind(name))
            if port is None or (port == 9100 and self.scrape_round % 2):
                continue
            p = self.scrape.get(name)
            if p is None:
                p = Pool(self, mon, self.h[name], port, 3600 * SEC)
                self.scrape[name] = p
            ts = t + i * 7 * MS
            p.request(ts, 230, 700 + self.rng.randrange(1400),
                      http_get("/metrics", self.h[name].ip),
                      HTTP_METRICS, 3 * MS)
            i += 1
        # Prometheus still tries a target that went away until service
        # discovery catches up: one unanswered connection attempt.
        for when, name in self.gone:
            if t - when < self.p["scrape"] and t > when:
                port = SCRAPE_PORT.get(kind(name))
                f = self.cap.new_flow("tcp", mon, self.h[name], port)
                Tcp(self.cap, f, 150 * US).syn(t + i * 7 * MS, retries=1)
        self.sched.at(t + self.p["scrape"], self.scrape_all)

    def blackbox(self, t):
        mon = self.h["monitor-1"]
        for k, name in enumerate(("dns-1", "db-1")):
            f = self.cap.new_flow("icmp", mon, self.h[name], 0,
                                  sport=0x2a00 + self.rng.getrandbits(8))
            f.dport = f.sport
            sim.ping(self.cap, f, t + k * MS, count=1)
        self.sched.at(t + 2 * MIN, self.blackbox)

    # -- cron jobs ---------------------------------------------------------------
    def job_pod(self, t, job):
        """A fresh pod for a CronJob run, from the job's address range."""
        net = ipaddress.ip_network(self.pol.cidr(job)[0])
        n = self.job_seq[job]
        self.job_seq[job] += 1
        ip = str(net.network_address + 2 + n % (net.num_addresses - 3))
        host = Host(ip, job, True)
        sim.arp_exchange(self.cap, t, host, GATEWAY_IP)
        return host

    def report_job(self, t):
        host = self.job_pod(t, "report-job")
        t = self.lookup(t + 300 * MS, host, NAMES["db"])
        p = Pool(self, host, self.h["db-1"], 5432, 60 * SEC)
        for _ in range(3):
            t = p.request(t + 5 * MS, 200, 2000 + self.rng.randrange(9000),
                          PG_QUERY, PG_ROWS, 30 * MS)
        p.shutdown(t + 2 * MS)
        apis = self.running("api")
        t = self.lookup(t + 10 * MS, host, NAMES["api"])
        p = Pool(self, host, self.h[apis[0]], 8080, 60 * SEC)
        t = p.request(t, 2400, 180, http_req("POST", "/v1/reports", "api"),
                      HTTP_OK, 15 * MS)
        p.shutdown(t + 1 * MS)
        self.sched.at(self.next_slot(t, 10, 2), self.report_job)

    def next_slot(self, t, every_min, at_min):
        """The next time t0 + at_min + k * every_min after t."""
        rel = t - self.p["t0"] - at_min * MIN
        k = rel // (every_min * MIN) + 1
        return self.p["t0"] + at_min * MIN + k * every_min * MIN + \
            self.rng.randrange(0, 900) * MS

    def backup_job(self, t):
        host = self.job_pod(t, "backup-job")
        size = self.p.get("backup_bytes", 160_000) + self.rng.randrange(20000)
        t = self.lookup(t + 400 * MS, host, NAMES["db"])
        f = self.cap.new_flow("tcp", host, self.h["db-1"], 5432)
        c = Tcp(self.cap, f, 150 * US, rate=40_000_000)
        t = c.handshake(t)
        t = c.exchange(t, 82, 340, PG_STARTUP, b"R\x00\x00\x00\x08")
        t = c.exchange(t, 64, size, PG_COPY, PG_COPY_DATA, 20 * MS)
        t = c.close(t, 0)
        t = self.lookup(t + 20 * MS, host, NAMES["storage"])
        f = self.cap.new_flow("tcp", host, self.external(CORP_STORAGE, 61),
                              443)
        c = Tcp(self.cap, f, 3 * MS, rate=12_000_000)
        t = c.handshake(t)
        t = c.send(t, 0, 517, tls_client_hello(NAMES["storage"]))
        t = c.send(t, 1, 3100, TLS_SERVER_HELLO)
        t = c.send(t, 0, 126, TLS_FINISH)
        t = c.send(t + 300 * US, 0, size // 3 + 700, TLS_APP)  # compressed
        t = c.send(t + 30 * MS, 1, 420, TLS_APP)
        c.close(t, 0)
        self.sched.at(self.next_slot(t, 30, 5), self.backup_job)

    # -- administration ------------------------------------------------------------
    def admin_session(self, t, src, dst, keys):
        f = self.cap.new_flow("tcp", src, dst, 22)
        return ssh_session(self.cap, f, t, self.rng, keys=keys,
                           rtt=3 * MS if not src.local else 200 * US)

    def bastion_visit(self, t, targets):
        admin = self.external(CORP_ADMIN, ttl=62)
        bastion = self.h["bastion-1"]
        f = self.cap.new_flow("tcp", admin, bastion, 22)
        c = ssh_open(self.cap, f, t, 3 * MS)
        tt = c.busy + 2 * SEC
        for name in targets:
            tt = self.admin_session(tt, bastion, self.h[name], 12) + 3 * SEC
        ssh_typing(c, tt, self.rng, 8)
        c.close(c.busy + 1 * SEC, 0)

    # -- the whole background ------------------------------------------------------
    def run_background(self):
        t0 = self.p["t0"]
        s = self.sched
        for name in self.p["initial"]:
            s.at(t0 + self.rng.randrange(0, 400) * MS, self.start_pod, name)
        self.schedule_churn(self.p.get("churn", []))
        s.at(t0 + 5 * SEC, self.clients)
        s.at(t0 + 15 * SEC, self.scrape_all)
        s.at(t0 + 20 * SEC, self.blackbox)
        # Rare calls happen at least once while detectors learn.
        s.at(t0 + 30 * SEC, self.session, self.external("192.0.2.120", 62))
        s.at(t0 + 40 * SEC, self.session,
             self.external("2001:db8:beef:1::5", 57))
        s.at(t0 + 60 * SEC, lambda t: self.payment(t, "api-1"))
        s.at(t0 + 90 * SEC, self.render, "api-2")
        s.at(t0 + 2 * MIN, self.report_job)
        s.at(t0 + 5 * MIN, self.backup_job)
        for minute, targets in self.p.get("bastion", [(3, ["db-1", "cache-1"])]):
            s.at(t0 + int(minute * MIN), self.bastion_visit, targets)


# ---------------------------------------------------------------------------
# Interactive protocols, shared with the attack scenarios.

def ssh_open(cap, flow, t, rtt, auth_ok=True):
    """SSH banner, key exchange and authentication."""
    c = Tcp(cap, flow, rtt)
    t = c.handshake(t)
    t = c.send(t + 2 * MS, 1, len(SSH_SERVER), SSH_SERVER)
    t = c.send(t, 0, len(SSH_CLIENT), SSH_CLIENT)
    t = c.send(t, 0, 1568, SSH_KEX)
    t = c.send(t, 1, 1080, SSH_KEX)
    t = c.send(t, 0, 1208, b"\x00\x00\x04\xb4\x08\x1e")
    t = c.send(t + 3 * MS, 1, 1420, b"\x00\x00\x05\x84\x0a\x1f")
    t = c.send(t, 0, 52, b"\x00\x00\x00\x0c\x0a\x15")
    t = c.send(t, 0, 68, b"\x00\x00\x00\x14")
    t = c.send(t, 1, 68, b"\x00\x00\x00\x14")
    t = c.send(t + 40 * MS, 0, 600, b"\x00\x00\x02\x4c")  # publickey auth
    t = c.send(t + 5 * MS, 1, 52 if auth_ok else 84, b"\x00\x00\x00\x1c")
    return c


def ssh_typing(c, t, rng, keys):
    """Interactive use: a keystroke, its echo, an ACK; then output."""
    for i in range(keys):
        t += rng.randrange(120, 600) * MS
        c.send(t, 0, 36)
        t = c.send(t + c.rtt, 1, 36)
        if i % 4 == 3:
            t = c.send(t + 20 * MS, 1, 200 + rng.randrange(2600))
    return t


def ssh_session(cap, flow, t, rng, keys=10, rtt=200 * US, upload=0,
                download=0, rate=None, auth_ok=True):
    c = ssh_open(cap, flow, t, rtt, auth_ok)
    if rate:
        c.gap = int(c.mss * SEC / rate)
    t = c.busy
    if not auth_ok:
        for _ in range(2):
            t = c.send(t + 1 * SEC, 0, 116, b"\x00\x00\x00\x6c")
            t = c.send(t + 5 * MS, 1, 84, b"\x00\x00\x00\x1c")
        return c.close(t + 10 * MS, 1)
    t = ssh_typing(c, t, rng, keys)
    if upload:
        t = c.send(t + 300 * MS, 0, 120, SCP_CMD)
        t = c.send(t + c.rtt, 1, 36)
        t = c.send(t, 0, upload)
        t = c.send(t, 1, 52)
    if download:
        t = c.send(t + 300 * MS, 0, 120, SCP_CMD)
        t = c.send(t + c.rtt, 1, download)
    return c.close(t + 500 * MS, 0)
