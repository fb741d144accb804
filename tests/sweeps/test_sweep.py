"""`sim sweep`: SPEC syntax, sweep files, grids, caching, resume, failures, dry runs, errors."""

import copy
import csv
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SCENARIOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import sim
from sim.cli.app import app
from sim.engine.folders import overrides_mark
from sim.errors import ScenarioError
from sim.sweeps.designs import latin_hypercube
from sim.sweeps.files import build_spec
from sim.sweeps.plan import plan_sweep, resolve_point
from sim.sweeps.run import pending, run_sweep
from sim.sweeps.spec import Factor, Where, parse_spec
from sim.sweeps.store import PointStore

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})
STALLED = SCENARIOS / "stalled.yaml"
GRID = ["-p", "arsenal.production_rate=6,12,18", "-p", "arsenal.growth=0:0.1:3"]


def sweep(*args):
    return runner.invoke(app, ["sweep", *map(str, args)], catch_exceptions=False)


def folder_of(result) -> Path:
    return Path(result.output.strip().splitlines()[-1].removeprefix("Results: "))


def rows(folder: Path) -> list[dict]:
    with (folder / "points.csv").open() as f:
        return list(csv.DictReader(f))


# --------------------------------------------------------------------------- SPEC syntax


def test_spec_lists_ranges_bounds_and_distributions():
    where = Where()
    assert parse_spec("0.05,0.1,0.2", "x", where).levels == (0.05, 0.1, 0.2)
    assert parse_spec("0.05:0.25:5", "x", where).levels == (0.05, 0.1, 0.15, 0.2, 0.25)
    assert parse_spec("freeze_for_relief,arms_control", "x", where).levels == (
        "freeze_for_relief",
        "arms_control",
    )
    bounds = parse_spec("6:20", "x", where)
    assert not bounds.finite and bounds.at(0.5) == pytest.approx(13.0)
    tri = parse_spec("triangular(6, 12, 20)", "x", where)
    assert tri.dist.describe() == "triangular(6, 12, 20)"
    assert tri.at(0.0) == pytest.approx(6.0) and tri.at(0.999999) == pytest.approx(20, abs=0.1)
    flow = parse_spec("{lognormal: {median: 0.29, sigma: 0.4}}", "x", where)
    assert flow.at(0.5) == pytest.approx(0.29)
    assert parse_spec("scenario", "x", where).from_scenario
    assert (
        parse_spec("4,8", "x", where).at(0.49) == 4 and parse_spec("4,8", "x", where).at(0.5) == 8
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("1:2:x", "the count must be a whole number"),
        ("1:2:1", "the count must be a whole number"),
        ("triangle(6,12,20)", "unknown distribution 'triangle'"),
        ("triangular(6,12)", "triangular() takes 3 numbers, got 2"),
        ("20:6", "the low bound must be below the high one"),
        ("1,,2", "an empty item in the list"),
        ("a:b", "'a' is not a number"),
        ("1:2:3:4", "a range is start:stop:count"),
    ],
)
def test_bad_spec_strings_are_refused_with_exit_2(tmp_path, spec, message):
    result = sweep(STALLED, "-p", f"arsenal.production_rate={spec}", "-o", tmp_path)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "--param: arsenal.production_rate:" in result.output
    assert "Traceback" not in result.output
    assert not any(tmp_path.iterdir())


def test_unknown_parameter_paths_and_bad_values_are_located(tmp_path):
    result = sweep(STALLED, "-p", "arsenal.prodution_rate=6,12", "-o", tmp_path)
    assert result.exit_code == 2
    assert "arsenal.prodution_rate: not a parameter of scenario 'stalled'" in result.output
    assert "did you mean 'arsenal.production_rate'?" in result.output
    result = sweep(STALLED, "-p", "talks.initial_trust=0.5,1.2", "-o", tmp_path)
    assert result.exit_code == 2
    assert "at point 1 (talks.initial_trust=1.2)" in result.output
    assert "a probability must be in [0, 1]; got 1.2" in result.output
    result = sweep(STALLED, "-p", "arsenal.production_rate=6:20", "-o", tmp_path)
    assert result.exit_code == 2 and "a grid needs values" in result.output
    result = sweep(STALLED, "-p", "arsenal.sanctions_drag=scenario", "-d", "lhs", "-o", tmp_path)
    assert result.exit_code == 2 and "is fixed at 0.1 in the scenario" in result.output
    assert sweep(STALLED, "-o", tmp_path).exit_code == 2  # nothing to sweep
    assert not any(tmp_path.iterdir())


# --------------------------------------------------------------------------- points


def test_a_point_is_the_scenario_with_plain_values_and_hashes_like_the_loader():
    base = sim.load_scenario(STALLED)
    values = {"arsenal.production_rate": 15.0, "talks.us_demand": "arms_control"}
    point = resolve_point(base, values)
    assert point.content_hash() == sim.load_scenario(STALLED, overrides=values).content_hash()
    assert point.arsenal.production_rate.random is False  # a distribution became a number
    assert point.arsenal.production_rate.ppf(0.3) == 15.0


def test_3x3_grid_gives_9_rows_and_the_same_command_again_recomputes_none(tmp_path):
    metrics = ["-m", "final_material", "-m", "final_warheads", "-m", "nuclear_test"]
    args = [STALLED, *GRID, *metrics, "-n", 20, "-s", 5, "-w", 2, "-o", tmp_path]
    first = sweep(*args)
    assert first.exit_code == 0, first.output
    assert "9 points (9 distinct): 9 computed, 0 cached, 0 failed." in first.output
    folder = folder_of(first)
    table = rows(folder)
    assert len(table) == 9
    pairs = [(r["arsenal.production_rate"], r["arsenal.growth"]) for r in table]
    assert pairs == [(a, b) for a in ("6", "12", "18") for b in ("0.0", "0.05", "0.1")]
    # Each row holds exactly what `sim.run` gives for that scenario, seed and replications.
    row = table[5]
    direct = sim.run(
        sim.load_scenario(
            STALLED, overrides={"arsenal.production_rate": 12, "arsenal.growth": 0.1}
        ),
        reps=20,
        seed=5,
        workers=1,
    ).summary()
    assert float(row["final_material.mean"]) == direct["metrics"]["final_material"]["mean"]
    assert float(row["final_material.mcse"]) == direct["metrics"]["final_material"]["mcse"]
    assert float(row["final_material.p95"]) == direct["metrics"]["final_material"]["p95"]
    assert float(row["p_nuclear_test"]) == direct["probabilities"]["nuclear_test"]["p"]
    # Common random numbers: launches and tests do not depend on production, so with
    # the same seed at every point they come out identical, not merely similar.
    assert len({r["missile_launches.mean"] for r in table}) == 1
    points = sorted((tmp_path / "sweeps" / "stalled" / "points").glob("*.json"))
    assert len(points) == 9
    stamps = [p.stat().st_mtime_ns for p in points]
    csv_text = (folder / "points.csv").read_text()

    again = sweep(*args)
    assert again.exit_code == 0
    assert "0 computed, 9 cached, 0 failed (all cached: nothing recomputed)" in again.output
    assert [p.stat().st_mtime_ns for p in points] == stamps
    assert folder_of(again) == folder
    assert (folder / "points.csv").read_text() == csv_text
    assert {p.name for p in folder.iterdir()} >= {
        "points.csv",
        "points.parquet",
        "sweep.json",
        "report.md",
        "report.html",
        "plots",
    }
    report = (folder / "report.md").read_text()
    assert "![tornado of final_material](plots/tornado-final_material.png)" in report
    assert "![heatmap of final_material](plots/heatmap-final_material.png)" in report
    assert "fissile material at the horizon" in report and "**arsenal.production_rate**" in report
    html = (folder / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 2 and "<table>" in html
    pq = pytest.importorskip("pyarrow.parquet")
    parquet = pq.read_table(folder / "points.parquet")
    assert parquet.num_rows == 9
    assert parquet.column("final_material.mean").to_pylist() == [
        float(r["final_material.mean"]) for r in table
    ]


def test_dry_run_prints_the_plan_and_computes_nothing(tmp_path):
    result = sweep(STALLED, *GRID, "-n", 30, "-w", 2, "-o", tmp_path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "design: grid over 2 factor(s)" in result.output
    assert "arsenal.growth: 0, 0.05, 0.1" in result.output
    assert "points: 9 (9 distinct) x 30 replications" in result.output
    assert "cached: 0; failed earlier: 0; to run: 9" in result.output
    assert "ms a replication" in result.output and "estimate: about" in result.output
    assert "workers: 2 local processes at " in result.output  # their parallel efficiency
    assert "planning " in result.output and "analysis and report " in result.output
    assert "Nothing was run (--dry-run)." in result.output
    assert not any(tmp_path.iterdir())


def test_sweep_file_with_product_and_zip_groups(tmp_path):
    (tmp_path / "s.sweep.yaml").write_text(
        f"scenario: {STALLED}\n"
        "name: pairs\n"
        "reps: 10\n"
        "seed: 3\n"
        "set: {horizon_years: 6}\n"
        "product:\n"
        "  arsenal.production_rate: [6, 18]\n"
        "zip:\n"
        "  - arsenal.initial_material: [60, 90, 140]\n"
        "    arsenal.initial_warheads: 35:70:3\n"
        "metrics: [final_material]\n"
    )
    result = sweep(tmp_path / "s.sweep.yaml", "-w", 1, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    folder = folder_of(result)
    assert folder.parent.name == "pairs"
    table = rows(folder)
    got = [
        (r["arsenal.production_rate"], r["arsenal.initial_material"], r["arsenal.initial_warheads"])
        for r in table
    ]
    pairs = [("60", "35.0"), ("90", "52.5"), ("140", "70.0")]
    assert got == [(a, m, w) for a in ("6", "18") for m, w in pairs]
    doc = json.loads((folder / "sweep.json").read_text())
    assert list(doc["sensitivity"]) == ["final_material"]
    assert doc["sweep"]["overrides"] == {"horizon_years": 6}
    factors = [f["label"] for f in doc["sweep"]["factors"]]
    assert factors == [
        "arsenal.production_rate",
        "arsenal.initial_material + arsenal.initial_warheads",
    ]


def test_sweep_file_errors_name_their_line(tmp_path):
    bad = tmp_path / "bad.sweep.yaml"
    bad.write_text(f"scenario: {STALLED}\nproduct:\n  arsenal.growth: [0, 0.1]\nrepz: 3\n")
    result = sweep(bad, "-o", tmp_path)
    assert result.exit_code == 2
    assert f"{bad}:4:1: repz: unknown key 'repz'" in result.output
    assert "did you mean 'reps'?" in result.output
    bad.write_text(
        f"scenario: {STALLED}\nzip:\n  - arsenal.growth: [0, 0.1]\n    arsenal.production_rate: [6, 12, 18]\n"
    )
    result = sweep(bad, "-o", tmp_path)
    assert result.exit_code == 2
    assert "zipped parameters need the same number of values" in result.output
    bad.write_text(f"scenario: {STALLED}\nproduct:\n  arsenal.growth: 0:0.1:x\n")
    result = sweep(bad, "-o", tmp_path)
    assert result.exit_code == 2 and f"{bad}:3:3: arsenal.growth: range" in result.output


def test_latin_hypercube_uses_every_stratum_once_and_is_reproducible():
    factors = tuple(Factor(((f"x{i}", parse_spec("0:1", f"x{i}", Where())),)) for i in range(3))
    a = latin_hypercube(factors, 20, seed=4)
    for j in range(3):
        assert sorted(np.floor(a.coords[:, j] * 20).astype(int)) == list(range(20))
    assert np.array_equal(a.coords, latin_hypercube(factors, 20, seed=4).coords)
    assert not np.array_equal(a.coords, latin_hypercube(factors, 20, seed=5).coords)


# --------------------------------------------------------------------------- failures and resume


def test_a_failing_point_is_recorded_and_retry_failed_reruns_only_it(tmp_path, monkeypatch):
    import sim.sweeps.run as sweep_module

    real = sweep_module._simulate

    def flaky(scenario, reps, seed):
        if scenario.arsenal.production_rate.ppf(0.5) == 12:
            raise RuntimeError("the model fell over")
        return real(scenario, reps, seed)

    monkeypatch.setattr(sweep_module, "_simulate", flaky)
    args = [STALLED, "-p", "arsenal.production_rate=6,12,18", "-m", "final_material"]
    args += ["-n", 10, "-w", 1, "-o", tmp_path]
    first = sweep(*args)
    assert first.exit_code == 1
    assert "3 computed, 0 cached, 1 failed" in first.output
    assert "1 point(s) failed" in first.output
    folder = folder_of(first)
    assert [r["status"] for r in rows(folder)] == ["ok", "failed", "ok"]
    assert rows(folder)[1]["final_material.mean"] == ""
    doc = json.loads((folder / "sweep.json").read_text())
    assert doc["failed"][0]["error"] == "RuntimeError: the model fell over"
    assert doc["failed"][0]["values"] == {"arsenal.production_rate": 12}
    assert "RuntimeError: the model fell over" in (folder / "report.md").read_text()

    second = sweep(*args)  # without --retry-failed the failure stands
    assert "0 computed, 2 cached, 1 failed" in second.output
    assert "--retry-failed reruns them" in second.output

    monkeypatch.setattr(sweep_module, "_simulate", real)
    third = sweep(*args, "--retry-failed")
    assert third.exit_code == 0, third.output
    assert "1 computed, 2 cached, 0 failed" in third.output
    assert [r["status"] for r in rows(folder)] == ["ok"] * 3


def test_ctrl_c_keeps_finished_points_and_the_rerun_resumes(tmp_path, monkeypatch):
    import sim.sweeps.run as sweep_module

    real = sweep_module._simulate
    calls = []

    def interrupted(scenario, reps, seed):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(scenario, reps, seed)

    monkeypatch.setattr(sweep_module, "_simulate", interrupted)
    args = [STALLED, "-p", "arsenal.production_rate=6:16:6", "-m", "final_material"]
    args += ["-n", 10, "-w", 1, "-o", tmp_path]
    result = runner.invoke(app, ["sweep", *map(str, args)])
    assert result.exit_code == 130
    assert "Interrupted: 3 of 6 points are saved" in result.output
    assert "run the same command again to resume" in result.output
    monkeypatch.setattr(sweep_module, "_simulate", real)
    resumed = sweep(*args)
    assert "3 computed, 3 cached, 0 failed" in resumed.output
    reference = sweep(*args[:-1], tmp_path / "ref")
    assert (folder_of(resumed) / "points.csv").read_text() == (
        folder_of(reference) / "points.csv"
    ).read_text()


def test_a_sweep_killed_half_way_resumes_to_the_same_table(tmp_path):
    args = [str(STALLED), "-p", "arsenal.production_rate=4:20:12", "-n", "60", "-s", "2"]
    args += ["-m", "final_material"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", *args, "-w", "1", "-q", "-o", str(tmp_path / "a")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    points = tmp_path / "a" / "sweeps" / "stalled" / "points"
    deadline = time.monotonic() + 60
    while len(list(points.glob("*.json"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    saved = len(list(points.glob("*.json")))
    assert 3 <= saved < 12, "the sweep finished before it could be killed"
    resumed = sweep(*args, "-w", 2, "-o", tmp_path / "a")
    assert resumed.exit_code == 0, resumed.output
    assert f"{12 - saved} computed, {saved} cached, 0 failed" in resumed.output
    whole = sweep(*args, "-w", 2, "-o", tmp_path / "b")
    assert (folder_of(resumed) / "points.csv").read_text() == (
        folder_of(whole) / "points.csv"
    ).read_text()


def test_an_unreadable_cache_record_is_computed_again(tmp_path):
    spec = build_spec(STALLED, ["arsenal.production_rate=6,12"], reps=5, seed=1)
    plan = plan_sweep(spec)
    store = PointStore(tmp_path)
    from sim.engine.executors import LocalExecutor

    with LocalExecutor(1) as ex:
        first = run_sweep(plan, store, ex)
    key = plan.points[0].key
    (tmp_path / f"{key}.json").write_text('{"key": "trunc')  # as if cut off by a crash
    with LocalExecutor(1) as ex:
        again = run_sweep(plan, store, ex)
    assert (again.computed, again.cached) == (1, 1)
    assert again.records[key]["metrics"] == first.records[key]["metrics"]
    # records are read from the store when asked, as a mapping by key
    assert list(again.records.keys()) == [p.key for p in plan.points]
    assert [r["key"] for r in again.records.values()] == [p.key for p in plan.points]


def test_a_dry_run_counts_the_points_as_the_run_then_treats_them(tmp_path):
    """`pending` (--dry-run) and `run_sweep` sort cached, failed and missing points alike."""
    from sim.engine.executors import LocalExecutor

    spec = build_spec(STALLED, ["arsenal.production_rate=6,12,18"], reps=5, seed=1)
    plan = plan_sweep(spec)
    store = PointStore(tmp_path)
    _, failed, missing = plan.points
    assert pending(plan, store) == (list(plan.points), 0, 0)
    with LocalExecutor(1) as ex:
        run_sweep(plan, store, ex)
    store.put({"key": failed.key, "status": "failed", "error": "boom", "finished": "2026-01-01"})
    (tmp_path / f"{missing.key}.json").unlink()
    assert pending(plan, store) == ([missing], 1, 1)
    assert pending(plan, store, retry_failed=True) == ([failed, missing], 1, 0)
    with LocalExecutor(1) as ex:
        again = run_sweep(plan, store, ex)
    counts = (again.computed, again.cached, again.failed_before, again.retried)
    assert counts == (1, 1, 1, 0) and again.failed == [failed.key]
    with LocalExecutor(1) as ex:
        retried = run_sweep(plan, store, ex, retry_failed=True)
    counts = (retried.computed, retried.cached, retried.failed_before, retried.retried)
    assert counts == (1, 2, 0, 1) and not retried.failed
    assert pending(plan, store, retry_failed=True) == ([], 3, 0)
    assert retried.records is retried.records  # one mapping, not one a point read


def test_report_without_matplotlib_says_plots_are_off(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m.split(".")[0] == "matplotlib"] + ["matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)  # as if it were not installed
    monkeypatch.delitem(sys.modules, "sim.report.sweep_plots", raising=False)
    result = sweep(
        STALLED,
        "-p",
        "arsenal.production_rate=6,18",
        "-m",
        "final_material",
        "-n",
        5,
        "-o",
        tmp_path,
    )
    assert result.exit_code == 0, result.output
    folder = folder_of(result)
    assert "Plots are off: matplotlib is not installed" in (folder / "report.md").read_text()
    assert not (folder / "plots").exists()


def test_help_has_examples_and_sim_help_stays_light():
    result = runner.invoke(app, ["sweep", "--help"])
    assert (
        result.exit_code == 0 and "Example" in result.output and "--retry-failed" in result.output
    )
    code = (
        "import sys\nfrom sim.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('simpy', 'matplotlib', 'pandas', 'dask', 'distributed', 'SALib')"
        " if m in sys.modules]\nprint('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "HEAVY []" in out


def test_fixed_overrides_mark_the_sweep_id():
    plain = plan_sweep(build_spec(STALLED, ["arsenal.production_rate=6,12"], reps=2))
    fixed = plan_sweep(
        build_spec(STALLED, ["arsenal.production_rate=6,12"], reps=2, sets=["arsenal.growth=0.05"])
    )
    assert "-set" not in plain.id and fixed.base.overrides == ["arsenal.growth=0.05"]
    assert fixed.id.endswith(overrides_mark(["arsenal.growth=0.05"]))
    assert fixed.id.removesuffix(overrides_mark(["arsenal.growth=0.05"])) != plain.id


def test_plan_errors_are_scenario_errors():
    with pytest.raises(ScenarioError, match="not a parameter"):
        plan_sweep(build_spec(STALLED, ["no.such.path=1,2"]))


def test_the_readme_sweep_file_is_valid(tmp_path):
    readme = (SCENARIOS.parent / "README.md").read_text()
    section = readme.split("### Sweep files", 1)[1]
    text = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    shipped = SCENARIOS / "sweeps" / "production.sweep.yaml"
    assert text.startswith("# scenarios/sweeps/production.sweep.yaml\n")
    assert yaml.safe_load(text) == yaml.safe_load(shipped.read_text())  # shown as shipped
    result = sweep(shipped, "-o", tmp_path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "points: 27 (27 distinct) x 200 replications, seed 7" in result.output
    assert "arsenal.initial_warheads: 35, 50, 70  (zipped)" in result.output


def test_the_readme_python_example_runs(tmp_path, monkeypatch):
    readme = (SCENARIOS.parent / "README.md").read_text()
    section = readme.split("### From Python", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(code.replace("scenarios/stalled.yaml", str(STALLED)), namespace)
    assert len(namespace["points"]) == 3
    assert namespace["sw"].rankings["final_material"].order()[0] == 0
    assert namespace["sw"].drivers("final_material") == ["arsenal.production_rate"]
    assert (tmp_path / namespace["folder"] / "points.csv").is_file()


# --------------------------------------------------------------------------- a damaged cache


@pytest.fixture(scope="module")
def cached(tmp_path_factory):
    """A two-point sweep and its store, computed once."""
    from sim.engine.executors import LocalExecutor

    plan = plan_sweep(build_spec(STALLED, ["arsenal.production_rate=6,12"], reps=5, seed=1))
    store = PointStore(tmp_path_factory.mktemp("store"))
    with LocalExecutor(1) as ex:
        return plan, store, run_sweep(plan, store, ex)


RECORD_JUNK = st.sampled_from([None, [], {}, "x", -1, 0.5, 2, True, math.inf, math.nan, {"n": "5"}])


@st.composite
def damaged_record(draw, record: dict) -> bytes:
    """A cache record cut short, or with a figure, a block or a key replaced or removed."""
    text = json.dumps(record)
    if draw(st.booleans()):
        return text[: draw(st.integers(0, len(text) - 1))].encode()
    doc = copy.deepcopy(record)
    node, key = doc, draw(st.sampled_from(sorted(doc)))
    while isinstance(node[key], dict) and node[key] and draw(st.booleans()):
        node, key = node[key], draw(st.sampled_from(sorted(node[key])))
    if draw(st.booleans()):
        del node[key]
    else:
        node[key] = draw(RECORD_JUNK)
    return json.dumps(doc).encode()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_damaged_cache_record_is_computed_again_never_crashing_the_report(cached, tmp_path, data):
    from sim.engine.executors import LocalExecutor
    from sim.report.sweep import report_blocks, sweep_json
    from sim.sweeps.sensitivity import analyse
    from sim.sweeps.table import table

    plan, store, first = cached
    key = plan.points[1].key
    with tempfile.TemporaryDirectory(dir=tmp_path) as work:
        copy_ = PointStore(Path(work) / "points")
        shutil.copytree(store.folder, copy_.folder)
        (copy_.folder / f"{key}.json").write_bytes(data.draw(damaged_record(first.records[key])))
        with LocalExecutor(1) as ex:
            again = run_sweep(plan, copy_, ex)
        if key in copy_.damaged:  # refused and recomputed: the same figures as the first time
            assert (again.computed, again.cached) == (1, 1)
            for block in ("metrics", "probabilities"):
                assert again.records[key][block] == first.records[key][block]
            assert json.loads((copy_.folder / f"{key}.json").read_text())["status"] == "ok"
        rankings = analyse(again)
        table(again)
        sweep_json(again, rankings, {})
        report_blocks(again, rankings, {}, None)


def test_damaged_records_are_reported_once_and_recomputed(tmp_path):
    args = [STALLED, "-p", "arsenal.production_rate=6,12,18", "-n", 5, "-w", 1, "-q"]
    args += ["-m", "final_material", "-o", tmp_path]
    assert sweep(*args).exit_code == 0
    records = sorted((tmp_path / "sweeps" / "stalled" / "points").glob("*.json"))
    key = records[0].stem
    records[0].write_text(json.dumps({"key": key, "status": "ok"}))  # no figures
    records[1].write_text('{"key": "trunc')
    again = sweep(*args)
    assert again.exit_code == 0, again.output
    assert "2 computed, 1 cached, 0 failed" in again.output
    assert again.output.count("damaged or unreadable and were computed again") == 1


def test_a_sweep_whose_every_point_fails_still_writes_its_report(tmp_path, monkeypatch):
    import sim.sweeps.run as sweep_module

    def broken(scenario, reps, seed):
        raise RuntimeError("the model fell over")

    monkeypatch.setattr(sweep_module, "_simulate", broken)
    args = [STALLED, "-p", "arsenal.production_rate=6,12", "-n", 5, "-w", 1, "-o", tmp_path]
    for extra in ([], ["--retry-failed"]):
        result = runner.invoke(app, ["sweep", *map(str, args), *extra])
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "2 point(s) failed" in result.output
        assert "point 0 (arsenal.production_rate=6): RuntimeError: the model fell over" in (
            result.output
        )
        folder = folder_of(result)
        assert [r["status"] for r in rows(folder)] == ["failed", "failed"]
        assert len(json.loads((folder / "sweep.json").read_text())["failed"]) == 2
        assert "the model fell over" in (folder / "report.md").read_text()


# --------------------------------------------------------------------------- --scheduler addresses


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("http://10.0.0.5:8787", "http:// is a web address (the dashboard's?)"),
        ("ftp://10.0.0.5:8786", "unknown protocol ftp://"),
        ("tcp://:8786", "expected HOST or HOST:PORT after the protocol"),
        ("tcp://10.0.0.5:8786/status", "expected HOST or HOST:PORT after the protocol"),
        ("10.0.0.5:99999", "the port must be a number from 1 to 65535"),
        ("10.0.0.5:http", "the port must be a number from 1 to 65535"),
        ("10.0.0.5", "give the port (Dask's default is 8786)"),
    ],
)
def test_a_bad_scheduler_address_is_refused_before_anything_runs(tmp_path, address, why):
    result = runner.invoke(app, ["sweep", str(STALLED), *GRID, "--scheduler", address])
    assert result.exit_code == 2, result.output
    assert f"--scheduler: {address!r} is not a Dask scheduler address: {why}" in result.output
    assert "hint: give the address `dask scheduler` prints" in result.output
    assert "Traceback" not in result.output


def test_a_bad_scheduler_address_is_reported_even_before_the_scenario_is_read(tmp_path):
    missing = tmp_path / "missing.yaml"
    result = runner.invoke(app, ["sweep", str(missing), "--scheduler", "http://h:8787"])
    assert result.exit_code == 2
    assert "--scheduler: 'http://h:8787' is not a Dask scheduler address" in result.output


@pytest.mark.parametrize(
    "address",
    ["tcp://10.0.0.5:8786", "10.0.0.5:8786", "tls://sched.example:8786", "ucx://10.0.0.5:13337",
     "[::1]:8786", "tcp://[::1]:8786", "ws://localhost:8786", "tcp://localhost"],
)  # fmt: skip
def test_scheduler_addresses_dask_accepts_pass(address):
    from sim.engine.executors import check_scheduler

    assert check_scheduler(address) == address


def test_points_cached_by_another_engine_version_are_never_reused(tmp_path, monkeypatch):
    """A new engine may give other numbers for the same scenario and seed: its points have
    other keys, so a cache filled by an older version is computed again, not read."""
    from sim.engine.executors import LocalExecutor
    from sim.sweeps import plan as plan_module

    spec = build_spec(STALLED, ["arsenal.production_rate=6,12"], reps=5, seed=1)
    store = PointStore(tmp_path)
    monkeypatch.setattr(plan_module, "__version__", "0.0.1")
    old = plan_sweep(spec)
    with LocalExecutor(1) as ex:
        assert run_sweep(old, store, ex).computed == 2
    monkeypatch.undo()
    new = plan_sweep(spec)
    assert {p.key for p in new.points}.isdisjoint(p.key for p in old.points)
    with LocalExecutor(1) as ex:
        again = run_sweep(new, store, ex)
    assert (again.computed, again.cached) == (2, 0)
