"""Comparing runs: exact zeros against itself, paired arithmetic, known differences, refusals."""

import copy
import json
import math
import subprocess
import sys

import numpy as np
import pytest
import yaml
from conftest import NEUTRAL, SCENARIOS, save_without_charts, set_path
from typer.testing import CliRunner

import sim
from sim import compare as C
from sim.cli import app
from sim.errors import ScenarioError

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})
STALLED, FREEZE = SCENARIOS / "stalled.yaml", SCENARIOS / "freeze.yaml"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def write_scenario(folder, name, **changes):
    """The neutral scenario of conftest as a file, with dotted-path changes."""
    data = copy.deepcopy(NEUTRAL)
    data["name"] = name
    for path, value in changes.items():
        set_path(data, path, value)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def stalled_vs_freeze():
    runs = C.gather([STALLED, FREEZE], reps=40, seed=5, workers=1)
    return runs, C.compare(runs, "test")


@pytest.fixture(scope="module")
def saved_stalled(tmp_path_factory):
    results = sim.run(sim.load_scenario(STALLED), reps=30, seed=2, workers=1)
    return save_without_charts(results, tmp_path_factory.mktemp("out"), "stalled-run")


def all_differences(vs):
    rows = list(vs["metrics"].values()) + list(vs["probabilities"].values())
    return rows + vs["averted"]["warheads"] + vs["averted"]["material"]


def test_a_scenario_compared_with_itself_differs_by_exactly_zero():
    runs = C.gather([STALLED, STALLED], reps=30, seed=2, workers=1)
    data = C.compare(runs)
    assert list(data["scenarios"]) == ["stalled", "stalled (2)"]
    vs = data["scenarios"]["stalled (2)"]["vs_baseline"]
    assert vs["paired"] and vs["parameters"] == []
    rows = all_differences(vs)
    assert all(r["diff"] == 0.0 for r in rows if r["n"]), "every difference is exactly zero"
    paired = [r for r in rows if r["paired"] and r["n"]]
    assert len(paired) > 40 and all(r["ci95"] == [0.0, 0.0] for r in paired)


def test_a_saved_run_compared_with_its_scenario_file_differs_by_exactly_zero(saved_stalled):
    # the scenario file runs with the folder's seed and replications, so rows pair exactly
    runs = C.gather([saved_stalled, STALLED], workers=1)
    assert [r.kind for r in runs] == ["results", "scenario"]
    assert runs[1].seed == 2 and runs[1].replications == 30
    vs = C.compare(runs)["scenarios"]["stalled (2)"]["vs_baseline"]
    assert vs["paired"]
    assert all(r["diff"] == 0.0 for r in all_differences(vs) if r["n"])


def test_paired_differences_are_row_by_row(stalled_vs_freeze):
    runs, data = stalled_vs_freeze
    base, freeze = runs
    vs = data["scenarios"]["freeze"]["vs_baseline"]
    d = freeze.scalars["final_warheads"] - base.scalars["final_warheads"]
    fw = vs["metrics"]["final_warheads"]
    assert fw["paired"] and fw["n"] == 40
    assert fw["diff"] == pytest.approx(d.mean(), abs=1e-12)
    assert fw["se"] == pytest.approx(d.std(ddof=1) / math.sqrt(40), rel=1e-12)
    assert fw["ci95"] == pytest.approx(
        [fw["diff"] - 1.959964 * fw["se"], fw["diff"] + 1.959964 * fw["se"]]
    )
    year5 = vs["averted"]["material"][4]
    assert (year5["year"], year5["month"], year5["date"]) == (5, 60, "2031-01")
    averted = (
        base.trajectories["material"][:, 60].astype(float) - freeze.trajectories["material"][:, 60]
    )
    assert year5["diff"] == pytest.approx(averted.mean(), abs=1e-9)
    deal = vs["probabilities"]["deal_reached"]
    p = data["scenarios"]["freeze"]["probabilities"]["deal_reached"]["p"]
    p0 = data["scenarios"]["stalled"]["probabilities"]["deal_reached"]["p"]
    assert deal["diff"] == pytest.approx(p - p0, abs=1e-12)


def test_conditional_metrics_are_compared_unpaired(stalled_vs_freeze):
    _, data = stalled_vs_freeze
    vs = data["scenarios"]["freeze"]["vs_baseline"]
    assert not vs["metrics"]["months_to_deal_reached"]["paired"]
    assert vs["metrics"]["final_material"]["paired"]


def test_semantic_diff_names_what_the_freeze_changes(stalled_vs_freeze):
    _, data = stalled_vs_freeze
    rows = data["scenarios"]["freeze"]["vs_baseline"]["parameters"]
    assert {r["path"]: (r["baseline"], r["scenario"]) for r in rows} == {
        "calendar.us_offer.at": (None, "2026-07"),
        "calendar.us_offer.label": (
            None,
            "The US offers sanctions relief for a freeze, dropping denuclearization-first",
        ),
        "calendar.us_offer.set.talks.us_demand": (None, "freeze_for_relief"),
    }


def test_semantic_diff_reads_values_not_their_spelling():
    a = {"name": "a", "deal": {"relief": {"value": 0.2, "source": "x", "note": "why"}},
         "arsenal": {"production_rate": {"triangular": [6, 12, 20]}, "growth": 0.05}}  # fmt: skip
    b = {"name": "b", "deal": {"relief": 0.2},
         "arsenal": {"production_rate": {"uniform": [6, 20], "source": "y"}}}  # fmt: skip
    assert C.semantic_diff(a, b) == [
        {
            "path": "arsenal.production_rate",
            "baseline": "triangular(6, 12, 20)",
            "scenario": "uniform(6, 20)",
        },
        {"path": "arsenal.growth", "baseline": "0.05", "scenario": None},
    ]
    params = C.parameters(a)
    assert params["deal.relief"] == {"value": "0.2", "sources": ["x"], "note": "why"}


def test_a_known_difference_is_recovered(tmp_path):
    # Same everything but half the production: material averted after k years is 6k exactly.
    fast = write_scenario(tmp_path, "fast")
    slow = write_scenario(tmp_path, "slow", **{"arsenal.production_rate": 6})
    vs = C.compare(C.gather([fast, slow], reps=5, seed=1, workers=1))["scenarios"]["slow"][
        "vs_baseline"
    ]
    for row in vs["averted"]["material"]:
        assert row["diff"] == pytest.approx(6 * row["year"], abs=1e-3)
        assert row["ci95"][1] - row["ci95"][0] == pytest.approx(0, abs=1e-3)
    assert vs["metrics"]["material_per_year"]["diff"] == pytest.approx(-6, abs=1e-6)


def test_common_random_numbers_narrow_the_interval_around_the_true_difference(tmp_path):
    # production ~ uniform(6, 18) against uniform(3, 9): row by row the second is half the
    # first, so the mean material averted by year k is k * E[rate] / 2 = 6k.
    wide = write_scenario(tmp_path, "wide", **{"arsenal.production_rate": {"uniform": [6, 18]}})
    half = write_scenario(tmp_path, "half", **{"arsenal.production_rate": {"uniform": [3, 9]}})
    paired = C.gather([wide, half], reps=200, seed=3, workers=1)
    row = C.compare(paired)["scenarios"]["half"]["vs_baseline"]["averted"]["material"][4]
    assert abs(row["diff"] - 30) < 4 * row["se"]
    other_seed = C.gather([half], reps=200, seed=4, workers=1)
    unpaired = C.compare([paired[0], other_seed[0]])["scenarios"]["half"]["vs_baseline"]
    far = unpaired["averted"]["material"][4]
    assert not far["paired"] and "unpaired" in unpaired["pairing"]
    assert abs(far["diff"] - 30) < 4 * far["se"]
    assert far["se"] > 1.5 * row["se"]  # sharing random numbers buys precision


def test_runs_over_different_months_are_refused(tmp_path):
    late = tmp_path / "late.yaml"
    late.write_text(f"extends: {STALLED}\nstart: 2027-01\nhorizon_years: 8\n")
    with pytest.raises(ScenarioError) as info:
        C.gather([STALLED, late], reps=5, seed=1, workers=1)
    text = str(info.value)
    assert str(late) in text and "cannot be compared with the baseline" in text
    assert "start 2027-01, the baseline's 2026-01" in text
    assert "horizon 96 months, the baseline's 120 months" in text


def test_cli_refuses_bad_inputs_with_exit_2_and_no_traceback(tmp_path, saved_stalled):
    late = tmp_path / "late.yaml"
    late.write_text(f"extends: {STALLED}\nhorizon_years: 5\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = {
        (saved_stalled, late): "horizon 60 months, the baseline's 120 months",
        (STALLED, empty): f"{empty}: not a result folder",
        (saved_stalled.parent.parent, STALLED): "give one of them, e.g.",
        (STALLED, tmp_path / "nope.yaml"): "no such scenario file or result folder",
        (STALLED,): "give at least two inputs",
    }
    for inputs, message in cases.items():
        result = invoke("compare", *inputs, "-o", tmp_path)
        assert result.exit_code == 2, inputs
        assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "compare").exists()


def test_cli_compare_prints_the_tables_and_writes_the_folder(tmp_path):
    result = invoke("compare", STALLED, FREEZE, "--reps", 20, "--seed", 9, "-w", 1, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert "Weapons averted: stalled minus freeze" in result.output
    assert "year 5 (2031-01)" in result.output and "final_warheads" in result.output
    assert "calendar.us_offer.at" in result.output
    folder = tmp_path / "compare" / result.output.strip().splitlines()[-1].split("/")[-1]
    assert folder.is_dir() and folder.parent == tmp_path / "compare"
    names = {p.name for p in folder.iterdir()}
    assert {"comparison.json", "report.md", "report.html"} <= names
    data = json.loads((folder / "comparison.json").read_text())
    assert data["id"] == folder.name and data["baseline"] == "stalled"
    assert data["grid"] == {"start": "2026-01", "horizon_months": 120, "years": list(range(1, 11)),
                            "dates": [f"{y}-01" for y in range(2027, 2037)]}  # fmt: skip
    freeze = data["scenarios"]["freeze"]
    assert (freeze["seed"], freeze["replications"], freeze["kind"]) == (9, 20, "scenario")
    assert set(freeze["vs_baseline"]) == {
        "paired",
        "pairing",
        "metrics",
        "probabilities",
        "averted",
        "parameters",
    }
    assert set(freeze["vs_baseline"]["metrics"]["final_warheads"]) == {
        "diff",
        "se",
        "ci95",
        "n",
        "paired",
    }
    assert "## `freeze` minus `stalled`" in (folder / "report.md").read_text()


def test_an_interrupted_comparison_leaves_no_folder(tmp_path, monkeypatch, stalled_vs_freeze):
    runs, data = stalled_vs_freeze

    def boom(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.html.write_compare_report", boom)
    with pytest.raises(KeyboardInterrupt):
        C.save(dict(data), runs, tmp_path)
    assert list((tmp_path / "compare").iterdir()) == []


def test_a_difference_reads_with_its_interval():
    assert C.ci_text({"diff": -12.13, "se": 1.3, "ci95": [-14.68, -9.58]}) == "-12.1 [-14.7, -9.6]"
    assert C.ci_text({"diff": 0.0, "se": 0.0, "ci95": [0.0, 0.0]}) == "0 [0, 0]"
    assert C.ci_text({"diff": None, "se": None, "ci95": None}) == "–"
    d = C.mean_difference(np.array([1.0, 2.0, np.nan]), np.array([1.0]), paired=False)
    assert d["diff"] == 0.5 and d["se"] is None and d["ci95"] is None


def test_help_has_examples_and_does_not_load_the_simulation_stack():
    for command in ("compare", "trace"):
        result = invoke(command, "--help")
        assert result.exit_code == 0 and "Examples" in result.output
    probe = "import sys, sim.cli; print(sorted(m for m in ('matplotlib', 'simpy', 'pandas', 'dask') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_streamed_run_is_refused_with_the_reason(tmp_path):
    streamed = sim.run(sim.load_scenario(STALLED), reps=5, seed=1, workers=1, stream=True)
    folder = streamed.save(tmp_path)
    with pytest.raises(ScenarioError, match="made with --no-trajectories"):
        C.gather([folder, STALLED], workers=1)


def test_a_run_saved_without_monthly_paths_cannot_show_weapons_averted(tmp_path):
    bare = sim.run(sim.load_scenario(STALLED), reps=5, seed=1, workers=1, trajectories=False)
    folder = save_without_charts(bare, tmp_path, "bare")
    with pytest.raises(ScenarioError, match="lacks warheads, material"):
        C.gather([folder, STALLED], workers=1)
