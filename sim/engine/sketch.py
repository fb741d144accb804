"""Percentiles of a stream too long to keep: exact counts, or log-spaced bins.

For runs of millions of replications (`sim run --no-trajectories`) the
outcomes are not kept, so percentiles come from a summary that stays small:
whole-number values (launch counts, tests, vetoes, rounds...) are counted
exactly; other values fall into logarithmic bins whose width is 0.2% of the
value (as in DDSketch, Masson et al. 2019), so a percentile is off by at most
0.1% of its value. Counts add up, so the summary does not depend on how the
replications were split into chunks or over workers.
"""

from __future__ import annotations

import math

import numpy as np

ALPHA = 0.001  # relative accuracy of a binned value
_GAMMA = (1 + ALPHA) / (1 - ALPHA)
_LOG_GAMMA = math.log(_GAMMA)


class Sketch:
    """Counts of exact whole values and of log-binned other values."""

    __slots__ = ("_bins", "_exact", "n")

    def __init__(self) -> None:
        self.n = 0
        self._exact: dict[float, int] = {}
        self._bins: dict[int, int] = {}

    def add(self, values: np.ndarray) -> None:
        x = np.asarray(values, dtype=float)
        x = x[~np.isnan(x)]
        if not x.size:
            return
        self.n += int(x.size)
        whole = x == np.floor(x)
        for value, count in zip(*np.unique(x[whole], return_counts=True), strict=True):
            self._exact[float(value)] = self._exact.get(float(value), 0) + int(count)
        rest = x[~whole]
        if rest.size:
            if np.any(rest < 0):
                raise ValueError("negative non-integer outcomes are not supported")
            keys = np.ceil(np.log(rest) / _LOG_GAMMA).astype(np.int64)
            for key, count in zip(*np.unique(keys, return_counts=True), strict=True):
                self._bins[int(key)] = self._bins.get(int(key), 0) + int(count)

    def _sorted(self) -> tuple[np.ndarray, np.ndarray]:
        values = list(self._exact)
        counts = list(self._exact.values())
        for key, count in self._bins.items():
            values.append(2 * _GAMMA**key / (_GAMMA + 1))  # the bin's representative value
            counts.append(count)
        order = np.argsort(values, kind="stable")
        return np.asarray(values)[order], np.cumsum(np.asarray(counts)[order])

    def order_statistics(self, ranks: np.ndarray) -> np.ndarray:
        """The values at 0-based `ranks` of all values added, in sorted order."""
        values, cum = self._sorted()
        return values[np.searchsorted(cum, np.asarray(ranks) + 1)]

    def percentiles(self, qs) -> list[float]:
        """Like numpy's default (linear) percentiles of all values added."""
        if self.n == 0:
            return [math.nan for _ in qs]
        out = []
        for q in qs:
            h = (self.n - 1) * q / 100.0
            lo = math.floor(h)
            a, b = self.order_statistics(np.array([lo, min(lo + 1, self.n - 1)]))
            out.append(float(a + (h - lo) * (b - a)))
        return out
