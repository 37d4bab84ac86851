#!/usr/bin/env python3
"""TLS line-echo server for the long-lived "cloud sync" scenario (written for it).

Usage: tlsecho.py BIND_IP PORT CERT KEY
"""
import socket
import ssl
import sys
import threading

bind, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((bind, port))
ls.listen(5)


def serve(c):
    try:
        with ctx.wrap_socket(c, server_side=True) as s:
            f = s.makefile("rwb")
            for line in f:
                f.write(b"ACK " + line.strip()[:64] + b" rev=1842\n")
                f.flush()
    except (OSError, ssl.SSLError):
        pass


while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
