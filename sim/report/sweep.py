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
from sim.sweep.plan import known_outputs
from sim.sweep.run import SweepRun
from sim.sweep.sensitivity import NO_VARIATION, Ranking
from sim.sweep.table import outcome_column, table, write_csv, write_parquet

PREVIEW_ROWS = 25


def label(outcome: str) -> str:
    """An analysed outcome's label: `P(...)` for an event (a sweep's `cheating_detected`
    is the event; see `sim.sweep.plan.known_outputs`)."""
    event = outcome in known_outputs()[1]
    text = describe(outcome, event)
    return f"P({text})" if event else text


def write_sweep(sweep: SweepRun, rankings: dict[str, Ranking], out: Path, info: dict) -> Path:
    """Write the sweep's folder atomically (a rerun replaces it) and return its path."""
    plan = sweep.plan

    def write(root: Path) -> Path:
        with atomic_folder(root, "sweeps", plan.name, plan.id, replace=True) as folder:
            tmp = folder.tmp
            columns = table(sweep)
            write_csv(columns, tmp / "points.csv")
            write_parquet(columns, tmp / "points.parquet")
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
        {"point": p.index, "values": p.values, "key": p.key, "error": sweep.record(p)["error"]}
        for p in plan.points
        if sweep.record(p)["status"] != "ok"
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
        "failed": failed,
        "sensitivity": {name: _ranking_json(r) for name, r in rankings.items()},
        "provenance": {**info, "written": datetime.now(UTC).isoformat(timespec="seconds")},
    }


def _ranking_json(r: Ranking) -> dict:
    factors = {}
    for j, name in enumerate(r.factors):
        s = r.swings[j]
        entry: dict = {
            "low": s.low_label,
            "high": s.high_label,
            "mean_at_low": _num(s.low),
            "mean_at_high": _num(s.high),
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
        "ranking": [r.factors[j] for j in r.order()],
        "factors": factors,
    }


def _num(x: float) -> float | None:
    return None if x is None or np.isnan(x) else float(x)


# --------------------------------------------------------------------------- the report


def report_blocks(
    sweep: SweepRun, rankings: dict[str, Ranking], info: dict, plots: dict[str, bytes] | None
) -> list[Block]:
    plan = sweep.plan
    base = plan.base
    d = plan.design
    size = f"{len(plan.points)} points"
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
        (
            "p",
            f"This run: {sweep.computed} point(s) computed, {sweep.cached} cached, "
            f"{len(sweep.failed)} failed; {info.get('wall_seconds', 0):.1f} s on "
            f"{info.get('executor', '?')}.",
        ),
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
                f"{head}**{r.factors[j]}** ({_measure(r, j)}); from {fmt(_num(s.low))} at "
                f"{s.low_label} to {fmt(_num(s.high))} at {s.high_label}"
            )
        else:
            tops.append(f"{head}no clear driver (every interval includes 0)")
    if tops:
        blocks += [
            ("h2", "Headline"),
            ("p", "The factor that moves each outcome most:"),
            ("ul", tops),
        ]
    blocks += [("h2", "What drives each outcome"), ("p", _method_text(d.kind))]
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
        blocks.append(_ranking_table(r))
        for kind in ("tornado", "heatmap"):
            png = f"{kind}-{name}.png"
            if plots and png in plots:
                blocks.append(("img", f"plots/{png}", f"{kind} of {name}"))
    blocks += _points_blocks(sweep, rankings)
    blocks += [
        ("h2", "How to read this"),
        (
            "ul",
            [
                "Each figure of a point is a mean (or probability) over its replications; the full "
                "table (`points.csv`) gives its standard error (`.mcse`) and percentiles.",
                "A swing is the outcome's average at the factor's low end and high end, averaged "
                "over the other factors: the main effect, in the outcome's own units.",
                "S1 is the share of the outcome's variance across the sweep due to a factor alone; "
                "ST adds its interactions. ST much larger than S1 means the factor matters through "
                "interactions. Intervals are 95% bootstrap intervals.",
                "SRC: standard deviations of outcome per standard deviation of factor, from a "
                "linear fit; trust it as a ranking when R² is near 1.",
            ],
        ),
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


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _design_name(kind: str) -> str:
    return {"grid": "a grid", "lhs": "a Latin hypercube", "sobol": "a Sobol (Saltelli) design"}[
        kind
    ]


def _method_text(kind: str) -> str:
    if kind == "sobol":
        return (
            "Sobol indices: S1 (first order) and ST (total order) with 95% intervals, ranked "
            "by ST. The swing and the tornado compare the outcome's average over the points "
            "in each factor's lowest fifth (≤ its 20th percentile) with its highest fifth "
            "(≥ its 80th)."
        )
    return (
        "Standardized regression coefficients (SRC, with 95% bootstrap intervals and the "
        "fit's R²), ranked by size; the tornado shows each factor's swing from its low to "
        "its high end."
    )


def _measure(r: Ranking, j: int) -> str:
    if r.method == "sobol":
        return (
            f"ST {r.total[j]:.2f} ± {r.total_ci[j]:.2f}, S1 {r.first[j]:.2f} ± {r.first_ci[j]:.2f}"
        )
    return f"SRC {r.src[j]:+.2f}" if r.src[j] is not None else "swing only"


def _ranking_table(r: Ranking) -> Block:
    head = ["rank", "factor", "low → high", "outcome at low", "at high", "swing"]
    if r.method == "sobol":
        head += ["S1 (95% CI)", "ST (95% CI)"]
    elif r.method == "src":
        head += [f"SRC (95% CI; R² {r.r2:.2f})"]
    rows = []
    for rank, j in enumerate(r.order(), start=1):
        s = r.swings[j]
        row = [
            str(rank),
            f"`{r.factors[j]}`",
            f"{s.low_label} → {s.high_label}",
            fmt(_num(s.low)),
            fmt(_num(s.high)),
            _signed(s.swing),
        ]
        if r.method == "sobol":
            row += [_ci(r.first[j], r.first_ci[j]), _ci(r.total[j], r.total_ci[j])]
        elif r.method == "src":
            src, ci = r.src[j], r.src_ci[j]  # set together, or neither
            row.append(
                "–" if src is None or ci is None else f"{src:+.2f} ({ci[0]:+.2f} to {ci[1]:+.2f})"
            )
        rows.append(row)
    return ("table", head, rows)


def _ci(x: float, half: float) -> str:
    return f"{x:.2f} ({x - half:.2f} to {x + half:.2f})"


def _signed(x: float) -> str:
    if x is None or np.isnan(x):
        return "–"
    return ("+" if x > 0 else "") + fmt(x)


def _points_blocks(sweep: SweepRun, rankings: dict[str, Ranking]) -> list[Block]:
    plan = sweep.plan
    paths = [p for f in plan.design.factors for p in f.paths]
    moving = [n for n, r in rankings.items() if r.note != NO_VARIATION]
    shown = (moving or list(rankings))[:4]
    head = ["point", *[f"`{p}`" for p in paths], *[f"`{n}`" for n in shown]]
    rows = []
    for point in plan.points[:PREVIEW_ROWS]:
        record = sweep.record(point)
        cells = [str(point.index), *[_value(point.values[p]) for p in paths]]
        for n in shown:
            cells.append(point_figure(record, n) if record["status"] == "ok" else "failed")
        rows.append(cells)
    more = len(plan.points) - PREVIEW_ROWS
    blocks: list[Block] = [
        ("h2", "Points"),
        (
            "p",
            "Mean ± standard error (or probability ± s.e.) at each point"
            + (f"; the first {PREVIEW_ROWS} of {len(plan.points)}" if more > 0 else "")
            + ". Every figure of every point is in `points.csv`.",
        ),
        ("table", head, rows),
    ]
    failed = [p for p in plan.points if sweep.record(p)["status"] != "ok"]
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
                        sweep.record(p)["error"],
                    ]
                    for p in failed
                ],
            ),
        ]
    return blocks


def _value(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def point_figure(record: dict, name: str) -> str:
    if name in record["metrics"]:
        m = record["metrics"][name]
        return estimate(m["mean"], m["mcse"])
    return probability(record["probabilities"][name], interval=False)


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
