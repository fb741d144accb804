"""Provocations: launch and test counts follow their Poisson means."""

import math

import numpy as np
from conftest import make_scenario

import sim

REPS = 600


def assert_poisson(counts: np.ndarray, mu: float) -> None:
    """Mean within 4 standard errors of mu, variance within 4 s.e. of mu."""
    n = counts.size
    assert abs(counts.mean() - mu) < 4 * math.sqrt(mu / n), (counts.mean(), mu)
    assert abs(counts.var(ddof=1) - mu) < 4 * math.sqrt((mu + 2 * mu * mu) / n)


def test_launch_counts_match_their_poisson_mean():
    # 20 a year for 10 years; 20% ICBMs, half of them bring a draft (simulated as events)
    scenario = make_scenario(
        provocations__launches_per_year__confrontation=20,
        provocations__icbm_share=0.2,
        council__draft_probability__icbm=0.5,
        council__vetoes__china=1.0,
    )
    res = sim.run(scenario, reps=REPS, seed=5, workers=1)
    assert_poisson(res.scalars["missile_launches"], 200)
    assert_poisson(res.scalars["icbm_launches"], 40)
    assert_poisson(res.scalars["unsc_drafts"], 20)


def test_launch_rate_follows_the_posture():
    # talks open in 2031-01 (month 60) and stay open: 30/yr before, 6/yr after
    scenario = make_scenario(
        provocations__launches_per_year={"confrontation": 30, "talks": 6, "freeze": 0},
        calendar={"opening": {"at": "2031-01", "action": "open_talks"}},
    )
    res = sim.run(scenario, reps=REPS, seed=6, workers=1)
    assert np.all(res.firsts["talks_opened"] == 60)
    assert_poisson(res.scalars["missile_launches"], 30 * 5 + 6 * 5)


def test_nuclear_tests_follow_their_hazard():
    scenario = make_scenario(provocations__nuclear_test_rate__confrontation=0.3)
    res = sim.run(scenario, reps=REPS, seed=8, workers=1)
    assert_poisson(res.scalars["nuclear_tests"], 3.0)
    p = 1 - math.exp(-3.0)
    observed = float(np.mean(~np.isnan(res.firsts["nuclear_test"])))
    assert abs(observed - p) < 4 * math.sqrt(p * (1 - p) / REPS)
