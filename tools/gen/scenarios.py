#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write bulkhead's labelled scenario captures and their ground truth.

    tools/gen/scenarios.py                   every capture into pcaps/
    tools/gen/scenarios.py --out DIR         ... into DIR instead
    tools/gen/scenarios.py --only sweep-loud --only demo
    tools/gen/scenarios.py --list
    tools/gen/scenarios.py --large PATH [--packets N]   benchmark capture

Deterministic: fixed seeds, a fixed start time (2024-03-04 09:00:00 UTC),
no wall clock; running it twice gives byte-identical files. Run it with
Debian's /usr/bin/python3 (python3-yaml; the checker also needs
python3-scapy). See pcaps/README.md for what each capture shows and the
truth-file schema.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bhgen import formats, large  # noqa: E402
from bhgen.policy import Policy  # noqa: E402
from bhgen.scenario_defs import SCENARIOS  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "pcaps"),
                    help="output directory (default: the repository's pcaps/)")
    ap.add_argument("--policy",
                    default=os.path.join(ROOT, "config", "demo-policy.yaml"))
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="write only this capture (repeatable; 'formats' "
                         "for the reader test files)")
    ap.add_argument("--list", action="store_true", help="list the captures")
    ap.add_argument("--large", metavar="PATH",
                    help="write the benchmark capture to PATH instead")
    ap.add_argument("--packets", type=int, default=2_000_000,
                    help="packets in the --large capture (default 2000000)")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args()

    if args.list:
        for name, (_, desc) in SCENARIOS.items():
            print("%-24s %s" % (name, desc))
        print("%-24s %s" % ("formats", formats.DESCRIPTION))
        return 0
    policy = Policy(args.policy)
    if args.large:
        t = time.monotonic()
        info = large.write(args.large, policy, args.packets)
        if not args.quiet:
            print("%s: %d packets, %d flows, %d bytes (%.0f s)" % (
                args.large, info["packets"], info["flows"], info["bytes"],
                time.monotonic() - t))
        return 0
    names = args.only or list(SCENARIOS) + ["formats"]
    for n in names:
        if n != "formats" and n not in SCENARIOS:
            ap.error("unknown capture %r (see --list)" % n)
    os.makedirs(args.out, exist_ok=True)
    for n in names:
        t = time.monotonic()
        if n == "formats":
            d = os.path.join(args.out, "formats")
            os.makedirs(d, exist_ok=True)
            formats.write_all(d)
            if not args.quiet:
                print("formats/: written (%.1f s)" % (time.monotonic() - t))
            continue
        fn, _ = SCENARIOS[n]
        truth = fn(n, args.out, policy)
        if not args.quiet:
            c = truth["counts"]
            print("%-24s %6d packets %5d flows %4d attack, %d alerts, "
                  "%.0f min, %d KiB (%.1f s)" % (
                      n, c["packets"], c["flows"], c["attack_flows"],
                      len(truth["alerts"]),
                      (truth["end_us"] - truth["start_us"]) / 60e6,
                      os.path.getsize(os.path.join(args.out, n + ".pcap")) // 1024,
                      time.monotonic() - t))
    return 0


if __name__ == "__main__":
    sys.exit(main())
