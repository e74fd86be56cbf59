#!/usr/bin/env bash
# The MIUI case study in one command (docs/research.md, "Calibration with uncertainty"):
#   bash experiments/calibration/calibrate.sh [extra wom calibrate options, e.g. --workers 2 --force]
# ABC-SMC of two keys -- wom.transmission (how persuasive a WOM contact is) and the launch delay (days
# the real 100 seed users took to reach the simulated seed share) -- against the MIUI milestones of
# 2012 and 2014, holding out the 100 M of February 2015 and predicting it. The market is 400 million
# people (an assumption: China's Android smartphone users around 2014, order of magnitude).
# Writes results/calibration/miui-calibration/.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec "${WOM:-.venv/bin/wom}" calibrate experiments/calibration/miui.toml \
    --method abc \
    --target experiments/calibration/miui-users.csv \
    --market 400000000 \
    --hold-out 1642 \
    --vary wom.transmission=0.002:0.05 \
    --vary delay=0:800 \
    --particles 20 --generations 3 --max-evals 120 \
    "$@"
