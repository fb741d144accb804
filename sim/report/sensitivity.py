"""How a sweep report writes what drives each outcome: rankings, indices, and how to read them.

Sobol indices are shares of variance, so the true ones lie in [0, 1]; their
estimates from a finite design do not always. An estimate outside [0, 1] is
marked (†) and explained where it appears: it is estimation noise at the
sweep's size, its bootstrap interval says how far off it may be, and more base
samples or replications give better estimates. Figures follow
`sim.report.rounding`: an index to the places its interval justifies, never
`-0.00`. The guide to reading a report explains only what that report shows.
"""

from __future__ import annotations

import math

from sim.report.blocks import Block
from sim.report.rounding import fixed, fmt, place, signed
from sim.sweeps.sensitivity import Ranking

#: Marks an index estimated outside [0, 1].
OUTSIDE = "†"
#: What the mark means, where a headline shows one.
STRAY_NOTE = (
    "marks an index estimated outside [0, 1]: estimation noise at this sweep's size, "
    "explained under the outcome's table."
)
#: Decimals an index is written to at most (its interval may justify more).
INDEX_DECIMALS = 4


def number(x: float | None) -> float | None:
    """A figure as a float, or None where there is none (None or NaN): for tables and JSON."""
    return None if x is None or math.isnan(x) else float(x)


def _decimals(half: float) -> int:
    """An index's decimals: two, or the place of its interval's half-width, up to four."""
    return 2 if not half or half <= 0 else min(INDEX_DECIMALS, max(2, place(half)))


def index(x: float, half: float, mark: bool = True) -> str:
    """`0.67`, `-0.0004 †`: an index at the places its interval justifies, marked outside [0, 1]."""
    if number(x) is None:
        return "–"
    text = fixed(x, _decimals(half))
    return f"{text} {OUTSIDE}" if mark and outside(x) else text


def index_ci(x: float, half: float) -> str:
    """`0.67 (0.55 to 0.80)`: an index and its 95% bootstrap interval."""
    if number(x) is None:
        return "–"
    d = _decimals(half)
    interval = f"({fixed(x - half, d)} to {fixed(x + half, d)})" if number(half) is not None else ""
    return f"{index(x, half)} {interval}".strip()


def outside(x: float) -> bool:
    """Whether an estimated index lies outside [0, 1], where every true index lies."""
    return number(x) is not None and not 0 <= x <= 1


def strays(r: Ranking) -> list[str]:
    """The indices of a ranking estimated outside [0, 1]: `S1 of x -0.03`, ..."""
    if r.method != "sobol":
        return []
    found = []
    for j in r.order():
        for name, x, half in (("S1", r.first[j], r.first_ci[j]), ("ST", r.total[j], r.total_ci[j])):
            if outside(x):
                found.append(f"{name} of `{r.factors[j]}` {index(x, half, mark=False)}")
    return found


def caveat(r: Ranking, samples: int | None, reps: int) -> str | None:
    """What indices estimated outside [0, 1] mean, for the report and sweep.json; None if none."""
    found = strays(r)
    if not found:
        return None
    shown = ", ".join(found[:4]) + (f" and {len(found) - 4} more" if len(found) > 4 else "")
    return (
        f"{OUTSIDE} Estimated outside [0, 1], where every true Sobol index lies: {shown}. "
        "That is estimation noise at this sweep's size "
        f"(N = {samples} base samples, {reps:,} replications a point), not an effect: read "
        "each index with its 95% bootstrap interval, which says how far the estimate may be "
        "off; an interval that includes 0 means no clear effect. For better estimates, raise "
        "`--samples` (four times as many base samples halve the intervals) and `--reps` "
        "(each point's figure, and so each index, is less noisy)."
    )


def measure(r: Ranking, j: int) -> str:
    """A factor's index for the headline: `ST 0.73 ± 0.10, S1 0.67 ± 0.12`, or its SRC."""
    if r.method == "sobol":
        pairs = (("ST", r.total[j], r.total_ci[j]), ("S1", r.first[j], r.first_ci[j]))
        return ", ".join(
            f"{name} {index(x, half, mark=False)} ± {fixed(half, _decimals(half))}"
            + (f" {OUTSIDE}" if outside(x) else "")
            for name, x, half in pairs
        )
    src = r.src[j]
    return "swing only" if src is None else f"SRC {fixed(src, 2, sign=True)}"


def ranking_table(r: Ranking) -> Block:
    """Factors ranked: swing, then S1 and ST (Sobol) or SRC (regression) with intervals."""
    head = ["rank", "factor", "low → high", "outcome at low", "at high", "swing"]
    if r.method == "sobol":
        head += ["S1 (95% CI)", "ST (95% CI)"]
    elif r.method == "src":
        head += [f"SRC (95% CI; R² {fmt(r.r2) if r.r2 is not None else '–'})"]
    rows = []
    for rank, j in enumerate(r.order(), start=1):
        s = r.swings[j]
        row = [
            str(rank),
            f"`{r.factors[j]}`",
            f"{s.low_label} → {s.high_label}",
            fmt(number(s.low)),
            fmt(number(s.high)),
            "–" if number(s.swing) is None else signed(s.swing),
        ]
        if r.method == "sobol":
            row += [index_ci(r.first[j], r.first_ci[j]), index_ci(r.total[j], r.total_ci[j])]
        elif r.method == "src":
            src, ci = r.src[j], r.src_ci[j]  # set together, or neither
            row.append(
                "–"
                if src is None or ci is None
                else f"{fixed(src, 2, sign=True)} ({fixed(ci[0], 2, sign=True)} to "
                f"{fixed(ci[1], 2, sign=True)})"
            )
        rows.append(row)
    return ("table", head, rows)


def method_text(kind: str, methods: set[str]) -> str:
    """What the rankings of this report are, by design."""
    if kind == "sobol" and "sobol" in methods:
        return (
            "Sobol indices: S1 (first order) and ST (total order) with 95% bootstrap "
            "intervals, ranked by ST. The swing and the tornado compare the outcome's average "
            "over the points in each factor's lowest fifth (≤ its 20th percentile) with its "
            "highest fifth (≥ its 80th)."
        )
    ends = (
        "from its lowest to its highest value"
        if kind == "grid"
        else "from its lowest fifth (≤ its 20th percentile) to its highest fifth (≥ its 80th)"
    )
    return (
        "Standardized regression coefficients (SRC, with 95% bootstrap intervals and the "
        f"fit's R²), ranked by size; the tornado shows each factor's swing {ends}."
    )


def reading_guide(kind: str, methods: set[str], heatmaps: bool) -> list[str]:
    """How to read this report: only what it shows (a grid's report says nothing of Sobol)."""
    ends = (
        "at the factor's lowest and highest value, averaged over the points at each"
        if kind == "grid"
        else "over the points in the factor's lowest and highest fifth"
    )
    guide = [
        "Each figure of a point is a mean (or probability) over its replications; the full "
        "table (`points.csv`) gives its standard error (`.mcse`) and percentiles.",
        f"A swing is the outcome's average {ends}, so averaged over the other factors: the "
        "main effect, in the outcome's own units.",
    ]
    if heatmaps:
        guide.append(
            "A heatmap shows the outcome at every point of the two-factor grid, one cell a point."
        )
    if "sobol" in methods:
        guide += [
            "S1 is the share of the outcome's variance across the sweep due to a factor alone; "
            "ST adds its interactions. ST much larger than S1 means the factor matters through "
            "interactions. Intervals are 95% bootstrap intervals.",
            f"True Sobol indices lie between 0 and 1; an estimate outside (marked {OUTSIDE}) is "
            "estimation noise at this sweep's size. More base samples (`--samples`) and "
            "replications a point (`--reps`) give tighter estimates.",
        ]
    if "src" in methods:
        guide.append(
            "SRC: standard deviations of outcome per standard deviation of factor, from a "
            "linear fit; trust it as a ranking when R² is near 1."
        )
    return guide
