#!/usr/bin/env bash
# Whole-process benchmark of slips: generate a synthetic Zeek conn.log with slips-gen, run
# `slips -f LOG -o OUTDIR` on it under /usr/bin/time -v, and report wall time, flows/s,
# peak RSS and the number of evidence lines in OUTDIR's alerts.json.
#
# Usage: bench/whole_process.sh [--runs N] [--gen-only] [--regen] [--no-build] [--keep]
# Env:   FLOWS (1000000) HOSTS (2000) SCANNERS (5) BEACONS (20) SEED (1)
#        SLIPS_ARGS (extra arguments for slips, word-split) CARGO_TARGET_DIR
# See bench/README.md.
set -euo pipefail

usage() {
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'EOF'

Options:
  --runs N     run slips N times and report the median (default 1)
  --gen-only   only build slips-gen and generate the data set
  --regen      regenerate the data set even if it exists
  --no-build   do not run cargo build (use the binaries already in the target dir)
  --keep       keep slips' output directories (printed) instead of deleting them
  -h, --help   this help
EOF
}

RUNS=1
GEN_ONLY=0
REGEN=0
BUILD=1
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --runs)
            [ $# -ge 2 ] || { echo "error: --runs needs a number" >&2; exit 2; }
            RUNS="$2"
            shift 2
            ;;
        --runs=*) RUNS="${1#--runs=}"; shift ;;
        --gen-only) GEN_ONLY=1; shift ;;
        --regen) REGEN=1; shift ;;
        --no-build) BUILD=0; shift ;;
        --keep) KEEP=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

FLOWS="${FLOWS:-1000000}"
HOSTS="${HOSTS:-2000}"
SCANNERS="${SCANNERS:-5}"
BEACONS="${BEACONS:-20}"
SEED="${SEED:-1}"
SLIPS_ARGS="${SLIPS_ARGS:-}"

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
for v in RUNS FLOWS HOSTS SCANNERS BEACONS SEED; do
    is_uint "${!v}" || { echo "error: $v must be a non-negative integer, got '${!v}'" >&2; exit 2; }
done
[ "$RUNS" -ge 1 ] || { echo "error: --runs must be at least 1" >&2; exit 2; }
[ "$FLOWS" -ge 1 ] || { echo "error: FLOWS must be at least 1" >&2; exit 2; }

# Run from the repository root, wherever the script is called from.
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$ROOT"

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
SLIPS="$TARGET_DIR/release/slips"
GEN="$TARGET_DIR/release/slips-gen"

# Data set name: conn-1M.log for the defaults, parameters appended otherwise.
human() {
    local n="$1"
    if [ $((n % 1000000)) -eq 0 ]; then echo "$((n / 1000000))M"
    elif [ $((n % 1000)) -eq 0 ]; then echo "$((n / 1000))k"
    else echo "$n"; fi
}
NAME="conn-$(human "$FLOWS")"
[ "$HOSTS" = 2000 ] || NAME="$NAME-h$HOSTS"
[ "$SCANNERS" = 5 ] || NAME="$NAME-s$SCANNERS"
[ "$BEACONS" = 20 ] || NAME="$NAME-b$BEACONS"
[ "$SEED" = 1 ] || NAME="$NAME-seed$SEED"
DATA_DIR="$ROOT/bench/data"
DATA="$DATA_DIR/$NAME.log"
TRUTH="$DATA_DIR/$NAME.truth.json"

# --- build -------------------------------------------------------------------------------
if [ "$BUILD" = 1 ]; then
    if [ "$GEN_ONLY" = 1 ]; then
        echo ">> cargo build --release -p slips-gen" >&2
        cargo build --release -p slips-gen
    else
        echo ">> cargo build --release -p slips -p slips-gen" >&2
        cargo build --release -p slips -p slips-gen
    fi
fi

# --- data --------------------------------------------------------------------------------
mkdir -p "$DATA_DIR"
if [ "$REGEN" = 0 ] && [ -s "$DATA" ]; then
    echo ">> using existing $DATA ($(wc -c <"$DATA") bytes; --regen to rebuild)" >&2
else
    [ -x "$GEN" ] || { echo "error: $GEN not found (build it or drop --no-build)" >&2; exit 1; }
    echo ">> generating $DATA: $FLOWS flows, $HOSTS hosts, $SCANNERS scanners, $BEACONS beacons, seed $SEED" >&2
    # Write to a temporary name first so an interrupted run never leaves a truncated data set.
    if ! "$GEN" conn --flows "$FLOWS" --hosts "$HOSTS" --scanners "$SCANNERS" --beacons "$BEACONS" \
        --seed "$SEED" -o "$DATA.tmp" --truth "$TRUTH.tmp"; then
        rm -f "$DATA.tmp" "$TRUTH.tmp"
        echo "error: generating the data set failed (with few FLOWS, lower BEACONS: each beacon needs ~1440 flows)" >&2
        exit 1
    fi
    mv -f "$TRUTH.tmp" "$TRUTH"
    mv -f "$DATA.tmp" "$DATA"
fi
if [ "$GEN_ONLY" = 1 ]; then
    echo "data set: $DATA"
    echo "truth:    $TRUTH"
    exit 0
fi

# --- tools -------------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
    echo ">> installing GNU time (Debian package 'time')" >&2
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time >/dev/null
fi
[ -x "$SLIPS" ] || { echo "error: $SLIPS not found (build it or drop --no-build)" >&2; exit 1; }

# --- runs --------------------------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/slips-bench.XXXXXX")"
cleanup() {
    if [ "$KEEP" = 1 ]; then echo ">> kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Prints the number of evidence lines of an alerts.json: IDMEF "Event" objects when the file
# has "Status" fields (alerts are "Incident"s), otherwise every non-empty line.
count_evidence() {
    local f="$1"
    if grep -q '"Status"[[:space:]]*:' "$f"; then
        grep -c '"Status"[[:space:]]*:[[:space:]]*"Event"' "$f" || true
    else
        grep -c '[^[:space:]]' "$f" || true
    fi
}

median() { sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || echo 'unknown CPU')"
echo "slips:   $SLIPS ($(git rev-parse --short HEAD 2>/dev/null || echo 'no git'))"
echo "data:    $DATA ($FLOWS flows)"
printf '%-5s %10s %12s %14s %10s\n' run wall_s flows_per_s peak_rss_mb evidence

WALLS=()
RSSES=()
EVIDENCES=()
for run in $(seq 1 "$RUNS"); do
    OUT="$WORK/out-$run"
    TIMEF="$WORK/time-$run.txt"
    t0=$(date +%s%N)
    # shellcheck disable=SC2086 # SLIPS_ARGS is meant to be word-split.
    if ! /usr/bin/time -v -o "$TIMEF" "$SLIPS" -f "$DATA" -o "$OUT" $SLIPS_ARGS \
        >"$WORK/stdout-$run.txt" 2>"$WORK/stderr-$run.txt"; then
        echo "error: slips failed on run $run; last lines of its stderr:" >&2
        tail -n 20 "$WORK/stderr-$run.txt" >&2 || true
        tail -n 5 "$TIMEF" >&2 2>/dev/null || true
        KEEP=1
        exit 1
    fi
    t1=$(date +%s%N)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TIMEF")
    rss_mb=$(awk -v k="${rss_kb:-0}" 'BEGIN {printf "%.1f", k / 1024}')
    ALERTS=""
    for cand in "$OUT/alerts.json" "$OUT/alerts/alerts.json"; do
        if [ -f "$cand" ]; then ALERTS="$cand"; break; fi
    done
    if [ -n "$ALERTS" ]; then
        ev=$(count_evidence "$ALERTS")
    else
        ev="n/a"
        echo "warning: no alerts.json in $OUT" >&2
    fi
    fps=$(awk -v n="$FLOWS" -v w="$wall" 'BEGIN {printf "%.0f", (w > 0 ? n / w : 0)}')
    printf '%-5s %10s %12s %14s %10s\n' "$run" "$wall" "$fps" "$rss_mb" "$ev"
    WALLS+=("$wall")
    RSSES+=("$rss_mb")
    EVIDENCES+=("$ev")
done

MED_WALL=$(printf '%s\n' "${WALLS[@]}" | median)
MED_RSS=$(printf '%s\n' "${RSSES[@]}" | median)
MED_FPS=$(awk -v n="$FLOWS" -v w="$MED_WALL" 'BEGIN {printf "%.0f", (w > 0 ? n / w : 0)}')
if printf '%s\n' "${EVIDENCES[@]}" | grep -qv '^[0-9][0-9]*$'; then
    MED_EV="n/a"
else
    MED_EV=$(printf '%s\n' "${EVIDENCES[@]}" | median)
fi

echo
[ "$RUNS" -gt 1 ] && echo "median of $RUNS runs:"
echo "wall seconds:    $MED_WALL"
echo "flows/s:         $MED_FPS"
echo "peak RSS (MB):   $MED_RSS"
echo "evidence lines:  $MED_EV"
echo "RESULT flows=$FLOWS hosts=$HOSTS runs=$RUNS wall_s=$MED_WALL flows_per_s=$MED_FPS peak_rss_mb=$MED_RSS evidence=$MED_EV"
