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
from scipy import stats
from typer.testing import CliRunner

import sim
from sim.analysis import compare as C
from sim.cli.app import app
from sim.engine.intervals import t95, t_quantile, wilson
from sim.errors import ScenarioError
from sim.report import comparison as R

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
    assert vs["paired"] and vs["same"] and vs["parameters"] == []
    assert "the same scenario, so every difference is exactly 0" in vs["pairing"]
    rows = [r for r in all_differences(vs) if r["n"]]
    assert len(rows) > 40
    for r in rows:  # months_to_* rows included: the event happened at the same replications
        assert (r["diff"], r["se"], r["ci95"]) == (0.0, 0.0, [0.0, 0.0]), r
        assert R.ci_text(r) == "0 [0, 0]"
    assert vs["metrics"]["months_to_nuclear_test"]["paired"]


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
    t = stats.t.ppf(0.975, 39)  # 40 paired replications: Student t with 39 df, not 1.96
    assert fw["df"] == 39
    assert fw["ci95"] == pytest.approx([fw["diff"] - t * fw["se"], fw["diff"] + t * fw["se"]])
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
        "same",
        "pairing",
        "metrics",
        "probabilities",
        "averted",
        "parameters",
    }
    assert set(freeze["vs_baseline"]["metrics"]["final_warheads"]) == {
        "diff",
        "se",
        "df",
        "ci",
        "ci95",
        "n",
        "paired",
    }
    assert "## `freeze` minus `stalled`" in (folder / "report.md").read_text()


def test_an_interrupted_comparison_leaves_no_folder(tmp_path, monkeypatch, stalled_vs_freeze):
    runs, data = stalled_vs_freeze

    def boom(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.report.comparison.write_compare_report", boom)
    with pytest.raises(KeyboardInterrupt):
        R.save(dict(data), runs, tmp_path)
    assert list((tmp_path / "compare").iterdir()) == []


def test_a_difference_reads_with_its_interval():
    assert R.ci_text({"diff": -12.13, "se": 1.3, "ci95": [-14.68, -9.58]}) == "-12.1 [-14.7, -9.6]"
    assert R.ci_text({"diff": 0.0, "se": 0.0, "ci95": [0.0, 0.0]}) == "0 [0, 0]"
    assert R.ci_text({"diff": None, "se": None, "ci95": None}) == "–"
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


# --------------------------------------------------------------------------- the intervals


@pytest.mark.parametrize("df", [1, 1.5, 2, 3, 4, 5.7, 9, 30, 120, 999, 1001, 1e5, 1e9])
def test_t_quantiles_match_scipy(df):
    for p in (0.6, 0.9, 0.975, 0.995, 0.025):
        assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9)
    assert t95(df) == pytest.approx(stats.t.ppf(0.975, df), rel=1e-9)


def test_t_quantile_refuses_what_has_none():
    for p, df in ((0.0, 3), (1.0, 3), (0.5, 0), (0.9, -1)):
        with pytest.raises(ValueError, match="need 0 < p < 1 and df > 0"):
            t_quantile(p, df)


def coverage(trials, truth, make, paired, confidence=0.95):
    """Share of trials whose interval (95% unless said) covers the true difference."""
    hits = 0
    for _ in range(trials):
        x, y = make()
        lo, hi = C.mean_difference(x, y, paired, confidence)["ci"]
        hits += lo <= truth <= hi
    return hits / trials


def test_paired_intervals_of_five_replications_cover_95_percent():
    # correlated pairs with a known mean difference of 2: t with 4 df covers 95% exactly;
    # 1.96 would cover about 0.88
    rng = np.random.default_rng(2024)
    trials = 4000

    def make():
        shared = rng.normal(50, 10, size=5)
        return shared + 2 + rng.normal(0, 3, size=5), shared + rng.normal(0, 1, size=5)

    rate = coverage(trials, 2.0, make, paired=True)
    assert abs(rate - 0.95) < 4 * math.sqrt(0.95 * 0.05 / trials), rate


def test_welch_intervals_of_few_unequal_samples_cover_95_percent():
    # 3 against 8 values with unequal spread (the situation of months_to_* rows with few
    # events): Welch-Satterthwaite t covers close to 95%; 1.96 would cover about 0.82
    rng = np.random.default_rng(99)
    trials = 4000

    def make():
        return rng.normal(30, 8, size=3), rng.normal(20, 2, size=8)

    rate = coverage(trials, 10.0, make, paired=False)
    assert abs(rate - 0.95) < 4 * math.sqrt(0.95 * 0.05 / trials) + 0.01, rate


@pytest.mark.parametrize("confidence", [0.80, 0.99])
def test_intervals_at_another_confidence_cover_that_share(confidence):
    rng = np.random.default_rng(7)
    trials = 3000

    def make():
        shared = rng.normal(50, 10, size=6)
        return shared + 2 + rng.normal(0, 3, size=6), shared + rng.normal(0, 1, size=6)

    rate = coverage(trials, 2.0, make, paired=True, confidence=confidence)
    se = math.sqrt(confidence * (1 - confidence) / trials)
    assert abs(rate - confidence) < 4 * se, rate


def test_the_confidence_level_names_its_interval_and_widens_it():
    rng = np.random.default_rng(3)
    x, y = rng.normal(1, 1, 40), rng.normal(0, 1, 40)
    at95, at90 = C.mean_difference(x, y, True), C.mean_difference(x, y, True, 0.90)
    assert at95["ci"] == at95["ci95"] and "ci95" not in at90  # ci95 only where it is one
    ratio = (at90["ci"][1] - at90["diff"]) / (at95["ci"][1] - at95["diff"])
    assert ratio == pytest.approx(t_quantile(0.95, 39) / t_quantile(0.975, 39), rel=1e-12)
    a, b = np.r_[np.ones(30), np.zeros(70)], np.r_[np.ones(10), np.zeros(90)]
    wide = C.probability_difference(a, b, paired=False, confidence=0.99)["ci"]
    narrow = C.probability_difference(a, b, paired=False)["ci"]
    assert wide[0] < narrow[0] < narrow[1] < wide[1]
    zeros = np.zeros(300)
    bound = C.probability_difference(zeros, zeros, paired=True, confidence=0.99)["ci"][1]
    assert bound == pytest.approx(wilson(0.0, 300, z=stats.norm.ppf(0.995))[1])
    for bad in (0.0, 1.0, 95):
        with pytest.raises(ValueError, match="confidence must lie strictly between 0 and 1"):
            C.check_confidence(bad)


def test_a_difference_of_identical_samples_is_exactly_zero():
    x = np.array([3.0, np.nan, 7.5, 9.0])
    d = C.mean_difference(x, x.copy(), paired=True)
    assert (d["diff"], d["se"], d["ci95"]) == (0.0, 0.0, [0.0, 0.0])
    # as independent samples, the same values could have come from different scenarios
    d = C.mean_difference(x, x.copy(), paired=False)
    assert d["diff"] == 0.0 and d["ci95"][0] < 0 < d["ci95"][1]
    row = C.conditional_difference(x, x.copy(), paired=True)
    assert row["paired"] and (row["n_scenario"], row["n_baseline"]) == (3, 3)
    assert row["ci95"] == [0.0, 0.0]


def test_conditional_means_over_different_replications_are_unpaired_with_their_counts():
    run = np.array([10.0, np.nan, 14.0, 20.0, np.nan])
    base = np.array([np.nan, 12.0, 16.0, np.nan, np.nan])
    row = C.conditional_difference(run, base, paired=True)
    assert not row["paired"] and row["conditional"]
    assert (row["n_scenario"], row["n_baseline"]) == (3, 2)
    welch = stats.ttest_ind(run[~np.isnan(run)], base[~np.isnan(base)], equal_var=False)
    assert row["diff"] == pytest.approx(44 / 3 - 14)
    assert row["df"] == pytest.approx(welch.df, rel=1e-12)
    ci = welch.confidence_interval(0.95)
    assert row["ci95"] == pytest.approx([ci.low, ci.high], rel=1e-9)
    assert R.ci_text(row).endswith(" unpaired")


def test_independent_probabilities_of_zero_are_not_shown_as_exactly_equal():
    zeros = np.zeros(200)
    d = C.probability_difference(zeros, zeros, paired=False)
    upper = wilson(0.0, 200)[1]
    assert d["diff"] == 0.0 and d["ci95"] == pytest.approx([-upper, upper])
    assert d["se"] > 0 and not d["paired"]
    # Newcombe's interval in general
    x, y = np.r_[np.ones(30), np.zeros(70)], np.r_[np.ones(10), np.zeros(90)]
    d = C.probability_difference(x, y, paired=False)
    (l1, u1), (l2, u2) = wilson(0.3, 100), wilson(0.1, 100)
    assert d["ci95"] == pytest.approx(
        [0.2 - math.hypot(0.3 - l1, u2 - 0.1), 0.2 + math.hypot(u1 - 0.3, 0.1 - l2)]
    )


def test_paired_probabilities_that_never_differ_are_bounded_not_exact():
    # two different scenarios whose event never happened: 0, but not [0, 0]
    zeros = np.zeros(300)
    d = C.probability_difference(zeros, zeros, paired=True)
    upper = wilson(0.0, 300)[1]
    assert d["paired"] and d["diff"] == 0.0
    assert d["ci95"] == pytest.approx([-upper, upper]) and d["se"] > 0


def test_cli_compare_shows_the_counts_of_conditional_rows(tmp_path):
    result = invoke("compare", STALLED, FREEZE, "--reps", 30, "--seed", 2, "-w", 1, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "months_to_* rows are means over the replications where the event happened" in text
    folder = tmp_path / "compare" / result.output.strip().splitlines()[-1].split("/")[-1]
    data = json.loads((folder / "comparison.json").read_text())
    row = data["scenarios"]["freeze"]["vs_baseline"]["metrics"]["months_to_nuclear_test"]
    base_n = data["scenarios"]["stalled"]["metrics"]["months_to_nuclear_test"]["n"]
    freeze_n = data["scenarios"]["freeze"]["metrics"]["months_to_nuclear_test"]["n"]
    assert (row["n_baseline"], row["n_scenario"]) == (base_n, freeze_n) and not row["paired"]
    assert base_n > 1 and freeze_n > 1 and base_n != freeze_n
    line = next(ln for ln in result.output.splitlines() if "months_to_nuclear_test" in ln)
    assert (
        f", n {base_n}" in line and f", n {freeze_n}" in line and line.rstrip().endswith("unpaired")
    )
    report = (folder / "report.md").read_text()
    assert f", n {freeze_n} |" in report and " unpaired |" in report
    assert "-0 " not in result.output and "[-0," not in result.output
