#!/usr/bin/env bash
# A real analysis on generated sample traffic: a Zeek conn.log of 200,000 flows over 300
# hosts with port scanners and beacons mixed in, analysed with per-profile files.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cargo build --release -q -p slips -p slips-gen
mkdir -p output/sample
if [ ! -s output/sample/conn.log ]; then
    target/release/slips-gen conn --flows 200000 --hosts 300 --scanners 2 --beacons 3 \
        --seed 7 -o output/sample/conn.log
fi
# 5-minute windows: the alert threshold becomes 0.25 x 300 / 60 = 1.25 per window.
target/release/slips -f output/sample/conn.log -o output/demo -l -w 300 "$@"
echo
echo "Outputs in output/demo/: alerts.log, alerts.json, profiles/<ip>/, Blocked.txt, slips.log"
