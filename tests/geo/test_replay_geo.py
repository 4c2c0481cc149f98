#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""GeoIP/ASN enrichment and geo novelty end to end: scenario captures with
external traffic (pcaps/exfil-staging.pcap, pcaps/demo.pcap) replayed with
the scenario test databases (tests/geo/data/scenario-*.json): enriched
fields on specific flows (IPv4, IPv6, nested networks, missing city and
organisation) and alerts, the novelty alert of the exfiltration and its
baseline, text output, telemetry read back by observe, absent and corrupt
databases, the geoip: settings file.
Usage: test_replay_geo.py BULKHEAD SOURCE_DIR DB_DIR"""
import json
import os
import re
import subprocess
import sys
import tempfile

bulkhead, src = sys.argv[1], sys.argv[2]
dbdir = os.path.abspath(sys.argv[3])
CITY = os.path.join(dbdir, "scenario-city.mmdb")
ASN = os.path.join(dbdir, "scenario-asn.mmdb")
POLICY = os.path.join(src, "config", "demo-policy.yaml")
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def replay(pcap, *args, want_rc=0):
    cmd = [bulkhead, "replay", os.path.join(src, "pcaps", pcap),
           "--policy", POLICY, "--learning", "10m", "-q"] + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True)
    check(p.returncode == want_rc,
          "%s: exit %d, want %d: %s" % (" ".join(args), p.returncode,
                                         want_rc, p.stderr.strip()))
    return p


def replay_json(pcap, *args):
    p = replay(pcap, "-o", "json", *args)
    flows, alerts = [], []
    for line in p.stdout.splitlines():
        obj = json.loads(line)
        if "flow" in obj:
            flows.append(obj["flow"])
        elif "alert" in obj:
            alerts.append(obj["alert"])
    return flows, alerts, p.stderr


GEO = ("country_code", "city", "asn", "as_org")


def geo_of(ep):
    return {k: ep[k] for k in GEO if k in ep}


def flow_with(flows, ip, port=None):
    """Records with ip on either side (and that side's port)."""
    out = []
    for f in flows:
        for side in ("initiator", "responder"):
            ep = f[side]
            if ep.get("ip") == ip and (port is None or ep.get("port") == port):
                out.append((f, side))
    return out


def novelty(alerts):
    """Novelty alerts, each as its last emission: an alert opens at the
    first contact and is updated (same id) as the flow grows."""
    last = {}
    for a in alerts:
        if a["detector"] == "geo_novelty":
            last[a["id"]] = a
    return list(last.values())


# --- exfil-staging: api-2 uploads 1.2 MB to 203.0.113.240 at 14 min -------
flows, alerts, _ = replay_json("exfil-staging.pcap", "--geoip-city", CITY,
                               "--geoip-asn", ASN)
check(len(flows) > 200, "exfil-staging: %d records" % len(flows))

exfil = flow_with(flows, "203.0.113.240", 443)
check(len(exfil) == 1, "one record of the exfiltration, got %d" % len(exfil))
if exfil:
    f, side = exfil[0]
    check(side == "responder", "203.0.113.240 is the responder")
    check(geo_of(f["responder"]) == {"country_code": "SC", "asn": 64511,
                                     "as_org": "Example Offshore Hosting Ltd"},
          "exfil peer: nested /26, no city: %s" % geo_of(f["responder"]))
    check(geo_of(f["initiator"]) == {}, "api-2 is not enriched")
    exfil_id = f["flow_id"]

# the payment provider (external group), a city and an organisation
pay = flow_with(flows, "198.51.100.21", 443)
check(len(pay) == 1 and geo_of(pay[0][0]["responder"]) == {
    "country_code": "NL", "city": "Amsterdam", "asn": 64497,
    "as_org": "Example Payments B.V."}, "payments peer: %s" % pay)
# the corporate resolver: no organisation in the ASN database
dns = flow_with(flows, "192.0.2.53", 53)
check(dns and all(geo_of(f[s]) == {"country_code": "DE",
                                   "city": "Frankfurt am Main", "asn": 64496}
                  for f, s in dns), "corporate resolver: %s" % dns)
# internet customers over IPv6, and a nested /64 with a city
v6 = flow_with(flows, "2001:db8:beef:33e::e95f")
check(len(v6) == 1 and geo_of(v6[0][0]["initiator"]) == {
    "country_code": "FR", "asn": 64500, "as_org": "Example Broadband SA"},
    "IPv6 customer: %s" % v6)
v6n = flow_with(flows, "2001:db8:beef:1::5")
check(len(v6n) == 1 and geo_of(v6n[0][0]["initiator"]) == {
    "country_code": "BE", "city": "Brussels", "asn": 64500,
    "as_org": "Example Broadband SA"}, "IPv6 nested /64: %s" % v6n)
# workloads and in-cluster peers are never looked up
internal = [f for f in flows
            if f["initiator"].get("workload") and f["responder"].get("workload")]
check(len(internal) > 100 and not any(
    geo_of(f["initiator"]) or geo_of(f["responder"]) for f in internal),
    "workload-to-workload records carry no geo fields")

nov = novelty(alerts)
check(len(nov) == 1, "exfil-staging: one geo_novelty alert, got %d" % len(nov))
if nov:
    a = nov[0]
    check(a["technique"] == "T1041" and
          a["technique_name"] == "Exfiltration Over C2 Channel",
          "technique %s" % a["technique"])
    check(a["severity"] == "SEVERITY_HIGH" and abs(a["score"] - 0.95) < 1e-9,
          "severity %s score %s" % (a["severity"], a["score"]))
    check(a["source"].get("workload") == "api-2" and
          geo_of(a["source"]) == {}, "source %s" % a["source"])
    t = a["targets"]
    check(len(t) == 1 and t[0]["ip"] == "203.0.113.240" and
          t[0]["port"] == 443 and geo_of(t[0]) == {
              "country_code": "SC", "asn": 64511,
              "as_org": "Example Offshore Hosting Ltd"},
          "target with geo: %s" % t)
    check(a["evidence_flow_ids"] == [exfil_id], "evidence %s, want [%s]" %
          (a["evidence_flow_ids"], exfil_id))
    # last emission: closed once quiet, one occurrence (the exfil flow)
    check(a["state"] == "ALERT_STATE_CLOSED" and a["count"] == 1,
          "state %s count %s" % (a["state"], a["count"]))
    check("Seychelles" in a["summary"] and "AS64511" in a["summary"],
          "summary: %s" % a["summary"])

# The baseline follows --learning: 20 min covers the upload (14 min), which
# is then learned, not reported.
_, alerts20, _ = replay_json("exfil-staging.pcap", "--geoip-city", CITY,
                             "--geoip-asn", ASN, "--learning", "20m",
                             "--flows", "none")
check(not novelty(alerts20), "learning 20m: no novelty alert")

# Half the enrichment: the country database alone still finds the new
# country; the ASN database alone the new AS.
flows_c, alerts_c, err_c = replay_json(
    "exfil-staging.pcap", "--geoip-city", CITY, "--geoip-asn",
    os.path.join(dbdir, "no-such-asn.mmdb"))
ex = flow_with(flows_c, "203.0.113.240", 443)
check(ex and geo_of(ex[0][0]["responder"]) == {"country_code": "SC"},
      "country only: %s" % ex)
check(len(novelty(alerts_c)) == 1 and
      "a country" in novelty(alerts_c)[0]["summary"] and
      "an AS" not in novelty(alerts_c)[0]["summary"],
      "country only: one novelty alert about the country")
lines = [l for l in err_c.splitlines() if "no-such-asn.mmdb" in l]
check(len(lines) == 1, "absent ASN file: one log line, got %r" % err_c)
_, alerts_a, _ = replay_json("exfil-staging.pcap", "--geoip-asn", ASN,
                             "--flows", "none")
check(len(novelty(alerts_a)) == 1 and
      novelty(alerts_a)[0]["technique"] == "T1041", "ASN only: novelty")

# Text output: enriched endpoints get [CC ASn]; everything else prints as
# without databases.
plain = replay("exfil-staging.pcap").stdout
geo_txt = replay("exfil-staging.pcap", "--geoip-city", CITY,
                 "--geoip-asn", ASN).stdout
check("api-2:46934 -> 203.0.113.240[SC AS64511]:443 tcp deny(default_deny)"
      in geo_txt, "text: exfiltration line")
check("[2001:db8:beef:1::5][BE AS64500]:37612 -> web-1:443" in geo_txt,
      "text: IPv6 peer")
stripped = [re.sub(r"\[[A-Z]{2}(?: AS\d+)?\]|\[AS\d+\]", "", l)
            for l in geo_txt.splitlines()
            if "geo_novelty" not in l and not l.startswith("Alerts:")]
check(stripped == [l for l in plain.splitlines()
                   if not l.startswith("Alerts:")],
      "text: same lines as without databases, geo tags and the novelty "
      "alert aside")

# Telemetry read back by observe: flows and alerts carry the fields.
with tempfile.TemporaryDirectory() as tmp:
    pb = os.path.join(tmp, "t.pb")
    replay("exfil-staging.pcap", "--geoip-city", CITY, "--geoip-asn", ASN,
           "--flows", "none", "-t", pb)
    obs = subprocess.run([bulkhead, "observe", "-t", "alert", pb],
                         capture_output=True, text=True)
    check(obs.returncode == 0 and re.search(
        r"ALERT high T1041 geo_novelty api-2 -> 203\.0\.113\.240\[SC AS64511\]:443 "
        r"score=0\.95 flows=1 .*upload", obs.stdout), "observe alert: %r" % obs.stdout)
    obs = subprocess.run([bulkhead, "observe", "--port", "443", "--workload",
                          "payments", pb], capture_output=True, text=True)
    check("payments/198.51.100.21[NL AS64497]:443" in obs.stdout,
          "observe flow: %r" % obs.stdout)

    # geoip: settings: relative paths from the file's directory, the
    # novelty detector off, or a longer baseline.
    os.symlink(CITY, os.path.join(tmp, "c.mmdb"))
    os.symlink(ASN, os.path.join(tmp, "a.mmdb"))
    for name, body, want in (
            ("off", "  novelty:\n    enabled: false\n", 0),
            ("long", "  novelty:\n    baseline: 30m\n", 0),
            ("agg", "  cache_size: 0\n  novelty:\n    aggregate: 5m\n", 1)):
        cfg = os.path.join(tmp, name + ".yaml")
        with open(cfg, "w") as fp:
            fp.write("geoip:\n  city_db: c.mmdb\n  asn_db: a.mmdb\n" + body)
        fl, al, _ = replay_json("exfil-staging.pcap", "--geoip-config", cfg)
        ex = flow_with(fl, "203.0.113.240", 443)
        check(ex and geo_of(ex[0][0]["responder"]).get("asn") == 64511,
              "geoip file %s: enrichment" % name)
        check(len(novelty(al)) == want, "geoip file %s: %d novelty alerts" %
              (name, len(novelty(al))))
    bad = os.path.join(tmp, "bad.yaml")
    with open(bad, "w") as fp:
        fp.write("geoip:\n  novelty:\n    baseline: 10 days\n")
    p = replay("exfil-staging.pcap", "--geoip-config", bad, want_rc=1)
    check(bad + ":3:15: geoip.novelty.baseline:" in p.stderr,
          "bad geoip file: %r" % p.stderr)

    # A corrupt database is an error naming the file, before any output.
    corrupt = os.path.join(tmp, "corrupt.mmdb")
    with open(ASN, "rb") as fp:
        data = bytearray(fp.read())
    with open(corrupt, "wb") as fp:
        fp.write(data[: len(data) // 3])
    p = replay("exfil-staging.pcap", "--geoip-asn", corrupt, want_rc=1)
    check(corrupt in p.stderr and not p.stdout,
          "corrupt database: %r" % p.stderr)
    # A database of the wrong type (a city database given as ASN).
    p = replay("exfil-staging.pcap", "--geoip-asn", CITY, want_rc=1)
    check(CITY in p.stderr and "GeoLite2-City" in p.stderr,
          "wrong type: %r" % p.stderr)

# --- demo: one of everything; web-1 uploads to 203.0.113.240 at 24 min ----
flows, alerts, _ = replay_json("demo.pcap", "--geoip-city", CITY,
                               "--geoip-asn", ASN)
nov = novelty(alerts)
check(len(nov) == 1 and nov[0]["source"].get("workload") == "web-1" and
      nov[0]["targets"][0]["ip"] == "203.0.113.240" and
      nov[0]["technique"] == "T1041", "demo: novelty alert %s" % nov)
# the pivot's attacker and the SYN flood's spoofed sources are inbound:
# enriched, never novelty sources
att = flow_with(flows, "203.0.113.211")
check(att and all(s == "initiator" and geo_of(f[s]).get("country_code") ==
                  "SC" for f, s in att), "demo: attacker enriched")
# other detectors' alerts keep their endpoints as they were (none external)
others = [a for a in alerts if a["detector"] != "geo_novelty"]
check(others and not any(geo_of(t) for a in others for t in a["targets"]
                         if not t["ip"].startswith("203.0.113.")),
      "demo: in-cluster alert targets carry no geo")

print("%d checks, %d failed" % (checks, len(failures)))
sys.exit(1 if failures else 0)
