"""Adaptive replications: run until the standard errors are small enough, reproducibly, and
never past --max-reps."""

import math

import pytest
from conftest import SCENARIOS
from typer.testing import CliRunner

import sim
from sim.cli.app import app
from sim.cli.run import shortfalls
from sim.engine.intervals import Z95
from sim.engine.runner import PRECISION_EVENTS, PRECISION_METRICS, replications_needed
from sim.engine.summary import share

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})
STALLED = SCENARIOS / "stalled.yaml"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario(STALLED)


def within(summary: dict, precision: float) -> bool:
    """Whether every precision figure's reported standard error is within target."""
    return not shortfalls(summary, precision)


def test_stops_once_every_headline_error_is_within_target(scenario):
    res = sim.run(scenario, reps=1000, seed=3, workers=2, precision=0.01)
    s = res.summary()
    assert all(s["probabilities"][e]["mcse"] <= 0.01 for e in PRECISION_EVENTS)
    for name in PRECISION_METRICS:
        m = s["metrics"][name]
        assert m["mcse"] <= 0.01 * m["mean"]
    assert res.replications % 1000 == 0
    assert s["provenance"]["precision_met"] is True
    # the batch before would not have been enough
    smaller = sim.run(scenario, reps=res.replications - 1000, seed=3, workers=1)
    assert not within(smaller.summary(), 0.01) or res.replications == 1000


def test_the_same_seed_stops_at_the_same_count_on_any_workers(scenario):
    a = sim.run(scenario, reps=1000, seed=4, workers=1, precision=0.012)
    b = sim.run(scenario, reps=1000, seed=4, workers=2, precision=0.012)
    assert a.replications == b.replications
    assert a.summary()["metrics"] == b.summary()["metrics"]


def test_max_reps_caps_the_run(scenario):
    res = sim.run(scenario, reps=1000, seed=4, workers=1, precision=0.0005, max_reps=2000)
    assert res.replications == 2000
    prov = res.summary()["provenance"]
    assert (prov["precision_met"], prov["max_reps"]) == (False, 2000)


def test_max_reps_is_a_hard_cap_even_below_a_batch(scenario):
    # the first batch is 1,000, but a cap of 500 means 500; a cap of 1,500 stops at 1,500
    small = sim.run(scenario, seed=5, workers=1, precision=0.0005, max_reps=500)
    assert small.replications == 500
    one = sim.run(scenario, seed=5, workers=1, precision=0.004, max_reps=1500, stream=True)
    two = sim.run(scenario, seed=5, workers=2, precision=0.004, max_reps=1500, stream=True)
    assert one.replications == two.replications == 1500
    assert one.summary()["metrics"] == two.summary()["metrics"]
    # without --precision the cap bounds the scenario's default number of replications
    assert sim.run(scenario, seed=5, workers=1, max_reps=30).replications == 30


def test_precision_met_says_what_the_reported_errors_say(scenario):
    # at the cap, whether the precision was reached is read from the figures, not the count
    flags = []
    for precision, cap in ((0.03, 1000), (0.01, 1000), (0.02, 500)):
        res = sim.run(scenario, seed=6, workers=1, precision=precision, max_reps=cap)
        s = res.summary()
        assert res.replications == cap
        flags.append(s["provenance"]["precision_met"])
        assert flags[-1] == within(s, precision), (precision, cap)
    assert flags == [True, False, False]  # reached exactly at the cap, and not reached


def test_reps_above_max_reps_are_refused(scenario):
    with pytest.raises(ValueError, match=r"reps \(5,000\) is more than max_reps \(1,000\)"):
        sim.run(scenario, reps=5000, workers=1, precision=0.01, max_reps=1000)


def test_replications_needed_from_known_errors():
    moments = {"final_warheads": (100.0, 20.0, 1000), "final_material": (200.0, 10.0, 1000)}
    events = dict.fromkeys(PRECISION_EVENTS, 0.3)
    events["deal_reached"] = 0.5
    # p(1-p)/0.01^2 = 2500; (20 / (0.01 * 100))^2 = 400
    assert replications_needed((moments, events), 0.01) == 2500


def test_a_probability_of_zero_needs_about_one_over_precision_replications():
    # p = 0 used to need no replication at all; its s.e. is now z / (2 (n + z^2)) ~ 1/n
    moments = {"final_warheads": (100.0, 0.0, 1000), "final_material": (200.0, 0.0, 1000)}
    events = dict.fromkeys(PRECISION_EVENTS, 0.0)
    needed = replications_needed((moments, events), 0.0005)
    assert needed == math.ceil(Z95 / (2 * 0.0005) - Z95**2) == 1957
    probe = share(0, needed)["mcse"], share(0, needed - 1)["mcse"]
    assert probe[0] <= 0.0005 < probe[1]


def test_cli_says_truthfully_whether_precision_was_reached(tmp_path):
    common = (STALLED, "-q", "-w", 1, "--seed", 6, "-o", tmp_path)
    capped = invoke("run", *common, "--precision", 0.03, "--max-reps", 1000)
    assert capped.exit_code == 0, capped.output
    assert "Precision 0.03 reached with 1,000 replications." in capped.output
    short = invoke("run", *common, "--precision", 0.01, "--max-reps", 500)
    assert short.exit_code == 0, short.output
    text = " ".join(short.output.split())
    assert "Stopped at the cap, --max-reps 500, before reaching precision 0.01:" in text
    assert "the s.e. of P(nuclear_test) is" in text
    refused = invoke("run", *common, "--reps", 5000, "--max-reps", 1000, "--precision", 0.01)
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "--reps 5,000 is more than --max-reps 1,000" in refused.output
    assert len(list((tmp_path / "stalled").iterdir())) == 2  # nothing written when refused
