"""The shipped scenarios: valid with full provenance, and true to the calibration anchors."""

import math

import numpy as np
import pytest
from conftest import ROOT, SCENARIOS, shipped

import sim
from sim.scenario.facts import load_facts


@pytest.mark.parametrize("path", shipped(), ids=lambda p: p.stem)
def test_every_parameter_cites_a_fact_or_says_judgment(path):
    scenario = sim.load_scenario(path, require_sources=True)
    assert scenario.facts_cited


@pytest.mark.parametrize(
    "path", sorted((SCENARIOS / "backtests").glob("*.yaml")), ids=lambda p: p.stem
)
def test_every_backtest_parameter_cites_a_fact_or_says_judgment(path):
    assert sim.load_scenario(path, require_sources=True).facts_cited


def test_the_facts_file_is_valid_and_every_fact_is_used():
    facts = load_facts(ROOT / "seeds" / "facts.yaml")
    cited = set()
    for path in [*shipped(), *(SCENARIOS / "backtests").glob("*.yaml")]:
        cited |= set(sim.load_scenario(path).facts_cited)
    assert set(facts) == cited, set(facts) ^ cited


@pytest.fixture(scope="module")
def runs():
    out = {}
    for name in ("stalled", "freeze", "sanctions_blocked", "freeze_yongbyon_only"):
        scenario = sim.load_scenario(SCENARIOS / f"{name}.yaml")
        out[name] = sim.run(scenario, reps=1000, seed=2026, workers=2)
    return out


def test_stalled_production_in_the_first_year_spans_the_published_estimates(runs):
    """FAS's ~6 a year, ISIS's 4-12, RAND-Asan's 12-18 and President Lee's 15-20 all lie
    inside the 90% band of what the baseline makes in 2026; none is its median."""
    material = runs["stalled"].trajectories["material"]
    first_year = material[:, 12] - material[:, 0]
    p5, p50, p95 = np.percentile(first_year, [5, 50, 95])
    assert p5 < 6 and p95 > 15
    assert 6 < p50 < 15


def test_stalled_start_state_is_the_2025_estimate_rolled_forward(runs):
    """January 2025: about 50 assembled (SIPRI), material 50-90; a year of production later."""
    res = runs["stalled"]
    w0, m0 = res.trajectories["warheads"][:, 0], res.trajectories["material"][:, 0]
    assert 50 < np.median(w0) < 60
    assert np.median(m0) > np.median(res.sampled["arsenal.initial_material"])
    assert np.all(w0 <= m0)
    assert np.std(w0) > 2  # the start carries the estimate's uncertainty


def test_freeze_median_warheads_below_stalled(runs):
    freeze = runs["freeze"].summary()["metrics"]["final_warheads"]
    stalled = runs["stalled"].summary()["metrics"]["final_warheads"]
    assert freeze["p50"] < stalled["p50"]
    # paired: the same replication indices share their draws
    diff = runs["stalled"].scalars["final_warheads"] - runs["freeze"].scalars["final_warheads"]
    assert diff.mean() > 4 * diff.std(ddof=1) / math.sqrt(diff.size)


def test_sanctions_blocked_passes_no_resolution(runs):
    res = runs["sanctions_blocked"]
    assert res.scalars["unsc_resolutions"].sum() == 0
    assert res.scalars["unsc_vetoes"].sum() > 0
    assert res.summary()["probabilities"]["unsc_resolution"]["p"] == 0


def test_a_freeze_that_holds_stops_declared_production():
    """Agreed at the start, never broken, no cheating: material stops after the shutdown delay
    except the undisclosed site's share, which the deal binds on trust and which keeps to it."""
    scenario = sim.load_scenario(
        SCENARIOS / "backtests" / "freezes.yaml",
        overrides=["deal.breakdown_rate=0", "deal.cheating.probability=0"],
    )
    res = sim.run(scenario, reps=50, seed=3, workers=1)
    material = res.trajectories["material"]
    assert np.all(res.freeze[:, 6:])
    np.testing.assert_allclose(material[:, -1], material[:, 6], rtol=1e-9)


def test_the_backtests_pass_with_check(tmp_path):
    """`sim backtest --check`: every published figure inside the model's 90% band."""
    from typer.testing import CliRunner

    from sim.cli.app import app

    result = CliRunner().invoke(
        app,
        ["backtest", "--check", "--reps", "1500", "--seed", "5", "--quiet", "--out", str(tmp_path)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
