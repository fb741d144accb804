"""The Security Council: vetoes, resolutions, sanctions pressure."""

import math

import numpy as np
import pytest
from conftest import make_scenario

import sim

BUSY = {
    "provocations__launches_per_year__confrontation": 20,
    "provocations__icbm_share": 0.25,
    "council__draft_probability__icbm": 1.0,
}


def test_a_certain_veto_means_no_resolution_ever():
    scenario = make_scenario(**BUSY, council__vetoes={"china": 1.0, "russia": 0.0})
    res = sim.run(scenario, reps=200, seed=1, workers=1)
    assert res.scalars["unsc_drafts"].sum() > 1000
    assert res.scalars["unsc_resolutions"].sum() == 0
    assert np.isnan(res.firsts["unsc_resolution"]).all()


def test_independent_vetoes_combine():
    # each member vetoes half the time: a draft passes with probability 1/4
    scenario = make_scenario(**BUSY, council__vetoes={"china": 0.5, "russia": 0.5})
    res = sim.run(scenario, reps=200, seed=2, workers=1)
    voted = res.scalars["unsc_vetoes"].sum() + res.scalars["unsc_resolutions"].sum()
    share = res.scalars["unsc_resolutions"].sum() / voted
    assert abs(share - 0.25) < 4 * math.sqrt(0.25 * 0.75 / voted)


def test_coordinated_vetoes_come_together():
    # deciding together on one draw: a draft is vetoed by both or neither, half the time
    scenario = make_scenario(
        **BUSY, council__vetoes={"china": 0.5, "russia": 0.5}, council__veto_coordination=1.0
    )
    res = sim.run(scenario, reps=200, seed=2, workers=1)
    voted = res.scalars["unsc_vetoes"].sum() + res.scalars["unsc_resolutions"].sum()
    share = res.scalars["unsc_resolutions"].sum() / voted
    assert abs(share - 0.5) < 4 * math.sqrt(0.25 / voted)
    from sim.engine.replay import simulate_replication

    log = simulate_replication(scenario, seed=2, index=0).log
    vetoes = [details["by"] for _, kind, _, details in log if kind == "unsc_veto"]
    assert vetoes and all(by == ["china", "russia"] for by in vetoes)


def test_without_vetoes_every_draft_voted_before_the_horizon_passes():
    scenario = make_scenario(**BUSY, council__vote_lag_months=1.0)
    res = sim.run(scenario, reps=50, seed=3, workers=1)
    assert res.scalars["unsc_vetoes"].sum() == 0
    pending = res.scalars["unsc_drafts"] - res.scalars["unsc_resolutions"]
    assert pending.min() >= 0 and pending.max() <= 3  # drafts in the last month await a vote


def test_resolutions_raise_pressure_up_to_one():
    scenario = make_scenario(**BUSY, council__sanctions__per_resolution=0.3)
    res = sim.run(scenario, reps=5, seed=4, workers=1)
    np.testing.assert_allclose(res.scalars["final_sanctions_pressure"], 1.0)


def test_pressure_decays_exponentially_with_evasion():
    scenario = make_scenario(
        council__sanctions={
            "initial": 0.8,
            "per_resolution": 0.1,
            "decay_per_year": 0.1,
            "evasion": 1.0,
        }
    )
    res = sim.run(scenario, reps=1, seed=4, workers=1)
    assert res.scalars["final_sanctions_pressure"][0] == pytest.approx(0.8 * math.exp(-0.2 * 10))
