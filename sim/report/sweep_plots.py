"""The sweep report's figures: a tornado chart per outcome and, for a two-factor grid, a heatmap.

Imported only when a report is written; importing this module imports
matplotlib (its object API, no pyplot state), so an ImportError here means
"plots are off".
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from sim.report.plots import png
from sim.report.rounding import fmt
from sim.sweeps.designs import Design
from sim.sweeps.sensitivity import Ranking

LOW, HIGH = "#4C78A8", "#E45756"


def tornado(r: Ranking, title: str) -> bytes:
    """Bars from the outcome's average at each factor's low end to its high end.

    The vertical line is the average over the whole sweep; factors are sorted
    with the widest swing on top, the classic tornado shape.
    """
    order = sorted(range(len(r.factors)), key=lambda j: abs(np.nan_to_num(r.swings[j].swing)))
    lows = np.array([r.swings[j].low for j in order])
    highs = np.array([r.swings[j].high for j in order])
    centre = float(np.nanmean(np.concatenate([lows, highs])))
    fig = Figure(figsize=(9, 1.2 + 0.55 * len(order)))
    ax = fig.add_subplot()
    ypos = np.arange(len(order))
    ax.barh(ypos, lows - centre, left=centre, color=LOW, height=0.6, label="low end")
    ax.barh(ypos, highs - centre, left=centre, color=HIGH, height=0.6, label="high end")
    ax.axvline(centre, color="#333", lw=1)
    span = np.nanmax(np.abs(np.concatenate([lows, highs]) - centre)) or 1.0
    for y, j in zip(ypos, order, strict=True):
        s = r.swings[j]
        ends = sorted(
            [(s.low, _at(s.low_label)), (s.high, _at(s.high_label))],
            key=lambda e: np.nan_to_num(e[0]),
        )
        # The smaller end is labelled on its left, the larger on its right, so the two
        # labels never overlap, even when both ends lie on the same side of the line.
        for (value, text), right in zip(ends, (False, True), strict=True):
            if np.isnan(value):
                continue
            edge = max(value, centre) if right else min(value, centre)
            ax.annotate(
                f"{fmt(value)} ({text})" if right else f"({text}) {fmt(value)}",
                (edge, y),
                xytext=(4 if right else -4, 0),
                textcoords="offset points",
                ha="left" if right else "right",
                va="center",
                fontsize=8,
            )
    ax.set_xlim(centre - 2.1 * span, centre + 2.1 * span)
    ax.set_yticks(ypos, [r.factors[j] for j in order], fontsize=9)
    ax.set_xlabel(f"{title}: average over the sweep's points")
    ax.set_title(f"What moves {title}", fontsize=11, loc="left")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return png(fig, dpi=100, tight=True)


def heatmap(design: Design, y: np.ndarray, title: str) -> bytes:
    """The outcome over a two-factor grid, one annotated cell per point."""
    rows_f, cols_f = design.factors
    n_rows, n_cols = rows_f.levels, cols_f.levels
    assert n_rows is not None and n_cols is not None, "a heatmap is drawn over a grid"
    grid = np.full((n_rows, n_cols), np.nan)
    for i in range(len(design)):
        grid[int(design.coords[i, 0]), int(design.coords[i, 1])] = y[i]
    fig = Figure(figsize=(1.6 + 0.9 * n_cols, 1.4 + 0.55 * n_rows))
    ax = fig.add_subplot()
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    finite = grid[np.isfinite(grid)]
    middle = float(finite.mean()) if finite.size else 0.0
    for a in range(n_rows):
        for b in range(n_cols):
            if np.isfinite(grid[a, b]):
                ax.text(
                    b,
                    a,
                    fmt(float(grid[a, b])),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if grid[a, b] < middle else "black",
                )
    ax.set_xticks(range(n_cols), [_level(cols_f, k) for k in range(n_cols)], fontsize=8)
    ax.set_yticks(range(n_rows), [_level(rows_f, k) for k in range(n_rows)], fontsize=8)
    ax.set_xlabel(cols_f.label, fontsize=9)
    ax.set_ylabel(rows_f.label, fontsize=9)
    ax.set_title(title, fontsize=10, loc="left")
    fig.colorbar(image, ax=ax, shrink=0.9)
    return png(fig, dpi=100, tight=True)


def _at(label: str) -> str:
    return label if label.startswith(("≤", "≥")) else f"at {label}"


def _level(factor, k: int) -> str:
    values = factor.values_at(k, True).values()
    return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)
