"""Cautions: figures that rest on fewer than ten replications are named, others are not."""

from sim.report.cautions import FEW, cautions


def probability(hits: int, n: int) -> dict:
    return {"p": hits / n, "mcse": 0.01, "ci95": [0, 1], "n": n}


def test_a_rare_event_and_its_months_to_figure_are_named_together():
    lines = cautions(
        {"months_to_nuclear_test": {"n": 3}, "final_warheads": {"n": 400}},
        {"nuclear_test": probability(3, 400)},
        400,
    )
    assert lines == [
        "P(a nuclear test) and months_to_nuclear_test rest on 3 of 400 replications, those "
        "where it happened: run more for figures to quote."
    ]


def test_an_event_that_nearly_always_happens_rests_on_the_rest():
    (line,) = cautions({}, {"talks_opened": probability(396, 400)}, 400)
    assert line == (
        "P(talks open at some point) rests on the 4 of 400 replications where it did not "
        "happen: run more for a figure to quote."
    )


def test_a_months_to_figure_alone_is_named():
    (line,) = cautions({"months_to_cheating_detected": {"n": 2}}, {}, 1000)
    assert line.startswith("months_to_cheating_detected is a mean over the 2 of 1,000")


def test_enough_replications_or_none_at_all_say_nothing():
    probabilities = {
        "deal_reached": probability(FEW, 1000),  # ten: enough
        "cheating": probability(0, 1000),  # never: bounded by its Monte Carlo interval
        "talks_opened": probability(1000, 1000),  # always: the same
        "freeze_collapsed": {"p": None, "mcse": None, "ci95": None, "n": 0},
    }
    metrics = {"months_to_deal_reached": {"n": FEW}, "months_to_cheating": {"n": 0}}
    assert cautions(metrics, probabilities, 1000) == []


def test_a_run_is_small_below_ten_replications_beyond_each_end_of_a_90_percent_interval():
    assert cautions({}, {}, 200) == []
    (line,) = cautions({}, {}, 199)
    assert line == (
        "A small run: with 199 replications the ends of each 90% interval (p5, p95) rest on "
        "9 replications each; run 200 or more (--reps) for figures to quote."
    )
    assert "rest on 1 replication each" in cautions({}, {}, 20)[0]
