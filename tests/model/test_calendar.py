"""The calendar: dated events, chances, triggers, leadership changes."""

import math

import numpy as np
import pytest
from conftest import make_scenario

import sim


def test_a_dated_event_sets_parameters_on_its_date():
    scenario = make_scenario(
        talks__open_rate__freeze_for_relief=1e9,
        calendar={"offer": {"at": "2028-01", "set": {"talks.us_demand": "freeze_for_relief"}}},
    )
    res = sim.run(scenario, reps=5, seed=1, workers=1)
    np.testing.assert_allclose(res.firsts["talks_opened"], 24, atol=1e-6)


def test_an_event_with_a_chance_happens_that_often():
    scenario = make_scenario(
        calendar={"maybe": {"at": "2027-06", "probability": 0.3, "action": "open_talks"}}
    )
    res = sim.run(scenario, reps=1000, seed=2, workers=1)
    observed = float(np.mean(~np.isnan(res.firsts["talks_opened"])))
    assert abs(observed - 0.3) < 4 * math.sqrt(0.3 * 0.7 / 1000)


def test_a_set_value_may_be_a_distribution_drawn_when_the_event_happens():
    scenario = make_scenario(
        calendar={
            "launches": {
                "at": "2031-01",
                "set": {"provocations.launches_per_year.confrontation": {"choice": [0, 1000]}},
            }
        }
    )
    res = sim.run(scenario, reps=400, seed=3, workers=1)
    high = res.scalars["missile_launches"] > 100
    assert abs(high.mean() - 0.5) < 4 * math.sqrt(0.25 / 400)
    assert np.all(res.scalars["missile_launches"][~high] == 0)


def test_a_trigger_fires_when_material_crosses_its_threshold():
    # material 80 + 1 a month: crosses 150 at month 70
    scenario = make_scenario(
        calendar={
            "alarm": {
                "when": {"metric": "material", "op": ">", "value": 150},
                "action": "open_talks",
            }
        }
    )
    res = sim.run(scenario, reps=3, seed=4, workers=1)
    np.testing.assert_allclose(res.firsts["talks_opened"], 70, atol=1e-6)


def test_a_trigger_on_a_count_fires_after_the_event():
    scenario = make_scenario(
        provocations__nuclear_test_rate__confrontation=1.0,
        calendar={
            "after_test": {
                "when": {"metric": "nuclear_tests", "op": ">=", "value": 1},
                "action": "open_talks",
            }
        },
    )
    res = sim.run(scenario, reps=50, seed=5, workers=1)
    tested = ~np.isnan(res.firsts["nuclear_test"])
    assert tested.sum() > 40
    np.testing.assert_allclose(
        res.firsts["talks_opened"][tested], res.firsts["nuclear_test"][tested]
    )


def test_a_leadership_change_shocks_a_freeze():
    base = {
        "talks__us_demand": "freeze_for_relief",
        "talks__open_rate__freeze_for_relief": 1e6,
        "talks__p_deal__freeze_for_relief": 1.0,
        "deal__breakdown_rate": 0.05,
        "deal__shocks__leadership_change": {"factor": 40, "months": 12},
    }
    calm = sim.run(make_scenario(**base), reps=800, seed=6, workers=1)
    shaken = sim.run(
        make_scenario(
            **base,
            calendar={"election": {"at": "2029-01", "set": {"talks.administration": "successor"}}},
        ),
        reps=800,
        seed=6,
        workers=1,
    )
    # P(no collapse) = exp(-integrated hazard); the shock adds (40 - 1) x 0.05 for one year
    years = (120 - calm.firsts["deal_reached"]) / 12
    for res, extra in ((calm, 0.0), (shaken, 39 * 0.05)):
        expected = float(np.mean(1 - np.exp(-0.05 * years - extra)))
        observed = float(np.mean(res.scalars["freeze_collapses"] > 0))
        assert abs(observed - expected) < 4 * math.sqrt(expected * (1 - expected) / 800)
    collapsed = shaken.firsts["freeze_collapsed"]
    in_window = (collapsed >= 36) & (collapsed < 48)
    assert in_window.mean() > 0.7


def test_a_day_date_is_a_fraction_of_the_month():
    scenario = make_scenario(calendar={"x": {"at": "2026-03-16", "action": "open_talks"}})
    res = sim.run(scenario, reps=1, seed=1, workers=1)
    assert res.firsts["talks_opened"][0] == pytest.approx(2 + 15 / 31)
