"""sim.sweep: a file, a Scenario object or a Results, with the numbers of the sweep layer."""

from __future__ import annotations

import json

import pytest
from conftest import SCENARIOS

import sim
from sim.engine.executors import LocalExecutor
from sim.sweeps.files import build_spec
from sim.sweeps.plan import plan_sweep
from sim.sweeps.run import run_sweep
from sim.sweeps.store import PointStore, store_for
from sim.sweeps.table import table

STALLED = SCENARIOS / "stalled.yaml"
PARAMS = {"arsenal.production_rate": [6, 12, 18]}
REPS, SEED = 12, 4


@pytest.fixture(scope="module")
def from_file():
    return sim.sweep(STALLED, params=PARAMS, reps=REPS, seed=SEED, workers=1)


@pytest.fixture(scope="module")
def cli_path(tmp_path_factory):
    """The points table as `sim sweep -p ...` computes it: SPEC strings through the layers."""
    spec = build_spec(STALLED, ["arsenal.production_rate=6,12,18"], reps=REPS, seed=SEED)
    plan = plan_sweep(spec)
    with LocalExecutor(1) as executor:
        swept = run_sweep(plan, PointStore(tmp_path_factory.mktemp("points")), executor)
    return plan, table(swept)


def test_a_file_and_a_scenario_object_give_the_numbers_of_the_command_line(from_file, cli_path):
    plan, columns = cli_path
    assert from_file.plan.id == plan.id  # the same design, points, seed and replications
    assert table(from_file.swept) == columns
    scenario = sim.load_scenario(STALLED)
    on_object = sim.sweep(scenario, params=PARAMS, reps=REPS, seed=SEED, workers=1)
    assert on_object.plan.id == plan.id and table(on_object.swept) == columns


def test_a_results_stands_for_its_scenario_with_its_seed_and_replications(cli_path):
    plan, columns = cli_path
    results = sim.run(STALLED, reps=REPS, seed=SEED, workers=1)
    swept = sim.sweep(results, params={"arsenal.production_rate": "6,12,18"}, workers=1)
    assert (swept.plan.seed, swept.plan.reps) == (SEED, REPS)
    assert swept.plan.id == plan.id and table(swept.swept) == columns


def test_to_pandas_is_the_points_table_and_sensitivity_ranks_the_factors(from_file):
    pytest.importorskip("pandas")
    points = from_file.to_pandas()
    assert list(points.index) == [0, 1, 2]
    assert list(points["arsenal.production_rate"]) == [6, 12, 18]
    assert list(points["status"]) == ["ok"] * 3
    material = points["final_material.mean"]
    assert material.is_monotonic_increasing  # common random numbers: more production, more
    ranks = from_file.sensitivity()
    assert len(ranks) == len(from_file.rankings)  # one factor: one row per outcome
    row = ranks.set_index("outcome").loc["final_material"]
    assert row["factor"] == "arsenal.production_rate" and row["rank"] == 1 and row["clear"]
    assert row["method"] == "src" and row["mean_at_high"] > row["mean_at_low"]
    assert row["low"] == "6" and row["high"] == "18"
    assert from_file.drivers("final_material") == ["arsenal.production_rate"]


def test_summary_is_sweep_json_and_save_writes_the_folder_of_sim_sweep(from_file, tmp_path):
    summary = from_file.summary()
    assert summary["sweep"]["id"] == from_file.plan.id
    assert summary["sweep"]["points"] == 3 and summary["counts"]["computed"] == 3
    assert summary["sensitivity"]["final_material"]["ranking"] == ["arsenal.production_rate"]
    folder = from_file.save(tmp_path)
    assert folder == tmp_path / "sweeps" / "stalled" / from_file.plan.id
    for name in ("points.csv", "sweep.json", "report.md", "report.html"):
        assert (folder / name).is_file()
    written = json.loads((folder / "sweep.json").read_text())
    assert written["sensitivity"] == json.loads(json.dumps(summary["sensitivity"]))
    # the points are in the sweep's cache, so `sim sweep` with these settings recomputes none
    store = store_for(from_file.plan, tmp_path)
    for key, record in from_file.swept.records.items():
        assert store.get(key) == record
    with LocalExecutor(1) as executor:
        again = run_sweep(from_file.plan, store, executor)
    assert (again.computed, again.cached) == (0, 3)


def test_a_store_caches_points_so_a_rerun_computes_nothing(tmp_path):
    first = sim.sweep(STALLED, params={"arsenal.growth": [0, 0.1]}, reps=5, seed=1,
                      workers=1, store=tmp_path)  # fmt: skip
    again = sim.sweep(STALLED, params={"arsenal.growth": [0, 0.1]}, reps=5, seed=1,
                      workers=1, store=tmp_path)  # fmt: skip
    assert (first.swept.computed, again.swept.computed, again.swept.cached) == (2, 0, 2)
    assert table(first.swept) == table(again.swept)
    assert first.summary()["provenance"]["points_dir"] == str(
        tmp_path / "sweeps" / "stalled" / "points"
    )


def test_sampled_designs_sets_and_an_executor_object():
    scenario = sim.load_scenario(STALLED)
    with LocalExecutor(1) as executor:
        lhs = sim.sweep(
            scenario,
            params={"arsenal.production_rate": "6:18", "deal.relief": {"uniform": [0.1, 0.4]}},
            design="lhs",
            samples=6,
            reps=4,
            seed=2,
            sets={"horizon_years": 5},
            metrics=["final_warheads"],
            executor=executor,
        )
    assert len(lhs.plan.points) == 6 and lhs.plan.design.kind == "lhs"
    assert lhs.plan.base.horizon_years == 5
    assert lhs.summary()["sweep"]["overrides"] == {"horizon_years": 5}
    assert list(lhs.rankings) == ["final_warheads"]
    for point in lhs.plan.points:
        assert 6 <= point.values["arsenal.production_rate"] <= 18
        assert 0.1 <= point.values["deal.relief"] <= 0.4


def test_a_sweep_shows_a_few_lines_with_what_drives_each_outcome(from_file):
    text = repr(from_file)
    assert len(text) < 500 and text.count("\n") <= 4
    assert text.startswith(
        "<Sweep 'stalled' of scenario 'stalled': grid over 1 factor(s), 3 points"
    )
    assert "final_warheads: driven most by arsenal.production_rate" in text
    html = from_file._repr_html_()
    assert "<table>" in html and "final_material" in html and len(html) < 3000


def test_bad_input_is_refused_before_anything_runs():
    with pytest.raises(sim.ScenarioError, match="not a parameter of scenario 'stalled'"):
        sim.sweep(STALLED, params={"arsenal.production_rat": [1, 2]}, reps=2, workers=1)
    with pytest.raises(sim.ScenarioError, match=r"(?s)params.*expected a SPEC"):
        sim.sweep(STALLED, params={"arsenal.production_rate": None}, reps=2, workers=1)
    with pytest.raises(sim.ScenarioError, match="nothing to sweep"):
        sim.sweep(sim.load_scenario(STALLED), reps=2, workers=1)
    with pytest.raises(sim.ScenarioError, match="--design 'grd'"):
        sim.sweep(STALLED, params=PARAMS, design="grd", reps=2, workers=1)
