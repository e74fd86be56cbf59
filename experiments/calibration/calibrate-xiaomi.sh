#!/usr/bin/env bash
# Xiaomi in China's growing smartphone market (docs/research.md, "Real series"), two ABC-SMC calibrations of
# xiaomi.toml (MIUI's launch, the market growing as Guseo-Guidolin's potential; 700 M people, 300 simulated):
#   bash experiments/calibration/calibrate-xiaomi.sh [extra wom calibrate options, e.g. --workers 2 --force]
# 1. miui: the MIUI users milestones of 2012 and 2014 fitted (miui-users.csv), February 2015 (100 M) held out;
#    two keys: wom.transmission and the category's growth market.qc.
# 2. shipments: Xiaomi's cumulative phone shipments to mid and end 2014 fitted (xiaomi-shipments.csv, from
#    /work/shared/data/xiaomi-market.csv; day 0 = MIUI's first release, its 100 users), 2015 and 2016 held
#    out; three keys: wom.transmission, market.qc and the launch delay. A simulated adopter is one buyer, so
#    repeat purchases (which shipments count) are not in the simulated curve: an assumption that bites late.
# Writes results/calibration/xiaomi-miui/ and results/calibration/xiaomi-shipments/.
set -euo pipefail
cd "$(dirname "$0")/../.."
WOM="${WOM:-.venv/bin/wom}"
common=(--method abc --market 700000000 --particles 20 --generations 3 --max-evals 120)
$WOM calibrate experiments/calibration/xiaomi.toml "${common[@]}" \
    --target experiments/calibration/miui-users.csv --hold-out 1642 --set run.days=1642 \
    --vary wom.transmission=0.001:0.05 --vary market.qc=0.0005:0.02 \
    --out "${OUT:-results/calibration}/xiaomi-miui" "$@"
$WOM calibrate experiments/calibration/xiaomi.toml "${common[@]}" \
    --target experiments/calibration/xiaomi-shipments.csv --hold-out 1963 --hold-out 2329 \
    --vary wom.transmission=0.001:0.05 --vary market.qc=0.0005:0.02 --vary delay=0:600 \
    --out "${OUT:-results/calibration}/xiaomi-shipments" "$@"
# 3. miui-delay: as 1, but the category's growth fixed at the scenario's (market.qc = 0.004 per day) and the
#    launch delay searched instead, as in calibrate.sh (the fixed market): what the growing market changes.
$WOM calibrate experiments/calibration/xiaomi.toml "${common[@]}" \
    --target experiments/calibration/miui-users.csv --hold-out 1642 --set run.days=1642 \
    --vary wom.transmission=0.0005:0.02 --vary delay=0:800 \
    --out "${OUT:-results/calibration}/xiaomi-miui-delay" "$@"
