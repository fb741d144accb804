"""Figures for the reports: fan charts, probability curves, the spread of final warheads.

matplotlib is an optional extra, so it is imported inside `draw()`: without it
the ImportError reaches the report, which then says plots are off. Figures
are drawn on `matplotlib.figure.Figure` with the Agg canvas, never pyplot, so
nothing global (backend, open windows) changes in the caller's process. One
chart per quantity; several runs are overlaid in one chart, the baseline first.

Importing matplotlib takes about a quarter of a second and drawing the charts
of a run a third, as long as a default run's simulation. `charts_ahead()`
overlaps them with the run: a helper process started at once imports
matplotlib while the replications run, and `figures_later()` then starts the
drawing there while this process writes the tables. The charts are the same
bytes either way.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from sim.engine.pool import Pool, default_workers
from sim.report.rounding import interval

#: The baseline in dark grey, then one colour per scenario.
COLOURS = ("#4d4d4d", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
SIZE = (8.0, 3.6)  # inches; at 110 dpi, 880 pixels wide
#: zlib level of the PNGs: 1 encodes several times faster than Pillow's 6 for files
#: about a tenth larger (charts are flat colours, which compress well either way).
PNG_LEVEL = 1


@dataclass
class Series:
    """What the charts need of one run: its summary and its final warheads per replication
    (None for a streamed run, which keeps no per-replication values)."""

    label: str
    summary: dict
    final_warheads: np.ndarray | None


class _Helper:
    """A process that imports matplotlib at once and draws charts when asked."""

    def __init__(self) -> None:
        self.pool = Pool(1, method="spawn", retries=0)  # a fresh interpreter, no simulation
        self.ready: Future = self.pool.submit(_import_matplotlib, None)

    def start(
        self, series: list[Series], averted: dict | None, level: str
    ) -> Callable[[], dict[str, tuple]]:
        """Start drawing now; the function returned waits for the charts, and draws them
        in this process if the helper was lost."""
        try:
            job: Future | None = self.pool.submit(_task, (series, averted, level))
        except BrokenProcessPool:  # the helper died before
            job = None

        def collect() -> dict[str, tuple]:
            if job is not None:
                try:
                    return job.result()
                except Exception:  # the helper was lost or failed: the same charts, drawn here
                    pass
            return draw(series, averted, level)

        return collect


_helper: _Helper | None = None


@contextmanager
def charts_ahead() -> Iterator[None]:
    """While inside, `figures_later()` draws in a helper process started now, which imports
    matplotlib in the meantime, so the import and the drawing overlap this process's
    work. Only if a core is free for it (`spare_core`); when nested, the outer one's.

    One helper, not one per free core: drawing the charts in two helpers on a
    machine of two cores made a default run slower (1.6 s against 1.3 s)."""
    global _helper
    if _helper is not None or not spare_core():
        yield
        return
    _helper = helper = _Helper()
    try:
        yield
    finally:
        _helper = None
        helper.pool.close(stop=True)  # nothing of its is pending: stopped, not waited for


def spare_core() -> bool:
    """Whether a core is likely idle: two or more, and a load average (the last minute's
    runnable processes) at least half a core below their number. On a busy machine a
    helper would only take time from the run."""
    cores = default_workers()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on this system: count the cores only
        load = 0.0
    return cores >= 2 and load <= cores - 0.5


def _import_matplotlib(_: None) -> bool:
    """In a helper: import what drawing needs, now; False without matplotlib."""
    try:
        import matplotlib.backends.backend_agg
        import matplotlib.figure  # noqa: F401
    except ImportError:
        return False
    return True


def _task(job: tuple[list[Series], dict | None, str]) -> dict[str, tuple]:
    return draw(*job)


def figures_later(
    series: list[Series], averted: dict[str, dict] | None = None, level: str = "95%"
) -> Callable[[], dict[str, tuple]]:
    """The charts (PNG images by file name: {name: (caption, png bytes)}), started now
    in the helper of `charts_ahead()` if one runs (the caller does other work
    meanwhile, then calls the function returned), else drawn here when called.

    `averted` maps a scenario label to its weapons-averted rows (comparison.json's
    `vs_baseline.averted`, with intervals at the confidence `level`); given, it adds a
    chart of them.
    """
    if _helper is not None:
        return _helper.start(series, averted, level)
    return lambda: draw(series, averted, level)


def draw(
    series: list[Series], averted: dict[str, dict] | None = None, level: str = "95%"
) -> dict[str, tuple]:
    """The charts of `figures_later`, drawn in this process."""
    out: dict[str, tuple] = {}
    several = len(series) > 1
    for quantity, unit in (("warheads", "assembled warheads"), ("material", "weapons-equivalent")):
        if any(quantity not in s.summary["trajectories"] for s in series):
            continue  # a run made without monthly paths
        fig = new_figure(height=fan_height(len(series)))
        _fan(fig, series, quantity, unit)
        caption = (
            f"{quantity.title()} by month: median (line), 25–75% (dark band) and 5–95% "
            "(light band) of replications"
            + (
                "; one panel per scenario, the baseline's median dashed in each."
                if several
                else "."
            )
        )
        out[f"{quantity}.png"] = (caption, png(fig))
    for curve, title in (
        ("freeze_in_force", "P(a freeze is in force)"),
        ("deal_reached", "P(a deal has been reached)"),
    ):
        fig = new_figure()
        _curve(fig.add_subplot(), series, curve, title)
        out[f"{curve}.png"] = (f"{title}, by month.", png(fig))
    if all(s.final_warheads is not None for s in series):
        fig = new_figure()
        _distribution(fig.add_subplot(), series)
        out["final_warheads.png"] = (
            "Assembled warheads at the horizon: share of replications (dashed line: median).",
            png(fig),
        )
    if averted:
        fig = new_figure(height=SIZE[1] * 1.15)
        axes = fig.subplots(1, 2)
        fig.subplots_adjust(bottom=0.25, wspace=0.25)
        for ax, quantity in zip(axes, ("warheads", "material"), strict=True):
            _averted(ax, averted, quantity, [s.label for s in series])
        out["averted.png"] = (
            "Weapons averted: the baseline minus each scenario at the end of each year, "
            f"mean with its {level} confidence interval.",
            png(fig),
        )
    return out


def new_figure(height: float = SIZE[1]):
    """A figure with fixed margins (a layout engine would draw every chart twice).

    Titles on it are set with y=1.0: where matplotlib would place them (nothing sits
    above the axes), without its search for a place at every draw; the same bytes.
    """
    from matplotlib.figure import Figure  # the optional dependency

    fig = Figure(figsize=(SIZE[0], height))
    fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.14)
    return fig


def year_ticks(ax) -> None:
    """A tick a year, labelled by the year: cheaper and steadier than automatic date ticks.

    Called once the dates are plotted: the ticks are every 1 January around them
    (those outside the view are not drawn), as `YearLocator` places them, without
    the recurrence rules it computes them with at every draw.
    """
    from matplotlib.dates import DateFormatter, YearLocator, date2num
    from matplotlib.ticker import FixedLocator

    lo, hi = ax.dataLim.intervalx
    if not np.isfinite([lo, hi]).all():  # nothing plotted yet
        ax.xaxis.set_major_locator(YearLocator())
    else:
        first, last = (np.datetime64(int(x), "D").astype("datetime64[Y]") for x in (lo, hi))
        years = np.arange(first - 1, last + 2).astype("datetime64[D]")
        ax.xaxis.set_major_locator(FixedLocator(date2num(years)))
    ax.xaxis.set_major_formatter(DateFormatter("%Y"))


def _dates(summary: dict, months) -> np.ndarray:
    start = np.datetime64(summary["scenario"]["start"], "M")
    return (start + np.asarray(months, dtype=int)).astype("datetime64[D]")


def _colour(k: int, n: int) -> str:
    """The baseline (first of several) in grey; a run on its own in blue."""
    return COLOURS[(k if n > 1 else 1) % len(COLOURS)]


#: Height of one scenario's panel in a comparison's fan chart (inches).
PANEL = 2.2


def _grid(n: int) -> tuple[int, int]:
    """(rows, columns) of the panels of `n` runs' fan charts: two columns from four."""
    cols = 1 if n <= 3 else 2
    return -(-n // cols), cols


def fan_height(n: int) -> float:
    """A fan chart's height: one chart for a run; a comparison stacks a panel a scenario
    (see `_grid`), so no band is drawn over another's."""
    return SIZE[1] if n == 1 else 1.2 + PANEL * _grid(n)[0]


def _fan(fig, series: list[Series], quantity: str, unit: str) -> None:
    """One fan (median, 25–75% and 5–95% of replications); for several runs, small multiples.

    Overlaid translucent bands of three scenarios mix into a brown no reader can
    take apart; each scenario gets its own panel instead, on shared axes, in its
    own colour (Okabe–Ito, readable with colour blindness), with the baseline's
    median dashed in every panel to compare against.
    """
    n = len(series)
    title = f"{quantity.title()}: median, 25–75% and 5–95% of replications"
    if n == 1:
        ax = fig.add_subplot()
        _band(ax, series[0], quantity, COLOURS[1])
        year_ticks(ax)
        ax.set_title(title, loc="left", y=1.0)
        ax.set_ylabel(unit)
        ax.legend(loc="upper left", frameon=False)
        return
    rows, cols = _grid(n)
    height = fig.get_figheight()  # margins in inches: the title above, dates below
    fig.subplots_adjust(left=0.09, right=0.98, top=1 - 0.75 / height, bottom=0.45 / height,
                        hspace=0.45, wspace=0.12)  # fmt: skip
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    base = series[0]
    baseline = base.summary["trajectories"][quantity]
    for k, (ax, s) in enumerate(zip(axes, series, strict=False)):
        _band(ax, s, quantity, _colour(k, n))
        if k:
            x = _dates(base.summary, baseline["months"])
            ax.plot(x, baseline["p50"], color=COLOURS[0], lw=1.3, ls="--", zorder=1.5,
                    label=f"{base.label} (baseline) median")  # fmt: skip
        ax.set_title(s.label + (" (baseline)" if k == 0 else ""), loc="left", fontsize=10, y=1.0)
        ax.legend(loc="upper left", frameon=False, fontsize=8)
        if k % cols == 0:
            ax.set_ylabel(unit)
    for ax in axes[n:]:
        ax.set_visible(False)
    year_ticks(axes[0])
    for ax in axes:
        ax.tick_params(labelsize=8)
        if cols > 1:  # half the width: the years would run into each other
            ax.tick_params(axis="x", labelrotation=45)
    fig.suptitle(title, x=0.01, ha="left", fontsize=12)


def _band(ax, s: Series, quantity: str, colour: str) -> None:
    """One run's fan on `ax`: 5–95% light, 25–75% darker, the median as a line."""
    band = s.summary["trajectories"][quantity]
    x = _dates(s.summary, band["months"])
    ax.fill_between(x, band["p5"], band["p95"], color=colour, alpha=0.12, lw=0)
    ax.fill_between(x, band["p25"], band["p75"], color=colour, alpha=0.28, lw=0)
    ax.plot(x, band["p50"], color=colour, lw=2, label=f"{s.label} (median)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)


def _curve(ax, series: list[Series], name: str, title: str) -> None:
    for k, s in enumerate(series):
        curves = s.summary["curves"]
        x = _dates(s.summary, curves["months"])
        style = {"ls": "--", "zorder": 5} if k == 0 and len(series) > 1 else {}
        ax.plot(x, curves[name], color=_colour(k, len(series)), lw=2, label=s.label, **style)
    year_ticks(ax)
    ax.set_title(f"{title}, by month", loc="left", y=1.0)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("probability")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", frameon=False)


def _distribution(ax, series: list[Series]) -> None:
    values = [np.asarray(s.final_warheads, dtype=float) for s in series]
    pooled = np.concatenate(values)
    bins = np.histogram_bin_edges(pooled, bins=min(40, max(5, int(np.sqrt(pooled.size)))))
    for k, (s, v) in enumerate(zip(series, values, strict=True)):
        colour = _colour(k, len(series))
        weights = np.full(v.size, 1.0 / v.size)
        shares, _ = np.histogram(v, bins=bins, weights=weights)
        # one filled outline and one line, where `hist` would draw a patch per bin
        ax.stairs(shares, bins, fill=True, color=colour, alpha=0.3, lw=0, label=s.label)
        ax.stairs(shares, bins, color=colour, lw=1.5)
        ax.axvline(float(np.median(v)), color=colour, ls="--", lw=1.5)
    ax.set_title("Assembled warheads at the horizon", loc="left", y=1.0)
    ax.set_xlabel("warheads")
    ax.set_ylabel("share of replications")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", frameon=False)


def _averted(ax, averted: dict[str, dict], quantity: str, labels: list[str]) -> None:
    for k, (label, rows_by) in enumerate(averted.items(), start=1):
        rows = [r for r in rows_by[quantity] if r["diff"] is not None]
        colour = _colour(labels.index(label) if label in labels else k, len(labels))
        years = np.array([r["year"] for r in rows], dtype=float) + 0.08 * (k - 1)
        mean = np.array([r["diff"] for r in rows])
        cis = [interval(r) for r in rows]
        lo = np.array([r["diff"] - ci[0] if ci else 0.0 for r, ci in zip(rows, cis, strict=True)])
        hi = np.array([ci[1] - r["diff"] if ci else 0.0 for r, ci in zip(rows, cis, strict=True)])
        ax.errorbar(years, mean, yerr=[lo, hi], color=colour, marker="o", ms=4, capsize=3,
                    label=label)  # fmt: skip
    first = next(iter(averted.values()))[quantity]
    ax.set_xticks([r["year"] for r in first], [r["date"] for r in first], rotation=45, fontsize=8)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_title(f"{quantity.title()} averted", loc="left", y=1.0)
    ax.set_xlabel("end of year (state at the start of the month shown)")
    ax.set_ylabel("baseline minus scenario")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", frameon=False)


def png(fig, dpi: int = 110, tight: bool = False) -> bytes:
    """A figure as PNG bytes, drawn with Agg; no timestamp or software tag, so the
    same figure always gives the same bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    bbox = "tight" if tight else None
    fig.savefig(
        buffer,
        format="png",
        dpi=dpi,
        bbox_inches=bbox,
        metadata={"Software": None},
        pil_kwargs={"compress_level": PNG_LEVEL},
    )
    return buffer.getvalue()
