"""Arsenal: material is initial plus integrated production, exactly; warheads follow assembly."""

import math

import numpy as np
import pytest
from conftest import make_scenario

import sim


def run(scenario, reps=20, seed=3):
    return sim.run(scenario, reps=reps, seed=seed, workers=1)


def test_without_talks_final_material_is_initial_plus_integrated_production():
    scenario = make_scenario(
        arsenal__production_rate={"triangular": [6, 12, 20]},
        arsenal__growth={"uniform": [0.0, 0.15]},
        arsenal__initial_material={"uniform": [60, 120]},
    )
    res = run(scenario)
    rate = res.sampled["arsenal.production_rate"]
    growth = res.sampled["arsenal.growth"]
    m0 = res.sampled["arsenal.initial_material"]
    # capacity steps once a year: year k produces rate * (1 + g)^k
    expected = m0 + rate * sum((1 + growth) ** k for k in range(10))
    np.testing.assert_allclose(res.scalars["final_material"], expected, rtol=1e-12)
    np.testing.assert_allclose(res.trajectories["material"][:, 0], m0, rtol=1e-6)


def test_sanctions_drag_is_applied_at_each_yearly_step():
    scenario = make_scenario(
        arsenal__sanctions_drag=0.5,
        council__sanctions__initial=0.6,
        council__sanctions__decay_per_year=0.2,
        council__sanctions__evasion=0.5,
    )
    res = run(scenario, reps=2)
    decay = 0.2 * 1.5
    expected = 80 + sum(12 * (1 - 0.5 * 0.6 * math.exp(-decay * k)) for k in range(10))
    assert res.scalars["final_material"][0] == pytest.approx(expected, rel=1e-12)
    assert res.scalars["final_sanctions_pressure"][0] == pytest.approx(0.6 * math.exp(-decay * 10))


def test_warheads_rise_at_the_assembly_rate_below_material():
    res = run(make_scenario(arsenal__assembly_rate=6), reps=1)
    warheads = res.trajectories["warheads"][0]
    material = res.trajectories["material"][0]
    months = np.arange(121)
    np.testing.assert_allclose(warheads, 50 + 0.5 * months, rtol=1e-6)
    np.testing.assert_allclose(material, 80 + 1.0 * months, rtol=1e-6)


def test_warheads_catch_up_with_material_then_follow_it():
    # gap 30 closes at (24 - 12) / 12 = 1 per month: caught up at month 30
    res = run(make_scenario(arsenal__assembly_rate=24), reps=1)
    warheads = res.trajectories["warheads"][0]
    months = np.arange(121)
    expected = np.where(months < 30, 50 + 2.0 * months, 80 + 1.0 * months)
    np.testing.assert_allclose(warheads, expected, rtol=1e-6)
    assert np.all(warheads <= res.trajectories["material"][0] + 1e-4)


def test_more_initial_warheads_than_material_is_capped():
    res = run(make_scenario(arsenal__initial_warheads=100), reps=1)
    assert res.trajectories["warheads"][0, 0] == pytest.approx(80)
    assert res.scalars["material_per_year"][0] == pytest.approx(12)
