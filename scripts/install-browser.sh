#!/usr/bin/env bash
# What a browser needs to show the wom-sim page on this machine, for the browser tests and offline use:
#   1. Chromium (Debian's `chromium` package -> /usr/bin/chromium), driven by Playwright in the tests.
#      Playwright's own browser download is not used.
#   2. The page's web assets (Solara's JavaScript app, require.js, Font Awesome), which Solara would
#      otherwise fetch from a public CDN at run time. They are taken from the npm registry with npm and
#      unpacked into Solara's asset cache in .venv, so the page works without that CDN.
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

# The npm packages (name@version) the Solara page loads from its CDN, read from the installed Solara.
solara_cdn_packages() {
    "$PYTHON" - <<'EOF'
import re
from pathlib import Path

import solara.server
from solara.server.settings import assets

template = (Path(solara.server.__file__).parent / "templates" / "solara.html.j2").read_text()
packages = set(re.findall(r"\{\{cdn\}\}/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/", template))
packages.add(assets.fontawesome_path.strip("/").split("/")[0])
print("\n".join(sorted(packages)))
EOF
}

install_page_assets() {
    [[ -x "$PYTHON" ]] || die "$PYTHON not found: run scripts/setup.sh first"
    local cache packages missing=()
    cache="$("$PYTHON" -c 'from solara.server.settings import assets; print(assets.proxy_cache_dir)')"
    packages="$(solara_cdn_packages)" || die "could not read the page's asset list from Solara"
    for pkg in $packages; do
        [[ -d "$cache/$pkg" ]] || missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    command -v npm >/dev/null 2>&1 || die "npm is needed to fetch the page's web assets (${missing[*]})" \
        "Install Node.js and npm, or give the page internet access to its CDN."
    echo "install-browser: fetching the page's web assets with npm: ${missing[*]}"
    local tmp; tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' RETURN
    for pkg in "${missing[@]}"; do
        quietly "npm pack" npm pack "$pkg" --pack-destination "$tmp" --silent || die "npm pack $pkg failed"
        local tarball; tarball="$(ls -t "$tmp"/*.tgz | head -n 1)"
        mkdir -p "$tmp/unpacked" && tar -xzf "$tarball" -C "$tmp/unpacked"
        mkdir -p "$(dirname "$cache/$pkg")"
        rm -rf "$cache/$pkg.partial" && mv "$tmp/unpacked/package" "$cache/$pkg.partial"
        mv "$cache/$pkg.partial" "$cache/$pkg"
        rm -rf "$tmp/unpacked" "$tarball"
    done
    echo "install-browser: page assets ready in $cache"
}

case "${1:-}" in
    --assets-only) install_page_assets ;;
    "") install_chromium; install_page_assets ;;
    *) die "unknown option '$1' (usage: scripts/install-browser.sh [--assets-only])" ;;
esac
