#!/usr/bin/env bash
# The whole test suite: formatting, lints, every unit, golden, dataset and CLI test.
# Installs what the tests need first (idempotent). Dataset tests read ../shared/datasets and
# skip with a message when that folder is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh --test

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
