"""Talks: opening hazard, round outcomes, the logistic deal probability."""

import math

import numpy as np
import pytest
from conftest import make_scenario

import sim
from sim.model.replication import build
from sim.model.talks import expit, logit
from sim.plan.compiled import compile_plan


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


def test_deal_probability_is_logistic_around_fixed_reference_levels():
    scenario = make_scenario(
        talks__us_demand="freeze_for_relief",
        talks__p_deal__freeze_for_relief=0.12,
        talks__initial_trust=0.0,
        talks__deal_odds={"trust": 2.0, "relief": 1.0, "arsenal": -0.5, "reference_warheads": 50},
        deal__relief=0.3,
        council__sanctions__initial=0.5,
    )
    plan = compile_plan(scenario)
    world = build(plan, plan.draws(1, 0, 1), 0)
    talks = world.talks
    base = logit(0.12) + 1.0 * 0.3  # no trust; relief 0.3 on offer, below the pressure of 0.5
    assert talks.p_deal() == pytest.approx(expit(base))  # 50 warheads: the reference arsenal
    talks.trust = 0.25
    assert talks.p_deal() == pytest.approx(expit(base + 0.5))
    world.sanctions.relieve(0.4)  # pressure 0.1: the relief on offer is worth only that
    assert talks.p_deal() == pytest.approx(expit(logit(0.12) + 0.5 + 0.1))


def test_more_trust_or_pressure_never_lowers_the_odds_of_a_deal():
    """The reference levels are fixed, so a scenario's starting trust and pressure are levels,
    not the zero of the scale (a higher start used to lower the odds)."""
    chances = {}
    for trust in (0.0, 0.3, 0.6):
        for pressure in (0.0, 0.3, 0.6):
            scenario = make_scenario(
                talks__us_demand="freeze_for_relief",
                talks__p_deal__freeze_for_relief=0.12,
                talks__initial_trust=trust,
                talks__deal_odds={"trust": 1.5, "relief": 0.5},
                deal__relief=0.5,
                council__sanctions__initial=pressure,
            )
            plan = compile_plan(scenario)
            chances[trust, pressure] = build(plan, plan.draws(1, 0, 1), 0).talks.p_deal()
    for (trust, pressure), p in chances.items():
        for (t2, p2), q in chances.items():
            if t2 >= trust and p2 >= pressure:
                assert q >= p


def test_negative_trust_or_relief_coefficients_are_refused():
    for key in ("trust", "relief"):
        with pytest.raises(sim.ScenarioError, match="log-odds"):
            make_scenario(**{f"talks__deal_odds__{key}": -0.5})


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
