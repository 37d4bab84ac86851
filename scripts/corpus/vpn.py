#!/usr/bin/env python3
"""VPN-like traffic generator for the corpus (written for it).

vpn.py server BIND_IP     UDP 1194 peer + TCP 443 control channel
vpn.py client SERVER_IP LOCAL_IP SECONDS
The client exchanges opaque (random) UDP datagrams both ways at ~8/s and
keeps one TCP connection open with TCP keepalives plus small app pings.
"""
import os
import random
import socket
import sys
import threading
import time

mode = sys.argv[1]
if mode == "server":
    bind = sys.argv[2]
    rng = random.Random(1194)

    def udp():
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((bind, 1194))
        while True:
            data, peer = u.recvfrom(4096)
            n = max(40, min(1300, len(data) + rng.randint(-60, 200)))
            u.sendto(bytes([0x48]) + os.urandom(n - 1), peer)

    def tcp_conn(c):
        c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 7)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 7)
        try:
            while True:
                d = c.recv(4096)
                if not d:
                    break
                c.sendall(os.urandom(len(d)))
        except OSError:
            pass
        c.close()

    threading.Thread(target=udp, daemon=True).start()
    t = socket.socket()
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((bind, 443))
    t.listen(5)
    while True:
        c, _ = t.accept()
        threading.Thread(target=tcp_conn, args=(c,), daemon=True).start()
else:
    server, local, secs = sys.argv[2], sys.argv[3], float(sys.argv[4])
    rng = random.Random(4242)
    t = socket.create_connection((server, 443), source_address=(local, 0))
    t.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    t.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 5)
    t.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 5)
    t.sendall(os.urandom(96))
    t.recv(4096)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((local, 0))
    u.connect((server, 1194))
    u.settimeout(0.05)
    start = time.time()
    next_ping = start + 12
    sent = got = 0
    while time.time() - start < secs:
        n = rng.choice([64, 80, 120, 200, 400, 700, 900, 1100])
        u.send(bytes([0x48]) + os.urandom(n - 1))
        sent += 1
        try:
            while True:
                u.recv(4096)
                got += 1
        except (socket.timeout, BlockingIOError):
            pass
        if time.time() > next_ping:
            t.sendall(os.urandom(48))
            t.recv(4096)
            next_ping += 12
        time.sleep(0.125)
    t.close()
    print("udp sent", sent, "received", got)
