"""Comparing runs: differences from a baseline, each with its confidence interval.

Every input becomes a `Run` (per-replication outcomes and the run's summary): a
scenario file is run, a result folder is read from disk, never rerun. Runs with
the same seed and number of replications share their random numbers row by row
(common random numbers), so their differences are taken replication by
replication (paired, Student t with n - 1 degrees of freedom) and chance
cancels out; other pairs of runs are compared as independent samples (unpaired:
Welch's t with Welch–Satterthwaite degrees of freedom; for probabilities,
Newcombe's score interval). Every interval is at one confidence level, 95% unless
`compare(..., confidence=)` says otherwise; comparison.json states it and names each
interval `ci` (and, at 95%, also `ci95`, the name earlier versions wrote, so their
readers go on working; at any other level there is no `ci95` to misread).
`months_to_<event>` figures are means over the
replications where the event happened, different ones on each side: they are
compared unpaired, with the counts of each side, unless the event happened at
exactly the same replications of paired runs. "Weapons averted" is the
baseline's warheads and material minus the scenario's, at each whole year of
the horizon. Runs over different calendar months cannot be compared and are
refused.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from statistics import NormalDist
from typing import Any, NotRequired, TypedDict

import numpy as np

from sim.analysis.runs import QUANTITIES, Run, check_compatible, gather, grid_of, read_folder
from sim.engine.folders import overrides_mark
from sim.engine.intervals import LEVEL, newcombe, t_quantile, welch_df, wilson
from sim.engine.summary import probability_se
from sim.plan.outcomes import FIRSTS
from sim.scenario.dates import label as month_label
from sim.scenario.distributions import DISTRIBUTIONS
from sim.version import __version__

__all__ = ["Run", "compare", "gather", "read_folder"]

#: Top-level keys that name or describe a scenario but do not change its numbers.
NOT_PARAMETERS = ("name", "title", "description", "facts", "extends", "run")
#: How `months_to_*` rows are compared, for every rendering of a comparison.
CONDITIONAL_NOTE = (
    "months_to_* rows are means over the replications where the event happened (n of each "
    "side shown), so they are compared unpaired (Welch), unless the event happened at the "
    "same replications in both runs."
)


# --------------------------------------------------------------------------- statistics


class Difference(TypedDict):
    """A figure of one run minus the baseline's, as comparison.json holds it."""

    diff: float | None
    se: float | None
    df: float | None  # degrees of freedom of a t interval
    ci: list[float] | None  # at the comparison's confidence level
    ci95: NotRequired[list[float] | None]  # the same, when that level is 95%
    n: int
    paired: bool
    # a `months_to_<event>` figure: a mean over the replications where the event happened
    conditional: NotRequired[bool]
    n_scenario: NotRequired[int]
    n_baseline: NotRequired[int]


def check_confidence(confidence: float) -> float:
    """A confidence level strictly between 0 and 1 (0.95 for 95% intervals)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(
            f"confidence must lie strictly between 0 and 1, e.g. 0.95; got {confidence}"
        )
    return float(confidence)


def set_ci(d: Difference, ci: list[float] | None, confidence: float) -> Difference:
    """Store a difference's interval: `ci`, and `ci95` too when the level is 95%."""
    d["ci"] = ci
    if confidence == LEVEL:
        d["ci95"] = ci
    else:
        d.pop("ci95", None)
    return d


def mean_difference(
    x: np.ndarray, y: np.ndarray, paired: bool, confidence: float = LEVEL
) -> Difference:
    """mean(x) - mean(y) with its standard error and t interval (95% by default).

    Paired: over the differences of rows that share their random numbers, so the
    noise they share cancels; t with n - 1 degrees of freedom. Unpaired (Welch):
    NaNs (did not happen) dropped from each side, variances added, t with the
    Welch–Satterthwaite degrees of freedom. Identical samples differ by exactly
    0, with an interval [0, 0].
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    se = df = math.nan
    if paired:
        d = x - y
        d = d[~np.isnan(d)]
        n = int(d.size)
        diff = float(d.mean()) if n else math.nan
        if n > 1:
            se, df = float(d.std(ddof=1)) / math.sqrt(n), n - 1
    else:
        x, y = x[~np.isnan(x)], y[~np.isnan(y)]
        n = int(min(x.size, y.size))
        diff = float(x.mean() - y.mean()) if n else math.nan
        if x.size > 1 and y.size > 1:
            vx, vy = float(x.var(ddof=1)), float(y.var(ddof=1))
            se = math.sqrt(vx / x.size + vy / y.size)
            df = welch_df(vx, x.size, vy, y.size)
    out: Difference = {
        "diff": _num(diff),
        "se": _num(se),
        "df": None,
        "ci": None,
        "n": n,
        "paired": paired,
    }
    ci = None
    if out["diff"] is not None and out["se"] is not None:
        if se == 0:
            ci = [diff, diff]
        else:
            out["df"] = float(df)
            half = t_quantile(0.5 + confidence / 2, df) * se
            ci = [diff - half, diff + half]
    return set_ci(out, ci, confidence)


def conditional_difference(
    x: np.ndarray, y: np.ndarray, paired: bool, confidence: float = LEVEL
) -> Difference:
    """Difference of means over the replications where an event happened (NaN: it did not).

    The two sides are different replications, so the means are compared
    unpaired; when paired runs had the event at the same replications, the
    means are over the same rows and the difference is taken row by row.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    same_rows = paired and np.array_equal(np.isnan(x), np.isnan(y))
    out = mean_difference(x, y, same_rows, confidence)
    out.update(
        {
            "conditional": True,
            "n_scenario": int(np.count_nonzero(~np.isnan(x))),
            "n_baseline": int(np.count_nonzero(~np.isnan(y))),
        }
    )
    return out


def probability_difference(
    x: np.ndarray, y: np.ndarray, paired: bool, confidence: float = LEVEL
) -> Difference:
    """p(x) - p(y) for 0/1 outcomes, with an interval that is never falsely exact.

    Paired: the mean of the row-by-row differences (t interval). If no
    replication differs, the difference is 0 but the share of replications
    that would differ may be anything up to its Wilson upper bound, which
    bounds the difference both ways (the same runs compared with each other
    are exact: see `differences`). Unpaired: Newcombe's hybrid score interval
    from each side's Wilson interval.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    if paired:
        d = mean_difference(x, y, True, confidence)
        n = d["n"]
        if n and not np.any(x != y):
            bound = wilson(0.0, n, z)[1]
            d.update({"se": probability_se(0.0, n), "df": None})
            set_ci(d, [-bound, bound], confidence)
        return d
    n1, n2 = int(x.size), int(y.size)
    if not n1 or not n2:
        return mean_difference(x, y, False, confidence)
    p1, p2 = float(x.mean()), float(y.mean())
    out: Difference = {
        "diff": p1 - p2,
        "se": math.hypot(probability_se(p1, n1), probability_se(p2, n2)),
        "df": None,
        "ci": None,
        "n": min(n1, n2),
        "paired": False,
    }
    return set_ci(out, list(newcombe(p1, n1, p2, n2, z)), confidence)


def _num(x: float) -> float | None:
    return None if math.isnan(x) or math.isinf(x) else float(x)


def events(run: Run) -> dict[str, np.ndarray]:
    """Whether each event of the results contract happened, per replication (0/1)."""
    out = {e: (~np.isnan(run.firsts[e])).astype(float) for e in FIRSTS}
    out["freeze_in_force_at_end"] = run.freeze_at_end.astype(float)
    return out


def same_runs(base: Run, run: Run) -> bool:
    """The same scenario, seed, replications and engine: the same numbers, row by row."""
    return (
        base.seed == run.seed
        and base.replications == run.replications
        and base.summary["scenario"]["hash"] == run.summary["scenario"]["hash"]
        and base.summary["provenance"].get("engine_version")
        == run.summary["provenance"].get("engine_version")
    )


def differences(base: Run, run: Run, confidence: float = LEVEL) -> dict:
    """Every metric and probability of `run` minus the baseline's, and the weapons averted,
    with intervals at the `confidence` level."""
    paired = base.seed == run.seed and base.replications == run.replications
    same = same_runs(base, run)
    c = confidence
    metrics = {n: mean_difference(run.scalars[n], base.scalars[n], paired, c) for n in run.scalars}
    for name in run.firsts:  # conditional on the event: different replications on each side
        metrics[f"months_to_{name}"] = conditional_difference(
            run.firsts[name], base.firsts[name], paired, c
        )
    ev_run, ev_base = events(run), events(base)
    probabilities = {e: probability_difference(ev_run[e], ev_base[e], paired, c) for e in ev_run}
    out: dict[str, Any] = {
        "paired": paired,
        "same": same,
        "pairing": _pairing(base, run, paired, same),
        "metrics": metrics,
        "probabilities": probabilities,
        "averted": averted(base, run, paired, c),
    }
    if same:  # the same numbers row by row: no Monte Carlo error, even over a single row
        rows = [*metrics.values(), *probabilities.values(), *out["averted"]["warheads"]]
        for row in rows + out["averted"]["material"]:
            if row["diff"] == 0:
                row.update(se=0.0, df=None)
                set_ci(row, [0.0, 0.0], c)
    return out


def _pairing(base: Run, run: Run, paired: bool, same: bool) -> str:
    if not paired:
        return (
            f"unpaired: seed {base.seed} with {base.replications:,} replications "
            f"against seed {run.seed} with {run.replications:,}"
        )
    text = f"paired: both runs use seed {run.seed} and {run.replications:,} replications"
    engines = {r.summary["provenance"].get("engine_version") for r in (base, run)}
    if len(engines) > 1:  # still a valid paired interval, but rows may not share their draws
        return text + f" (but engines {' and '.join(sorted(map(str, engines)))} differ)"
    if same:
        return text + " and the same scenario, so every difference is exactly 0"
    return text + ", so replication i of each shares its random numbers"


def averted(base: Run, run: Run, paired: bool, confidence: float = LEVEL) -> dict[str, list[dict]]:
    """Baseline minus scenario, warheads and material, at the end of each whole year."""
    grid = grid_of(run=base)
    start, horizon = grid["start"], grid["horizon_months"]
    out: dict[str, list[dict]] = {}
    for q in QUANTITIES:
        rows = []
        for month in range(12, horizon + 1, 12):
            b = base.trajectories[q][:, month].astype(float)
            s = run.trajectories[q][:, month].astype(float)
            d = mean_difference(b, s, paired, confidence)
            date = month_label(start, month)
            rows.append({"year": month // 12, "month": month, "date": date, **d})
        out[q] = rows
    return out


# --------------------------------------------------------------------------- parameters


def parameters(resolved: dict) -> dict[str, dict]:
    """Every parameter of a resolved scenario by dotted path: its value as text, sources, note.

    Distributions are written as `triangular(6, 12, 20)`, so `{value: 0.4}` and
    `0.4` read the same; a calendar entry's `source` applies to its settings.
    """
    out: dict[str, dict] = {}

    def walk(node, path: str, sources: list[str]) -> None:
        spec = _spec_text(node)
        if spec is not None:
            out[path] = {
                "value": spec,
                "sources": _sources(node) or sources,
                "note": node.get("note"),
            }
        elif isinstance(node, dict):
            inherited = _sources(node) or sources
            for key, value in node.items():
                if key not in ("source", "note"):
                    walk(value, f"{path}.{key}" if path else str(key), inherited)
        else:
            out[path] = {"value": _text(node), "sources": sources, "note": None}

    walk({k: v for k, v in resolved.items() if k not in NOT_PARAMETERS}, "", [])
    return out


def _sources(node) -> list[str]:
    if not isinstance(node, dict) or node.get("source") is None:
        return []
    src = node["source"]  # a name or a list of names; anything else (a damaged file) as text
    return [str(s) for s in src] if isinstance(src, list) else [str(src)]


def _spec_text(node) -> str | None:
    if not isinstance(node, dict):
        return None
    kinds = [k for k in node if k in DISTRIBUTIONS]
    if len(kinds) != 1:
        return None
    try:
        return DISTRIBUTIONS[kinds[0]].model_validate(node).describe()
    except ValueError:
        return json.dumps({kinds[0]: node[kinds[0]]}, default=str)


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return str(value)


def semantic_diff(base: dict, other: dict) -> list[dict]:
    """Parameters whose values differ between two resolved scenarios (None: not set)."""
    a, b = parameters(base), parameters(other)
    paths = list(a) + [p for p in b if p not in a]
    rows = []
    for path in paths:
        old, new = a.get(path, {}).get("value"), b.get(path, {}).get("value")
        if old != new:
            rows.append({"path": path, "baseline": old, "scenario": new})
    return rows


# --------------------------------------------------------------------------- the comparison


def unique_labels(runs: list[Run]) -> None:
    """Give runs of the same scenario distinct labels: freeze, freeze (2), ..."""
    seen: dict[str, int] = {}
    for run in runs:
        seen[run.label] = seen.get(run.label, 0) + 1
        if seen[run.label] > 1:
            run.label = f"{run.label} ({seen[run.label]})"


def compare(runs: list[Run], comparison_id: str = "", confidence: float = LEVEL) -> dict:
    """The comparison of runs[1:] with the baseline runs[0]: the content of comparison.json.

    Every interval of a difference is at the `confidence` level (0.95: 95% intervals).
    """
    confidence = check_confidence(confidence)
    check_compatible([(r.source, grid_of(run=r)) for r in runs])
    unique_labels(runs)
    base = runs[0]
    grid = grid_of(run=base)
    years = list(range(1, grid["horizon_months"] // 12 + 1))
    scenarios = {}
    for run in runs:
        sc, prov = run.summary["scenario"], run.summary["provenance"]
        entry = {
            "source": run.source,
            "kind": run.kind,
            "name": sc["name"],
            "title": sc.get("title"),
            "hash": sc["hash"],
            "seed": run.seed,
            "replications": run.replications,
            "engine_version": prov.get("engine_version"),
            "overrides": prov.get("overrides") or [],
            "metrics": run.summary["metrics"],
            "probabilities": run.summary["probabilities"],
            "vs_baseline": None,
        }
        if run is not base:
            entry["vs_baseline"] = differences(base, run, confidence)
            entry["vs_baseline"]["parameters"] = semantic_diff(
                base.summary["resolved"], run.summary["resolved"]
            )
        scenarios[run.label] = entry
    return {
        "id": comparison_id,
        "created": datetime.now().astimezone().isoformat(timespec="seconds"),
        "engine_version": __version__,
        "confidence": confidence,
        "baseline": base.label,
        "grid": {
            "start": grid["start"],
            "horizon_months": grid["horizon_months"],
            "years": years,
            "dates": [month_label(grid["start"], 12 * y) for y in years],
        },
        "scenarios": scenarios,
    }


def make_id(runs: list[Run]) -> str:
    """`<date>-<time>-<baseline>-vs-<other>...`, then `-set<hash>` if any run has overrides."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    names = "-vs-".join(r.summary["scenario"]["name"] for r in runs)
    mark = overrides_mark(*(r.summary["provenance"].get("overrides") or [] for r in runs))
    return f"{stamp}-{names}"[: 100 - len(mark)] + mark
