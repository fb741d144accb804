"""Which assumptions move each outcome: Sobol indices, regression coefficients, swings.

Three views of the same question, each suited to a design:

- **Sobol indices** (Sobol designs): the share of the outcome's variance due to a
  factor alone (first order, S1) and with all its interactions (total order,
  ST), with bootstrap confidence intervals. Model-free, so they see non-linear
  effects and interactions; estimated with SALib from the Saltelli design.
- **Standardized regression coefficients** (grid and LHS designs): the outcome
  and the factors scaled to unit variance, then a linear fit; SRC_j is how many
  standard deviations the outcome moves per standard deviation of factor j. For
  independent factors, SRC_j squared is the share of variance it explains when
  the fit is good (R² near 1); the report prints R² so the reader can judge.
  A factor that takes two names (two US demands, say) enters as 0/1.
- **Swings** (every design, the tornado chart): the outcome's average at a
  factor's low end and at its high end, averaged over everything else: the
  main effect in the outcome's own units.

Outcomes are per-point means (or probabilities) over the replications; with
common random numbers, their Monte Carlo noise is shared across points and
mostly cancels out of the comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.sweeps.designs import Design, sobol_problem
from sim.sweeps.table import outcome_column

CONF = 0.95
NO_VARIATION = "does not vary across the sweep"


@dataclass
class Ranking:
    """What drives one outcome, factor by factor, in the design's factor order."""

    outcome: str
    method: str  # "sobol", "src" or "none"
    factors: list[str]
    first: list[float] = field(default_factory=list)  # S1
    first_ci: list[float] = field(default_factory=list)  # half-width of its CI
    total: list[float] = field(default_factory=list)  # ST
    total_ci: list[float] = field(default_factory=list)
    src: list[float | None] = field(default_factory=list)
    src_ci: list[tuple[float, float] | None] = field(default_factory=list)
    r2: float | None = None
    swings: list[Swing] = field(default_factory=list)
    note: str | None = None

    def clear(self, j: int) -> bool:
        """Whether factor j's effect is clearly not zero: its interval excludes 0."""
        if self.method == "sobol":
            return self.total[j] - self.total_ci[j] > 0
        if self.method == "src":
            ci = self.src_ci[j]
            return ci is not None and (ci[0] > 0 or ci[1] < 0)
        return False

    def order(self) -> list[int]:
        """Factor indices, most important first."""
        if self.method == "sobol":
            return sorted(range(len(self.factors)), key=lambda j: -self.total[j])
        if self.method == "src":
            return sorted(range(len(self.factors)), key=lambda j: -abs(self.src[j] or 0.0))
        return sorted(range(len(self.factors)), key=lambda j: -abs(self.swings[j].swing))

    def drivers(self) -> list[str]:
        """The factors that clearly move the outcome (interval excludes 0), most important first."""
        return [self.factors[j] for j in self.order() if self.clear(j)]


@dataclass(frozen=True)
class Swing:
    """The outcome's average at a factor's low and high end (a tornado bar)."""

    low_label: str
    high_label: str
    low: float
    high: float

    @property
    def swing(self) -> float:
        return self.high - self.low


def sobol_indices(design: Design, y: np.ndarray, seed: int, resamples: int = 500) -> dict:
    """First- and total-order indices with CI half-widths (SALib, Saltelli/Jansen estimators)."""
    from SALib.analyze import sobol

    result = sobol.analyze(
        sobol_problem(design.factors),
        np.asarray(y, dtype=float),
        calc_second_order=False,
        num_resamples=resamples,
        conf_level=CONF,
        seed=seed + 1,  # SALib treats seed 0 as "no seed"
    )
    return {k: np.asarray(result[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")}


def standardized_regression(
    x: np.ndarray, y: np.ndarray, seed: int, resamples: int = 500
) -> tuple[np.ndarray, np.ndarray, float]:
    """SRCs of y on the columns of x, their bootstrap CIs (2 x d) and the fit's R²."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    coef, r2 = _src(x, y)
    rng = np.random.default_rng([seed, 0x5C])
    n = len(y)
    boot = np.empty((resamples, x.shape[1]))
    for b in range(resamples):
        rows = rng.integers(0, n, n)
        boot[b] = _src(x[rows], y[rows])[0]
    alpha = (1 - CONF) / 2
    ci = np.nanquantile(boot, [alpha, 1 - alpha], axis=0)
    return coef, ci, r2


def _src(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    sx = x.std(axis=0)
    sy = y.std()
    coef = np.full(x.shape[1], np.nan)
    live = sx > 0
    if sy == 0 or not live.any():
        return coef, float("nan")
    z = (x[:, live] - x[:, live].mean(axis=0)) / sx[live]
    w = (y - y.mean()) / sy
    # The normal equations (a factors x factors system, least squares so collinear factors
    # still get an answer): the same fit as lstsq on the points, a hundred times faster
    # for thousands of points, which matters 500 times over in the bootstrap.
    beta, *_ = np.linalg.lstsq(z.T @ z, z.T @ w, rcond=None)
    coef[live] = beta
    resid = w - z @ beta
    return coef, float(1 - resid @ resid / (w @ w))


def swings(design: Design, y: np.ndarray) -> list[Swing]:
    """Each factor's low-end and high-end average of y (NaN entries ignored)."""
    out = []
    for j, factor in enumerate(design.factors):
        c = design.coords[:, j]
        if design.grid:
            lo_mask, hi_mask = c == c.min(), c == c.max()
            lo_at, hi_at = int(c.min()), int(c.max())
            low_label = _label(factor.values_at(lo_at, True), "g")
            high_label = _label(factor.values_at(hi_at, True), "g")
        else:
            lo_mask, hi_mask = c <= 0.2, c >= 0.8  # its lowest and highest fifth
            low, high = factor.values_at(0.2, False), factor.values_at(0.8, False)
            names = any(isinstance(v, str) for v in (*low.values(), *high.values()))
            low_label = ("" if names else "≤ ") + _label(low, ".3g")
            high_label = ("" if names else "≥ ") + _label(high, ".3g")
        out.append(Swing(low_label, high_label, _mean(y[lo_mask]), _mean(y[hi_mask])))
    return out


def _mean(v: np.ndarray) -> float:
    v = v[~np.isnan(v)]
    return float(v.mean()) if v.size else float("nan")


def _label(values: dict, spec: str) -> str:
    return ", ".join(format(v, spec) if isinstance(v, float) else str(v) for v in values.values())


def _regressor(design: Design, j: int) -> np.ndarray | None:
    """Factor j as numbers: its values, or 0/1 for a factor that takes two names."""
    numeric = design.numeric(j)
    if numeric is not None:
        return numeric
    factor = design.factors[j]
    keys = [tuple(factor.values_at(float(c), design.grid).values()) for c in design.coords[:, j]]
    distinct = sorted(set(keys), key=keys.index)
    if len(distinct) == 2:
        return np.array([float(k == distinct[1]) for k in keys])
    return None


def rank(design: Design, y: list[float | None], outcome: str, seed: int) -> Ranking:
    """The ranking suited to the design, with swings; notes say when one is not possible."""
    values = np.array([np.nan if v is None else v for v in y], dtype=float)
    labels = [f.label for f in design.factors]
    ranking = Ranking(outcome, "none", labels, swings=swings(design, values))
    ok = ~np.isnan(values)
    if ok.sum() < 3:
        ranking.note = "too few points with a value"
        return ranking
    spread = np.nanmax(values) - np.nanmin(values)
    if spread <= 1e-9 * max(1.0, float(np.nanmax(np.abs(values)))):  # equal but for round-off
        ranking.note = NO_VARIATION
        return ranking
    if design.kind == "sobol":
        if ok.all():
            s = sobol_indices(design, values, seed)
            ranking.method = "sobol"
            ranking.first, ranking.first_ci = s["S1"].tolist(), s["S1_conf"].tolist()
            ranking.total, ranking.total_ci = s["ST"].tolist(), s["ST_conf"].tolist()
            return ranking
        ranking.note = (
            f"Sobol indices need every point; {int((~ok).sum())} have no value, so "
            "regression coefficients are shown instead"
        )
    columns = [_regressor(design, j) for j in range(len(labels))]
    usable = [j for j, c in enumerate(columns) if c is not None]
    if not usable:
        ranking.note = "no numeric factor to regress on"
        return ranking
    x = np.column_stack([c for c in columns if c is not None])[ok]
    coef, ci, r2 = standardized_regression(x, values[ok], seed)
    ranking.method = "src"
    ranking.src = [None] * len(labels)
    ranking.src_ci = [None] * len(labels)
    for k, j in enumerate(usable):
        if not np.isnan(coef[k]):
            ranking.src[j] = float(coef[k])
            ranking.src_ci[j] = (float(ci[0, k]), float(ci[1, k]))
    ranking.r2 = r2
    skipped = [labels[j] for j in range(len(labels)) if j not in usable]
    if skipped:
        extra = f"names with more than two values, so not in the regression: {', '.join(skipped)}"
        ranking.note = f"{ranking.note}; {extra}" if ranking.note else extra
    return ranking


def analyse(sweep) -> dict[str, Ranking]:
    """A ranking for every outcome the sweep's plan names (a `SweepRun` from `run_sweep`)."""
    plan = sweep.plan
    return {
        name: rank(plan.design, outcome_column(sweep, name), name, plan.seed)
        for name in plan.metrics
    }
