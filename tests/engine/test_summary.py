"""Aggregation against numpy, scipy and known answers; Monte Carlo intervals that cover."""

import math

import numpy as np
import pytest
from conftest import SCENARIOS
from scipy import stats

import sim
from sim.engine.intervals import Z95, order_ranks, wilson
from sim.engine.summary import COUNTS, bands, describe, first_curve, probability, share


def test_describe_matches_numpy():
    x = np.random.default_rng(0).normal(10, 3, size=1000)
    d = describe(x)
    assert d["mean"] == pytest.approx(x.mean())
    assert d["sd"] == pytest.approx(x.std(ddof=1))
    assert d["mcse"] == pytest.approx(x.std(ddof=1) / math.sqrt(1000))
    # other outcomes interpolate like numpy's default, to the bit
    assert [d[f"p{q}"] for q in (5, 25, 50, 75, 95)] == list(np.percentile(x, [5, 25, 50, 75, 95]))


def test_percentiles_of_counts_are_observed_values_never_interpolated():
    x = np.array([3.0, 7, 7, 8])  # numpy's default p25 would be 6.0, p5 3.6
    d = describe(x, "missile_launches")
    assert (d["p5"], d["p25"], d["p50"], d["p75"], d["p95"]) == (3.0, 3.0, 7.0, 7.0, 8.0)
    y = np.random.default_rng(1).poisson(4, size=999).astype(float)
    got = [describe(y, "deals")[f"p{q}"] for q in (5, 25, 50, 75, 95)]
    assert got == list(np.percentile(y, [5, 25, 50, 75, 95], method="inverted_cdf"))
    assert all(v == int(v) for v in got)
    assert {"rounds_held", "missile_launches", "unsc_vetoes", "deals"} <= COUNTS
    assert "final_warheads" not in COUNTS and "months_frozen" not in COUNTS


def test_the_outcomes_named_counts_are_whole_numbers():
    results = sim.run(sim.load_scenario(SCENARIOS / "freeze.yaml"), reps=200, seed=4, workers=1)
    for name, values in results.scalars.items():
        whole = bool(np.all(values == np.floor(values)))
        assert whole == (name in COUNTS), name


def test_describe_ignores_events_that_did_not_happen():
    d = describe(np.array([1.0, np.nan, 3.0]))
    assert d["n"] == 2 and d["mean"] == 2.0
    empty = describe(np.array([np.nan]))
    assert empty["mean"] is None and empty["p50"] is None and empty["p50_ci95"] is None


def test_probability_and_its_standard_error():
    p = probability(np.array([1, 0, 0, 1] * 25, dtype=bool))
    assert p["p"] == 0.5 and p["mcse"] == pytest.approx(0.05)
    ci = stats.binomtest(50, 100).proportion_ci(0.95, method="wilson")
    assert p["ci95"] == pytest.approx([ci.low, ci.high], rel=1e-12)


@pytest.mark.parametrize("hits", [0, 200])
def test_a_probability_of_0_or_1_has_an_honest_error(hits):
    n = 200
    p = share(hits, n)
    ci = stats.binomtest(hits, n).proportion_ci(0.95, method="wilson")
    assert p["ci95"] == pytest.approx([ci.low, ci.high], rel=1e-12, abs=1e-15)
    assert p["ci95"][0 if hits == 0 else 1] == hits / n  # the observed end is exact
    # the half-width of the Wilson interval over 1.96: z / (2 (n + z^2)), about 1/n
    assert p["mcse"] == pytest.approx(Z95 / (2 * (n + Z95**2)), rel=1e-12)
    assert 0.9 / n < p["mcse"] < 1 / n
    # close to the s.e. one event would give, so the s.e. does not jump at the boundary
    assert p["mcse"] == pytest.approx(share(1, n)["mcse"], rel=0.05)


def test_an_empty_share_has_no_figures():
    assert share(0, 0) == {"p": None, "mcse": None, "ci95": None, "n": 0}


@pytest.mark.parametrize("p", [0.001, 0.004, 0.02, 0.2, 0.5])
def test_wilson_intervals_cover_rare_and_common_events(p):
    # exact coverage over every possible count of 300 replications (p +- 1.96 s.e. covers
    # only 0.26 at p = 0.001 and 0.70 at p = 0.004)
    n = 300
    b = stats.binom(n, p)
    cover = sum(b.pmf(h) for h in range(n + 1) if wilson(h / n, n)[0] <= p <= wilson(h / n, n)[1])
    assert 0.94 <= cover <= 0.98


@pytest.mark.parametrize(("n", "q"), [(5, 50), (20, 5), (59, 5), (200, 5), (200, 50), (1000, 95),
                                      (123_457, 25)])  # fmt: skip
def test_order_ranks_are_the_narrowest_with_each_tail_at_most_2_5_percent(n, q):
    lo, hi = order_ranks(n, q)
    b = stats.binom(n, q / 100)
    if lo is None:
        assert b.cdf(0) > 0.025
    else:  # P(X(lo) > quantile) <= P(B <= lo) <= 2.5%, and lo + 1 would not do
        assert b.cdf(lo) <= 0.025 < b.cdf(lo + 1)
    if hi is None:
        assert b.sf(n - 1) > 0.025
    else:
        assert b.sf(hi) <= 0.025 < b.sf(hi - 1)


@pytest.mark.parametrize("whole", [False, True])
def test_percentile_intervals_cover_the_true_percentile(whole):
    # 2,000 samples of 60 from a known distribution: each interval covers at least 95%
    # (the order-statistic interval is conservative), within binomial noise
    rng = np.random.default_rng(11)
    trials, n = 2000, 60
    if whole:
        samples, truth = rng.poisson(3, size=(trials, n)).astype(float), stats.poisson(3).ppf
        name = "deals"
    else:
        samples, truth = rng.lognormal(0, 1, size=(trials, n)), stats.lognorm(1).ppf
        name = "final_material"
    tolerance = 3 * math.sqrt(0.95 * 0.05 / trials)
    for q in (25, 50, 75, 95):
        covered = 0
        for x in samples:
            lo, hi = describe(x, name)[f"p{q}_ci95"]
            covered += (lo is None or lo <= truth(q / 100)) and (hi is None or truth(q / 100) <= hi)
        assert covered / trials >= 0.95 - tolerance, q


def test_first_curve_counts_events_by_month():
    firsts = np.array([0.5, 2.0, np.nan, 2.5])
    assert first_curve(firsts, np.arange(4)) == [0.0, 0.25, 0.5, 0.75]


def test_bands_by_month_with_their_intervals():
    paths = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0]])
    b = bands(paths, np.arange(2))
    assert b["p50"] == [1.0, 3.0] and b["months"] == [0, 1]
    assert b["p50_ci95"] == [[None, None], [None, None]]  # 3 values bound no median
    rng = np.random.default_rng(3)
    many = rng.normal(100, 10, size=(400, 20)).astype(np.float32)
    b = bands(many, np.arange(20), block=6)  # blocks that do not divide the months
    ordered = np.sort(many.astype(float), axis=0)
    lo, hi = order_ranks(400, 50)
    assert b["p50_ci95"] == [[ordered[lo, m], ordered[hi, m]] for m in range(20)]
    assert b["p95"] == list(np.percentile(many.astype(float), 95, axis=0))
