"""The shipped scenarios: valid with full provenance, and true to the calibration anchors."""

import math

import numpy as np
import pytest
from conftest import ROOT, SCENARIOS, shipped

import sim
from sim.facts import load_facts


@pytest.mark.parametrize("path", shipped(), ids=lambda p: p.stem)
def test_every_parameter_cites_a_fact_or_says_judgment(path):
    scenario = sim.load_scenario(path, require_sources=True)
    assert scenario.facts_cited


def test_the_facts_file_is_valid_and_every_fact_is_used():
    facts = load_facts(ROOT / "seeds" / "facts.yaml")
    cited = set()
    for path in shipped():
        cited |= set(sim.load_scenario(path).facts_cited)
    assert set(facts) == cited, set(facts) ^ cited


@pytest.fixture(scope="module")
def runs():
    out = {}
    for name in ("stalled", "freeze", "sanctions_blocked", "freeze_yongbyon_only"):
        scenario = sim.load_scenario(SCENARIOS / f"{name}.yaml")
        out[name] = sim.run(scenario, reps=1000, seed=2026, workers=2)
    return out


def test_stalled_median_material_grows_6_to_20_a_year(runs):
    material = runs["stalled"].summary()["trajectories"]["material"]["p50"]
    per_year = (material[-1] - material[0]) / 10
    assert 6 <= per_year <= 20


def test_stalled_2027_material_reaches_the_rand_asan_band_only_at_high_settings(runs):
    res = runs["stalled"]
    end_2027 = res.trajectories["material"][:, 24]  # 2028-01, i.e. the end of 2027
    assert np.median(end_2027) < 151  # below RAND-Asan's 151-242 at central settings
    high = res.sampled["arsenal.production_rate"] > 16
    high &= res.sampled["arsenal.initial_material"] > 115
    assert high.sum() > 5 and np.mean(end_2027[high] >= 151) > 0.5


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


def test_yongbyon_only_leaks_more_than_a_full_freeze_when_dprk_cheats(runs):
    full = runs["freeze"].summary()["metrics"]["final_material"]["mean"]
    partial = runs["freeze_yongbyon_only"].summary()["metrics"]["final_material"]["mean"]
    assert partial > full
