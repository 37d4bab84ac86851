#!/usr/bin/env python3
"""SSDP responder / M-SEARCH sender for the corpus (written for it).

ssdp.py respond LOCAL_IP NAME      answer M-SEARCH on 239.255.255.250:1900
ssdp.py search LOCAL_IP COUNT      send COUNT M-SEARCH, print replies (3 s)
"""
import socket
import struct
import sys
import time

GROUP, PORT = "239.255.255.250", 1900
mode, local = sys.argv[1], sys.argv[2]

if mode == "respond":
    name = sys.argv[3]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", PORT))
    mreq = struct.pack("4s4s", socket.inet_aton(GROUP), socket.inet_aton(local))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    while True:
        data, peer = s.recvfrom(2048)
        if not data.startswith(b"M-SEARCH"):
            continue
        time.sleep(0.05)
        resp = (
            "HTTP/1.1 200 OK\r\n"
            "CACHE-CONTROL: max-age=1800\r\n"
            "EXT:\r\n"
            "LOCATION: http://%s:49152/description.xml\r\n"
            "SERVER: Linux/5.10 UPnP/1.0 %s/1.0\r\n"
            "ST: upnp:rootdevice\r\n"
            "USN: uuid:%s::upnp:rootdevice\r\n\r\n"
            % (local, name, "2f402f80-da50-11e1-9b23-%012x" % (hash(name) & 0xFFFFFFFFFFFF))
        )
        s.sendto(resp.encode(), peer)
else:
    count = int(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    s.bind((local, 0))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(local))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 2)
    msg = (
        "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
        'MAN: "ssdp:discover"\r\nMX: 1\r\nST: upnp:rootdevice\r\n\r\n'
    ).encode()
    s.settimeout(0.5)
    end = time.time() + 3
    for _ in range(count):
        s.sendto(msg, (GROUP, PORT))
        time.sleep(0.2)
    while time.time() < end:
        try:
            data, peer = s.recvfrom(2048)
            print(peer[0], data.split(b"\r\n")[4].decode(errors="replace"))
        except socket.timeout:
            pass
