"""Talks: opening hazard, round outcomes, the logistic deal probability."""

import math

import numpy as np
import pytest
from conftest import make_scenario

import sim
from sim.model.replication import build
from sim.model.talks import expit, logit
from sim.plan import compile_plan


def test_talks_open_at_the_hazard_set_by_demand_and_engagement():
    scenario = make_scenario(
        talks__us_demand="arms_control",
        talks__open_rate__arms_control=0.05,
        talks__engagement__incumbent=2.0,
    )
    res = sim.run(scenario, reps=1500, seed=21, workers=1)
    p = 1 - math.exp(-0.1 * 10)
    observed = float(np.mean(~np.isnan(res.firsts["talks_opened"])))
    assert abs(observed - p) < 4 * math.sqrt(p * (1 - p) / 1500)


def test_rounds_until_a_deal_are_geometric():
    # open at once, reopen at once after a breakdown; each round: deal 0.2, else breakdown 0.5
    scenario = make_scenario(
        talks__us_demand="freeze_for_relief",
        talks__open_rate__freeze_for_relief=1e6,
        talks__p_deal__freeze_for_relief=0.2,
        talks__p_breakdown__freeze_for_relief=0.5,
        talks__rounds_per_year=12,
    )
    res = sim.run(scenario, reps=1500, seed=22, workers=1)
    rounds = res.scalars["rounds_held"]
    assert np.all(res.scalars["deals"] == 1)
    mean, var = 1 / 0.2, 0.8 / 0.2**2
    assert abs(rounds.mean() - mean) < 4 * math.sqrt(var / 1500)


def test_deal_probability_is_logistic_around_the_base():
    scenario = make_scenario(
        talks__us_demand="freeze_for_relief",
        talks__p_deal__freeze_for_relief=0.12,
        talks__deal_odds={"trust": 2.0, "sanctions": 1.0, "arsenal": -0.5},
    )
    plan = compile_plan(scenario)
    world = build(plan, plan.draws(1, 0, 1), 0)
    talks = world.talks
    assert talks.p_deal() == pytest.approx(0.12)  # at the starting trust, pressure, arsenal
    talks.trust = talks.trust0 + 0.25
    assert talks.p_deal() == pytest.approx(expit(logit(0.12) + 0.5))
    world.sanctions.relieve(0.2)
    assert talks.p_deal() == pytest.approx(expit(logit(0.12) + 0.5 - 0.2))


def test_trust_rises_with_progress_and_falls_with_breakdowns():
    scenario = make_scenario(
        talks__us_demand="arms_control",
        talks__open_rate__arms_control=1e6,
        talks__p_breakdown__arms_control=0.0,
        talks__rounds_per_year=3,
    )
    res = sim.run(scenario, reps=3, seed=1, workers=1)
    np.testing.assert_allclose(res.scalars["final_trust"], 1.0)  # 0.5 + 0.1 per round, capped
    assert np.all(res.scalars["rounds_held"] > 10)
