#!/usr/bin/env python3
"""An external slips module: a host that queries many distinct top-level domains.

slips starts it (modules.external in the configuration, channels [new_dns]) and writes one
JSON object per line on its standard input: {"channel": "new_dns", "profile": IP,
"data": <the DNS record>}. Evidence goes back as one JSON object per line on standard
output (see docs/external-modules.md). Standard input ends with slips' input.

Usage: distinct_tlds.py [THRESHOLD]   (default 10 distinct TLDs per host)
"""
import json
import sys

THRESHOLD = int(sys.argv[1]) if len(sys.argv) > 1 else 10

seen = {}  # host -> set of TLDs
reported = set()

for line in sys.stdin:
    try:
        message = json.loads(line)
    except ValueError:
        continue
    if message.get("channel") != "new_dns":
        continue
    dns = message["data"]
    query = (dns.get("query") or "").rstrip(".").lower()
    host = (dns.get("id") or {}).get("saddr") or message.get("profile")
    if "." not in query or not host:
        continue
    tlds = seen.setdefault(host, set())
    tlds.add(query.rsplit(".", 1)[1])
    if len(tlds) >= THRESHOLD and host not in reported:
        reported.add(host)
        evidence = {
            "type": "MANY_DISTINCT_TLDS",
            "attacker": host,
            "threat_level": "medium",
            "confidence": 0.8,
            "description": f"{len(tlds)} distinct top-level domains queried "
            f"({', '.join(sorted(tlds))})",
            "uids": [dns["uid"]] if dns.get("uid") else [],
            "timestamp": dns["ts"],
        }
        print(json.dumps(evidence), flush=True)
