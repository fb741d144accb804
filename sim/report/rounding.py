"""How figures are written: to the digits their Monte Carlo error justifies, never falsely exact.

One set of rules for the terminal, report.md, report.html and comparisons:

- A figure with a standard error (a mean, a probability, a difference) is
  written `x ± se`: the s.e. to two significant digits and x to the same
  decimal place, e.g. `0.0040 ± 0.0020`, `175.3 ± 2.2`, `1,234,600 ± 3,200`.
- Nothing that is not exactly 0 is written as 0: where rounding would give 0,
  more digits are shown. A 0 is an exact 0, and `-0` is never written.
- A figure without an error (a percentile, a sd) has three significant
  digits; a whole number (any percentile of a count) has no decimals.
"""

from __future__ import annotations

import math
from typing import TypeGuard

#: Decimals shown at most, however small a figure is.
MAX_DECIMALS = 12


def _present(x: float | None) -> TypeGuard[float]:
    """A figure to show: neither None nor NaN."""
    return not (x is None or (isinstance(x, float) and math.isnan(x)))


def fmt(x: float | None, digits: int = 3) -> str:
    """A figure for reading: three significant digits, a whole number without decimals."""
    if not _present(x):
        return "–"
    x = float(x)
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return f"{x:,.0f}"
    if abs(x) < 1e-6:  # 2.50e-07, not 0.000000250
        return f"{x:.{digits - 1}e}"
    magnitude = math.floor(math.log10(abs(x)))
    return fixed(x, max(0, digits - 1 - magnitude))


def place(se: float) -> int:
    """The decimal place of a standard error's second significant digit (negative: tens...).

    0.000999 rounds to 0.0010 there, not to 0.00100.
    """
    d = 1 - math.floor(math.log10(se))
    return d - 1 if round(se, d) >= 10.0 ** (2 - d) else d


def fixed(x: float, decimals: int, sign: bool = False) -> str:
    """x rounded to `decimals` places (negative: to tens, hundreds...), with more if it would
    otherwise read 0; `sign` writes a + before positive figures."""
    x = float(x)
    if x == 0:
        return "0"
    while round(x, decimals) == 0:
        if decimals >= MAX_DECIMALS:  # too small for fixed decimals: 9.75e-50
            return signed(x) if sign else fmt(x)
        decimals += 1
    shown = round(x, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{shown:{'+' if sign else ''},.{max(decimals, 0)}f}"


def negligible(se: float, x: float) -> bool:
    """An s.e. below a billionth of its figure: floating-point noise (e.g. the spread of a
    figure that every replication computes alike), not a digit worth showing."""
    return se < abs(x) * 1e-9


def estimate(x: float | None, se: float | None, sign: bool = False) -> str:
    """`x ± se` at the place of the s.e.'s second significant digit.

    An s.e. of exactly 0 is written `± 0`; a negligible one (`negligible`) in
    scientific notation after x to three significant digits: `0.112 ± 1.9e-18`.
    """
    if not _present(x):
        return "–"
    head = signed(x) if sign else fmt(x)
    if not _present(se):
        return head
    if se == 0:
        return f"{head} ± 0"
    if negligible(se, x):
        return f"{head} ± {se:.1e}"
    d = place(se)
    return f"{fixed(x, d, sign)} ± {fixed(se, d)}"


def signed(x: float) -> str:
    """A difference to three significant digits, with its sign (`+1.20`, `-3`, `0`)."""
    text = fmt(x)
    return text if text in ("0", "–") or text.startswith("-") else "+" + text


def span(low: float | None, high: float | None, decimals: int | None = None) -> str:
    """An interval `low–high` (`low to high` when an end is negative); `up to`/`from` when
    an end is unknown. At `decimals` places, else each end to three significant digits."""

    def text(x: float) -> str:
        return fmt(x) if decimals is None else fixed(x, decimals)

    if not _present(low):
        return f"up to {text(high)}" if _present(high) else "too few replications"
    if not _present(high):
        return f"from {text(low)}"
    joint = " to " if low < 0 or high < 0 else "–"
    return f"{text(low)}{joint}{text(high)}"


def probability(p: dict, interval: bool = True) -> str:
    """`0.265 ± 0.031 [MC 0.209–0.329]`: a probability, its s.e. and (at the s.e.'s places)
    its 95% Monte Carlo interval."""
    text = estimate(p.get("p"), p.get("mcse"))
    ci, se = p.get("ci95"), p.get("mcse")
    if interval and ci and _present(p.get("p")):
        text += f" [MC {span(ci[0], ci[1], place(se) if se else None)}]"
    return text


def interval(d: dict) -> list | None:
    """A difference's interval: `ci` (at the comparison's confidence), or the `ci95` of a
    comparison made before `ci` was written."""
    return d.get("ci", d.get("ci95"))


def difference(d: dict) -> str:
    """`-12.1 [-14.7, -9.6]`: a difference and its interval (`ci`, or an earlier
    comparison's `ci95`) at the places of its s.e."""
    if not _present(d.get("diff")):
        return "–"
    ci, se = interval(d), d.get("se")
    if not ci:
        return signed(d["diff"])
    if not se or negligible(se, d["diff"]):
        return f"{signed(d['diff'])} [{signed(ci[0])}, {signed(ci[1])}]"
    k = place(se)
    return f"{fixed(d['diff'], k, True)} [{fixed(ci[0], k, True)}, {fixed(ci[1], k, True)}]"


def to_error(x: float | None, se: float | None) -> str:
    """x alone, at the place of its s.e.'s second significant digit (three digits without)."""
    if not _present(x):
        return "–"
    return fixed(x, place(se)) if se and not negligible(se, x) else fmt(x)


def mc(ci: list | None) -> str:
    """`[MC 171–180]`: a figure's 95% Monte Carlo interval, written after the figure."""
    return "" if not ci else f" [MC {span(ci[0], ci[1])}]"


def percentile(m: dict, q: int | str) -> str:
    """A metric's percentile and its Monte Carlo interval: `175 [MC 171–180]`."""
    key = f"p{q}"
    return fmt(m.get(key)) + (mc(m.get(f"{key}_ci95")) if _present(m.get(key)) else "")
