#!/usr/bin/env python3
"""Small threaded HTTP/HTTPS static file server used by make-corpus.sh.

Usage: webserver.py --bind IP --port N --dir DIR [--cert C --key K]
                    [--tls max12|any] [--log FILE]
Only ever bound to an address of a corpus network namespace.
"""
import argparse
import http.server
import ssl
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--tls", default="any", choices=["any", "max12"])
    ap.add_argument("--server-header", default="nginx/1.22.1")
    ap.add_argument("--log", default="/dev/null")
    a = ap.parse_args()
    logf = open(a.log, "a", buffering=1)

    class H(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def __init__(self, *args, **kw):
            super().__init__(*args, directory=a.dir, **kw)

        def version_string(self):
            return a.server_header

        def log_message(self, fmt, *args):
            logf.write("%s %s\n" % (self.address_string(), fmt % args))

    srv = http.server.ThreadingHTTPServer((a.bind, a.port), H)
    srv.daemon_threads = True
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        if a.tls == "max12":
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    sys.stderr.write("serving %s:%d\n" % (a.bind, a.port))
    srv.serve_forever()


if __name__ == "__main__":
    main()
