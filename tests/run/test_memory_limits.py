"""A run past a memory limit of the process is refused at once (sim.config.memory.check_memory), naming
the limit: RLIMIT_AS (ulimit -v), and the memory cgroup's limit (v2 and v1), not only the machine's
available memory (issue 24)."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.config import memory
from sim.config.errors import InputError
from sim.config.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
WOM = Path(sys.executable).with_name("wom")
#: An address-space limit that the interpreter and its libraries fit in, far below 10^7 people.
AS_LIMIT = 4 * 10**9
#: Seconds a refusal may take: it comes before anything is built (a run of 10^7 people takes minutes).
REFUSE_S = 120


def limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, resource.RLIM_INFINITY))


def wom_limited(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(WOM), *args], capture_output=True, text=True, timeout=600, preexec_fn=limit_address_space
    )


@pytest.mark.slow
def test_wom_run_refuses_a_population_past_rlimit_as_at_once(tmp_path):
    started = time.monotonic()
    res = wom_limited(
        "run",
        str(ROOT / "scenarios" / "default.toml"),
        "--set",
        "population.size=10000000",
        "--replicates",
        "1",
        "--out",
        str(tmp_path / "big"),
        "--quiet",
    )
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "RLIMIT_AS" in errors[0], res.stderr
    assert time.monotonic() - started < REFUSE_S
    assert not (tmp_path / "big").exists()


@pytest.mark.slow
def test_wom_run_of_a_small_population_fits_the_same_limit(tmp_path):
    res = wom_limited(
        "run",
        str(ROOT / "scenarios" / "default.toml"),
        "--set",
        "population.size=2000",
        "--set",
        "run.days=5",
        "--replicates",
        "1",
        "--out",
        str(tmp_path / "small"),
        "--quiet",
    )
    assert res.returncode == 0, res.stderr


def fake_cgroup(tmp_path: Path, monkeypatch, version: int, limit: str, used: int) -> Path:
    """A cgroup tree under tmp_path with this process in /job (v2 or v1's memory controller)."""
    root = tmp_path / "cgroup"
    if version == 2:
        folder, files, line = root / "job", ("memory.max", "memory.current"), "0::/job\n"
    else:
        folder, files, line = (
            root / "memory" / "job",
            ("memory.limit_in_bytes", "memory.usage_in_bytes"),
            "4:memory:/job\n0::/\n",
        )
    folder.mkdir(parents=True)
    (folder / files[0]).write_text(limit + "\n")
    (folder / files[1]).write_text(f"{used}\n")
    proc = tmp_path / "cgroup-of-self"
    proc.write_text(line)
    monkeypatch.setattr(memory, "CGROUP_ROOT", str(root))
    monkeypatch.setattr(memory, "PROC_CGROUP", str(proc))
    monkeypatch.setattr(memory, "available_bytes", lambda: 24_000_000_000)  # the machine is not the bound
    return folder / files[0]


@pytest.mark.parametrize("version", [2, 1])
def test_a_cgroup_limit_less_its_use_is_a_bound(tmp_path, monkeypatch, version):
    limit_file = fake_cgroup(tmp_path, monkeypatch, version, str(2 * 10**9), 15 * 10**8)  # 0.5 GB left
    scenario = load_scenario("default", ["population.size=1000000"])  # about 0.9 GB
    with pytest.raises(InputError, match="cgroup memory limit") as err:
        memory.check_memory(scenario, 1, "default.toml")
    assert str(limit_file) in str(err.value) and str(err.value).startswith("default.toml: ")
    small = load_scenario("default", ["population.size=1000"])
    assert memory.check_memory(small, 1) == memory.estimate_bytes(small)


@pytest.mark.parametrize(("version", "limit"), [(2, "max"), (1, str(2**63 - 4096))])
def test_an_unlimited_cgroup_refuses_nothing(tmp_path, monkeypatch, version, limit):
    fake_cgroup(tmp_path, monkeypatch, version, limit, 15 * 10**8)
    scenario = load_scenario("default", ["population.size=1000000"])
    assert memory.check_memory(scenario, 1) == memory.estimate_bytes(scenario)
