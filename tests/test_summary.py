"""Aggregation against numpy and against known answers."""

import math

import numpy as np
import pytest

from sim.summary import bands, describe, first_curve, fmt, probability


def test_describe_matches_numpy():
    x = np.random.default_rng(0).normal(10, 3, size=1000)
    d = describe(x)
    assert d["mean"] == pytest.approx(x.mean())
    assert d["sd"] == pytest.approx(x.std(ddof=1))
    assert d["mcse"] == pytest.approx(x.std(ddof=1) / math.sqrt(1000))
    assert d["p50"] == pytest.approx(np.median(x))
    assert d["p5"] == pytest.approx(np.percentile(x, 5))


def test_describe_ignores_events_that_did_not_happen():
    d = describe(np.array([1.0, np.nan, 3.0]))
    assert d["n"] == 2 and d["mean"] == 2.0
    assert describe(np.array([np.nan]))["mean"] is None


def test_probability_and_its_standard_error():
    p = probability(np.array([1, 0, 0, 1] * 25, dtype=bool))
    assert p["p"] == 0.5 and p["mcse"] == pytest.approx(0.05)


def test_first_curve_counts_events_by_month():
    firsts = np.array([0.5, 2.0, np.nan, 2.5])
    assert first_curve(firsts, np.arange(4)) == [0.0, 0.25, 0.5, 0.75]


def test_bands_by_month():
    paths = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0]])
    b = bands(paths, np.arange(2))
    assert b["p50"] == [1.0, 3.0] and b["months"] == [0, 1]


@pytest.mark.parametrize(
    ("x", "text"),
    [(0, "0"), (187.4, "187"), (16.73, "16.7"), (0.0395, "0.0395"), (1234.5, "1,234"), (None, "–")],
)
def test_figures_are_rounded_for_reading(x, text):
    assert fmt(x) == text
