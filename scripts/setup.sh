#!/usr/bin/env bash
# Create .venv with a Python >= 3.12 and install the project with the exact versions it was tested with
# (constraints.txt, made by scripts/lock.sh). About 2-3 minutes the first time (downloads ~400 MB of
# wheels: numpy, scipy, pandas, Mesa, Solara, Dask, pyarrow), a few seconds when nothing changed.
# Usage: scripts/setup.sh [extra ...]   e.g. scripts/setup.sh test
# WOM_UNPINNED=1 installs the newest versions pyproject.toml allows instead (to try an upgrade; to
# record one, run scripts/lock.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    local candidates=()
    [[ -n "${WOM_PYTHON:-}" ]] && candidates+=("$WOM_PYTHON")
    candidates+=(python3.13 python3.12 python3)
    if command -v pyenv >/dev/null 2>&1; then
        local root; root="$(pyenv root)"
        for v in $(ls -1 "$root/versions" 2>/dev/null | sort -rV); do
            candidates+=("$root/versions/$v/bin/python3")
        done
    fi
    for d in "$HOME"/.pyenv/versions/*/bin/python3; do candidates+=("$d"); done
    for c in "${candidates[@]}"; do
        local p; p="$(command -v "$c" 2>/dev/null || true)"
        [[ -z "$p" ]] && continue
        if "$p" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            echo "$p"; return 0
        fi
    done
    return 1
}

if [[ ! -x .venv/bin/python ]] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
    if ! PY="$(find_python)"; then
        echo "error: wom-sim needs Python >= 3.12, and none was found." >&2
        echo "       Looked for python3.13, python3.12, python3 on PATH and under pyenv." >&2
        echo "       Install one (e.g. 'pyenv install 3.12') or set WOM_PYTHON=/path/to/python3.12." >&2
        exit 1
    fi
    echo "setup: creating .venv with $PY ($("$PY" --version))"
    rm -rf .venv
    "$PY" -m venv .venv
fi

extras="${1:-}"
spec="."
[[ -n "$extras" ]] && spec=".[$extras]"
pins=(-c constraints.txt)
pinned="the pinned versions of constraints.txt"
if [[ "${WOM_UNPINNED:-}" == "1" ]]; then
    pins=()
    pinned="the newest allowed versions (WOM_UNPINNED=1)"
fi
start=$SECONDS
echo "setup: installing wom-sim (extras: ${extras:-none}) into .venv with $pinned"
echo "setup: this takes about 2-3 minutes the first time, seconds when everything is installed ..."
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet "${pins[@]}" -e "$spec"
echo "setup: ready in $((SECONDS - start)) s (.venv, extras: ${extras:-none}); the command is .venv/bin/wom"
