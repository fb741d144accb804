"""PRIM, the patient rule induction method (Friedman and Fisher 1999), for scenario discovery.

Given the uncertain inputs of many histories (numeric columns, and categorical
ones such as named choices) and whether each history ended in an outcome of
interest, PRIM looks for a *box*, limits on a few inputs, inside which that
outcome is concentrated. Three figures describe a box:

- **coverage**: the share of all cases of interest that lie in the box;
- **density**: the share of the box's histories that are cases of interest;
- **mass**: the share of all histories that lie in the box.

**Peeling.** Starting from the box that holds every history, each step considers
every way of shaving a little off the box: for a numeric input, the `alpha`
share of the box's histories with the lowest values, or with the highest (the
`floor(alpha (n - 1)) + 1` most extreme, and any tied with the last of them;
the new limit lies halfway between the last value removed and the first kept,
as in RAND's sdtoolkit); for a categorical input, one of its values. It takes
the candidate with the best objective, by default the gain in density per
history removed (Friedman and Fisher's remedy for peels of unequal size, the
"lenient" objective of EMA Workbench), or the plain density (`"original"`). Ties
go to the candidate that restricts fewer inputs, then to the earlier input, the
upper end before the lower. Peeling stops when no candidate raises the density
or the next box would hold less than `min_mass` of all histories. The boxes
visited form the *peeling trajectory*: coverage falls as density rises.

**Choosing.** By default the box of highest density among those that keep at
least `threshold` of the cases of interest; or the step the analyst names.

**Pasting** (optional) then widens the chosen box again, a restricted input at a
time, by `paste_alpha` of its histories (or one value back), while that raises
its density.

**Covering.** The histories in the chosen box are set aside and the search runs
again on the rest, for a second box (and more); each later box must raise the
density of what remains and hold at least one restriction whose quasi-p-value
(below) is under `significance`, or the search stops: a later box of noise is
worse than none. Coverage and mass are always shares of *all* cases and histories.

**Quasi-p-values** (Bryant and Lempert 2010). For each restricted input, the
one-sided binomial probability of finding at least the box's cases of interest
among its histories if that restriction were lifted: a small value says the
restriction matters; a large one, that it is noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.analysis.discovery import DEFAULTS
from sim.analysis.discovery.space import Inputs, Limits, PrimError

OBJECTIVES = ("lenient1", "original")
#: A restriction whose quasi-p-value is below this is taken to matter.
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Step:
    """One box of a peeling trajectory."""

    coverage: float  # share of all cases of interest in the box
    density: float  # share of the box's histories that are cases of interest
    mass: float  # share of all histories in the box
    n: int  # histories in the box
    k: int  # cases of interest in the box
    restricted: int  # inputs restricted
    limits: Limits = field(repr=False)


@dataclass(frozen=True)
class Limit:
    """A box's restriction on one input: numeric [low, high] (None: that end is not
    restricted) within [minimum, maximum], or the categorical values kept of `levels`."""

    name: str
    qp: float  # quasi-p-value of the restriction
    low: float | None  # numeric: the box's ends (None: that end is not restricted)
    high: float | None
    minimum: float | None  # numeric: the input's observed range
    maximum: float | None
    values: tuple | None  # categorical: the values kept
    levels: tuple | None  # categorical: every value the input takes

    @property
    def categorical(self) -> bool:
        return self.levels is not None


@dataclass(frozen=True)
class Box:
    """A box found by PRIM: its restricted inputs' limits and its figures."""

    step: int  # its place on the peeling trajectory
    pasted: bool
    coverage: float
    density: float
    mass: float
    n: int
    k: int
    limits: tuple[Limit, ...]  # restricted inputs only, in the inputs' order
    box: Limits = field(repr=False)


@dataclass(frozen=True)
class Peeling:
    """One search: its trajectory, the box chosen on it, and the histories it ran on."""

    trajectory: list[Step]
    box: Box
    rows: np.ndarray = field(repr=False)
    base: float  # density of the histories it ran on

    @property
    def chosen(self) -> int:
        return self.box.step


class _Scorer:
    """Figures of a box from its histories' outcomes, and the objective of a change."""

    def __init__(self, y: np.ndarray, cases: int, total: int, objective: str):
        if objective not in OBJECTIVES:
            raise PrimError(f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")
        self.y, self.cases, self.total, self.objective = y, cases, total, objective

    def step(self, inside: np.ndarray, limits: Limits, init: Limits) -> Step:
        n, k = int(inside.size), int(np.count_nonzero(self.y[inside]))
        return Step(
            coverage=k / self.cases if self.cases else 0.0,
            density=k / n if n else 0.0,
            mass=n / self.total,
            n=n,
            k=k,
            restricted=len(limits.restricted(init)),
            limits=limits,
        )

    def score(self, n_old: int, k_old: int, n_new: int, k_new: int) -> float:
        mean_new = k_new / n_new
        if self.objective == "original":
            return mean_new
        mean_old = k_old / n_old
        return 0.0 if mean_new == mean_old else (mean_new - mean_old) / abs(n_old - n_new)


def _numeric_peels(x: np.ndarray, alpha: float):
    """(upper?, kept mask, new limit) for shaving `alpha` of x off each end, upper first."""
    n = x.size
    m = math.floor(alpha * (n - 1)) + 1
    if m >= n:
        return
    top = float(np.partition(x, n - m)[n - m])  # the m-th largest
    below = x[x < top]
    if below.size:
        yield True, x < top, (float(below.max()) + top) / 2
    else:
        yield True, x <= top, top
    cut = float(np.partition(x, m - 1)[m - 1])  # the m-th smallest
    above = x[x > cut]
    if above.size:
        yield False, x > cut, (cut + float(above.min())) / 2
    else:
        yield False, x >= cut, cut


def peel(
    inputs: Inputs,
    y: np.ndarray,
    rows: np.ndarray,
    scorer: _Scorer,
    init: Limits,
    alpha: float,
    min_mass: float,
) -> list[Step]:
    """The peeling trajectory of the histories `rows`, from the box `init`."""
    limits, inside = init, rows
    steps = [scorer.step(inside, limits, init)]
    restricted = set(limits.restricted(init))
    while True:
        n_old, y_in = inside.size, y[inside]
        k_old = int(np.count_nonzero(y_in))
        best, best_key = None, None
        order = 0
        for j, v in enumerate(inputs.values):
            x = v[inside]
            if inputs.categorical(j):
                kept = limits.kept[j]
                assert kept is not None, "a box keeps a mask of every categorical input"
                cands = []
                if kept.sum() > 1:
                    for level in np.flatnonzero(kept):
                        mask = kept.copy()
                        mask[level] = False
                        cands.append((x != level, limits.levels(j, mask)))
            else:
                cands = [
                    (keep, limits.numeric(j, high=lim) if up else limits.numeric(j, low=lim))
                    for up, keep, lim in _numeric_peels(x, alpha)
                ]
            for keep, new in cands:
                order += 1
                n_new = int(np.count_nonzero(keep))
                if n_new == 0 or n_new == n_old:
                    continue
                k_new = int(np.count_nonzero(y_in & keep))
                key = (
                    scorer.score(n_old, k_old, n_new, k_new),
                    -len(restricted | {j}),
                    -order,
                )
                if best_key is None or key > best_key:
                    best, best_key = (j, keep, new), key
        if best is None or best_key is None or best_key[0] <= 0:
            break
        j, keep, new = best
        if np.count_nonzero(keep) / scorer.total < min_mass:
            break
        limits, inside = new, inside[keep]
        restricted.add(j)
        steps.append(scorer.step(inside, limits, init))
    return steps


def choose(trajectory: list[Step], threshold: float, cases: int) -> int:
    """The step of highest density among those holding at least `threshold` of `cases`
    (the cases of interest the search ran on); the first such step on a tie."""
    eligible = [i for i, s in enumerate(trajectory) if cases and s.k / cases >= threshold - 1e-12]
    if not eligible:
        return 0
    return max(eligible, key=lambda i: (trajectory[i].density, -i))


def paste(
    inputs: Inputs,
    y: np.ndarray,
    rows: np.ndarray,
    limits: Limits,
    init: Limits,
    alpha: float,
) -> Limits:
    """Widen the box, one restricted input at a time, while that raises its density."""
    while True:
        inside = limits.contains(inputs, rows)
        n_old, k_old = int(inside.sum()), int(np.count_nonzero(y[rows][inside]))
        if n_old == 0:
            return limits
        add = max(1, math.floor(alpha * n_old))
        best, best_key = None, None
        for j in limits.restricted(init):
            others = limits.contains(inputs, rows, skip=j)
            x = inputs.values[j][rows]
            for new in _pastes(x[others & ~inside], limits, init, j, add):
                now = new.contains(inputs, rows)
                n_new, k_new = int(now.sum()), int(np.count_nonzero(y[rows][now]))
                if n_new <= n_old:
                    continue
                gain = k_new / n_new - k_old / n_old
                key = (gain / (n_new - n_old), -len(new.restricted(init)))
                if gain > 0 and (best_key is None or key > best_key):
                    best, best_key = new, key
        if best is None:
            return limits
        limits = best


def _pastes(outside: np.ndarray, limits: Limits, init: Limits, j: int, add: int):
    """Boxes widened on input j: `add` more histories at either end, or one value back."""
    kept = limits.kept[j]
    if kept is not None:
        for level in np.flatnonzero(init.kept[j] & ~kept):
            mask = kept.copy()
            mask[level] = True
            yield limits.levels(j, mask)
        return
    for upper in (True, False):
        if upper:
            side = np.sort(outside[outside > limits.high[j]])
            end = init.high[j]
        else:
            side = -np.sort(-outside[outside < limits.low[j]])
            end = init.low[j]
        if side.size == 0:
            continue
        cut = side[min(add, side.size) - 1]
        beyond = side[add:][side[add:] != cut]
        limit = (cut + beyond[0]) / 2 if beyond.size else end
        yield limits.numeric(j, high=limit) if upper else limits.numeric(j, low=limit)


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed in logarithms (exact enough for any n)."""
    if k <= 0 or p >= 1:
        return 1.0
    if k > n or p <= 0:
        return 0.0
    i = np.arange(k, n)
    first = (
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        + k * math.log(p) + (n - k) * math.log1p(-p)
    )  # fmt: skip
    steps = np.log((n - i) / (i + 1)) + math.log(p / (1 - p))
    logs = first + np.concatenate([[0.0], np.cumsum(steps)])
    top = logs.max()
    return float(min(1.0, math.exp(top) * np.exp(logs - top).sum()))


def quasi_p(inputs: Inputs, y: np.ndarray, rows: np.ndarray, limits: Limits, init: Limits, j: int):
    """The quasi-p-value of the box's restriction on input j, among the histories `rows`."""
    inside = limits.contains(inputs, rows)
    n, k = int(inside.sum()), int(np.count_nonzero(y[rows][inside]))
    wider = limits.lift(j, init).contains(inputs, rows)
    p = np.count_nonzero(y[rows][wider]) / max(1, int(wider.sum()))
    return binomial_tail(k, n, float(p))


def describe(
    inputs: Inputs, y: np.ndarray, rows: np.ndarray, limits: Limits, init: Limits
) -> tuple[Limit, ...]:
    """Each restricted input's limits, range and quasi-p-value."""
    out = []
    for j in limits.restricted(init):
        qp = quasi_p(inputs, y, rows, limits, init, j)
        name = inputs.names[j]
        lv = inputs.levels[j]
        if lv is not None:  # categorical
            init_kept, kept = init.kept[j], limits.kept[j]
            assert init_kept is not None and kept is not None, "categorical in every box"
            present = tuple(v for v, a in zip(lv, init_kept, strict=True) if a)
            values = tuple(v for v, a in zip(lv, kept, strict=True) if a)
            out.append(Limit(name, qp, None, None, None, None, values, present))
        else:
            lo, hi = float(limits.low[j]), float(limits.high[j])
            mn, mx = float(init.low[j]), float(init.high[j])
            low, high = (lo if lo > mn else None), (hi if hi < mx else None)
            out.append(Limit(name, qp, low, high, mn, mx, None, None))
    return tuple(out)


def prim(
    inputs: Inputs,
    y: np.ndarray,
    *,
    alpha: float = DEFAULTS["alpha"],
    min_mass: float = DEFAULTS["min_mass"],
    threshold: float = DEFAULTS["threshold"],
    step: int | None = None,
    pasting: bool = DEFAULTS["paste"],
    paste_alpha: float | None = None,
    boxes: int = DEFAULTS["boxes"],
    objective: str = DEFAULTS["objective"],
    significance: float = SIGNIFICANCE,
) -> list[Peeling]:
    """Find up to `boxes` boxes where `y` (True: a case of interest) is concentrated.

    The first box is the step `step` of its trajectory if given, else the step of
    highest density holding at least `threshold` of the cases of interest; each
    later box is found, and chosen by the same rule, among the histories not yet
    in a box, and kept only if it raises their density and at least one of its
    restrictions has a quasi-p-value below `significance` (else it is noise).
    """
    y = np.asarray(y).astype(bool)
    if inputs.n == 0 or y.size != inputs.n:
        raise PrimError(f"{y.size} outcomes for {inputs.n} rows of inputs")
    if not 0 < alpha < 0.5 or not 0 <= min_mass < 1 or not 0 <= threshold <= 1:
        raise PrimError("need 0 < alpha < 0.5, 0 <= min_mass < 1 and 0 <= threshold <= 1")
    init = Limits.full(inputs)
    scorer = _Scorer(y, int(y.sum()), y.size, objective)
    rows = np.arange(y.size)
    found: list[Peeling] = []
    while len(found) < boxes and rows.size:
        cases = int(np.count_nonzero(y[rows]))
        if found and cases == 0:
            break
        trajectory = peel(inputs, y, rows, scorer, init, alpha, min_mass)
        chosen = choose(trajectory, threshold, cases)
        if step is not None and not found:
            if not 0 <= step < len(trajectory):
                last = len(trajectory) - 1
                raise PrimError(f"step {step} is not on the trajectory (0 to {last})")
            chosen = step
        limits = trajectory[chosen].limits
        if pasting:
            limits = paste(inputs, y, rows, limits, init, paste_alpha or alpha)
        inside = rows[limits.contains(inputs, rows)]
        s = scorer.step(inside, limits, init)
        base = cases / rows.size
        limits_found = describe(inputs, y, rows, limits, init)
        if found and (s.density <= base or not any(lim.qp < significance for lim in limits_found)):
            break
        box = Box(
            chosen, limits is not trajectory[chosen].limits, s.coverage, s.density, s.mass,
            s.n, s.k, limits_found, limits,
        )  # fmt: skip
        found.append(Peeling(trajectory, box, rows, base))
        rows = np.setdiff1d(rows, inside, assume_unique=True)
    return found
