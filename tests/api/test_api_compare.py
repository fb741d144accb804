"""sim.compare: files, Scenario objects and Results alike, with the numbers of `sim compare`."""

from __future__ import annotations

import json

import pytest
from conftest import SCENARIOS
from typer.testing import CliRunner

import sim
from sim.cli import app

STALLED = SCENARIOS / "stalled.yaml"
FREEZE = SCENARIOS / "freeze.yaml"
REPS, SEED = 40, 3
#: What differs between two comparisons of the same runs: when, and what they were given.
NOT_NUMBERS = ("source", "kind")


def numbers(data: dict) -> dict:
    """A comparison's figures: everything but its id, time and the inputs' descriptions."""
    return {
        label: {k: v for k, v in sc.items() if k not in NOT_NUMBERS}
        for label, sc in data["scenarios"].items()
    }


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """`sim compare` on the two files, as comparison.json holds it."""
    out = tmp_path_factory.mktemp("cli")
    args = ["compare", str(STALLED), str(FREEZE), "-n", str(REPS), "-s", str(SEED), "-w", "1"]
    result = CliRunner().invoke(app, [*args, "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    (path,) = out.glob("compare/*/comparison.json")
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def files():
    return sim.compare(STALLED, str(FREEZE), reps=REPS, seed=SEED, workers=1)


def test_files_give_the_numbers_of_the_command_line(cli, files):
    data = json.loads(json.dumps(files.summary(), default=str))  # as comparison.json holds it
    assert numbers(data) == numbers(cli)
    assert data["baseline"] == "stalled" and data["grid"] == cli["grid"]
    assert data["scenarios"]["freeze"]["source"] == str(FREEZE)
    assert data["scenarios"]["freeze"]["kind"] == "scenario"


def test_scenario_objects_and_results_give_the_same_numbers(cli):
    stalled = sim.run(STALLED, reps=REPS, seed=SEED, workers=1)
    freeze = sim.load_scenario(FREEZE)
    mixed = sim.compare(stalled, freeze, workers=1)  # freeze runs with the Results' seed and reps
    data = json.loads(json.dumps(mixed.summary(), default=str))
    assert numbers(data) == numbers(cli)
    assert data["scenarios"]["stalled"]["kind"] == "results"
    assert data["scenarios"]["stalled"]["source"] == "<Results of stalled>"
    assert data["scenarios"]["freeze"]["source"] == str(FREEZE)
    assert data["scenarios"]["freeze"]["vs_baseline"]["paired"]
    as_list = sim.compare([stalled, freeze], workers=1)
    assert numbers(as_list.summary()) == numbers(mixed.summary())


def test_to_pandas_has_a_row_per_scenario_and_figure(files):
    pd = pytest.importorskip("pandas")
    frame = files.to_pandas()
    vs = files.vs_baseline("freeze")
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == len(vs["metrics"]) + len(vs["probabilities"])
    assert set(frame.scenario) == {"freeze"}
    row = frame.set_index("figure").loc["final_warheads"]
    d = vs["metrics"]["final_warheads"]
    assert row["diff"] == d["diff"] and [row["ci_low"], row["ci_high"]] == d["ci95"]
    assert row["paired"] and row["n"] == REPS and row["kind"] == "metric"
    base = files.summary()["scenarios"]["stalled"]["metrics"]["final_warheads"]["mean"]
    assert row["baseline_value"] == base
    assert row["scenario_value"] - row["baseline_value"] == pytest.approx(row["diff"])
    deal = frame.set_index("figure").loc["months_to_deal_reached"]  # conditional: its counts
    months = vs["metrics"]["months_to_deal_reached"]
    assert (deal["n_scenario"], deal["n_baseline"]) == (months["n_scenario"], months["n_baseline"])
    averted = files.to_pandas("averted")
    assert len(averted) == 2 * 10  # warheads and material, each of ten years
    last = averted[(averted.quantity == "warheads") & (averted.year == 10)].iloc[0]
    assert last["diff"] == vs["averted"]["warheads"][-1]["diff"] and last["date"] == "2036-01"
    with pytest.raises(ValueError, match="'figures' or 'averted'"):
        files.to_pandas("everything")


def test_a_comparison_shows_a_few_lines_naming_the_headline_figures(files):
    text = repr(files)
    assert len(text) < 500 and text.count("\n") <= 4
    assert text.startswith("<Comparison with baseline 'stalled': 40 replications each, seed 3")
    assert "freeze: final_warheads" in text and "P(freeze_in_force_at_end)" in text
    html = files._repr_html_()
    assert "<table>" in html and "freeze − stalled [95% CI]" in html and len(html) < 3000
    assert files.labels == ["stalled", "freeze"] and files.baseline == "stalled"
    with pytest.raises(KeyError, match="'stalled' is not a scenario compared"):
        files.vs_baseline("stalled")


def test_save_writes_the_folder_of_sim_compare(files, tmp_path):
    folder = files.save(tmp_path)
    assert folder.parent == tmp_path / "compare"
    for name in ("comparison.json", "report.md", "report.html"):
        assert (folder / name).is_file()
    written = json.loads((folder / "comparison.json").read_text())
    assert written["id"] == folder.name
    assert numbers(written) == numbers(json.loads(json.dumps(files.summary(), default=str)))


def test_overrides_apply_to_the_scenarios_run_now(files):
    changed = sim.compare(STALLED, FREEZE, reps=REPS, seed=SEED, workers=1,
                          overrides=["deal.relief=0.35"])  # fmt: skip
    assert [r.summary["resolved"]["deal"]["relief"] for r in changed.runs] == [0.35, 0.35]
    stalled = sim.run(STALLED, reps=REPS, seed=SEED, workers=1)
    kept = sim.compare(stalled, FREEZE, workers=1, overrides={"deal.relief": 0.35})
    assert kept.runs[0].summary["resolved"]["deal"]["relief"] != 0.35  # run before: as it is
    assert kept.runs[1].summary["resolved"]["deal"]["relief"] == 0.35


def test_what_cannot_be_compared_is_refused_saying_why():
    streamed = sim.run(STALLED, reps=5, seed=1, workers=1, stream=True)
    with pytest.raises(sim.ScenarioError, match="stream=True keeps no monthly paths"):
        sim.compare(streamed, FREEZE, workers=1)
    flat = sim.run(STALLED, reps=5, seed=1, workers=1, trajectories=False)
    with pytest.raises(sim.ScenarioError, match="trajectories=False keeps no monthly paths"):
        sim.compare(flat, FREEZE, workers=1)
    with pytest.raises(sim.ScenarioError, match="no such scenario file or result folder"):
        sim.compare(STALLED, "no/such.yaml")
    with pytest.raises(TypeError, match="not int"):
        sim.compare(STALLED, 3)
    with pytest.raises(TypeError, match="at least two"):
        sim.compare(STALLED)
    short = sim.load_scenario(FREEZE, overrides=["horizon_years=5"])
    with pytest.raises(sim.ScenarioError, match="horizon 60 months, the baseline's 120"):
        sim.compare(STALLED, short, reps=5, workers=1)


def test_progress_counts_each_scenario(files):
    calls = []
    again = sim.compare(STALLED, FREEZE, reps=REPS, seed=SEED, workers=1,
                        progress=lambda d, t: calls.append((d, t)))  # fmt: skip
    assert calls.count((REPS, REPS)) == 2  # each scenario finishes
    assert numbers(again.summary()) == numbers(files.summary())


def test_compare_takes_the_confidence_level_of_its_intervals():
    at90 = sim.compare(STALLED, FREEZE, reps=60, seed=3, workers=1, confidence=0.9)
    at95 = sim.compare(STALLED, FREEZE, reps=60, seed=3, workers=1)
    d90 = at90.summary()["scenarios"]["freeze"]["vs_baseline"]["metrics"]["final_warheads"]
    d95 = at95.summary()["scenarios"]["freeze"]["vs_baseline"]["metrics"]["final_warheads"]
    assert d90["diff"] == d95["diff"]
    width = lambda d: d["ci"][1] - d["ci"][0]  # noqa: E731
    assert width(d90) < width(d95)
    # the table and the notebook view carry the intervals at the level asked for
    row = at90.to_pandas().set_index(["scenario", "figure"]).loc[("freeze", "final_warheads")]
    assert [row["ci_low"], row["ci_high"]] == d90["ci"]
    assert "[90% CI]" in at90._repr_html_() and "[95% CI]" in at95._repr_html_()
