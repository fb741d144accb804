"""Charts of a discovery: the coverage-density trade-off and the boxes' limits.

Drawn with matplotlib's object API through `plots.new_figure` and `plots.png`
(no pyplot, nothing global); matplotlib is imported only when a chart is drawn,
so without it the caller gets an ImportError and says plots are off.
"""

from __future__ import annotations

from sim.report.plots import COLOURS, new_figure, png
from sim.report.rounding import fmt

MARKERS = ("o", "s", "^", "D")


def tradeoff_chart(found) -> bytes:
    """Coverage (x) against density (y) along each peeling trajectory, coloured by the
    number of inputs restricted; the chosen box ringed, a pasted one starred."""
    from matplotlib import colormaps
    from matplotlib.colors import BoundaryNorm

    fig = new_figure(height=4.2)
    fig.subplots_adjust(right=0.9, bottom=0.13)
    ax = fig.add_subplot()
    most = max(s.restricted for p in found.peelings for s in p.trajectory)
    norm = BoundaryNorm([x - 0.5 for x in range(most + 2)], ncolors=256)
    points = None
    for k, peeling in enumerate(found.peelings):
        cov = [s.coverage for s in peeling.trajectory]
        dens = [s.density for s in peeling.trajectory]
        ax.plot(cov, dens, color="#999999", lw=0.8, zorder=1)
        points = ax.scatter(
            cov, dens, c=[s.restricted for s in peeling.trajectory], cmap=colormaps["viridis"],
            norm=norm, marker=MARKERS[k % len(MARKERS)], s=22, zorder=2,
            label=f"box {k + 1}'s trajectory",
        )  # fmt: skip
        c = peeling.chosen
        ax.scatter([cov[c]], [dens[c]], s=220, facecolors="none", edgecolors="#d62728", lw=2,
                   zorder=3)  # fmt: skip
        left = cov[c] > 0.3  # below and to the left, off the curve, unless at the left edge
        ax.annotate(f"box {k + 1} (step {c})", (cov[c], dens[c]), textcoords="offset points",
                    xytext=(-12 if left else 12, -14), ha="right" if left else "left", va="top",
                    color="#d62728", fontsize=9)  # fmt: skip
        box = peeling.box
        if box.pasted:
            ax.scatter([box.coverage], [box.density], marker="*", s=160, color="#d62728",
                       zorder=4, label=f"box {k + 1} after pasting")  # fmt: skip
    ax.axhline(found.base_rate, color="#4d4d4d", ls="--", lw=1, label="base rate")
    fig.colorbar(points, ax=ax, ticks=range(most + 1), label="inputs restricted", pad=0.02)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("coverage: share of all cases of interest in the box")
    ax.set_ylabel("density")
    ax.set_title(f"Trade-off along the peeling trajectory: {found.condition.text}", loc="left")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", frameon=False, fontsize=8)
    return png(fig)


def limits_chart(found) -> bytes:
    """For each restricted input of each box, its range (grey) and the box's limits."""
    rows = [(k, lim) for k, box in enumerate(found.boxes, 1) for lim in box.limits]
    height = max(1.8, 0.55 * len(rows) + 0.9)  # inches
    fig = new_figure(height=height)
    longest = max(len(f"box {k}: {lim.name}") for k, lim in rows)
    left = min(0.5, 0.04 + 0.0085 * longest)
    fig.subplots_adjust(left=left, right=0.97, bottom=0.25 / height, top=1 - 0.55 / height)
    ax = fig.add_subplot()
    for i, (k, lim) in enumerate(rows):
        y = len(rows) - 1 - i
        colour = COLOURS[k % len(COLOURS)]
        if lim.categorical:
            width = 1 / len(lim.levels)
            for j, level in enumerate(lim.levels):
                kept = level in lim.values
                ax.barh(y, width, left=j * width, height=0.45, color=colour if kept else "#dddddd",
                        edgecolor="white", lw=2)  # fmt: skip
                ax.text((j + 0.5) * width, y, level, ha="center", va="center", fontsize=7,
                        color="white" if kept else "#333333")  # fmt: skip
            continue
        span = (lim.maximum - lim.minimum) or 1.0
        low = lim.minimum if lim.low is None else lim.low
        high = lim.maximum if lim.high is None else lim.high
        a, b = (low - lim.minimum) / span, (high - lim.minimum) / span
        ax.barh(y, 1, left=0, height=0.45, color="#dddddd")
        ax.barh(y, b - a, left=a, height=0.45, color=colour)
        for x, value, ha in ((0, lim.minimum, "left"), (1, lim.maximum, "right")):
            ax.text(x, y - 0.34, fmt(value), ha=ha, va="center", fontsize=7, color="#666666")
        if lim.low is not None:
            ax.text(a, y + 0.25, fmt(lim.low), ha="center", va="bottom", fontsize=8)
        if lim.high is not None:
            ax.text(b, y + 0.25, fmt(lim.high), ha="center", va="bottom", fontsize=8)
    qp = [("<0.001" if lim.qp < 0.001 else f"{lim.qp:.3f}") for _, lim in rows]
    ax.set_yticks(
        range(len(rows)),
        [f"box {k}: {lim.name}\n(quasi-p {q})" for (k, lim), q in zip(rows, qp, strict=True)][::-1],
        fontsize=8,
    )
    ax.set_xticks([])
    ax.set_xlim(-0.03, 1.03)
    ax.set_ylim(-0.8, len(rows) - 0.2)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    fig.suptitle("Each restricted input: its range (grey) and the box (colour)", x=0.01,
                 ha="left", fontsize=12)  # fmt: skip
    return png(fig)
