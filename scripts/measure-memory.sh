#!/usr/bin/env bash
# Peak resident memory (max RSS) of `wom run` on the default scenario at several population sizes:
# the calibration of the memory estimate in sim/config/memory.py. Usage: scripts/measure-memory.sh [N ...]
# (default 100000 1000000). Takes about a minute at 10^6 people; writes only to a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for n in "${@:-100000 1000000}"; do
    for size in $n; do
        /usr/bin/time -f "%M" -o "$tmp/rss" .venv/bin/wom run scenarios/default.toml --quiet --force \
            --out "$tmp/run-$size" --set "population.size=$size" --set run.replicates=1 --set run.days=30 >/dev/null
        kb="$(tail -n 1 "$tmp/rss")"
        echo "population.size=$size peak_rss_bytes=$((kb * 1024))"
    done
done
