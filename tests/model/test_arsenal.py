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


def lag_path(m0, w0, rate, tau, months):
    """The closed form of dW/dt = (M - W) / tau with M = m0 + rate * t (months)."""
    material = m0 + rate * months
    return material - rate * tau + (w0 - m0 + rate * tau) * np.exp(-months / tau)


def test_warheads_follow_material_through_the_assembly_lag():
    # 12 a year = 1 a month; a lag of 2 years = 24 months
    res = run(make_scenario(arsenal__assembly_lag=2.0), reps=1)
    warheads = res.trajectories["warheads"][0]
    material = res.trajectories["material"][0]
    months = np.arange(121.0)
    np.testing.assert_allclose(material, 80 + months, rtol=1e-6)
    np.testing.assert_allclose(warheads, lag_path(80, 50, 1.0, 24.0, months), rtol=1e-6)
    assert np.all(np.diff(warheads) > 0) and np.all(warheads < material)
    # the gap settles at rate * lag: 24 weapons' worth unassembled
    assert material[-1] - warheads[-1] == pytest.approx(24, abs=0.2)


def test_a_frozen_arsenal_assembles_what_is_left_at_the_lag():
    res = run(make_scenario(arsenal__production_rate=0, arsenal__assembly_lag=5.0), reps=1)
    warheads = res.trajectories["warheads"][0]
    months = np.arange(121.0)
    np.testing.assert_allclose(warheads, 80 - 30 * np.exp(-months / 60), rtol=1e-6)


def test_the_start_state_is_the_estimate_rolled_forward():
    # the figures describe 2024-01; two years of production and assembly reach the start
    scenario = make_scenario(
        arsenal__estimate_date="2024-01",
        arsenal__assembly_lag=2.0,
        arsenal__growth=0.5,
    )
    res = run(scenario, reps=1)
    material = res.trajectories["material"][0]
    warheads = res.trajectories["warheads"][0]
    # year one at 12, year two at 18 (a capacity step a year from the estimate date)
    assert material[0] == pytest.approx(80 + 12 + 18, rel=1e-6)
    w1 = lag_path(80, 50, 1.0, 24.0, np.array([12.0]))[0]
    w2 = lag_path(92, w1, 1.5, 24.0, np.array([12.0]))[0]
    assert warheads[0] == pytest.approx(w2, rel=1e-6)
    # the next steps come each January: 27 a year in 2026
    assert material[12] - material[0] == pytest.approx(27, rel=1e-6)


def test_an_estimate_date_after_the_start_is_refused():
    with pytest.raises(sim.ScenarioError, match="estimate_date"):
        make_scenario(arsenal__estimate_date="2027-01")


def test_more_initial_warheads_than_material_is_capped():
    res = run(make_scenario(arsenal__initial_warheads=100), reps=1)
    assert res.trajectories["warheads"][0, 0] == pytest.approx(80)
    assert res.scalars["material_per_year"][0] == pytest.approx(12)
