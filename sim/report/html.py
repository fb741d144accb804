"""Self-contained HTML reports of a run and of a comparison.

One file that opens offline in any browser: styles inline, images embedded as
base64 `data:` URIs, no script, nothing fetched. Each chart is also saved as a
PNG beside the report, for slides. Without matplotlib the report says plots
are off and still carries every table. All text from scenarios is escaped.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from html import escape
from pathlib import Path

import numpy as np

from sim.analysis.compare import parameters
from sim.plan.outcomes import describe
from sim.report.cautions import run_cautions
from sim.report.markdown import (
    DRIVERS_NOTE,
    NO_DRIVER,
    NO_DRIVERS,
    curve_value,
    drivers_rows,
    headline,
    overrides_text,
)
from sim.report.plots import Series, figures_later
from sim.report.rounding import estimate, fmt, percentile, probability
from sim.scenario.dates import label as month_label

PLOTS_OFF = (
    "Plots are off: matplotlib is not installed. Install it with "
    "<code>pip install 'sim[plots]'</code> and run again; every figure is in the tables below."
)

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1a1a1a; max-width: 1100px; margin: 2em auto; padding: 0 1.5em; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em;
     border-bottom: 1px solid #ddd; padding-bottom: 0.2em; } h3 { margin-top: 1.4em; }
.sub { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; vertical-align: top; }
th { background: #f3f3f3; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:nth-child(even) td { background: #fafafa; }
figure { margin: 1em 0 1.6em; } img { max-width: 100%; height: auto; display: block; }
figcaption { color: #555; font-size: 0.9em; }
.note { background: #fff6d6; border: 1px solid #e5cf7a; padding: 0.6em 0.9em; }
code { background: #f3f3f3; padding: 0 0.25em; } details { margin: 0.5em 0; }
"""


CHARTS_OFF = (
    "Charts were not drawn for this run (saved with charts off); "
    "every figure is in the tables below."
)


#: The charts by file name ({name: (caption, png bytes)}), or none and the reason.
Images = tuple[dict[str, tuple], str | None]


def images_later(
    series, averted: dict | None = None, charts: bool = True, level: str = "95%"
) -> Callable[[], Images]:
    """The charts, or none and the reason plots are off (`level`: of averted's intervals),
    started now in the chart helper if one runs (`plots.charts_ahead`); the function
    returned waits for them."""
    if not charts:
        return lambda: ({}, CHARTS_OFF)
    later = figures_later(series, averted, level)  # matplotlib is imported when drawing

    def collect() -> Images:
        try:
            return later(), None
        except ImportError:
            return {}, PLOTS_OFF

    return collect


def save_images(figs: dict[str, tuple], folder: Path) -> None:
    for name, (_, png) in figs.items():
        (folder / name).write_bytes(png)


def page(title: str, body: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def figure_block(figs: dict[str, tuple], off: str | None) -> list[str]:
    if off:
        return [f'<p class="note">{off}</p>']
    out = []
    for name, (caption, png) in figs.items():
        data = base64.b64encode(png).decode("ascii")
        out.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{escape(caption)}">'
            f"<figcaption>{escape(caption)} <code>{escape(name)}</code></figcaption></figure>"
        )
    return out


def table(head: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    """An HTML table; cells are already escaped; columns from `numeric_from` align right."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="n">{c}</td>' if k >= numeric_from else f"<td>{c}</td>"
            for k, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def outcome_cell(name: str, event: bool = False) -> str:
    """`name` and what it means: an event's label (a probability) or a metric's."""
    label = describe(name, event)
    return f"<code>{escape(name)}</code>" + (f" {escape(label)}" if label != name else "")


def _mean(m: dict) -> str:
    return estimate(m.get("mean"), m.get("mcse"))


def _p(p: dict) -> str:
    return probability(p)


# --------------------------------------------------------------------------- a run


def write_run_report(summary: dict, folder: Path, run_id: str, drawn: Callable[[], Images]) -> Path:
    """report.html (and the PNGs) of one run, in `folder`; `drawn`: its charts, started
    earlier by `run_images_later`."""
    figs, off = drawn()
    save_images(figs, folder)
    path = folder / "report.html"
    path.write_text(run_html(summary, figs, off, run_id), encoding="utf-8")
    return path


def run_images_later(
    summary: dict, final_warheads: np.ndarray | None, charts: bool = True
) -> Callable[[], Images]:
    """The charts of one run, started now (see `images_later`)."""
    label = summary["scenario"]["name"]
    return images_later([Series(label, summary, final_warheads)], charts=charts)


def run_html(summary: dict, figs: dict[str, tuple], off: str | None, run_id: str = "") -> str:
    sc, prov = summary["scenario"], summary["provenance"]
    title = sc.get("title") or sc["name"]
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">Scenario <code>{escape(sc["name"])}</code> ({escape(str(sc["path"]))})'
        f", from {sc['start']} for {sc['horizon_months']} months; "
        f"{prov['replications']:,} replications, seed {prov['seed']}"
        f"{f', run {escape(run_id)}' if run_id else ''}.{overridden(prov)}</p>",
        "<h2>Headline</h2><ul>",
        *(f"<li>{escape(line)}</li>" for line in headline(summary)),
        "</ul>",
        cautions_block(summary),
        "<h2>Charts</h2>",
        *figure_block(figs, off),
        "<h2>By year</h2>",
        by_year(summary),
        "<h2>What drives the headline figures</h2>",
        drivers_block(summary),
        "<h2>Figures</h2><p>Per replication: mean ± Monte Carlo standard error, then "
        "percentiles. Probabilities over the whole horizon ± standard error. [MC a–b] is a "
        "95% Monte Carlo interval: the median's, or the probability's (Wilson); every "
        "percentile's is in summary.json.</p>",
        figures_table(summary),
        "<h2>Parameters</h2><p>The scenario as resolved (after <code>extends</code> and "
        "<code>--set</code>), with the facts each value cites.</p>",
        parameters_table(summary["resolved"]),
        facts_table(summary.get("facts") or {}),
        "<h2>Provenance</h2>",
        provenance(summary),
    ]
    return page(title, body)


def overridden(prov: dict) -> str:
    """` Overridden: <code>--set ...</code>.` for a run made with overrides, else ""."""
    given = overrides_text(prov.get("overrides"))
    return f" Overridden: <code>{escape(given)}</code>." if given else ""


def cautions_block(summary: dict) -> str:
    """The run's cautions (`sim.report.cautions`) as a list under a heading, or nothing."""
    lines = run_cautions(summary)
    if not lines:
        return ""
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f'<h2>Cautions</h2><ul class="cautions">{items}</ul>'


def drivers_block(summary: dict) -> str:
    rows = drivers_rows(summary)
    if not rows:
        return f"<p>{escape(NO_DRIVERS)}</p>"
    cells = [
        [
            escape(figure),
            escape("; ".join(found) or NO_DRIVER),
        ]
        for figure, found in rows
    ]
    return f"<p>{escape(DRIVERS_NOTE)}</p>" + table(["figure", "main drivers"], cells, 99)


def by_year(summary: dict) -> str:
    curves, traj = summary["curves"], summary["trajectories"]
    n = summary["provenance"]["replications"]
    start = summary["scenario"]["start"]
    quantities = [q for q in ("warheads", "material") if q in traj]  # none if run without paths
    rows = []
    for m in (m for m in curves["months"] if m % 12 == 0):
        row = [month_label(start, m)]
        for q in quantities:
            band = traj[q]
            row.append(f"{fmt(band['p50'][m])} ({fmt(band['p5'][m])}–{fmt(band['p95'][m])})")
        row += [curve_value(curves[e][m], n) for e in ("freeze_in_force", "deal_reached")]
        rows.append(row)
    head = ["date", *(f"{q}: median (5–95%)" for q in quantities)]
    return table([*head, "P(freeze in force)", "P(deal reached by then)"], rows)


def figures_table(summary: dict) -> str:
    rows = []
    for name, m in summary["metrics"].items():
        if m["n"]:
            cells = [fmt(m["p5"]), fmt(m["p25"]), percentile(m, 50), fmt(m["p75"]), fmt(m["p95"])]
            rows.append([outcome_cell(name), _mean(m), fmt(m["sd"]), *cells, f"{m['n']:,}"])
    for name, p in summary["probabilities"].items():
        rows.append([outcome_cell(name, True), _p(p), "", "", "", "", "", "", f"{p['n']:,}"])
    head = ["figure", "mean or p ± s.e.", "sd", "p5", "p25", "median", "p75", "p95", "n"]
    return table(head, rows)


def parameters_table(resolved: dict) -> str:
    rows = []
    for path, p in parameters(resolved).items():
        sources = ", ".join(f"<code>{escape(s)}</code>" for s in p["sources"])
        rows.append([f"<code>{escape(path)}</code>", escape(p["value"]), sources,
                     escape(p["note"] or "")])  # fmt: skip
    return table(["parameter", "value", "sources", "note"], rows, numeric_from=9)


def facts_table(facts: dict) -> str:
    if not facts:
        return "<p>No facts cited.</p>"
    rows = [
        [f"<code>{escape(fid)}</code>", escape(f["statement"]), escape(str(f["figure"])),
         escape(str(f["date"])), escape(f["source"] + (f" ({f['url']})" if f.get("url") else ""))]
        for fid, f in facts.items()
    ]  # fmt: skip
    return "<h3>Facts cited</h3>" + table(
        ["id", "statement", "figure", "date", "source"], rows, numeric_from=9
    )


def provenance(summary: dict) -> str:
    prov, sc = summary["provenance"], summary["scenario"]
    packages = ", ".join(f"{k} {v}" for k, v in prov.get("packages", {}).items())
    items = [
        f"scenario hash <code>{escape(str(prov['scenario_hash']))}</code> "
        f"({escape(str(sc['path']))}), engine {escape(str(prov['engine_version']))}",
        f"seed {prov['seed']}, {prov['replications']:,} replications{overridden(prov)}",
        escape(packages),
        f"started {escape(str(prov.get('started', '')))}, {prov.get('wall_seconds', 0):.1f} s "
        f"on {prov.get('workers', 1)} worker(s)",
    ]
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


# --------------------------------------------------------------------------- a comparison
