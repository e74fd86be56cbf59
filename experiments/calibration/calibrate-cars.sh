#!/usr/bin/env bash
# The US small cars as a market of three brands (docs/research.md, "Real series"), in one command:
#   bash experiments/calibration/calibrate-cars.sh [extra wom calibrate options, e.g. --workers 2 --force]
# ABC-SMC of five keys -- within-brand talk (wom.q), the Yugo's quality, and each brand's advertising reach --
# against the three brands' cumulative US sales 1985-1990 (us-small-cars.csv), holding out 1991 and 1992
# (days 2555 and 2920) and predicting them. The market is 5 million car buyers (an assumption: the buyers of
# cheap small cars over the eight years, order of magnitude); 5,000 simulated people, 1,000 buyers each.
# Writes results/calibration/us-small-cars/.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec "${WOM:-.venv/bin/wom}" calibrate experiments/calibration/us-small-cars.toml \
    --method abc \
    --target experiments/calibration/us-small-cars.csv \
    --market 5000000 \
    --hold-out 2555 --hold-out 2920 \
    --vary wom.q=0.0002:0.01 \
    --vary brands.yugo.engine.quality=0:0.7 \
    --vary brands.yugo.advertising.p_max=0.00001:0.001 \
    --vary brands.excel.advertising.p_max=0.00001:0.001 \
    --vary brands.tercel.advertising.p_max=0.00001:0.001 \
    --particles 30 --generations 3 --max-evals 240 \
    "$@"
