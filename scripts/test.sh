#!/usr/bin/env bash
# Set up .venv (Python >= 3.12, the project and its test extras) and run the whole test suite,
# slow statistical tests included. Extra arguments go to pytest, e.g. scripts/test.sh -m "not slow" (the fast subset).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# Chromium and the page's web assets, for the browser tests (required in CI; elsewhere they are skipped).
echo "test: next, the browser tests' needs: Debian's chromium package with apt-get (about 1 minute, ~300 MB)"
echo "test: and the page's web assets from the npm registry with npm, each only if missing"
if ! bash scripts/install-browser.sh; then
    [[ "${CI:-}" == "true" ]] && exit 1
    echo "test: going on without the browser; the browser tests will be skipped" >&2
fi
# Architecture and style: imports point one way only (pyproject.toml [tool.importlinter]), ruff lint and format.
echo "test: checking import layers and ruff"
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache
.venv/bin/ruff check sim tests benchmarks
.venv/bin/ruff format --check sim tests benchmarks
echo "test: running the suite on 2 workers: about 15-25 minutes in full on 2 cores, depending on the host (18 min 8 s measured 8 Dec 2026, 2,035 tests; -m \"not slow\": about 105 s)"
exec .venv/bin/python -m pytest -n 2 --timeout 1800 "$@"
