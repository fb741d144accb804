"""Special functions the distributions need without SciPy: the incomplete beta and its inverse.

`beta_cdf` is the regularized incomplete beta function I_x(a, b), by Lentz's
continued fraction; `beta_ppf` inverts it by Newton's method inside a
shrinking bisection bracket. The beta distribution draws through them, and
Student's t quantile (`sim.engine.intervals`) is computed from them.
"""

from __future__ import annotations

import math

# ---------------------------------------------------------------------------
# Beta inverse CDF (no SciPy at run time): Lentz's continued fraction for the
# regularized incomplete beta function, inverted by safeguarded bisection.


def _betacf(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def beta_cdf(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x)
    front = math.exp(ln + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def beta_ppf(a: float, b: float, u: float) -> float:
    """Newton's method on the CDF, kept inside a shrinking bisection bracket."""
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    lo, hi = 0.0, 1.0
    x = a / (a + b)
    for _ in range(200):
        f = beta_cdf(a, b, x) - u
        if f < 0:
            lo = x
        else:
            hi = x
        if hi - lo < 1e-14:
            break
        log_pdf = log_norm + (a - 1) * math.log(x) + (b - 1) * math.log1p(-x)
        step = f / math.exp(log_pdf) if log_pdf > -700 else math.inf
        nxt = x - step
        if not lo < nxt < hi:
            nxt = (lo + hi) / 2
        if abs(nxt - x) < 1e-13:
            x = nxt
            break
        x = nxt
    return x
