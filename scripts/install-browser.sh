#!/usr/bin/env bash
# What a browser needs to show the wom-sim page on this machine, for the browser tests and offline use:
#   1. Chromium (Debian's `chromium` package -> /usr/bin/chromium), driven by Playwright in the tests.
#      Playwright's own browser download is not used.
#   2. The page's web assets (Solara's JavaScript app, require.js, Font Awesome), which Solara would
#      otherwise fetch from a public CDN at run time. `wom app --fetch-assets` takes them from the npm
#      registry with npm and unpacks them into Solara's asset cache in .venv, so the page works without
#      that CDN (`wom app` says so, with that command, when they are missing).
# Idempotent and quiet: does nothing when both are there. Run after scripts/setup.sh (needs .venv).
# Usage: scripts/install-browser.sh [--assets-only]
# Set WOM_CHROMIUM=/path/to/chromium to use another Chromium binary (then nothing is installed for it).
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM="${WOM_CHROMIUM:-/usr/bin/chromium}"
PACKAGE="chromium"
PYTHON=".venv/bin/python"

die() {
    echo "error: install-browser: $1" >&2
    shift
    for line in "$@"; do echo "       $line" >&2; done
    exit 1
}

# Run a command quietly; on failure show the end of its output and stop with a message.
quietly() {
    local what="$1"; shift
    local log; log="$(mktemp)"
    if ! "$@" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

install_chromium() {
    [[ -x "$CHROMIUM" ]] && return 0
    local hint=("Install it by hand ('sudo apt-get install -y $PACKAGE' on Debian/Ubuntu), or point"
                "WOM_CHROMIUM at a Chromium binary, or skip the browser tests: scripts/test.sh -m 'not slow'.")
    command -v apt-get >/dev/null 2>&1 || die "Chromium is missing at $CHROMIUM and apt-get is not available" "${hint[@]}"
    local sudo=()
    if [[ "$(id -u)" -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || die "Chromium is missing at $CHROMIUM; installing it needs root or sudo" "${hint[@]}"
        sudo=(sudo -n)
    fi
    echo "install-browser: installing $PACKAGE with apt-get ..."
    export DEBIAN_FRONTEND=noninteractive
    quietly "apt-get update" "${sudo[@]}" apt-get update -qq || die "apt-get update failed" "${hint[@]}"
    quietly "apt-get install" "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$PACKAGE" fonts-liberation \
        || die "apt-get install $PACKAGE failed" "${hint[@]}"
    [[ -x "$CHROMIUM" ]] || die "package $PACKAGE is installed but $CHROMIUM is missing" "${hint[@]}"
    echo "install-browser: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM") ready"
}

# The page's web assets: `wom app --fetch-assets` (sim.cli.present) reads the packages the installed
# Solara loads from its CDN, and fetches the missing ones with `npm pack` into Solara's asset cache.
install_page_assets() {
    [[ -x "$PYTHON" ]] || die "$PYTHON not found: run scripts/setup.sh first"
    "$PYTHON" -c 'import sys; from sim.cli.present import missing_assets; sys.exit(1 if missing_assets() else 0)' \
        && return 0
    command -v npm >/dev/null 2>&1 || die "npm is needed to fetch the page's web assets" \
        "Install Node.js and npm, or give the page internet access to its CDN."
    echo "install-browser: fetching the page's web assets with npm ..."
    "$PYTHON" -m sim.cli.present app --fetch-assets || die "fetching the page's web assets failed"
}

case "${1:-}" in
    --assets-only) install_page_assets ;;
    "") install_chromium; install_page_assets ;;
    *) die "unknown option '$1' (usage: scripts/install-browser.sh [--assets-only])" ;;
esac
