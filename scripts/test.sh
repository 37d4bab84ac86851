#!/usr/bin/env bash
# The whole test suite: formatting, lints, every unit, golden, dataset and CLI test.
# Installs what the tests need first (idempotent). Dataset tests read ../shared/datasets and
# skip with a message when that folder is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(gcc)
# Flow-source tests: nfdump files are read through `nfdump`; `argus` (argus-server) and
# `ra` (argus-client) turn a capture into the flows piped into slips.
command -v nfdump >/dev/null 2>&1 || need_apt+=(nfdump)
command -v ra >/dev/null 2>&1 || need_apt+=(argus-client)
command -v argus >/dev/null 2>&1 || need_apt+=(argus-server)
[ -f /usr/share/ieee-data/oui.csv ] || need_apt+=(ieee-data)
if ((${#need_apt[@]})); then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq "${need_apt[@]}"
    fi
fi
command -v cargo >/dev/null 2>&1 || { echo "cargo is required (https://rustup.rs)" >&2; exit 1; }

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
