#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Every labelled capture of pcaps/ replayed under the bundled policy: each
flow of the ground truth (written by the scenario generator's own evaluator
of the policy language, independent of the C compiler and data plane) must
get the verdict, reason and rule the truth expects, and the packet
counters must match the capture.
Usage: test_truth.py BULKHEAD SOURCE_DIR [ENGINE]"""
import base64
import glob
import ipaddress
import json
import os
import subprocess
import sys

bulkhead, src = sys.argv[1], sys.argv[2]
engine = sys.argv[3] if len(sys.argv) > 3 else "native"
VERDICT = {"VERDICT_ALLOW": "allow", "VERDICT_DENY": "deny",
           "VERDICT_AUDIT": "would-deny"}
PROTO = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "sctp": 132}
failures = []
checked = 0


def ip(s):
    return str(ipaddress.ip_address(s))


for truth_path in sorted(glob.glob(os.path.join(src, "pcaps", "*.truth.json"))):
    truth = json.load(open(truth_path))
    pcap = truth_path.replace(".truth.json", ".pcap")
    name = os.path.basename(pcap)
    policy = os.path.join(src, truth.get("policy", "config/demo-policy.yaml"))
    out = subprocess.run([bulkhead, "replay", pcap, "--policy", policy,
                          "--engine", engine, "--no-detect", "-q",
                          "-o", "json"], capture_output=True, text=True)
    if out.returncode:
        failures.append(f"{name}: replay failed: {out.stderr.strip()}")
        continue
    recs = {}
    summary = None
    for line in out.stdout.splitlines():
        obj = json.loads(line)
        if "summary" in obj:
            summary = obj["summary"]
            continue
        f = obj.get("flow")
        if not f:
            continue
        i, r = f["initiator"], f["responder"]
        key = (f["protocol"], ip(i["ip"]), i.get("port", 0),
               ip(r["ip"]), r.get("port", 0))
        recs.setdefault(key, []).append(f)
    if summary["packets"] != truth["counts"]["packets"]:
        failures.append(f"{name}: {summary['packets']} packets, truth "
                        f"{truth['counts']['packets']}")
    for tf in truth["flows"]:
        proto = PROTO[tf["proto"]]
        s, d = (tf["src"], tf["dst"]) if tf["initiator"] == "src" else \
            (tf["dst"], tf["src"])
        sp, dp = (tf["sport"], tf["dport"]) if tf["initiator"] == "src" \
            else (tf["dport"], tf["sport"])
        key = (proto, ip(s), sp, ip(d), dp)
        first_ns = tf["first_us"] * 1000
        cands = [f for f in recs.get(key, [])
                 if int(f["start_time_ns"]) >= first_ns and
                 int(f["start_time_ns"]) <= tf["last_us"] * 1000]
        checked += 1
        what = f"{name}: flow {tf['id']} {tf['proto']} {s}:{sp} -> {d}:{dp}"
        if not cands:
            failures.append(f"{what}: no record")
            continue
        f = min(cands, key=lambda x: int(x["start_time_ns"]))
        got = (VERDICT.get(f.get("verdict"), f.get("verdict")),
               f.get("rule", ""))
        want = (tf["verdict"], tf.get("rule") or "")
        if got != want:
            failures.append(f"{what}: got {got}, truth {want}")
        # packets of the whole connection across its records
        pk = [0, 0]
        for r in cands:
            pk[0] += int(r.get("initiator_packets", 0))
            pk[1] += int(r.get("responder_packets", 0))
        want_pk = tf["packets"] if tf["initiator"] == "src" else \
            list(reversed(tf["packets"]))
        if pk != want_pk:
            failures.append(f"{what}: packets {pk}, truth {want_pk}")

for f in failures[:40]:
    print("FAIL", f)
if len(failures) > 40:
    print(f"... {len(failures) - 40} more")
print(f"{checked} labelled flows checked, {len(failures)} mismatches")
sys.exit(1 if failures else 0)
