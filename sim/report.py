"""The Markdown report of a run: the figures in tables, readable on its own."""

from __future__ import annotations

from .dates import label as month_label
from .distributions import JUDGMENT
from .summary import DESCRIPTIONS, HEADLINE_EVENTS, fmt


def _interval(m: dict) -> str:
    return f"{fmt(m['p50'])} (90% interval {fmt(m['p5'])}–{fmt(m['p95'])})"


def _mean(m: dict) -> str:
    if m["mean"] is None:
        return "–"
    return f"{fmt(m['mean'])} ± {fmt(m['mcse'], 2)}"


def _p(p: dict) -> str:
    return f"{p['p']:.3f} ± {p['mcse']:.3f}"


def headline(summary: dict) -> list[str]:
    """Sentences an analyst can quote."""
    m = summary["metrics"]
    p = summary["probabilities"]
    horizon = summary["scenario"]["horizon_months"]
    lines = []
    if summary["trajectories"].get("warheads"):
        years = horizon // 12
        lines.append(
            f"Assembled warheads after {years} years: median {_interval(m['final_warheads'])}."
        )
    lines.append(
        f"Fissile material after {horizon // 12} years (weapons-equivalent): median "
        f"{_interval(m['final_material'])}; it grows by {fmt(m['material_per_year']['p50'])} "
        f"a year at the median."
    )
    for event in HEADLINE_EVENTS:
        lines.append(f"P({DESCRIPTIONS[event]}) = {p[event]['p']:.2f} ± {p[event]['mcse']:.2f}.")
    return lines


def drivers_rows(summary: dict) -> list[tuple[str, list[str]]]:
    """(figure, ["parameter: share 0.62, rho +0.79", ...]) for each headline figure."""
    rows = []
    for name, found in (summary.get("drivers") or {}).items():
        cells = []
        for d in found:
            rho = "" if d["rho"] is None else f", rank correlation {d['rho']:+.2f}"
            cells.append(f"{d['parameter']}: {d['share']:.0%} of the variance{rho}")
        rows.append((DESCRIPTIONS.get(name, name), cells))
    return rows


NO_DRIVER = "no uncertain input explains 2% or more on its own (chance dominates)"
DRIVERS_NOTE = (
    "For each headline figure, the uncertain inputs (drawn once per replication) that "
    "explain most of its variance on their own, from this run's replications (first-order "
    "share from binned means; Spearman's rank correlation for its direction). A share near "
    "100% means one input sets the figure: read it as that input's consequence. The shares "
    "need not add to 100%: the rest is chance and interactions."
)


def drivers_text(summary: dict) -> list[str]:
    rows = drivers_rows(summary)
    if not rows:
        return [
            "Not available: this run kept no per-replication values (--no-trajectories), or "
            "it has no uncertain inputs."
        ]
    out = [DRIVERS_NOTE, "", "| figure | main drivers |", "|---|---|"]
    for figure, cells in rows:
        out.append(f"| {figure} | {'; '.join(cells) or NO_DRIVER} |")
    return out


def markdown(summary: dict, run_id: str = "") -> str:
    sc = summary["scenario"]
    prov = summary["provenance"]
    title = sc.get("title") or sc["name"]
    out = [f"# {title}", ""]
    out.append(
        f"Scenario `{sc['name']}` ({sc['path']}), from {sc['start']} for "
        f"{sc['horizon_months']} months; {prov['replications']:,} replications, "
        f"seed {prov['seed']}{f', run {run_id}' if run_id else ''}."
    )
    out += ["", "## Headline", ""]
    out += [f"- {line}" for line in headline(summary)]

    out += [
        "",
        "## Outcomes",
        "",
        "Per replication; mean ± Monte Carlo standard error, then percentiles.",
        "",
    ]
    out.append("| outcome | mean ± s.e. | sd | p5 | p25 | median | p75 | p95 | n |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for name, m in summary["metrics"].items():
        if m["n"] == 0:
            continue
        label = DESCRIPTIONS.get(name, name)
        out.append(
            f"| `{name}` {label} | {_mean(m)} | {fmt(m['sd'])} | {fmt(m['p5'])} | "
            f"{fmt(m['p25'])} | {fmt(m['p50'])} | {fmt(m['p75'])} | {fmt(m['p95'])} | {m['n']:,} |"
        )

    curves = summary["curves"]
    months = curves["months"]
    years = [m for m in months if m > 0 and m % 12 == 0]
    out += [
        "",
        "## Events",
        "",
        "Probability by the end of each year, and over the whole horizon ± s.e.",
        "",
    ]
    head = " | ".join(f"yr {m // 12}" for m in years)
    out.append(f"| event | whole run | {head} |")
    out.append("|---|---|" + "---|" * len(years))
    for event, p in summary["probabilities"].items():
        curve = curves.get(event) or curves.get(event.replace("_at_end", ""))
        cells = " | ".join(f"{curve[m]:.2f}" for m in years) if curve else ""
        out.append(f"| {DESCRIPTIONS.get(event, event)} | {_p(p)} | {cells} |")

    traj = summary["trajectories"]
    if traj:
        out += [
            "",
            "## Paths",
            "",
            "Percentiles across replications at the start and at each year's end.",
            "",
        ]
        cols = [name for name in ("warheads", "material") if name in traj]
        head = " | ".join(f"{c} p5 | {c} median | {c} p95" for c in cols)
        out.append(f"| date | {head} | P(freeze in force) | P(deal reached) |")
        out.append("|---|" + "---|" * (3 * len(cols) + 2))
        for m in [0, *years]:
            cells = " | ".join(
                f"{fmt(traj[c]['p5'][m])} | {fmt(traj[c]['p50'][m])} | {fmt(traj[c]['p95'][m])}"
                for c in cols
            )
            date = month_label(sc["start"], m)
            out.append(
                f"| {date} | {cells} | {curves['freeze_in_force'][m]:.2f} | "
                f"{curves['deal_reached'][m]:.2f} |"
            )

    out += ["", "## What drives the headline figures", ""]
    out += drivers_text(summary)

    out += ["", "## How to read these figures", ""]
    out += [
        "- Each replication is one possible history; uncertain parameters are drawn once per "
        "replication, so the spread combines chance events and uncertainty about the inputs.",
        "- `± s.e.` is the Monte Carlo standard error: how much the figure would move with "
        "another seed. It shrinks with more replications; the percentiles describe the spread "
        "of outcomes and do not.",
        "- A difference between two scenarios is meaningful when it is large against both "
        "standard errors; `sim compare` computes it with paired replications.",
    ]

    facts = summary.get("facts") or {}
    if facts:
        out += ["", "## Facts cited", "", "| id | figure | date | source |", "|---|---|---|---|"]
        for fid, fact in facts.items():
            out.append(f"| `{fid}` | {fact['figure']} | {fact['date']} | {fact['source']} |")
    out += ["", "## Provenance", ""]
    out.append(f"- scenario hash `{prov['scenario_hash']}`, engine {prov['engine_version']}")
    pk = ", ".join(f"{k} {v}" for k, v in prov["packages"].items())
    out.append(f"- {pk}")
    out.append(
        f"- started {prov['started']}, {prov['wall_seconds']:.1f} s on {prov['workers']} worker(s)"
    )
    out.append(f"- `{JUDGMENT}` marks values set by judgment rather than a cited fact")
    return "\n".join(out) + "\n"
