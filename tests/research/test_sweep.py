"""Sweeps: sweep specs, designs, seeds, a real Dask LocalCluster, failures, and resume after kill -9.

Runs use a tiny population (300 people, 15 days, 10 seed users) so each takes well under a second.
A point with `channels.forum.membership = 0` makes the model raise at run time (no forum member can be
a community seed user): that is the failing run of the failure tests, no monkeypatching needed.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from sim.cli.research import register
from sim.model.streams import sweep_seed
from sim.research.options import ResearchOptions
from sim.research.sweep.method import metric_names, pending_specs, plan_sweep, run, write_sweep_files
from sim.research.sweep.spec import SweepSpecError, build_design, load_spec
from sim.research.sweep.store import (
    RUNS_DIR,
    SPEC_COPY,
    STATUS_ERROR,
    STATUS_OK,
    TIMESERIES_DIR,
    read_runs,
    read_timeseries,
)
from sim.run.executor import local_cluster
from sim.run.io import LOCK_SUFFIX

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "default.toml"
TINY = ["population.size=300", "run.days=15", "seed_users.count=10"]
#: A forum without members leaves no community seed users: the model raises ScenarioError.
FAILING_MEMBERSHIP = 0.0

app = typer.Typer()
register(app)
cli = CliRunner()


def write_sweep_spec(
    path: Path,
    parameters: str,
    *,
    design: str = 'kind = "grid"',
    replicates: int = 2,
    seed: int = 11,
    name: str = "t",
    fixed=TINY,
    scenario: Path | str = DEFAULT,
) -> Path:
    """A sweep spec file with the tiny fixed overrides."""
    fixed_items = ", ".join(f'"{item}"' for item in fixed)
    path.write_text(
        f'name = "{name}"\nscenario = "{scenario}"\nseed = {seed}\nreplicates = {replicates}\n'
        f"set = [{fixed_items}]\n[design]\n{design}\n[parameters]\n{parameters}\n"
    )
    return path


@pytest.fixture
def thread_client():
    """A one-worker Dask cluster in this process (threads): fast to start, for the non-cluster tests."""
    from distributed import Client

    with local_cluster(1, processes=False) as cluster, Client(cluster) as client:
        yield client


# --- sweep spec files -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, message",
    [
        (
            'name = "x"\nscenario = "s.toml"\nreplicatez = 2\n[design]\nkind = "grid"\n[parameters]\n"a.b" = [1]',
            "replicatez: unknown key; allowed keys here:",
        ),
        (
            'name = "x"\nscenario = "s.toml"\n[design]\nkind = "grid"\n[parameters]\n"engine.quality" = { low = 0.1, high = 0.9 }',
            '"engine.quality" is a range',
        ),
        (
            'name = "x"\nscenario = "s.toml"\n[design]\nkind = "sobol"\nsamples = 10\n[parameters]\n"a.b" = { low = 0, high = 1 }',
            "power of 2",
        ),
        (
            'name = "x"\nscenario = "s.toml"\n[design]\nkind = "lhs"\n[parameters]\n"a.b" = { low = 0, high = 1 }',
            "design.samples is required",
        ),
        (
            'name = "x"\nscenario = "s.toml"\n[design]\nkind = "lhs"\nsamples = 4\n[parameters]\n"a.b" = { low = 1, high = 0 }',
            "low (1.0) must be < high (0.0)",
        ),
        (
            'name = "x"\nscenario = "s.toml"\n[design]\nkind = "lhs"\nsamples = 4\n[parameters]\n"a.b" = { lo = 0, high = 1 }',
            "unknown key 'lo'",
        ),
        (
            'name = "x"\nscenario = "s.toml"\nset = ["a.b=1"]\n[design]\nkind = "grid"\n[parameters]\n"a.b" = [1, 2]',
            "both varied",
        ),
        ('name = "x"\nscenario = "s.toml"\n[design]\nkind = "grid"\n[parameters]\n"a.b" = [1, "x"]', "all numbers"),
        (
            'name = "x"\nscenario = "s.toml"\n[design]\nkind = "grid"\nsampels = 3\n[parameters]\n"a.b" = [1]',
            "design.sampels: unknown key; allowed keys here: kind, samples, second_order",
        ),
    ],
)
def test_bad_sweep_spec_names_file_and_key(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(SweepSpecError) as info:
        load_spec(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_invalid_point_is_reported_before_anything_runs(tmp_path):
    exp = write_sweep_spec(tmp_path / "e.toml", '"engine.max_conversion" = [0.5, 1.5]')
    out = tmp_path / "out"
    result = cli.invoke(app, ["sweep", str(exp), "--out", str(out), "--quiet"])
    assert result.exit_code == 2, result.output
    assert "point 1 (engine.max_conversion=1.5)" in result.output and "<= 1" in result.output
    assert not out.exists()


def test_designs(tmp_path):
    grid = load_spec(
        write_sweep_spec(tmp_path / "g.toml", '"engine.quality" = [0.4, 0.8]\n"wom.transmission" = [0.1, 0.2, 0.3]')
    )
    design = build_design(grid)
    assert design.shape == (6, 2) and list(design.iloc[1]) == [0.4, 0.2]  # first parameter slowest
    lhs = load_spec(
        write_sweep_spec(
            tmp_path / "l.toml",
            '"engine.quality" = { low = 0.4, high = 0.8 }\n"seed_users.count" = { low = 5, high = 12, integer = true }',
            design='kind = "lhs"\nsamples = 16',
            fixed=["population.size=300"],
        )
    )
    design = build_design(lhs)
    assert len(design) == 16 and design["engine.quality"].between(0.4, 0.8).all()
    assert design["seed_users.count"].dtype == np.int64 and design["seed_users.count"].between(5, 12).all()
    assert build_design(lhs).equals(design)  # seeded: the same on every invocation (resume relies on it)
    sobol = load_spec(
        write_sweep_spec(
            tmp_path / "s.toml",
            '"engine.quality" = { low = 0.4, high = 0.8 }\n"wom.transmission" = { low = 0.05, high = 0.2 }',
            design='kind = "sobol"\nsamples = 8',
        )
    )
    assert len(build_design(sobol)) == 8 * (2 + 2)


def test_sweep_seed_is_the_spawned_stream():
    n_points, replicates = 7, 3
    for point, replicate in [(0, 0), (4, 2), (6, 1)]:
        spawned = np.random.SeedSequence(42).spawn(n_points)[point].spawn(replicates)[replicate]
        assert np.array_equal(sweep_seed(42, point, replicate).generate_state(4), spawned.generate_state(4))


def test_resume_refuses_a_different_sweep(tmp_path):
    exp = write_sweep_spec(tmp_path / "e.toml", '"engine.quality" = [0.5, 0.8]')
    out = tmp_path / "out"
    out.mkdir()
    write_sweep_files(plan_sweep(exp), out)
    write_sweep_spec(exp, '"engine.quality" = [0.5, 0.9]')
    result = cli.invoke(app, ["sweep", str(exp), "--out", str(out), "--quiet"])
    assert result.exit_code == 2 and "design changed" in result.output
    assert "0.5, 0.8" in (out / SPEC_COPY).read_text()


@pytest.mark.parametrize("stored", [RUNS_DIR, TIMESERIES_DIR])
def test_resume_refuses_a_stored_folder_replaced_by_a_symlink(tmp_path, stored):
    """A sweep folder whose runs/ or timeseries/ was replaced by a link to another folder is refused (exit 2,
    naming the link) before anything is written: nothing appears in the folder the link points to."""
    exp = write_sweep_spec(tmp_path / "e.toml", '"engine.quality" = [0.5, 0.8]')
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    write_sweep_files(plan_sweep(exp), out)
    (out / stored).rmdir()
    (out / stored).symlink_to(elsewhere, target_is_directory=True)
    result = cli.invoke(app, ["sweep", str(exp), "--out", str(out), "--quiet"])
    assert result.exit_code == 2 and "symlink" in result.output and stored in result.output
    assert list(elsewhere.iterdir()) == []


def test_the_base_scenario_may_be_a_shipped_name(tmp_path):
    plan = plan_sweep(write_sweep_spec(tmp_path / "e.toml", '"engine.quality" = [0.5, 0.8]', scenario="bass"))
    assert plan.specs[0].scenario["name"] == "docking-bass"
    with pytest.raises(SweepSpecError, match="scenario: 'bas' is neither a file beside the spec .*did you mean 'bass'"):
        plan_sweep(write_sweep_spec(tmp_path / "e.toml", '"engine.quality" = [0.5, 0.8]', scenario="bas"))


def test_pending_specs_skip_written_and_failed_runs(tmp_path):
    specs = plan_sweep(write_sweep_spec(tmp_path / "e.toml", '"engine.quality" = [0.5, 0.8]')).specs
    statuses = {specs[0].run_id: STATUS_OK, specs[1].run_id: STATUS_ERROR}
    assert [s.run_id for s in pending_specs(specs, statuses, retry_failed=False)] == [s.run_id for s in specs[2:]]
    assert [s.run_id for s in pending_specs(specs, statuses, retry_failed=True)] == [s.run_id for s in specs[1:]]


# --- running on Dask ------------------------------------------------------------------------------
def test_failed_run_is_recorded_and_the_sweep_goes_on(tmp_path, thread_client):
    exp = write_sweep_spec(tmp_path / "e.toml", f'"channels.forum.membership" = [{FAILING_MEMBERSHIP}, 0.05]')
    out = tmp_path / "out"
    report = run(exp, ResearchOptions(out=out, progress=False), client=thread_client)
    assert (report.ok, report.failed) == (2, 2)
    runs = pd.read_parquet(out / RUNS_DIR)  # a plain read of the dataset has every column
    assert set(metric_names()) <= set(runs.columns)
    failed = runs[runs["status"] == STATUS_ERROR]
    assert list(failed["point"]) == [0, 0] and failed["final_adoption"].isna().all()
    assert failed["error"].str.contains("ScenarioError: seed_users.count = 10 but only 0").all()
    assert "Traceback" in failed["traceback"].iloc[0]
    assert runs.loc[runs["status"] == STATUS_OK, "final_adoption"].gt(0).all()
    assert len(list((out / TIMESERIES_DIR).iterdir())) == 2  # series of the finished runs only
    # Failed runs are not retried unless asked; --retry-failed re-runs them and only them.
    assert run(exp, ResearchOptions(out=out, progress=False), client=thread_client).skipped == 4
    again = run(exp, ResearchOptions(out=out, progress=False), client=thread_client, retry_failed=True)
    assert (again.skipped, again.failed) == (2, 2)


def test_existing_scheduler(tmp_path):
    """--scheduler sends the same sweep to a running cluster (here one on loopback, in threads)."""
    exp = write_sweep_spec(tmp_path / "e.toml", '"engine.quality" = [0.5, 0.8]', replicates=1)
    with local_cluster(1, processes=False) as cluster:
        result = cli.invoke(
            app,
            ["sweep", str(exp), "--out", str(tmp_path / "out"), "--scheduler", cluster.scheduler_address, "--quiet"],
        )
    assert result.exit_code == 0, result.output
    assert len(read_runs(tmp_path / "out")) == 2


def _wait_for_workers(client, n: int, timeout_s: float = 60) -> None:
    """Block until the cluster has exactly n workers."""
    deadline = time.monotonic() + timeout_s
    while len(client.scheduler_info()["workers"]) != n:
        assert time.monotonic() < deadline, f"the cluster did not reach {n} worker(s)"
        time.sleep(0.05)


@pytest.mark.slow
def test_one_and_two_local_workers_give_identical_results(tmp_path, capsys):
    """A real LocalCluster (worker processes on loopback) with 2 workers, then scaled down to 1:
    both write the same rows and series, failures included."""
    from distributed import Client

    exp = write_sweep_spec(
        tmp_path / "e.toml",
        f'"engine.quality" = [0.5, 0.8]\n"channels.forum.membership" = [{FAILING_MEMBERSHIP}, 0.05]',
        replicates=2,
    )
    frames = {}
    with local_cluster(2) as cluster, Client(cluster) as client:
        for workers in (2, 1):
            cluster.scale(workers)
            _wait_for_workers(client, workers)
            out = tmp_path / f"w{workers}"
            report = run(exp, ResearchOptions(out=out, progress=True), client=client)
            assert (report.total, report.skipped, report.ok, report.failed) == (8, 0, 4, 4)
            frames[workers] = (
                read_runs(out),
                read_timeseries(out).sort_values(["run_id", "step"]).reset_index(drop=True),
            )
    assert "failed=4" in capsys.readouterr().err  # the progress bar counts failures
    pd.testing.assert_frame_equal(frames[1][0], frames[2][0])
    pd.testing.assert_frame_equal(frames[1][1], frames[2][1])
    assert sorted(frames[1][0]["run_id"]) == [f"{p:05d}-{r:03d}" for p in range(4) for r in range(2)]


def _run_files(out: Path) -> dict[str, tuple[int, int]]:
    """run file -> (inode, mtime_ns): a file rewritten by os.replace gets a new inode."""
    files = {}
    for sub in (RUNS_DIR, TIMESERIES_DIR):
        for path in (out / sub).glob("run-*.parquet"):
            stat = path.stat()
            files[f"{sub}/{path.name}"] = (stat.st_ino, stat.st_mtime_ns)
    return files


@pytest.mark.slow
def test_resume_after_kill_9_loses_nothing_and_reruns_nothing(tmp_path, thread_client):
    """Kill the sweep process (and its workers) with SIGKILL mid-sweep, then run the same sweep again."""
    points, replicates, killed_after = 8, 2, 3
    values = ", ".join(f"{v:.3f}" for v in np.linspace(0.5, 0.9, points))
    exp = write_sweep_spec(tmp_path / "e.toml", f'"engine.quality" = [{values}]', replicates=replicates)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli.research", "sweep", str(exp), "--out", str(out), "--workers", "1", "--quiet"],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while len(list((out / RUNS_DIR).glob("run-*.parquet"))) < killed_after and time.monotonic() < deadline:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep process and its worker processes
        proc.wait()
    before = _run_files(out)
    written = len([k for k in before if k.startswith(RUNS_DIR)])
    assert killed_after <= written < points * replicates, "kill the sweep mid-way"
    assert (out.parent / f".{out.name}{LOCK_SUFFIX}").exists()  # left by the killed process; its flock is gone

    report = run(exp, ResearchOptions(out=out, progress=False), client=thread_client)
    assert report.skipped == written and report.ok + report.failed == points * replicates - written
    runs = read_runs(out)
    assert sorted(runs["run_id"]) == [f"{p:05d}-{r:03d}" for p in range(points) for r in range(replicates)]
    assert runs["run_id"].is_unique and (runs["status"] == STATUS_OK).all()
    after = _run_files(out)
    assert {k: after[k] for k in before} == before  # finished runs were neither re-run nor rewritten
    assert read_timeseries(out, columns=["run_id"])["run_id"].nunique() == points * replicates
    assert not list(out.rglob(".*.tmp")) and not (out.parent / f".{out.name}{LOCK_SUFFIX}").exists()


def test_design_size_is_capped_before_planning(tmp_path):
    """A 10^8-run grid is refused at once (it would take gigabytes to plan), naming the cap."""
    values = ", ".join(str(i) for i in range(1, 101))
    exp = write_sweep_spec(
        tmp_path / "e.toml",
        f'"wom.q" = [{values}]\n"engine.quality" = [{values}]\n"engine.expectation_mean" = [{values}]\n'
        f'"advertising.p_max" = [{values}]',
    )
    started = time.perf_counter()
    with pytest.raises(SweepSpecError, match="at most 100000 runs"):
        plan_sweep(exp)
    assert time.perf_counter() - started < 5


@pytest.mark.slow
def test_sweep_out_file_and_bad_scheduler_are_clear_errors(tmp_path):
    exp = write_sweep_spec(tmp_path / "e.toml", '"engine.quality" = [0.5]')
    (tmp_path / "file").write_text("x")
    res = cli.invoke(app, ["sweep", str(exp), "--out", str(tmp_path / "file"), "--quiet"])
    assert res.exit_code == 2 and "is a file" in res.output
    res = cli.invoke(app, ["sweep", str(exp), "--scheduler", "notaurl", "--quiet"])
    assert res.exit_code == 2 and "--scheduler" in res.output and "Traceback" not in res.output
    started = time.perf_counter()
    res = cli.invoke(
        app, ["sweep", str(exp), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9", "--quiet"]
    )
    assert res.exit_code == 1 and "cannot connect" in res.output
    assert time.perf_counter() - started < 60


@pytest.mark.slow
def test_corrupt_run_file_is_moved_aside_and_run_again(tmp_path, thread_client):
    exp = write_sweep_spec(tmp_path / "e.toml", '"engine.quality" = [0.5, 0.8]')
    out = tmp_path / "out"
    run(exp, ResearchOptions(out=out, progress=False), client=thread_client)
    good = {p.name: p.read_bytes() for p in (out / RUNS_DIR).glob("run-*.parquet")}
    bad = out / RUNS_DIR / "run-00001-000.parquet"
    bad.write_bytes(b"not parquet at all")
    res = cli.invoke(app, ["analyze", str(out)])
    assert res.exit_code == 0 and str(bad) in res.output  # analyze names the file and goes on
    report = run(exp, ResearchOptions(out=out, progress=False), client=thread_client)
    assert (report.skipped, report.ok) == (3, 1)
    assert any(str(bad) in note for note in report.notes)
    assert (out / "corrupt" / RUNS_DIR / bad.name).read_bytes() == b"not parquet at all"
    assert bad.read_bytes() == good[bad.name]  # the same seed gives the same run again


def test_sweep_too_large_for_memory_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    """The largest point, times the runs held at once, is checked against the machine's memory first."""
    from sim.config import memory
    from sim.config.errors import InputError

    monkeypatch.setattr(memory, "available_bytes", lambda: 1_000_000_000)  # a 1 GB machine
    spec = tmp_path / "big.toml"
    spec.write_text(
        f'name = "big"\nscenario = "{ROOT / "scenarios" / "default.toml"}"\nreplicates = 1\nset = ["run.days=4"]\n'
        '[design]\nkind = "grid"\n[parameters]\n"population.size" = [1000, 2000000]\n'
    )
    with pytest.raises(InputError, match="too large for this machine"):
        run(spec, ResearchOptions(out=tmp_path / "out", workers=2))
    assert not (tmp_path / "out").exists()
