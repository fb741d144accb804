"""Aggregation: the figures an analyst quotes, each with its Monte Carlo error.

For every scalar outcome: mean, standard deviation, Monte Carlo standard error
of the mean (sd / sqrt(n)) and the 5/25/50/75/95 percentiles, each with a 95%
Monte Carlo interval (`p50_ci95`): a pair of order statistics that brackets the
population percentile with probability at least 95% whatever the distribution
(`intervals.order_ranks`). Percentiles of counts (`COUNTS`) are order
statistics themselves (numpy's "inverted_cdf": the smallest value with at least
q% of replications at or below it), never interpolated; other percentiles
interpolate linearly between neighbours (numpy's default). For every event: its
probability with its standard error and Wilson 95% interval, and its curve by
month. For every trajectory: percentile bands by month, with their intervals.
All plain numpy over arrays in replication order, so the same outcomes always
give the same figures; kept runs and streamed runs go through the same
`metric` and `share`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sim.engine.drivers import run_drivers
from sim.engine.intervals import Z95, order_ranks, wilson
from sim.plan.outcomes import FIRSTS, SCALARS

PERCENTILES = (5, 25, 50, 75, 95)

#: Outcomes measured on a continuous scale; every other scalar outcome is a count.
MEASURES = frozenset(
    {
        "final_warheads",
        "final_material",
        "material_per_year",
        "months_frozen",
        "final_sanctions_pressure",
        "final_trust",
    }
)
#: Whole-number outcomes: counts of events. Their percentiles are never interpolated.
COUNTS = frozenset(SCALARS) - MEASURES

HEADLINE_METRICS = (
    "final_warheads",
    "final_material",
    "material_per_year",
    "months_frozen",
    "missile_launches",
    "nuclear_tests",
    "unsc_resolutions",
)
HEADLINE_EVENTS = ("deal_reached", "freeze_in_force_at_end", "freeze_collapsed", "nuclear_test")

#: ranked(ks) -> the values at 0-based ranks ks of the sorted sample (one row per rank).
Ranked = Callable[[np.ndarray], np.ndarray]


def _clean(x: float) -> float | None:
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def ranks(n: int, whole: bool) -> np.ndarray:
    """The 0-based ranks `quantiles` reads: for each percentile, the two neighbours it
    lies between and the two ends of its interval (0 where there is no end)."""
    out: list[int] = []
    for q in PERCENTILES:
        if whole:
            out += [-(-n * q // 100) - 1] * 2
        else:
            below = math.floor((n - 1) * (q / 100))
            out += [below, min(below + 1, n - 1)]
        out += [r if r is not None else 0 for r in order_ranks(n, q)]
    return np.asarray(out)


def quantiles(ranked: Ranked, n: int, whole: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PERCENTILES of n sorted values and the ends of their 95% Monte Carlo intervals.

    Returns (values, lows, highs), one row per percentile (NaN: an end that n
    values cannot give). `whole`: order statistics at rank ceil(n q) - 1
    (numpy's "inverted_cdf"); else numpy's linear interpolation, to the bit.
    """
    rows = ranked(ranks(n, whole)).astype(float).reshape(len(PERCENTILES), 4, -1)
    a, b, lows, highs = (rows[:, j] for j in range(4))
    t = np.array([0.0 if whole else (n - 1) * (q / 100) % 1 for q in PERCENTILES])[:, None]
    values = np.where(t >= 0.5, b - (b - a) * (1 - t), a + (b - a) * t)  # numpy's _lerp
    for k, q in enumerate(PERCENTILES):
        low, high = order_ranks(n, q)
        lows[k] = np.nan if low is None else lows[k]
        highs[k] = np.nan if high is None else highs[k]
    return values, lows, highs


def metric(name: str, n: int, mean: float | None, sd: float | None, ranked: Ranked | None) -> dict:
    """A metric's figures: count, mean, sd, Monte Carlo s.e., percentiles and their intervals."""
    out: dict = {"n": n, "mean": None, "sd": None, "mcse": None}
    out.update({f"p{q}": None for q in PERCENTILES})
    out.update({f"p{q}_ci95": None for q in PERCENTILES})
    if n:
        assert sd is not None and ranked is not None, "a metric of replications has sd and ranks"
        out.update({"mean": mean, "sd": sd, "mcse": sd / math.sqrt(n)})
        values, lows, highs = quantiles(ranked, n, name in COUNTS)
        for k, q in enumerate(PERCENTILES):
            out[f"p{q}"] = float(values[k, 0])
            out[f"p{q}_ci95"] = [_clean(lows[k, 0]), _clean(highs[k, 0])]
    return out


def describe(values: np.ndarray, name: str = "") -> dict:
    """`metric` of an outcome's values; NaNs (did not happen) dropped."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return metric(name, 0, None, None, None)
    sd = float(x.std(ddof=1)) if n > 1 else 0.0
    return metric(name, n, float(x.mean()), sd, np.sort(x).__getitem__)


def probability_se(p: float, n: int) -> float:
    """Standard error of a probability p observed over n replications.

    sqrt(p(1-p)/n), except at p = 0 or 1, where that is 0 although the truth
    may be anything up to about 3.8/n away: there, the half-width of the
    Wilson 95% interval over 1.96 (about 1/n, close to the s.e. one event
    would give), so no figure is ever shown, or accepted by --precision, as
    exact after finitely many replications.
    """
    if 0 < p < 1:
        return math.sqrt(p * (1 - p) / n)
    low, high = wilson(p, n)
    return (high - low) / (2 * Z95)


def share(hits: int, n: int) -> dict:
    """The probability `hits / n` with its standard error and its Wilson 95% interval."""
    if not n:
        return {"p": None, "mcse": None, "ci95": None, "n": 0}
    p = hits / n
    return {"p": p, "mcse": probability_se(p, n), "ci95": list(wilson(p, n)), "n": n}


def probability(hits: np.ndarray) -> dict:
    """Share of replications where something happened, with its standard error and interval."""
    h = np.asarray(hits, dtype=bool)
    return share(int(h.sum()), int(h.size))


def first_curve(firsts: np.ndarray, months: np.ndarray) -> list[float]:
    """P(the event has happened by each month), from first-occurrence months (NaN = never)."""
    f = np.where(np.isnan(firsts), np.inf, firsts)
    f.sort()
    return (np.searchsorted(f, months, side="right") / f.size).tolist()


def bands(paths: np.ndarray, months: np.ndarray, block: int = 8) -> dict:
    """Percentile bands of monthly trajectories, with their 95% Monte Carlo intervals.

    Each month's percentiles are computed on their own, so working in blocks
    of columns gives the same figures while keeping the temporary copies small
    (a 200,000-replication run would otherwise copy ~200 MB twice).
    """
    n, width = paths.shape
    figures = np.empty((3, len(PERCENTILES), width))  # values, lows, highs
    needed = np.unique(ranks(n, False))
    for a in range(0, width, block):
        # only the ranks read need to be in place: a partition, cheaper than a sort
        ordered = np.partition(paths[:, a : a + block].astype(float), needed, axis=0)
        figures[:, :, a : a + block] = quantiles(ordered.__getitem__, n, False)
    out: dict = {"months": months.tolist()}
    for k, q in enumerate(PERCENTILES):
        out[f"p{q}"] = figures[0, k].tolist()
    for k, q in enumerate(PERCENTILES):
        out[f"p{q}_ci95"] = [
            [_clean(low), _clean(high)]
            for low, high in zip(figures[1, k], figures[2, k], strict=True)
        ]
    return out


def outcome_figures(results) -> tuple[dict, dict]:
    """(metrics, probabilities) of a run: all a sweep's point keeps of it."""
    metrics = {name: describe(v, name) for name, v in results.scalars.items()}
    for name, v in results.firsts.items():
        metrics[f"months_to_{name}"] = describe(v, f"months_to_{name}")
    probabilities = {event: probability(~np.isnan(results.firsts[event])) for event in FIRSTS}
    probabilities["freeze_in_force_at_end"] = probability(results.freeze[:, -1])
    for block in (metrics, probabilities):
        for figures in block.values():
            for key, value in figures.items():
                if isinstance(value, float):
                    figures[key] = _clean(value)
    return metrics, probabilities


def summarize(results) -> dict:
    """Every figure of a run, in the results contract's layout (without provenance)."""
    months = results.months
    metrics, probabilities = outcome_figures(results)
    curves = {event: first_curve(results.firsts[event], months) for event in FIRSTS}
    curves["freeze_in_force"] = results.freeze.mean(axis=0).tolist()
    trajectories = {name: bands(paths, months) for name, paths in results.trajectories.items()}
    return {
        "metrics": metrics,
        "probabilities": probabilities,
        "curves": {"months": months.tolist(), **curves},
        "trajectories": trajectories,
        "drivers": run_drivers(results),
    }
