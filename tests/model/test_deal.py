"""Deal implementation: a certain deal without cheating stops covered production."""

import math

import numpy as np
import pytest
from conftest import make_scenario

import sim

CERTAIN_DEAL = {
    "talks__us_demand": "freeze_for_relief",
    "talks__open_rate__freeze_for_relief": 1e6,
    "talks__p_deal__freeze_for_relief": 1.0,
}


def run(scenario, reps=30, seed=11):
    return sim.run(scenario, reps=reps, seed=seed, workers=1)


def stop_month(res, shutdown):
    return res.firsts["deal_reached"] + shutdown


def test_certain_deal_without_cheating_stops_all_production_after_the_delay():
    res = run(make_scenario(**CERTAIN_DEAL, deal__shutdown_months={"uniform": [1, 5]}))
    assert np.all(res.scalars["deals"] == 1)
    stop = stop_month(res, res.sampled["deal.shutdown_months"])
    for i in range(res.replications):
        material = res.trajectories["material"][i]
        after = np.arange(121) >= math.ceil(stop[i])
        assert np.ptp(material[after]) < 1e-4  # flat once the freeze bites
        expected = 80 + stop[i] * 1.0  # 12 a year = 1 a month until the stop
        assert res.scalars["final_material"][i] == pytest.approx(expected, rel=1e-9)
    assert np.all(res.freeze[:, -1])
    assert np.all(res.scalars["months_frozen"] == pytest.approx(120 - res.firsts["deal_reached"]))


def test_a_deal_binding_only_covered_sites_leaves_the_others_running():
    res = run(make_scenario(**CERTAIN_DEAL, deal__binds="covered"), reps=5)
    stop = stop_month(res, 2.0)
    expected = 80 + stop + 0.25 * (120 - stop)
    np.testing.assert_allclose(res.scalars["final_material"], expected, rtol=1e-9)


def test_cheating_keeps_unverified_sites_at_the_cheating_fraction():
    res = run(
        make_scenario(
            **CERTAIN_DEAL,
            deal__cheating={"probability": 1.0, "fraction": 0.4, "detection_rate": 0.0},
        ),
        reps=5,
    )
    stop = stop_month(res, 2.0)
    expected = 80 + stop + 0.25 * 0.4 * (120 - stop)
    np.testing.assert_allclose(res.scalars["final_material"], expected, rtol=1e-9)
    assert np.all(res.scalars["deals_cheated"] == 1)


def test_breakdown_hazard_gives_the_exponential_collapse_probability():
    rate = 0.15
    res = run(make_scenario(**CERTAIN_DEAL, deal__breakdown_rate=rate), reps=2000)
    # the deal comes after the first round, ~3 months in: use each replication's own time
    held = (120 - res.firsts["deal_reached"]) / 12
    expected = float(np.mean(1 - np.exp(-rate * held)))
    observed = float(np.mean(res.scalars["freeze_collapses"] > 0))
    assert abs(observed - expected) < 4 * math.sqrt(expected * (1 - expected) / 2000)


def test_after_a_collapse_facilities_restart_after_the_delay():
    settings = {
        **CERTAIN_DEAL,
        "deal__breakdown_rate": 1e6,  # collapses at once
        "deal__shutdown_months": 0,
        "deal__restart_months": 6,
        "talks__open_rate__freeze_for_relief": 0.0,  # only the summit opens talks
        "calendar": {"summit": {"at": "2027-01", "action": "hold_round"}},
    }
    scenario = make_scenario(**settings)
    res = run(scenario, reps=3)
    assert np.all(res.scalars["deals"] == 1) and np.all(res.scalars["freeze_collapses"] == 1)
    # frozen at month 12, restarting for 6 months: production lost = 6 months
    np.testing.assert_allclose(res.scalars["final_material"], 80 + 120 - 6, rtol=1e-6)
    assert np.all(res.firsts["freeze_collapsed"] == pytest.approx(12, abs=1e-4))


def test_relief_lowers_sanctions_pressure_when_the_deal_is_signed():
    res = run(make_scenario(**CERTAIN_DEAL, deal__relief=0.3), reps=3)
    np.testing.assert_allclose(res.scalars["final_sanctions_pressure"], 0.2)


def test_the_relief_snaps_back_when_the_freeze_collapses():
    """Signing lifts the relief; the collapse puts back what was lifted, no more."""
    settings = {
        **CERTAIN_DEAL,
        "deal__relief": 0.3,
        "deal__breakdown_rate": 1e6,  # collapses at once
        "talks__open_rate__freeze_for_relief": 0.0,  # only the summit opens talks
        "calendar": {"summit": {"at": "2027-01", "action": "hold_round"}},
    }
    res = run(make_scenario(**settings), reps=3)
    assert np.all(res.scalars["freeze_collapses"] == 1)
    np.testing.assert_allclose(res.scalars["final_sanctions_pressure"], 0.5)
    # relief larger than the pressure lifts only the pressure there is, and restores it
    res = run(make_scenario(**{**settings, "deal__relief": 0.9}), reps=3)
    np.testing.assert_allclose(res.scalars["final_sanctions_pressure"], 0.5)


def test_inspectors_detect_in_proportion_to_the_production_they_inspect():
    """Detection at full coverage times the share inspected: 0.75 here (the declared site)."""
    settings = {
        **CERTAIN_DEAL,
        "deal__inspectors_months": 0,
        "deal__cheating": {"probability": 1.0, "fraction": 0.5, "detection_rate": 0.2},
    }
    res = run(make_scenario(**settings), reps=3000)
    months = res.firsts["cheating_detected"] - res.firsts["deal_reached"]
    held = (120 - res.firsts["deal_reached"]) / 12
    expected = float(np.mean(1 - np.exp(-0.2 * 0.75 * held)))
    observed = float(np.mean(~np.isnan(months)))
    assert abs(observed - expected) < 4 * math.sqrt(expected * (1 - expected) / 3000)
