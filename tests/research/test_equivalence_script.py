"""experiments/draws/equivalence.py, the pre-registered check of sequential against keyed draws, on a tiny
run: it writes one stored file per scenario and the table, resumes from stored files whose probe still
matches, refuses a stored file the code no longer reproduces (exit 2, naming it) and recomputes it with --force."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "experiments" / "draws" / "equivalence.py"


def check(out: Path, *extra: str) -> subprocess.CompletedProcess:
    args = [sys.executable, str(SCRIPT), "--only", "docking/threshold", "--replicates", "3", "--out", str(out)]
    return subprocess.run([*args, *extra], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_the_check_stores_resumes_and_refuses_stale_results(tmp_path):
    out = tmp_path / "eq"
    first = check(out)
    assert first.returncode in (0, 1), first.stderr[-2000:]
    stored = out / "docking__threshold.json"
    data = json.loads(stored.read_text())
    assert data["replicates"] == 3 and len(data["runs"]) == 6
    assert "| docking/threshold | final_adoption |" in (out / "table.md").read_text()
    again = check(out)
    assert again.returncode == first.returncode and "1 scenario(s) from stored results, 0 to run" in again.stderr
    data["probe"] = "0" * 64  # as if stored by code that gave other numbers
    stored.write_text(json.dumps(data))
    stale = check(out)
    assert stale.returncode == 2 and str(stored) in stale.stderr and "--force" in stale.stderr
    assert check(out, "--force").returncode == first.returncode
    assert json.loads(stored.read_text())["probe"] != "0" * 64


def test_an_unknown_scenario_is_refused(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--only", "nope", "--out", str(tmp_path / "eq")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 2 and "--only: unknown scenario 'nope'" in proc.stderr
