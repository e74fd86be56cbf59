"""Record the golden outputs of `tests/golden/cases.py` (run once, before a change meant to keep them).

Usage: .venv/bin/python -m tests.golden.make_golden   (from the repository root)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.golden.cases import BACKENDS, CASES, COMMON, SEED

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]
#: The golden runs use the same vector-math and BLAS code paths on every x86-64 machine: numpy picks its
#: exp, log and sum kernels by the CPU's features at import time (AVX-512 machines round some results
#: differently in the last bit from AVX2 ones), and OpenBLAS (scipy's least squares in the Bass fit) its
#: kernels by the CPU type. Pinned to the x86-64-v2 baseline, a recording made on one machine compares
#: byte for byte on another; on one machine, results are identical bytes with or without the pin.
PORTABLE_MATH = {"NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR", "OPENBLAS_CORETYPE": "Nehalem"}


def wom() -> str:
    """The `wom` console script of the running interpreter's environment."""
    return str(Path(sys.executable).parent / "wom")


def run_case(name: str, scenario: str, overrides: list[str], backend: str, out: Path) -> None:
    """Run one case with the CLI (the stable interface across a restructuring) into `out`."""
    # One process per case: a run's bytes do not depend on its workers (tests/cli/test_cli.py,
    # test_workers_give_identical_bytes), and a pool would start and import the package twice more per case.
    cmd = [wom(), "run", str(ROOT / scenario), "--out", str(out), "--seed", str(SEED), "--quiet", "--force"]
    cmd += ["--workers", "1"]
    for o in [*COMMON, "seed_users.count=20", f'run.backend="{backend}"', *overrides]:
        cmd += ["--set", o]
    env = {**os.environ, **PORTABLE_MATH} if os.uname().machine == "x86_64" else None
    subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, env=env)


def comparable_summary(path: Path) -> dict:
    """summary.json without the package versions (they change with the environment, not the model)."""
    summary = json.loads(path.read_text())
    summary.pop("versions", None)
    return summary


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    jobs = [(c, e) for c in CASES for e in BACKENDS]
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(2) as pool:

        def one(job):
            (name, scenario, overrides), backend = job
            out = Path(tmp) / f"{name}-{backend}"
            run_case(name, scenario, overrides, backend, out)
            dest = DATA / f"{name}-{backend}"
            dest.mkdir(exist_ok=True)
            shutil.copyfile(out / "timeseries.csv", dest / "timeseries.csv")
            (dest / "summary.json").write_text(json.dumps(comparable_summary(out / "summary.json"), indent=2) + "\n")
            print(f"recorded {dest.name}", flush=True)

        list(pool.map(one, jobs))


if __name__ == "__main__":
    main()
