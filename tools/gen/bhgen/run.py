# SPDX-License-Identifier: GPL-2.0-only
"""One scenario capture: background + attacks, the pcap and its truth file.

The expected alerts are derived from the generated flows and the detector
parameters in ASSUMPTIONS, which are the detection engine's defaults
(README, "Lateral-movement detection"; issue 8's where it names them): the
time by which an alert should fire is when the evidence crosses the
threshold, plus a slack. A scenario whose traffic does not cross its own
threshold is a generator error.
"""
import json
import os

from . import wire
from .app import App
from .sim import MIN, SEC, US, Capture, Scheduler

SCHEMA = "bulkhead-scenario-truth/1"
BASE = 1709542800 * SEC  # 2024-03-04T09:00:00Z, the start of every capture
SNAPLEN = 128            # headers-only capture, as tcpdump -s 128 writes
MAX_CAPTURE = 1_000_000  # committed captures stay under 1 MB

ADMIN_PORTS = [22, 135, 139, 445, 3389, 5900, 5985, 5986, 2375, 2376, 2379,
               6443, 10250]

ASSUMPTIONS = {
    "learning_s": 600,
    "fire_slack_s": 120,
    "failed": "SYN without SYN-ACK, RST without payload, or a deny / "
              "would-deny verdict",
    "sweep": {"distinct_failed_destinations": 25, "window_s": 300},
    "portscan": {"distinct_failed_ports": 15, "window_s": 300,
                 "admin_ports_failed": 3, "admin_window_s": 3600},
    "trw": {"theta0": 0.8, "theta1": 0.2, "p_detect": 0.99, "p_false": 0.01,
            "retry_grace_s": 30, "pending": 4,
            "rule": "the walk over every first contact of the source since "
                    "the capture began; a failure counts at the source's "
                    "first connection retry_grace later, or when `pending` "
                    "newer failures wait"},
    "new_edge": {"key": "source identity, destination identity, protocol, "
                        "destination port; learned before learning_until; "
                        "answered connections, denied or not"},
    "admin_fanout": {"distinct_workloads": 3, "window_s": 600,
                     "counts": "admin connections that were answered"},
    "tool_transfer": {"min_upload_bytes": 1048576, "min_upload_ratio": 4},
    "pivot_chain": {"window_s": 1800},
    "deny_probe": {"distinct_denied_pairs": 10, "window_s": 300,
                   "slow_window_s": 3600},
    "admin_ports": ADMIN_PORTS,
}

PROFILE = {
    "sessions_per_min": 0.3,
    "reqs": 2,
    "scrape": 60 * SEC,
    "checkout": 0.06,
    "render": 0.03,
    "backup_bytes": 80_000,
    "v6_share": 0.15,
    "initial": ["dns-1", "monitor-1", "db-1", "cache-1", "api-1", "api-2",
                "web-1", "web-2", "web-3", "reports-1", "bastion-1"],
    "churn": [],
    "bastion": [(3, ["db-1", "cache-1"])],
}


def failed(f):
    """Issue 8's definition of a failed connection attempt."""
    if f.verdict in ("deny", "would-deny"):
        return True
    return f.state in ("unanswered", "rejected", "half-open")


def reached(f):
    """The responder answered: the connection took place, whatever the
    policy says (the captures are taken before enforcement)."""
    return f.state not in ("unanswered", "rejected", "half-open")


def crossing(flows, key, count, window):
    """First time at which `count` distinct keys occur within `window`
    (ns) among flows (by first packet), or None."""
    evs = sorted((f.first, f.fid, key(f)) for f in flows)
    lo = 0
    live = {}
    for t, _, k in evs:
        live[k] = live.get(k, 0) + 1
        while evs[lo][0] <= t - window:
            kk = evs[lo][2]
            live[kk] -= 1
            if not live[kk]:
                del live[kk]
            lo += 1
        if len(live) >= count:
            return t
    return None


def attempt_outcome(f):
    """A connection attempt as the scan detectors judge it: "ok", "failed"
    (denied counts as failed, answered or not), or None (unanswered UDP:
    no verdict either way)."""
    if failed(f):
        return "failed"
    if f.proto == "udp" and f.state == "unanswered":
        return None
    return "ok" if f.state != "unanswered" else "failed"


def trw_crossing(flows, src_ip, since):
    """Jung et al.'s sequential test over every first contact of src_ip,
    from the start of the capture (a benign history of successful first
    contacts delays the alert, as it should): each success moves
    ln(theta1/theta0), each failure ln((1-theta1)/(1-theta0)); the walk
    restarts at either threshold. A failure counts at the source's first
    connection at least retry_grace later (a success to the same address
    before then turns it into a success), or when `pending` newer
    failures wait. Returns the first time at or after `since` at which the
    walk reaches ln(P_D/P_F), or None."""
    import math
    p = ASSUMPTIONS["trw"]
    grace = p["retry_grace_s"] * SEC
    up = math.log((1 - p["theta1"]) / (1 - p["theta0"]))
    down = math.log(p["theta1"] / p["theta0"])
    hi = math.log(p["p_detect"] / p["p_false"])
    lo = math.log((1 - p["p_detect"]) / (1 - p["p_false"]))
    llr, seen, pending = 0.0, set(), []
    hit = []

    def step(delta, t):
        nonlocal llr
        llr += delta
        if llr >= hi:
            hit.append(t)
            llr = 0.0
        elif llr <= lo:
            llr = 0.0

    for f in sorted((f for f in flows if f.src.ip == src_ip),
                    key=lambda f: (f.first, f.fid)):
        out, t = attempt_outcome(f), f.first
        for q in list(pending):
            if out == "ok" and q[1] == f.dst.ip:
                pending.remove(q)
                step(down, t)
            elif q[0] + grace <= t:
                pending.remove(q)
                step(up, t)
        if out is None or f.dst.ip in seen:
            continue
        seen.add(f.dst.ip)
        if out == "ok":
            step(down, t)
            continue
        if len(pending) == p["pending"]:
            pending.pop(0)
            step(up, t)
        pending.append((t, f.dst.ip))
    return next((t for t in hit if t >= since), None)


class Run:
    def __init__(self, name, out_dir, policy, seed, minutes, description,
                 **profile):
        self.name = name
        self.path = os.path.join(out_dir, name + ".pcap")
        self.pol = policy
        self.minutes = minutes
        self.description = description
        self.fh = open(self.path, "wb")
        self.writer = wire.PcapWriter(self.fh, wire.LINKTYPE_ETHERNET,
                                      snaplen=SNAPLEN)
        self.cap = Capture(self.writer, seed=seed)
        self.sched = Scheduler(self.cap)
        p = dict(PROFILE)
        p.update(profile)
        p["t0"] = BASE
        self.app = App(self.cap, self.sched, policy, seed, p)
        self.app.run_background()
        self.alerts = []
        self.steps = []

    def t(self, minutes):
        return BASE + int(minutes * MIN)

    def scenario(self, name, technique, actor, variant, description):
        self.steps.append({"name": name, "technique": technique,
                           "actor": actor, "variant": variant,
                           "description": description})

    def expect(self, detector, technique, source, variant, evidence,
               expected="fire", key=None, count=1, window=None, why=None,
               targets=None, at_last=False, trw=False):
        """An expected alert (or a known miss). evidence: a callable giving
        the flows once the capture is generated. The alert should fire
        once `count` distinct key(flow) values occur within `window`
        seconds (at_last: when the last evidence flow ends; trw: when the
        sequential test has counted enough failed first contacts)."""
        self.alerts.append(dict(detector=detector, technique=technique,
                                source=source, variant=variant,
                                evidence=evidence, expected=expected,
                                key=key, count=count, window=window, why=why,
                                targets=targets, at_last=at_last, trw=trw))

    # -- output ------------------------------------------------------------------
    def finish(self):
        self.sched.run(self.t(self.minutes))
        self.cap.flush()
        self.fh.close()
        size = os.path.getsize(self.path)
        if size > MAX_CAPTURE:
            raise SystemExit("%s: %d bytes, over the 1 MB budget"
                             % (self.path, size))
        flows = [f for f in self.cap.flows if f.first is not None]
        flows.sort(key=lambda f: (f.first, f.fid))
        for f in flows:
            proto = {"tcp": 6, "udp": 17}.get(f.proto, 58 if f.v6 else 1)
            f.extra = self.pol.decide(f.src.ip, f.dst.ip, proto, f.dport)
            f.verdict = f.extra["verdict"]
        ids = {f.fid: i for i, f in enumerate(flows)}
        alerts = [self._alert(a, ids, flows) for a in self.alerts]
        truth = self._truth(flows, ids, alerts)
        write_truth(self.path[:-5] + ".truth.json", truth)
        return truth

    def _alert(self, a, ids, flows):
        ev = sorted(a["evidence"](), key=lambda f: (f.first, f.fid))
        if not ev:
            raise SystemExit("%s: alert %s has no evidence flows"
                             % (self.name, a["detector"]))
        src = a["source"]
        targets = a["targets"]
        if targets is None:
            seen = []
            for f in ev:
                n = "%s (%s)" % (f.dst.name, f.dst.ip)
                if n not in seen:
                    seen.append(n)
            targets = seen
        out = {
            "detector": a["detector"],
            "technique": a["technique"],
            "source": src if isinstance(src, dict) else
            {"name": src.name, "address": src.ip},
            "targets": targets,
            "variant": a["variant"],
            "expected": a["expected"],
            "evidence": [ids[f.fid] for f in ev],
            "first_evidence_us": ev[0].first // US,
            "last_evidence_us": max(f.last for f in ev) // US,
        }
        if a["expected"] == "fire":
            if a["at_last"]:
                t = max(f.last for f in ev)
            elif a["trw"]:
                t = trw_crossing(flows, out["source"]["address"],
                                 ev[0].first)
            else:
                key = a["key"] or (lambda f: f.fid)
                window = (a["window"] or 10 ** 7) * SEC
                t = crossing(ev, key, a["count"], window)
            if t is None:
                raise SystemExit("%s: %s evidence never crosses its threshold"
                                 % (self.name, a["detector"]))
            out["threshold_us"] = t // US
            out["fire_by_us"] = (t + ASSUMPTIONS["fire_slack_s"] * SEC) // US
        if a["why"]:
            out["why"] = a["why"]
        return out

    def _truth(self, flows, ids, alerts):
        last = self.cap.last_ts
        end_need = max([a.get("fire_by_us", 0) for a in alerts] + [0])
        if end_need * US > last:
            raise SystemExit("%s: an alert is due after the capture ends"
                             % self.name)
        return {
            "schema": SCHEMA,
            "capture": os.path.basename(self.path),
            "description": self.description,
            "generator": "tools/gen/scenarios.py",
            "policy": "config/demo-policy.yaml",
            "link_type": "ethernet",
            "snaplen": SNAPLEN,
            "ts_resolution": "us",
            "start_us": self.cap.first_ts // US,
            "end_us": last // US,
            "learning_until_us": (BASE + ASSUMPTIONS["learning_s"] * SEC) // US,
            "counts": {
                "packets": self.writer.packets,
                "non_ip_packets": self.cap.non_ip,
                "bytes": self.writer.bytes_orig,
                "flows": len(flows),
                "attack_flows": sum(f.label == "attack" for f in flows),
                "verdicts": _count(f.verdict for f in flows),
            },
            "assumptions": ASSUMPTIONS,
            "identities": identities(flows),
            "scenarios": self.steps,
            "alerts": alerts,
            "flows": [flow_json(f, ids) for f in flows],
        }


def identities(flows):
    """Name (workload, external group, world) -> identity key, for the
    names flows use."""
    out = {}
    for f in flows:
        out[f.src.name] = f.extra["src_identity"]
        out[f.dst.name] = f.extra["dst_identity"]
    return dict(sorted(out.items()))


def _count(items):
    out = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return dict(sorted(out.items()))


def flow_json(f, ids):
    x = f.extra
    return {
        "id": ids[f.fid], "proto": f.proto,
        "src": f.src.ip, "sport": f.sport, "dst": f.dst.ip, "dport": f.dport,
        "first_us": f.first // US, "last_us": f.last // US,
        "initiator": "src",
        "src_name": f.src.name, "dst_name": f.dst.name,
        "packets": f.packets, "bytes": f.bytes, "state": f.state,
        "label": f.label, "scenario": f.scenario, "step": f.step,
        "verdict": x["verdict"], "reason": x["reason"], "rule": x["rule"],
        "mode": x["mode"],
    }


def write_truth(path, truth):
    """JSON with one flow per line: diffable, and still one document."""
    flows = truth.pop("flows")
    head = json.dumps(truth, indent=1, sort_keys=False)
    lines = [json.dumps(f, separators=(",", ":")) for f in flows]
    with open(path, "w") as fh:
        fh.write(head[:-2] + ',\n "flows": [\n  ')
        fh.write(",\n  ".join(lines))
        fh.write("\n ]\n}\n")
    truth["flows"] = flows
