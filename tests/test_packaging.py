"""The built wheel ships what a user outside the repository needs (issue 12): the scenarios, the
experiments and the example data; `wom run miui` and `wom fit-bass` on the shipped example work from
another folder; LICENSE and an SPDX license expression, and no setuptools deprecation warnings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("scenarios", "experiments")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-w", str(out), "-v"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "SetuptoolsDeprecationWarning" not in proc.stdout + proc.stderr
    (found,) = out.glob("wom_sim-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The wheel unpacked into its own folder (its dependencies are those of this environment)."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel), "-q"],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return target


def wom(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`wom ARGS` from the installed wheel (not the checkout), run in `cwd`."""
    code = "import sys; from sim.cli import entry; sys.argv = ['wom', *sys.argv[1:]]; entry()"
    env = {**os.environ, "PYTHONPATH": str(installed)}
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_wheel_carries_every_shipped_file_license_and_spdx_expression(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in SHIPPED:
        for path in (ROOT / folder).rglob("*.toml"):
            assert f"sim/data/{folder}/{path.relative_to(ROOT / folder).as_posix()}" in names, path
    assert {"sim/data/examples/sales.csv", "sim/data/examples/miui-users.csv"} <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata


@pytest.mark.slow
def test_installed_wheel_runs_a_shipped_scenario_by_name_from_another_folder(installed, tmp_path):
    where = wom(installed, tmp_path, "scenarios")
    assert where.returncode == 0, where.stderr
    assert "  miui " in where.stdout and "  default " in where.stdout
    res = wom(
        installed,
        tmp_path,
        "run",
        "miui",
        "--out",
        "run",
        "--set",
        "population.size=500",
        "--set",
        "run.days=20",
        "--set",
        "seed_users.count=10",
        "--set",
        "fan_building.super_users=5",
        "--set",
        "run.replicates=1",
        "--quiet",
    )
    assert res.returncode == 0, res.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["scenario"]["name"] == "miui"
    probe = subprocess.run(
        [sys.executable, "-c", "import sim; print(sim.__file__)"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(installed)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.startswith(str(installed))


@pytest.mark.slow
def test_installed_wheel_fits_the_shipped_example_series(installed, tmp_path):
    copied = wom(installed, tmp_path, "scenarios", "--copy", "mine")
    assert copied.returncode == 0, copied.stderr
    assert (tmp_path / "mine" / "data" / "sales.csv").is_file()
    assert (tmp_path / "mine" / "experiments" / "claims" / "01_engine.toml").is_file()
    res = wom(installed, tmp_path, "fit-bass", "mine/data/sales.csv", "--json")
    assert res.returncode == 0, res.stderr
    fit = json.loads(res.stdout.splitlines()[0])
    # sales.csv is the Bass curve with p = 0.01, q = 0.35 per day, m = 10^4, rounded to whole people
    assert fit["p"] == pytest.approx(0.01, rel=0.05) and fit["q"] == pytest.approx(0.35, rel=0.05)
    assert fit["m"] == pytest.approx(1e4, rel=0.02)
    again = wom(installed, tmp_path, "scenarios", "--copy", "mine")
    assert again.returncode == 2 and "already exists" in again.stderr
