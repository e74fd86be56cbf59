#!/usr/bin/env bash
# Set up .venv and run the default scenario; results and charts go to results/default/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/wom run scenarios/default.toml --out results/default --force "$@"
