"""What drives each headline figure: the uncertain inputs that move it most.

Every replication draws its own value of each uncertain parameter, so the
replications of one run already hold what a sensitivity analysis needs. For each
headline figure and each drawn parameter, two cheap measures:

- **share of variance** (first-order, S1): how much of the figure's variance the
  parameter explains on its own, estimated from the replications by binning the
  parameter into quantile bins (a categorical parameter, such as a choice of
  names, by its values) and taking the variance of the bin means over the total
  (the correlation ratio), less its small-sample bias (bins - 1) / (n - 1);
- **rank correlation** (Spearman's rho) between the parameter and the figure:
  its direction, for numeric parameters.

An analyst sees at once when one judgment sets a figure (a share near 1). The
shares of single inputs need not add to 1: the rest is chance (when talks open,
whether a freeze collapses) and interactions.
"""

from __future__ import annotations

from functools import cached_property
from typing import TypedDict

import numpy as np

from sim.plan.outcomes import FIRSTS

#: Figures whose drivers every report names: metrics by name, events by name.
DRIVEN_METRICS = ("final_warheads", "final_material", "material_per_year")
DRIVEN_EVENTS = ("deal_reached", "freeze_in_force_at_end", "freeze_collapsed", "nuclear_test")
BINS = 10
TOP = 3
MIN_SHARE = 0.02  # below this an input's share is within the noise of a few thousand replications


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share their mean rank)."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(x.size)
    ranks[order] = np.arange(x.size, dtype=float)
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    if values.size < x.size:  # average the ranks of ties
        sums = np.bincount(inverse, weights=ranks)
        ranks = (sums / counts)[inverse]
    return ranks


def spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman's rank correlation; None when either side does not vary."""
    return _correlation(_ranks(x), _ranks(y))


def _correlation(rx: np.ndarray, ry: np.ndarray) -> float | None:
    """Pearson's correlation of two rankings (Spearman's rho); None if either is constant."""
    sx, sy = rx.std(), ry.std()
    if sx == 0 or sy == 0:
        return None
    return float(np.mean((rx - rx.mean()) * (ry - ry.mean())) / (sx * sy))


def first_order(x: np.ndarray, y: np.ndarray, bins: int = BINS) -> float | None:
    """Share of y's variance explained by x alone, from quantile bins, bias-corrected."""
    var = y.var()
    if y.size < 2 * bins or var == 0:
        return None
    return _share(_groups(x, bins), y, var)


def _groups(x: np.ndarray, bins: int) -> np.ndarray:
    """Each replication's bin of x: its quantile bin, or (names) its value's."""
    if x.dtype == object:
        _, groups = np.unique(x.astype(str), return_inverse=True)
    else:
        edges = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1)[1:-1]))
        groups = np.searchsorted(edges, x, side="right")
    return groups


def _share(groups: np.ndarray, y: np.ndarray, var: float) -> float | None:
    """The first-order share of y's variance `var` explained by the bins `groups`."""
    n = y.size
    k = int(groups.max()) + 1
    if k < 2:
        return None
    counts = np.bincount(groups, minlength=k)
    means = np.bincount(groups, weights=y, minlength=k) / np.maximum(counts, 1)
    between = float(np.sum(counts * (means - y.mean()) ** 2) / n)
    share = between / var - (k - 1) / (n - 1)
    return float(min(max(share, 0.0), 1.0))


class _Drawn:
    """A drawn parameter's values, binned and ranked once (when first needed) for all figures."""

    def __init__(self, values) -> None:
        self.values = np.asarray(values)
        self.names = self.values.dtype == object  # a parameter of names: no rank correlation

    @cached_property
    def groups(self) -> np.ndarray:
        return _groups(self.values, BINS)

    @cached_property
    def ranks(self) -> np.ndarray:
        return _ranks(self.values.astype(float))


class Driver(TypedDict):
    """A drawn parameter that drives a figure: the share of the figure's variance it explains
    on its own, and its rank correlation with the figure (None for a parameter of names)."""

    parameter: str
    share: float
    rho: float | None


def drivers(
    sampled: dict[str, np.ndarray], figures: dict[str, np.ndarray]
) -> dict[str, list[Driver]]:
    """For each figure, the drawn parameters that explain most of its variance, largest first.

    At most `TOP` of them, each explaining at least `MIN_SHARE` on its own.
    (`first_order` and `spearman` for every pair, with each parameter's bins
    and ranks, and each figure's ranks, worked out once.)
    """
    drawn = {path: _Drawn(x) for path, x in sampled.items()}
    out: dict[str, list[Driver]] = {}
    for name, y in figures.items():
        y = np.asarray(y, dtype=float)
        var = y.var()
        rows: list[Driver] = []
        if y.size >= 2 * BINS and var != 0:  # else no parameter explains any of it
            ry: np.ndarray | None = None
            for path, x in drawn.items():
                share = _share(x.groups, y, var)
                if share is None or share < MIN_SHARE:
                    continue
                rho = None
                if not x.names:
                    ry = _ranks(y) if ry is None else ry
                    rho = _correlation(x.ranks, ry)
                rows.append({"parameter": path, "share": share, "rho": rho})
        rows.sort(key=lambda r: (-r["share"], r["parameter"]))
        out[name] = rows[:TOP]
    return out


def run_drivers(results) -> dict[str, list[Driver]]:
    """The drivers of a run's headline figures (metrics and events), from its replications."""
    if not results.sampled:
        return {}
    figures: dict[str, np.ndarray] = {name: results.scalars[name] for name in DRIVEN_METRICS}
    for event in DRIVEN_EVENTS:
        if event in FIRSTS:
            figures[event] = (~np.isnan(results.firsts[event])).astype(float)
        elif event == "freeze_in_force_at_end":
            figures[event] = results.freeze[:, -1].astype(float)
    return drivers(results.sampled, figures)
