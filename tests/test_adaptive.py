"""Adaptive replications: run until the standard errors are small enough, reproducibly."""

import pytest
from conftest import SCENARIOS

import sim
from sim.runner import PRECISION_EVENTS, PRECISION_METRICS, replications_needed


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario(SCENARIOS / "stalled.yaml")


def test_stops_once_every_headline_error_is_within_target(scenario):
    res = sim.run(scenario, reps=1000, seed=3, workers=2, precision=0.01)
    s = res.summary()
    assert all(s["probabilities"][e]["mcse"] <= 0.01 for e in PRECISION_EVENTS)
    for name in PRECISION_METRICS:
        m = s["metrics"][name]
        assert m["mcse"] <= 0.01 * m["mean"]
    assert res.replications % 1000 == 0
    # the batch before would not have been enough
    smaller = sim.run(scenario, reps=res.replications - 1000, seed=3, workers=1)
    t = smaller.summary()
    short = any(t["probabilities"][e]["mcse"] > 0.01 for e in PRECISION_EVENTS) or any(
        t["metrics"][n]["mcse"] > 0.01 * t["metrics"][n]["mean"] for n in PRECISION_METRICS
    )
    assert short or res.replications == 1000


def test_the_same_seed_stops_at_the_same_count_on_any_workers(scenario):
    a = sim.run(scenario, reps=1000, seed=4, workers=1, precision=0.012)
    b = sim.run(scenario, reps=1000, seed=4, workers=2, precision=0.012)
    assert a.replications == b.replications
    assert a.summary()["metrics"] == b.summary()["metrics"]


def test_max_reps_caps_the_run(scenario):
    res = sim.run(scenario, reps=1000, seed=4, workers=1, precision=0.0005, max_reps=2000)
    assert res.replications == 2000


def test_replications_needed_from_known_errors():
    moments = {"final_warheads": (100.0, 20.0, 1000), "final_material": (200.0, 10.0, 1000)}
    events = {e: 0.0 for e in PRECISION_EVENTS}
    events["deal_reached"] = 0.5
    # p(1-p)/0.01^2 = 2500; (20 / (0.01 * 100))^2 = 400
    assert replications_needed((moments, events), 0.01) == 2500
