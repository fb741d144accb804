"""A sweep's result folder: the points table, sweep.json, report.md and report.html.

`results/sweeps/<name>/<id>/` holds `points.csv` (and `points.parquet` where
pyarrow is installed), `sweep.json` (the plan, counts, failures and every
sensitivity figure), `report.md` with its plots in `plots/`, and a
self-contained `report.html`. The folder is written under a temporary name and
renamed into place, like a run's. The report is built once as a list of blocks
and rendered to both Markdown and HTML, so the two always say the same thing.
Plots use matplotlib's object API (no pyplot, no global state), imported only
here; without matplotlib the report says that plots are off.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from sim.engine.folders import atomic_folder, save_or_rescue
from sim.plan.outcomes import describe
from sim.report.blocks import Block, to_html, to_markdown
from sim.report.markdown import overrides_text
from sim.report.rounding import estimate, fmt, probability
from sim.report.sensitivity import (
    OUTSIDE,
    STRAY_NOTE,
    caveat,
    measure,
    method_text,
    number,
    ranking_table,
    reading_guide,
)
from sim.sweeps.plan import known_outputs
from sim.sweeps.run import SweepRun
from sim.sweeps.sensitivity import NO_VARIATION, Ranking
from sim.sweeps.table import outcome_column, write_points

PREVIEW_ROWS = 25


def label(outcome: str) -> str:
    """An analysed outcome's label: `P(...)` for an event (a sweep's `cheating_detected`
    is the event; see `sim.sweeps.plan.known_outputs`)."""
    event = outcome in known_outputs()[1]
    text = describe(outcome, event)
    return f"P({text})" if event else text


def write_sweep(sweep: SweepRun, rankings: dict[str, Ranking], out: Path, info: dict) -> Path:
    """Write the sweep's folder atomically (a rerun replaces it) and return its path."""
    plan = sweep.plan

    def write(root: Path) -> Path:
        with atomic_folder(root, "sweeps", plan.name, plan.id, replace=True) as folder:
            tmp = folder.tmp
            write_points(sweep, tmp)
            plots = make_plots(sweep, rankings)
            if plots:
                (tmp / "plots").mkdir()
                for name, png in plots.items():
                    (tmp / "plots" / name).write_bytes(png)
            doc = sweep_json(sweep, rankings, info)
            (tmp / "sweep.json").write_text(json.dumps(doc, indent=1, default=str) + "\n")
            blocks = report_blocks(sweep, rankings, info, plots)
            (tmp / "report.md").write_text(to_markdown(blocks))
            (tmp / "report.html").write_text(to_html(blocks, plots, f"Sweep {plan.name}"))
        return folder.final

    return save_or_rescue(write, Path(out), "the sweep's report folder")


def sweep_json(sweep: SweepRun, rankings: dict[str, Ranking], info: dict) -> dict:
    plan = sweep.plan
    failed = [
        {"point": p.index, "values": p.values, "key": p.key, "error": sweep.error(p)}
        for p in plan.points
        if sweep.status(p) != "ok"
    ]
    return {
        "sweep": {
            "name": plan.name,
            "id": plan.id,
            "design": plan.design.kind,
            "base_samples": plan.design.base_samples,
            "scenario": {
                "name": plan.base.name,
                "path": plan.base.path,
                "hash": plan.base.content_hash(),
            },
            "overrides": plan.spec.overrides,
            "sweep_file": plan.spec.source,
            "factors": [
                {"label": f.label, "params": {p: v.describe() for p, v in f.params}}
                for f in plan.design.factors
            ],
            "points": len(plan.points),
            "distinct_points": len(plan.unique()),
            "reps": plan.reps,
            "seed": plan.seed,
        },
        "counts": {
            "computed": sweep.computed,
            "cached": sweep.cached,
            "failed": len(sweep.failed),
            "retried": sweep.retried,
        },
        "timing": {"this_run_seconds": round(sweep.wall_seconds, 3), **sweep.figures.timing()},
        "failed": failed,
        "sensitivity": {
            name: _ranking_json(r, caveat(r, plan.design.base_samples, plan.reps))
            for name, r in rankings.items()
        },
        "provenance": {**info, "written": datetime.now(UTC).isoformat(timespec="seconds")},
    }


def _ranking_json(r: Ranking, caution: str | None) -> dict:
    factors = {}
    for j, name in enumerate(r.factors):
        s = r.swings[j]
        entry: dict = {
            "low": s.low_label,
            "high": s.high_label,
            "mean_at_low": number(s.low),
            "mean_at_high": number(s.high),
        }
        if r.method == "sobol":
            entry.update(S1=r.first[j], S1_conf=r.first_ci[j], ST=r.total[j], ST_conf=r.total_ci[j])
        if r.method == "src":
            entry.update(SRC=r.src[j], SRC_ci=r.src_ci[j])
        factors[name] = entry
    return {
        "method": r.method,
        "r2": r.r2,
        "note": r.note,
        "caveat": caution,
        "ranking": [r.factors[j] for j in r.order()],
        "factors": factors,
    }


# --------------------------------------------------------------------------- the report


def report_blocks(
    sweep: SweepRun, rankings: dict[str, Ranking], info: dict, plots: dict[str, bytes] | None
) -> list[Block]:
    plan = sweep.plan
    base = plan.base
    d = plan.design
    size = f"{len(plan.points):,} points"
    if d.kind == "sobol":
        size += f" (N = {d.base_samples} base samples × {len(d.factors) + 2})"
    blocks: list[Block] = [
        ("h1", f"Sweep `{plan.name}`: {base.title or base.name}"),
        (
            "p",
            f"Scenario `{base.name}` ({base.path}, hash `{base.content_hash()}`); "
            f"{_design_name(d.kind)} over {len(d.factors)} factor(s), {size}, "
            f"{plan.reps:,} replications each, seed {plan.seed}. Every point uses the same "
            "seed, so replication i shares its random numbers across points (common random "
            "numbers)."
            + (f" Fixed overrides: `{overrides_text(base.overrides)}`." if base.overrides else ""),
        ),
        ("p", this_run(sweep, info)),
        ("h2", "Parameters varied"),
        (
            "table",
            ["factor", "values"],
            [
                [f"`{p}`" + (" (zipped)" if len(f.params) > 1 else ""), v.describe()]
                for f in d.factors
                for p, v in f.params
            ],
        ),
    ]
    tops = []
    for name, r in rankings.items():
        if r.method == "none" or not r.factors:
            continue
        j = r.order()[0]
        head = f"`{name}` ({label(name)}): "
        if r.clear(j):
            s = r.swings[j]
            tops.append(
                f"{head}**{r.factors[j]}** ({measure(r, j)}); from {fmt(number(s.low))} at "
                f"{s.low_label} to {fmt(number(s.high))} at {s.high_label}"
            )
        else:
            tops.append(f"{head}no clear driver (every interval includes 0)")
    if tops:
        blocks += [
            ("h2", "Headline"),
            ("p", "The factor that moves each outcome most:"),
            ("ul", tops),
        ]
        if any(OUTSIDE in top for top in tops):
            blocks.append(("p", f"{OUTSIDE} {STRAY_NOTE}"))
    methods = {r.method for r in rankings.values()}
    blocks += [("h2", "What drives each outcome"), ("p", method_text(d.kind, methods))]
    if plots is None:
        blocks.append(
            ("p", "Plots are off: matplotlib is not installed (`pip install 'sim[plots]'`).")
        )
    flat = [name for name, r in rankings.items() if r.note == NO_VARIATION]
    if flat:
        blocks.append(
            (
                "p",
                "The same at every point (no factor moves them): "
                + ", ".join(f"`{n}`" for n in flat)
                + ".",
            )
        )
    for name, r in rankings.items():
        if r.note == NO_VARIATION:
            continue
        blocks.append(("h3", f"{_capital(label(name))}: `{name}`"))
        if r.note:
            blocks.append(("p", f"Note: {r.note}."))
        blocks.append(ranking_table(r))
        caution = caveat(r, d.base_samples, plan.reps)
        if caution:
            blocks.append(("p", caution))
        for kind in ("tornado", "heatmap"):
            png = f"{kind}-{name}.png"
            if plots and png in plots:
                blocks.append(("img", f"plots/{png}", f"{kind} of {name}"))
    blocks += _points_blocks(sweep, rankings)
    blocks += [
        ("h2", "How to read this"),
        ("ul", reading_guide(d.kind, methods, any("heatmap" in n for n in plots or {}))),
        ("h2", "Provenance"),
        (
            "ul",
            [
                f"sweep id `{plan.id}`, engine {info.get('engine_version')}",
                f"points cached in `{info.get('points_dir')}`",
                f"written {datetime.now(UTC).isoformat(timespec='seconds')}",
            ],
        ),
    ]
    return blocks


def duration(seconds: float) -> str:
    """`40 ms`, `12.3 s`, `4.4 min`, `1.2 h`."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _span(part: dict) -> str:
    """When points finished computing: `on 2026-11-29 at 03:03 UTC`, or a range."""
    first, last = part["first_finished"], part["last_finished"]
    if first is None:
        return "at a time their records do not say"
    a, b = (datetime.fromisoformat(t).astimezone(UTC) for t in (first, last))
    if a.strftime("%Y-%m-%d %H:%M") == b.strftime("%Y-%m-%d %H:%M"):
        return f"on {a:%Y-%m-%d} at {a:%H:%M} UTC"
    if a.date() == b.date():
        return f"on {a:%Y-%m-%d} between {a:%H:%M} and {b:%H:%M} UTC"
    return f"between {a:%Y-%m-%d %H:%M} and {b:%Y-%m-%d %H:%M} UTC"


def this_run(sweep: SweepRun, info: dict) -> str:
    """What this run computed and what it read from the cache, and how long each took.

    Computing time is summed from the points' records (each point's own time), so
    a rerun that reads every point from the cache still says when and how long
    they took to compute, not "0 computed in 0.0 s".
    """
    timing = sweep.figures.timing()
    now, cached = timing["now"], timing["cached"]
    where = info.get("executor", "?")
    failed = len(sweep.failed)
    tail = f"; {failed:,} failed" if failed else ""
    earlier = (
        f"computed {_span(cached)} ({duration(cached['computing_seconds'])} of computing, "
        "summed over the points)"
    )
    if not sweep.computed:
        return (
            f"Every point ({cached['points']:,}) was read from the cache: this run computed "
            f"nothing and took {duration(sweep.wall_seconds)} to read them{tail}. They were "
            f"{earlier}; on several workers the wait was shorter."
        )
    text = (
        f"This run computed {sweep.computed:,} point(s) in {duration(sweep.wall_seconds)} on "
        f"{where} ({duration(now['computing_seconds'])} of computing, summed over the points)"
    )
    if cached["points"]:
        text += f" and read {cached['points']:,} from the cache, {earlier}"
    return text + tail + "."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _design_name(kind: str) -> str:
    return {"grid": "a grid", "lhs": "a Latin hypercube", "sobol": "a Sobol (Saltelli) design"}[
        kind
    ]


def _points_blocks(sweep: SweepRun, rankings: dict[str, Ranking]) -> list[Block]:
    plan = sweep.plan
    paths = [p for f in plan.design.factors for p in f.paths]
    moving = [n for n, r in rankings.items() if r.note != NO_VARIATION]
    shown = (moving or list(rankings))[:4]
    head = ["point", *[f"`{p}`" for p in paths], *[f"`{n}`" for n in shown]]
    rows = []
    for point in plan.points[:PREVIEW_ROWS]:
        record = sweep.record(point) if sweep.status(point) == "ok" else None
        cells = [str(point.index), *[_value(point.values[p]) for p in paths]]
        for n in shown:
            cells.append(point_figure(record, n) if record else "failed")
        rows.append(cells)
    more = len(plan.points) - PREVIEW_ROWS
    blocks: list[Block] = [
        ("h2", "Points"),
        (
            "p",
            "Mean ± standard error (or probability ± s.e.) at each point"
            + (f"; the first {PREVIEW_ROWS} of {len(plan.points):,}" if more > 0 else "")
            + ". Every figure of every point is in `points.csv`.",
        ),
        ("table", head, rows),
    ]
    failed = [p for p in plan.points if sweep.status(p) != "ok"]
    if failed:
        blocks += [
            ("h2", "Failed points"),
            ("p", "Rerun only these with `--retry-failed`."),
            (
                "table",
                ["point", "values", "error"],
                [
                    [
                        str(p.index),
                        ", ".join(f"{k}={_value(v)}" for k, v in p.values.items()),
                        sweep.error(p),
                    ]
                    for p in failed
                ],
            ),
        ]
    return blocks


def _value(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def point_figure(record: dict, name: str) -> str:
    """An analysed outcome at a point: an event's probability (so `cheating_detected`, the
    event a sweep analyses by that name, not the count) or a metric's mean, ± its s.e."""
    if name in record["probabilities"]:
        return probability(record["probabilities"][name], interval=False)
    m = record["metrics"][name]
    return estimate(m["mean"], m["mcse"])


# --------------------------------------------------------------------------- plots


def make_plots(sweep: SweepRun, rankings: dict[str, Ranking]) -> dict[str, bytes] | None:
    """PNG bytes by file name, or None when matplotlib is not installed."""
    try:
        from sim.report.sweep_plots import heatmap, tornado
    except ImportError:
        return None
    plots = {}
    design = sweep.plan.design
    two_factor_grid = design.grid and len(design.factors) == 2
    for name, r in rankings.items():
        values = [v for s in r.swings for v in (s.low, s.high) if v is not None]
        if r.note == NO_VARIATION or not np.isfinite(values).any():  # nothing to draw
            continue
        plots[f"tornado-{name}.png"] = tornado(r, label(name))
        if two_factor_grid:
            y = np.array([np.nan if v is None else v for v in outcome_column(sweep, name)])
            plots[f"heatmap-{name}.png"] = heatmap(design, y, label(name))
    return plots
