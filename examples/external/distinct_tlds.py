#!/usr/bin/env python3
"""An external slips module: a host that queries many distinct top-level domains.

Two transports, one detector (see docs/external-modules.md):

- Started by slips (modules.external in the configuration, channels [new_dns]): slips
  writes one JSON object per line on its standard input, {"channel": "new_dns", "profile":
  IP, "data": <the DNS record>}; evidence goes back as one JSON object per line on standard
  output. Standard input ends with slips' input.
- On Redis (slips --redis URL, redis.evidence_in: true): it subscribes to new_dns, reads the
  same JSON objects as messages and publishes its evidence on evidence_in. It prints
  "subscribed" once listening and runs until it is stopped. The standard library only: it
  speaks the little of the Redis protocol it needs itself.

Usage: distinct_tlds.py [THRESHOLD]                    (default 10 distinct TLDs per host)
       distinct_tlds.py --redis redis://HOST:PORT[/DB] [THRESHOLD]
"""
import json
import socket
import sys
from urllib.parse import urlparse


class Detector:
    def __init__(self, threshold):
        self.threshold = threshold
        self.seen = {}  # host -> set of TLDs
        self.reported = set()

    def handle(self, message):
        """The evidence a message gives, or None."""
        if message.get("channel") != "new_dns":
            return None
        dns = message["data"]
        query = (dns.get("query") or "").rstrip(".").lower()
        host = (dns.get("id") or {}).get("saddr") or message.get("profile")
        if "." not in query or not host:
            return None
        tlds = self.seen.setdefault(host, set())
        tlds.add(query.rsplit(".", 1)[1])
        if len(tlds) < self.threshold or host in self.reported:
            return None
        self.reported.add(host)
        return {
            "type": "MANY_DISTINCT_TLDS",
            "attacker": host,
            "threat_level": "medium",
            "confidence": 0.8,
            "description": f"{len(tlds)} distinct top-level domains queried "
            f"({', '.join(sorted(tlds))})",
            "uids": [dns["uid"]] if dns.get("uid") else [],
            "timestamp": dns["ts"],
        }


class Resp:
    """A Redis connection: commands out, replies in (RESP2)."""

    def __init__(self, url):
        u = urlparse(url)
        self.sock = socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379))
        self.file = self.sock.makefile("rb")
        db = (u.path or "/").strip("/")
        if db and db != "0":
            self.command("SELECT", db)

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))

    def reply(self):
        line = self.file.readline()
        if not line:
            raise ConnectionError("Redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.file.read(n + 2)[:-2]
            return data
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise RuntimeError(f"unexpected reply {line!r}")

    def command(self, *args):
        self.send(*args)
        return self.reply()


def over_stdin(detector):
    for line in sys.stdin:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        evidence = detector.handle(message)
        if evidence:
            print(json.dumps(evidence), flush=True)


def over_redis(detector, url):
    subscriber, publisher = Resp(url), Resp(url)
    subscriber.command("SUBSCRIBE", "new_dns")
    print("subscribed", flush=True)
    while True:
        kind, _channel, payload = subscriber.reply()
        if kind != b"message":
            continue
        try:
            message = json.loads(payload)
        except ValueError:
            continue
        evidence = detector.handle(message)
        if evidence:
            publisher.command("PUBLISH", "evidence_in", json.dumps(evidence))


def main(args):
    url = None
    if args[:1] == ["--redis"]:
        url, args = args[1], args[2:]
    detector = Detector(int(args[0]) if args else 10)
    if url:
        over_redis(detector, url)
    else:
        over_stdin(detector)


if __name__ == "__main__":
    main(sys.argv[1:])
