# SPDX-License-Identifier: GPL-2.0-only
"""The benchmark capture: the scenario application at a much higher
customer rate, streamed to disk until it holds the requested number of
packets (2,000,000 by default, about 100,000 flows).

Flows per packet follow from the shape of a customer session: short
responses (resp_mean) and few backend calls per request (backend) make
sessions of about 20 packets, so 2,000,000 packets hold about 100,800
flows, the size issue 7's benchmark asks for.

Same engine as the committed captures (so the same protocol mix), without
per-flow ground truth: packets are written as the simulation clock passes
them and only counters are kept, so memory stays bounded. Never committed.
"""
from . import wire
from .app import App
from .run import BASE, PROFILE, SNAPLEN
from .sim import SEC, Capture, Scheduler

LARGE_PROFILE = {
    "sessions_per_min": 900,  # 15 customer sessions a second
    "reqs": 1,
    "resp_mean": 300,  # bytes beyond 800 in a response, mean
    "resume": 0.8,
    "backend": 0.1,  # requests that call the API (else static)
    "checkout": 0.01,
    "render": 0.005,
    "backup_bytes": 2_000_000,
    "initial": ["dns-1", "monitor-1", "db-1", "cache-1", "api-1", "api-2",
                "api-3", "web-1", "web-2", "web-3", "web-4", "reports-1",
                "bastion-1"],
    "scrape": 15 * SEC,
    "bastion": [(3, ["db-1", "cache-1"])],
    "churn": [],
}


def write(path, policy, packets, seed=4242):
    with open(path, "wb") as fh:
        w = wire.PcapWriter(fh, wire.LINKTYPE_ETHERNET, snaplen=SNAPLEN)
        cap = Capture(w, seed=seed, track_flows=False, max_packets=packets)
        sched = Scheduler(cap)
        p = dict(PROFILE)
        p.update(LARGE_PROFILE)
        p["t0"] = BASE
        app = App(cap, sched, policy, seed, p)
        app.run_background()
        sched.run(BASE + 24 * 3600 * SEC)
        cap.flush()
    return {"packets": w.packets, "flows": cap.n_flows,
            "bytes": w.bytes_orig}
