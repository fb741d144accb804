"""Monte Carlo error: the 95% intervals behind every `±` and `[low, high]` that `sim` prints.

- `wilson`: the Wilson score interval of a probability (Wilson 1927). Unlike
  p ± 1.96 s.e. it is never [0, 0] at p = 0 nor [1, 1] at p = 1, and its
  coverage stays close to 95% for rare events (Brown, Cai & DasGupta 2001).
- `newcombe`: the difference of two independent probabilities, from their
  Wilson intervals (Newcombe 1998, method 10).
- `order_ranks`: which order statistics bracket a population quantile with at
  least 95% probability, whatever the distribution (the binomial argument of
  Thompson 1936), computed exactly from the binomial probabilities.
- `t_quantile`, `welch_df`: Student t quantiles for means of few values, from
  the regularized incomplete beta function in `sim.scenario.distributions` (no SciPy
  at run time).
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

import numpy as np

from sim.scenario.special import beta_ppf

#: Confidence of every interval `sim` reports.
LEVEL = 0.95
#: Two-sided 95% normal quantile, 1.95996...
Z95 = NormalDist().inv_cdf(0.5 + LEVEL / 2)


def wilson(p: float, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a probability p observed over n trials."""
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / n + z2n / (4 * n))
    # at p = 0 (or 1) the lower (upper) end is exactly 0 (1); rounding must not say otherwise
    low = 0.0 if p == 0 else max(0.0, centre - half)
    high = 1.0 if p == 1 else min(1.0, centre + half)
    return low, high


def newcombe(p1: float, n1: int, p2: float, n2: int, z: float = Z95) -> tuple[float, float]:
    """Interval of p1 - p2 for independent samples: Newcombe's hybrid score interval, from
    each side's Wilson interval at the normal quantile z (95% by default)."""
    l1, u1 = wilson(p1, n1, z)
    l2, u2 = wilson(p2, n2, z)
    d = p1 - p2
    return d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


@lru_cache(maxsize=4096)
def order_ranks(n: int, percent: float) -> tuple[int | None, int | None]:
    """0-based ranks (lo, hi) with P(X(lo) <= q-quantile <= X(hi)) >= 95% for any distribution.

    With B ~ Binomial(n, q), P(X(lo) > quantile) <= P(B <= lo) and
    P(X(hi) < quantile) <= P(B > hi); each rank is the one nearest the
    quantile whose tail is at most 2.5%. None: no order statistic of n values
    qualifies (too few replications for that side).
    """
    q = percent / 100.0
    if n < 1 or not 0.0 < q < 1.0:
        raise ValueError(f"need n >= 1 and 0 < percent < 100, got n={n}, percent={percent}")
    tail = (1 - LEVEL) / 2
    # the binomial mass outside mean ± 12 sd (plus a margin) is below 1e-30: leave it out
    spread = 12 * math.sqrt(n * q * (1 - q)) + 12
    a, b = max(0, math.floor(n * q - spread)), min(n, math.ceil(n * q + spread))
    k = np.arange(a, b + 1)
    log_pmf = np.array(
        [math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1) for j in range(a, b + 1)]
    )
    log_pmf += k * math.log(q) + (n - k) * math.log1p(-q)
    pmf = np.exp(log_pmf)
    cdf = np.cumsum(pmf)  # P(B <= k)
    sf = np.cumsum(pmf[::-1])[::-1] - pmf  # P(B > k), summed from the top for accuracy
    below = np.nonzero(cdf <= tail)[0]
    above = np.nonzero(sf <= tail)[0]
    lo = int(k[below[-1]]) if below.size else None
    hi = int(k[above[0]]) if above.size and k[above[0]] <= n - 1 else None
    return lo, hi


def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with df degrees of freedom (df > 0, not only whole).

    P(|T| > t) = I_x(df/2, 1/2) with x = df / (df + t^2), so t comes from the
    inverse of the regularized incomplete beta function.
    """
    if not 0.0 < p < 1.0 or not df > 0:
        raise ValueError(f"need 0 < p < 1 and df > 0, got p={p}, df={df}")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    if df > LARGE_DF:  # the inverse beta loses digits as x nears 1; the series is exact here
        return _t_series(p, df)
    x = beta_ppf(df / 2.0, 0.5, 2.0 * (1.0 - p))
    return math.sqrt(df * (1.0 - x) / x)


#: Above this many degrees of freedom `t_quantile` uses its series in 1/df.
LARGE_DF = 1000.0


def _t_series(p: float, df: float) -> float:
    """Cornish-Fisher expansion of t in powers of 1/df (Abramowitz & Stegun 26.7.5).

    Its error is of order df^-5: below 1e-13 relative for df > 1000.
    """
    z = NormalDist().inv_cdf(p)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def t95(df: float) -> float:
    """The multiplier of a two-sided 95% t interval."""
    return t_quantile(0.5 + LEVEL / 2, df)


def welch_df(v1: float, n1: int, v2: float, n2: int) -> float:
    """Welch–Satterthwaite degrees of freedom of mean1 - mean2 (sample variances v1, v2)."""
    a, b = v1 / n1, v2 / n2
    if a + b == 0:
        return math.inf
    return (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
