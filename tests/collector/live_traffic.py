#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Traffic with known sizes for the collector's live test.

  live_traffic.py server ADDR    (namespace B) TCP 8080 and UDP 9000
  live_traffic.py client ADDR    (namespace A) talks to them

TCP: the client sends 20000 bytes and half-closes, the server answers 5000
bytes and closes (FIN both ways). UDP: 7 datagrams of 200 bytes to 9000,
3 of 50 bytes to 9999 (which the policy denies)."""
import socket
import sys
import time

mode, addr = sys.argv[1], sys.argv[2]

if mode == "server":
    t = socket.socket()
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((addr, 8080))
    t.listen(1)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((addr, 9000))
    t.settimeout(30)
    u.settimeout(30)
    c, _ = t.accept()
    got = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        got += len(b)
    assert got == 20000, got
    c.sendall(b"r" * 5000)
    c.close()
    for _ in range(7):
        assert len(u.recv(65536)) == 200
    sys.exit(0)

deadline = time.time() + 20
while True:
    try:
        s = socket.create_connection((addr, 8080), timeout=2)
        break
    except OSError:
        if time.time() > deadline:
            raise
        time.sleep(0.1)
s.sendall(b"q" * 20000)
s.shutdown(socket.SHUT_WR)
got = 0
while True:
    b = s.recv(65536)
    if not b:
        break
    got += len(b)
assert got == 5000, got
s.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(7):
    u.sendto(b"d" * 200, (addr, 9000))
    time.sleep(0.01)
for _ in range(3):
    u.sendto(b"x" * 50, (addr, 9999))
    time.sleep(0.01)
