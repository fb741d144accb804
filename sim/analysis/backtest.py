"""Back-tests: the model's runs held against what happened.

A back-test scenario is an ordinary scenario that starts in the past (the state
then estimated, the production rate estimated then, history's political
calendar). Each is run, and every record of the history that falls inside its
window is set beside the model's distribution:

- an estimate of warheads or material at a month: the model's values at that
  month; an estimate of the production rate: material added over the twelve
  months around its date;
- a count (launch events, ICBM launch events, tests, resolutions, vetoes): the
  sum over the whole calendar years inside the window, beside the model's total;
- freezes: the survival of the model's first freezes (Kaplan-Meier) beside the
  historical episodes.

The model's bands are its percentiles as a run's summary gives them
(`sim.engine.summary.describe`): a count's are order statistics, never
interpolated. For each point: the model's percentile of the published value
(PIT, mid-rank for ties), whether it lies inside the 50% and 90% bands (a published range is
inside when it meets the band: the estimate's own uncertainty counts; a figure
given without a range must lie inside), and the interval score of
each band (Gneiting and Raftery 2007): the band's width plus 2/alpha times how
far outside it the value falls, so it rewards narrow bands and punishes misses.
Assessments and counts are checked; projections and claims are shown only.

A freeze episode is inside when the number of historical freezes that outlasted
it is inside the 90% range of the same number for as many freezes drawn from
the model (binomial with the model's survival at that duration): the right
comparison for a handful of episodes, where a single short one (the Leap Day
deal, six weeks) is not by itself evidence against the hazard.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from sim.engine.results import Results
from sim.engine.runner import run
from sim.engine.summary import PERCENTILES, bands, describe
from sim.scenario.dates import label as month_label
from sim.scenario.history import COUNTED, Count, Estimate, History, load_history
from sim.scenario.loader import load_scenario


@dataclass
class Point:
    """One published figure beside the model's distribution of the same quantity."""

    scenario: str
    id: str
    measure: str
    when: str  # "2024-01", or "2017-2024" for a count
    kind: str
    checked: bool
    value: float
    low: float
    high: float
    source: str
    n: int
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float
    pit: float
    in50: bool
    in90: bool
    is50: float
    is90: float


def interval_score(low: float, high: float, x: float, coverage: float) -> float:
    """Width plus 2/alpha times the miss (Gneiting and Raftery 2007), alpha = 1 - coverage."""
    alpha = 1.0 - coverage / 100.0
    return (high - low) + (2.0 / alpha) * (max(low - x, 0.0) + max(x - high, 0.0))


def pit(samples: np.ndarray, x: float) -> float:
    """The model's percentile of x: share below it plus half the share equal to it."""
    s = np.asarray(samples, dtype=float)
    return float((np.sum(s < x) + 0.5 * np.sum(s == x)) / s.size)


def point(scenario: str, record: Estimate | Count, measure: str, when: str, samples) -> Point:
    """Set a published figure beside the model's samples of the same quantity.

    The model's percentiles are those of every run's summary (`describe`): a
    count's (`measure` one of `COUNTED`, named as the run's outcome) are order
    statistics, never interpolated; an estimate's interpolate linearly.
    """
    s = np.asarray(samples, dtype=float)
    figures = describe(s, measure)
    q = {p: figures[f"p{p}"] for p in PERCENTILES}
    v = record.value
    low, high = record.span
    return Point(
        scenario=scenario,
        id=getattr(record, "id", measure),
        measure=measure,
        when=when,
        kind=getattr(record, "kind", "count"),
        checked=getattr(record, "checked", True),
        value=v,
        low=low,
        high=high,
        source=record.source,
        n=int(s.size),
        p5=q[5],
        p25=q[25],
        p50=q[50],
        p75=q[75],
        p95=q[95],
        pit=pit(s, v),
        in50=low <= q[75] and high >= q[25],
        in90=low <= q[95] and high >= q[5],
        is50=interval_score(q[25], q[75], v, 50),
        is90=interval_score(q[5], q[95], v, 90),
    )


# --------------------------------------------------------------------------- one run


def window(results) -> tuple[float, float]:
    """The run's months, as months since year 0: [start, start + horizon]."""
    start = float(results.scenario.start_month.index)
    return start, start + results.scenario.horizon_months


def estimate_points(results, history: History) -> list[Point]:
    """Every estimate dated inside the run's window, beside the model at that month."""
    name = results.scenario.name
    first, last = window(results)
    horizon = results.scenario.horizon_months
    out = []
    for e in history.estimates:
        at = e.at - first  # model months
        if not first <= e.at <= last:
            continue
        month = round(at)
        if e.measure == "production":
            a = min(max(month - 6, 0), max(horizon - 12, 0))
            b = min(a + 12, horizon)
            if b <= a:
                continue
            paths = results.trajectories["material"]
            samples = (paths[:, b] - paths[:, a]) * 12.0 / (b - a)
        else:
            samples = results.trajectories[e.measure][:, month]
        out.append(
            point(name, e, e.measure, month_label(results.scenario.start_month, month), samples)
        )
    return out


def count_points(results, history: History) -> list[Point]:
    """Each count over the whole calendar years inside the window, beside the model's total."""
    first, last = window(results)
    year0 = math.ceil(first / 12.0)  # the first January inside the window
    year1 = math.floor(last / 12.0) - 1  # the last year that ends inside it
    if int(first) % 12 or year1 < year0:
        return []  # a window that does not start in January has no whole years to compare
    if (year1 + 1) * 12 != int(last):
        return []  # nor one that ends mid-year: the model's totals span the whole window
    out = []
    for name in COUNTED:
        total = history.count_total(name, year0, year1)
        if total is None:
            continue
        when = f"{year0}–{year1}" if year1 > year0 else str(year0)
        out.append(point(results.scenario.name, total, name, when, results.scalars[name]))
    return out


# --------------------------------------------------------------------------- freezes


def first_freezes(results) -> tuple[np.ndarray, np.ndarray]:
    """Duration (months) of each replication's first freeze, and whether it collapsed."""
    started = results.firsts["deal_reached"]
    ended = results.firsts["freeze_collapsed"]
    had = ~np.isnan(started)
    collapsed = ~np.isnan(ended[had])
    horizon = float(results.scenario.horizon_months)
    durations = np.where(collapsed, ended[had], horizon) - started[had]
    return durations, collapsed


def kaplan_meier(durations: np.ndarray, events: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Survival just after each distinct event time (product-limit estimator)."""
    order = np.argsort(durations, kind="stable")
    d, e = durations[order], events[order]
    times, survival = [0.0], [1.0]
    at_risk = d.size
    s = 1.0
    i = 0
    while i < d.size:
        t = d[i]
        j = i
        while j < d.size and d[j] == t:
            j += 1
        deaths = int(e[i:j].sum())
        if deaths:
            s *= 1.0 - deaths / at_risk
            times.append(float(t))
            survival.append(s)
        at_risk -= j - i
        i = j
    return np.array(times), np.array(survival)


def survival_at(times: np.ndarray, survival: np.ndarray, t: float) -> float:
    """The Kaplan-Meier curve's value at t (right-continuous steps)."""
    return float(survival[np.searchsorted(times, t, side="right") - 1])


@dataclass
class Episode:
    id: str
    kind: str
    months: float
    source: str
    model_survival: float  # P(a model freeze lasts longer than this episode)
    outlasted: int  # historical freezes that lasted longer than this one
    band: tuple[int, int]  # 90% range of that number for as many model freezes
    inside: bool


def _binomial_band(n: int, p: float, coverage: float = 90.0) -> tuple[int, int]:
    """Central range of Binomial(n, p) holding at least `coverage`% of its mass."""
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    cdf = np.cumsum(pmf)
    tail = (1.0 - coverage / 100.0) / 2.0
    low = int(np.searchsorted(cdf, tail - 1e-12, side="right"))
    high = int(np.searchsorted(cdf, 1.0 - tail - 1e-12, side="left"))
    return low, min(high, n)


def freeze_survival(results, history: History) -> dict | None:
    """The model's first-freeze survival beside history's freezes.

    Only for a run built to test freezes, where most replications reach one
    (None otherwise): a few freezes of a run about something else say little.
    """
    durations, collapsed = first_freezes(results)
    if 2 * durations.size < results.replications or not history.freezes:
        return None
    times, surv = kaplan_meier(durations, collapsed)
    k = len(history.freezes)
    lengths = sorted(f.months for f in history.freezes)
    episodes = []
    for f in sorted(history.freezes, key=lambda f: f.months):
        s = survival_at(times, surv, f.months)
        outlasted = sum(1 for m in lengths if m > f.months)
        band = _binomial_band(k, s)
        episodes.append(
            Episode(
                id=f.id,
                kind=f.kind,
                months=round(f.months, 2),
                source=f.source,
                model_survival=s,
                outlasted=outlasted,
                band=band,
                inside=band[0] <= outlasted <= band[1],
            )
        )
    hist_t, hist_s = kaplan_meier(np.array(lengths), np.ones(k, dtype=bool))
    grid = np.arange(0, results.scenario.horizon_months + 1)
    return {
        "scenario": results.scenario.name,
        "freezes": int(durations.size),
        "collapsed": int(collapsed.sum()),
        "median_months": _median_survival(times, surv),
        "model": {
            "months": grid.tolist(),
            "survival": [survival_at(times, surv, t) for t in grid],
        },
        "history": {"months": hist_t.tolist(), "survival": hist_s.tolist()},
        "history_median_months": _median_survival(hist_t, hist_s),
        "episodes": [asdict(e) for e in episodes],
    }


def _median_survival(times: np.ndarray, survival: np.ndarray) -> float | None:
    below = np.nonzero(survival <= 0.5)[0]
    return float(times[below[0]]) if below.size else None


# --------------------------------------------------------------------------- the whole back-test


@dataclass
class Backtest:
    """Everything `sim backtest` found, in the shape of backtest.json."""

    history: str
    seed: int | None
    replications: int | None
    scenarios: list[dict] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    freezes: list[dict] = field(default_factory=list)
    bands: dict[str, dict] = field(default_factory=dict)  # scenario -> trajectories bands

    @property
    def checked(self) -> list[Point]:
        return [p for p in self.points if p.checked]

    @property
    def failures(self) -> list[str]:
        """What falls outside its 90% band: checked points and freeze episodes."""
        out = [f"{p.scenario}: {p.id} ({p.when})" for p in self.checked if not p.in90]
        for block in self.freezes:
            out += [
                f"{block['scenario']}: freeze {e['id']} ({e['months']:.1f} months)"
                for e in block["episodes"]
                if not e["inside"]
            ]
        return out

    def totals(self) -> dict:
        checked = self.checked
        n = len(checked)
        failures = self.failures
        return {
            "checked": n,
            "inside50": sum(p.in50 for p in checked),
            "inside90": sum(p.in90 for p in checked),
            "mean_is50": float(np.mean([p.is50 for p in checked])) if n else None,
            "mean_is90": float(np.mean([p.is90 for p in checked])) if n else None,
            "freeze_episodes": sum(len(b["episodes"]) for b in self.freezes),
            "freeze_episodes_inside": sum(e["inside"] for b in self.freezes for e in b["episodes"]),
            "failures": failures,
            "passed": not failures,
        }

    def to_json(self) -> dict:
        return {
            "history": self.history,
            "seed": self.seed,
            "replications": self.replications,
            "scenarios": self.scenarios,
            "totals": self.totals(),
            "points": [asdict(p) for p in self.points],
            "freezes": self.freezes,
            "bands": self.bands,
        }


def compare(results, history: History) -> tuple[list[Point], dict | None]:
    """The points and freeze survival of one back-test run."""
    points = estimate_points(results, history) + count_points(results, history)
    return points, freeze_survival(results, history)


def backtest(
    files: Sequence[str | Path],
    history_path: str | Path,
    *,
    reps: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    overrides: list[str] | None = None,
    progress=None,
) -> Backtest:
    """Run each back-test scenario and compare it with the history.

    `overrides` (`PATH=VALUE`, as `--set`) apply to every scenario: a way to hold
    another judgment against history.
    """
    history = load_history(history_path)
    scenarios = [load_scenario(f, overrides=overrides) for f in files]  # all validated first
    out = Backtest(history=str(history_path), seed=seed, replications=reps)
    for scenario in scenarios:
        results = run(scenario, reps=reps, seed=seed, workers=workers, progress=progress)
        assert isinstance(results, Results), "a run not streamed keeps its replications"
        points, freezes = compare(results, history)
        out.scenarios.append(
            {
                "name": scenario.name,
                "title": scenario.title,
                "path": scenario.path,
                "start": str(scenario.start_month),
                "end": month_label(scenario.start_month, scenario.horizon_months),
                "hash": scenario.content_hash(),
                "seed": results.seed,
                "replications": results.replications,
                "points": len(points),
            }
        )
        out.points += points
        if freezes is not None:
            out.freezes.append(freezes)
        if any(p.measure in ("warheads", "material") for p in points):
            out.bands[scenario.name] = {
                "start": str(scenario.start_month),
                **{q: bands(paths, results.months) for q, paths in results.trajectories.items()},
            }
    return out
