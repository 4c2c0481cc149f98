#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Every capture format of pcaps/formats/ through the replay reader,
compared with the generator's truth file: packet counts, L3 bytes from the
original lengths, first/last timestamps (ns), the index of the first bad
record of broken files, and the time-ordered merge of two files.
Usage: test_formats.py CAPTURE_DUMP SOURCE_DIR"""
import json
import os
import subprocess
import sys

dump, src = sys.argv[1], sys.argv[2]
fdir = os.path.join(src, "pcaps", "formats")
truth = json.load(open(os.path.join(fdir, "formats.truth.json")))
failures = []


def run(paths):
    out = subprocess.run([dump] + paths, capture_output=True, text=True)
    res = {"packets_seen": [], "error": None, "rc": out.returncode}
    for line in out.stdout.splitlines():
        key, _, val = line.partition(" ")
        if key == "packet":
            f, i, ts = val.split()
            res["packets_seen"].append((int(f), int(i), int(ts)))
        elif key in ("error", "open_error"):
            res["error"] = val
        else:
            res[key] = int(val)
    return res


def check(name, cond, what):
    if not cond:
        failures.append(f"{name}: {what}")


for name, t in sorted(truth["files"].items()):
    res = run([os.path.join(fdir, name)])
    err = t.get("error")
    check(name, res.get("packets") == t["packets"],
          f"packets {res.get('packets')} != {t['packets']}")
    check(name, res.get("ip_bytes") == t["ip_bytes"],
          f"ip_bytes {res.get('ip_bytes')} != {t['ip_bytes']}")
    check(name, res.get("first_ts") == t["first_ts"],
          f"first_ts {res.get('first_ts')} != {t['first_ts']}")
    check(name, res.get("last_ts") == t["last_ts"],
          f"last_ts {res.get('last_ts')} != {t['last_ts']}")
    if err:
        # truth counts records from 1, the reader from 0
        want = f"packet {err['packet'] - 1}:"
        check(name, res["rc"] == 1 and res["error"] and name in res["error"]
              and want in res["error"],
              f"error {res['error']!r} should name the file and '{want}'")
    else:
        check(name, res["rc"] == 0 and res["error"] is None,
              f"unexpected error {res['error']!r}")

inter = truth["interleave"]
res = run([os.path.join(fdir, f) for f in inter["files"]])
order = [("ab"[f], i) for f, i, _ in res["packets_seen"]]
want = [tuple(x) for x in inter["merged_order"]]
check("interleave", order == want, f"merged order {order} != {want}")
check("interleave", res.get("first_ts") == inter["merged_first_ts"],
      "merged first_ts")
check("interleave", res.get("last_ts") == inter["merged_last_ts"],
      "merged last_ts")

for f in failures:
    print("FAIL", f)
print(f"{len(truth['files']) + 1 - len({f.split(':')[0] for f in failures})}"
      f"/{len(truth['files']) + 1} captures as expected")
sys.exit(1 if failures else 0)
