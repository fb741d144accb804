"""Designs: which points of parameter space a sweep runs.

A design is a matrix with one row per point and one column per factor. For a
grid the entries are level indices (every combination, the last factor varying
fastest, like `itertools.product`); for Latin hypercube and Sobol designs they
are coordinates u in [0, 1) that each factor maps to values by its quantile
function, so one sampled design serves any mix of distributions, bounds and
lists. The matrix depends only on the factors, the sample size and the seed:
the same sweep always runs the same points.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from sim.engine.limits import check_points
from sim.errors import ScenarioError
from sim.sweeps.spec import Factor

#: Mixed into the sweep seed so the design's random numbers never coincide with
#: the replications' streams, which are derived from the same seed.
_DESIGN_STREAM = 0x5EED_D351
DEFAULT_SAMPLES = 64  # Latin hypercube points, or Sobol base samples, when none are given


@dataclass(frozen=True)
class Design:
    """Points of a sweep: `coords[i, j]` is factor j's level index (grid) or u (sampled)."""

    kind: str
    factors: tuple[Factor, ...]
    coords: np.ndarray
    base_samples: int | None = None  # Sobol: N, with N * (factors + 2) points

    @property
    def grid(self) -> bool:
        return self.kind == "grid"

    def __len__(self) -> int:
        return int(self.coords.shape[0])

    def values(self, i: int) -> dict:
        """Every swept parameter's value at point i, by dotted path."""
        out: dict = {}
        for j, factor in enumerate(self.factors):
            out.update(factor.values_at(float(self.coords[i, j]), self.grid))
        return out

    def numeric(self, j: int) -> np.ndarray | None:
        """Factor j's value at every point, as numbers (its first numeric parameter), if any."""
        factor = self.factors[j]
        rows = [factor.values_at(float(c), self.grid) for c in self.coords[:, j]]
        for path in factor.paths:
            column = [row[path] for row in rows]
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in column):
                return np.asarray(column, dtype=float)
        return None


def design_size(kind: str, factors: tuple[Factor, ...], samples: int | None) -> int:
    """How many points a design has, computed without building it."""
    if kind == "grid":
        return math.prod(f.levels or 1 for f in factors)
    n = samples or DEFAULT_SAMPLES
    return n * (len(factors) + 2) if kind == "sobol" else n


def make_design(
    kind: str,
    factors: tuple[Factor, ...],
    samples: int | None,
    seed: int,
    source: str | None = None,
) -> Design:
    """Build a grid, Latin hypercube or Sobol (Saltelli) design.

    Its size is checked first, against `limits.MAX_POINTS`; `source` is the
    sweep file the design came from, if any, for that message.
    """
    n, d = samples or DEFAULT_SAMPLES, len(factors)
    if kind == "grid":
        described = "a grid of " + " x ".join(str(f.levels) for f in factors) + " levels"
        hint = "fewer levels; a sampled design (--design lhs --samples 256) covers many factors"
    elif kind in ("lhs", "sobol"):
        described = (
            f"a Latin hypercube of {n:,} samples"
            if kind == "lhs"
            else f"a Sobol design of {n:,} base samples x ({d} factor{'s' * (d != 1)} + 2)"
        )
        hint = "fewer --samples: a few hundred already rank the factors"
    else:
        raise ValueError(f"unknown design {kind!r}")
    where = source or ("--param" if kind == "grid" else "--samples")
    check_points(design_size(kind, factors, samples), described, where, hint)
    if kind == "grid":
        return grid(factors)
    if kind == "lhs":
        return latin_hypercube(factors, n, seed)
    return sobol(factors, n, seed)


def grid(factors: tuple[Factor, ...]) -> Design:
    """Every combination of the factors' levels."""
    counts: list[int] = []
    for f in factors:
        assert f.levels is not None, "a grid takes only finite levels (see sweep.plan)"
        counts.append(f.levels)
    rows = list(itertools.product(*(range(n) for n in counts)))
    coords = np.asarray(rows, dtype=float).reshape(len(rows), len(factors))
    return Design("grid", factors, coords)


def latin_hypercube(factors: tuple[Factor, ...], n: int, seed: int) -> Design:
    """n points; each factor's range is cut into n equal strata, each stratum used once.

    Stratifying every margin covers each parameter's range evenly with far fewer
    points than a grid, which is what a linear (regression) ranking needs.
    """
    rng = np.random.default_rng([seed, _DESIGN_STREAM])
    d = len(factors)
    coords = np.empty((n, d))
    for j in range(d):
        coords[:, j] = (rng.permutation(n) + rng.random(n)) / n
    return Design("lhs", factors, coords)


def sobol(factors: tuple[Factor, ...], n: int, seed: int) -> Design:
    """Saltelli's scheme on a scrambled Sobol sequence: N * (factors + 2) points.

    The rows come in blocks (A, AB_1, ..., AB_d, B) from which first- and
    total-order Sobol indices are estimated (see `sensitivity`). Needs SALib.
    """
    try:
        from SALib.sample import sobol as saltelli
    except ImportError:
        raise ScenarioError.single(
            "--design sobol needs SALib, which is not installed",
            file="--design",
            hint="pip install 'sim[sensitivity]' (or use --design lhs or grid)",
        ) from None
    if n < 2 or n & (n - 1):
        better = 2 ** max(1, round(math.log2(max(n, 2))))
        raise ScenarioError.single(
            f"--samples {n}: a Sobol design needs a power of two base samples",
            file="--samples",
            hint=f"try --samples {better} ({better * (len(factors) + 2)} points)",
        )
    problem = sobol_problem(factors)
    coords = saltelli.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    return Design("sobol", factors, np.asarray(coords, dtype=float), base_samples=n)


def sobol_problem(factors: tuple[Factor, ...]) -> dict:
    """SALib's problem description: one unit-interval coordinate per factor."""
    return {
        "num_vars": len(factors),
        "names": [f.label for f in factors],
        "bounds": [[0.0, 1.0]] * len(factors),
    }
