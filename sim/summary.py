"""Aggregation: the figures an analyst quotes, each with its Monte Carlo error.

For every scalar outcome: mean, standard deviation, Monte Carlo standard error
of the mean (sd / sqrt(n)) and the 5/25/50/75/95 percentiles. For every event:
its probability with standard error sqrt(p(1-p)/n), and its curve by month. For
every trajectory: percentile bands by month. All plain numpy over arrays in
replication order, so the same outcomes always give the same figures.
"""

from __future__ import annotations

import math

import numpy as np

from .outcomes import FIRSTS

PERCENTILES = (5, 25, 50, 75, 95)


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


def _clean(x: float) -> float | None:
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def metric(n: int, mean: float | None, sd: float | None, percentiles) -> dict:
    """A metric's figures: count, mean, sd, Monte Carlo standard error, percentiles."""
    out: dict = {"n": n, "mean": None, "sd": None, "mcse": None}
    out.update({f"p{q}": None for q in PERCENTILES})
    if n:
        out.update({"mean": mean, "sd": sd, "mcse": sd / math.sqrt(n)})
        out.update({f"p{q}": float(v) for q, v in zip(PERCENTILES, percentiles, strict=True)})
    return out


def describe(values: np.ndarray) -> dict:
    """Mean, sd, Monte Carlo standard error and percentiles; NaNs (did not happen) dropped."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return metric(0, None, None, None)
    sd = float(x.std(ddof=1)) if n > 1 else 0.0
    return metric(n, float(x.mean()), sd, np.percentile(x, PERCENTILES))


def share(hits: int, n: int) -> dict:
    """The probability `hits / n` with its standard error."""
    p = hits / n if n else math.nan
    return {"p": p, "mcse": math.sqrt(p * (1 - p) / n) if n else None, "n": n}


def probability(hits: np.ndarray) -> dict:
    """Share of replications where something happened, with its standard error."""
    h = np.asarray(hits, dtype=bool)
    return share(int(h.sum()), int(h.size))


def first_curve(firsts: np.ndarray, months: np.ndarray) -> list[float]:
    """P(the event has happened by each month), from first-occurrence months (NaN = never)."""
    f = np.where(np.isnan(firsts), np.inf, firsts)
    f.sort()
    return (np.searchsorted(f, months, side="right") / f.size).tolist()


def bands(paths: np.ndarray, months: np.ndarray, block: int = 8) -> dict:
    """Percentile bands of monthly trajectories, a few months at a time.

    Each month's percentiles are computed on their own, so working in blocks
    of columns gives the same figures while keeping the temporary copies small
    (a 200,000-replication run would otherwise copy ~200 MB twice).
    """
    qs = np.empty((len(PERCENTILES), paths.shape[1]))
    for a in range(0, paths.shape[1], block):
        qs[:, a : a + block] = np.percentile(
            paths[:, a : a + block].astype(float), PERCENTILES, axis=0
        )
    out: dict = {"months": months.tolist()}
    for q, row in zip(PERCENTILES, qs, strict=True):
        out[f"p{q}"] = row.tolist()
    return out


def summarize(results) -> dict:
    """Every figure of a run, in the results contract's layout (without provenance)."""
    months = results.months
    metrics = {name: describe(v) for name, v in results.scalars.items()}
    for name, v in results.firsts.items():
        metrics[f"months_to_{name}"] = describe(v)
    probabilities = {event: probability(~np.isnan(results.firsts[event])) for event in FIRSTS}
    probabilities["freeze_in_force_at_end"] = probability(results.freeze[:, -1])
    curves = {event: first_curve(results.firsts[event], months) for event in FIRSTS}
    curves["freeze_in_force"] = results.freeze.mean(axis=0).tolist()
    trajectories = {name: bands(paths, months) for name, paths in results.trajectories.items()}
    for block in (metrics, probabilities):
        for figures in block.values():
            for key, value in figures.items():
                if isinstance(value, float):
                    figures[key] = _clean(value)
    from .drivers import run_drivers

    return {
        "metrics": metrics,
        "probabilities": probabilities,
        "curves": {"months": months.tolist(), **curves},
        "trajectories": trajectories,
        "drivers": run_drivers(results),
    }


#: What each figure means, for tables and reports.
DESCRIPTIONS = {
    "final_warheads": "assembled warheads at the horizon",
    "final_material": "fissile material at the horizon (weapons-equivalent, incl. warheads)",
    "material_per_year": "material added per year, on average over the horizon",
    "months_frozen": "months with a freeze in force",
    "rounds_held": "rounds of talks held",
    "deals": "deals reached",
    "freeze_collapses": "freezes that collapsed",
    "missile_launches": "missile launch events",
    "icbm_launches": "ICBM launch events",
    "nuclear_tests": "nuclear tests",
    "unsc_drafts": "UNSC draft resolutions",
    "unsc_vetoes": "UNSC drafts vetoed",
    "unsc_resolutions": "UNSC sanctions resolutions adopted",
    "deals_cheated": "deals under which the DPRK cheated",
    "cheating_detected": "detections of cheating",
    "final_sanctions_pressure": "sanctions pressure at the horizon (0-1)",
    "final_trust": "trust at the horizon (0-1)",
    "months_to_talks_opened": "months until talks first open (when they do)",
    "months_to_deal_reached": "months until the first deal (when there is one)",
    "months_to_cheating": "months until a deal with cheating (when there is one)",
    "months_to_cheating_detected": "months until cheating is first detected (when it is)",
    "months_to_freeze_collapsed": "months until a freeze first collapses (when one does)",
    "months_to_nuclear_test": "months until the first nuclear test (when there is one)",
    "months_to_unsc_resolution": "months until the first new resolution (when there is one)",
    "talks_opened": "talks open at some point",
    "deal_reached": "a deal is reached",
    "cheating": "the DPRK cheats under a deal",
    "freeze_collapsed": "a freeze collapses",
    "nuclear_test": "a nuclear test",
    "unsc_resolution": "a new UNSC sanctions resolution",
    "freeze_in_force_at_end": "a freeze is in force at the horizon",
    "freeze_in_force": "a freeze is in force",
}


def fmt(x: float | None, digits: int = 3) -> str:
    """A figure rounded for reading: three significant digits, no exponent for usual sizes."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    decimals = max(0, digits - 1 - magnitude)
    return f"{x:,.{decimals}f}"
