#!/usr/bin/env python3
"""Send DHCPREQUESTs for many distinct addresses (DHCP scan), written for the corpus.

Usage: dhcpreq.py CLIENT_IP SERVER_IP MAC FIRST_ADDR COUNT
Sends from CLIENT_IP:68 to SERVER_IP:67, one transaction (xid) per
requested address, and prints the server's answer type for each.
"""
import ipaddress
import socket
import struct
import sys
import time

client, server, mac, first, count = sys.argv[1:6]
count = int(count)
hw = bytes.fromhex(mac.replace(":", ""))
names = {2: "OFFER", 5: "ACK", 6: "NAK"}

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 68))  # also receive the broadcast NAK/ACK
s.settimeout(1.0)
base = ipaddress.IPv4Address(first)
for i in range(count):
    xid = 0x5C0A0000 + i
    want = base + i
    pkt = struct.pack(
        "!BBBBIHH4s4s4s4s16s64s128s",
        1, 1, 6, 0, xid, 0, 0,
        socket.inet_aton(client), b"\0" * 4, b"\0" * 4, b"\0" * 4,
        hw + b"\0" * 10, b"\0" * 64, b"\0" * 128,
    )
    opts = b"\x63\x82\x53\x63"
    opts += bytes([53, 1, 3])
    opts += bytes([61, 7, 1]) + hw
    opts += bytes([50, 4]) + want.packed
    opts += bytes([12, 10]) + b"slc-laptop"
    opts += bytes([55, 4, 1, 3, 6, 15])
    opts += b"\xff"
    s.sendto(pkt + opts, (server, 67))
    try:
        data, _ = s.recvfrom(2048)
        o = data[240:]
        kind = "?"
        j = 0
        while j < len(o) and o[j] != 255:
            if o[j] == 0:
                j += 1
                continue
            if o[j] == 53:
                kind = names.get(o[j + 2], str(o[j + 2]))
            j += 2 + o[j + 1]
        print(want, kind)
    except socket.timeout:
        print(want, "no answer")
    time.sleep(0.4)
