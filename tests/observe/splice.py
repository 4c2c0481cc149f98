#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Cut a telemetry stream into damaged variants for the observe tests.

  splice.py STREAM OUT MODE
    truncate  drop the last 10 bytes (the last envelope is cut short)
    corrupt   replace envelope 3's body with bytes that are no Envelope
    badsize   append a size prefix far beyond the limit
    gap       leave envelope 2 out (a sequence gap)
    head N    the first N envelopes only
"""
import sys


def frames(data):
    pos, out = 0, []
    while pos < len(data):
        start, size, shift = pos, 0, 0
        while True:
            b = data[pos]
            pos += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        out.append(data[start:pos + size])
        pos += size
    return out


data = open(sys.argv[1], "rb").read()
mode = sys.argv[3]
f = frames(data)
if mode == "truncate":
    out = data[:-10]
elif mode == "corrupt":
    # field 1 (string) announcing 127 bytes with 6 present: unparsable
    out = b"".join(f[:3]) + bytes([7, 0x0A, 0x7F]) + b"oops" + b"".join(f[4:])
elif mode == "badsize":
    out = b"".join(f[:3]) + b"\xff\xff\xff\xff\x0f" + b"".join(f[3:])
elif mode == "gap":
    out = b"".join(f[:2] + f[3:])
elif mode == "head":
    out = b"".join(f[:int(sys.argv[4])])
else:
    sys.exit("unknown mode " + mode)
open(sys.argv[2], "wb").write(out)
