"""The Markdown report of a run: the figures in tables, readable on its own.

Every figure is written by the rules of `sim.report.rounding`: `x ± s.e.` to the
digits the s.e. justifies, `[MC a–b]` after a figure for its 95% Monte Carlo
interval, and 0 only for an exact 0.
"""

from __future__ import annotations

from sim.engine.summary import HEADLINE_EVENTS, probability_se
from sim.plan.outcomes import describe
from sim.report.cautions import run_cautions
from sim.report.rounding import estimate, fmt, percentile, probability, to_error
from sim.scenario.dates import label as month_label
from sim.scenario.distributions import JUDGMENT


def spread(m: dict) -> str:
    """`median 175 [MC 171–180]; 90% interval 131 [MC 125–137] to 228 [MC 219–241]`."""
    return f"median {percentile(m, 50)}; 90% interval {percentile(m, 5)} to {percentile(m, 95)}"


def _mean(m: dict) -> str:
    return estimate(m["mean"], m["mcse"])


def curve_value(value: float, n: int) -> str:
    """A probability by month, to the digits its standard error justifies."""
    return to_error(value, probability_se(value, n))


def headline(summary: dict) -> list[str]:
    """Sentences an analyst can quote, each figure with its Monte Carlo error.

    Built from the metrics and probabilities alone, so a run without monthly
    paths (--no-trajectories) has the same headline.
    """
    m = summary["metrics"]
    p = summary["probabilities"]
    years = summary["scenario"]["horizon_months"] // 12
    lines = []
    if m.get("final_warheads", {}).get("n"):
        lines.append(f"Assembled warheads after {years} years: {spread(m['final_warheads'])}.")
    if m.get("final_material", {}).get("n"):
        lines.append(
            f"Fissile material after {years} years (weapons-equivalent): "
            f"{spread(m['final_material'])}; it grows by {percentile(m['material_per_year'], 50)} "
            f"a year at the median."
        )
    for event in HEADLINE_EVENTS:
        lines.append(f"P({describe(event, True)}) = {probability(p[event])}.")
    return lines


def drivers_rows(summary: dict) -> list[tuple[str, list[str]]]:
    """(figure, ["parameter: share 0.62, rho +0.79", ...]) for each headline figure."""
    rows = []
    for name, found in (summary.get("drivers") or {}).items():
        cells = []
        for d in found:
            rho = "" if d["rho"] is None else f", rank correlation {d['rho']:+.2f}"
            cells.append(f"{d['parameter']}: {d['share']:.0%} of the variance{rho}")
        rows.append((describe(name, event=name not in summary["metrics"]), cells))
    return rows


NO_DRIVER = "no uncertain input explains 2% or more on its own (chance dominates)"
DRIVERS_NOTE = (
    "For each headline figure, the uncertain inputs (drawn once per replication) that "
    "explain most of its variance on their own, from this run's replications (first-order "
    "share from binned means; Spearman's rank correlation for its direction). A share near "
    "100% means one input sets the figure: read it as that input's consequence. The shares "
    "need not add to 100%: the rest is chance and interactions."
)


#: What the drivers section says when there are none to show.
NO_DRIVERS = (
    "Not available: this run kept no per-replication values (--no-trajectories), or "
    "it has no uncertain inputs."
)


def drivers_text(summary: dict) -> list[str]:
    rows = drivers_rows(summary)
    if not rows:
        return [NO_DRIVERS]
    out = [DRIVERS_NOTE, "", "| figure | main drivers |", "|---|---|"]
    for figure, cells in rows:
        out.append(f"| {figure} | {'; '.join(cells) or NO_DRIVER} |")
    return out


def overrides_text(overrides: list[str] | None) -> str:
    """`--set deal.relief=0.3 --set talks.rounds_per_year=4`: how a run's overrides were given
    (`PATH=VALUE` each, as provenance records them; empty without any)."""
    return " ".join(f"--set {given}" for given in overrides or [])


def markdown(summary: dict, run_id: str = "") -> str:
    sc = summary["scenario"]
    prov = summary["provenance"]
    title = sc.get("title") or sc["name"]
    out = [f"# {title}", ""]
    overrides = overrides_text(prov.get("overrides"))
    out.append(
        f"Scenario `{sc['name']}` ({sc['path']}), from {sc['start']} for "
        f"{sc['horizon_months']} months; {prov['replications']:,} replications, "
        f"seed {prov['seed']}{f', run {run_id}' if run_id else ''}."
        + (f" Overridden: `{overrides}`." if overrides else "")
    )
    out += ["", "## Headline", ""]
    out += [f"- {line}" for line in headline(summary)]
    cautions = run_cautions(summary)
    if cautions:
        out += ["", "## Cautions", ""]
        out += [f"- {line}" for line in cautions]

    out += [
        "",
        "## Outcomes",
        "",
        "Per replication; mean ± Monte Carlo standard error, then percentiles; "
        "[MC a–b] is the median's 95% Monte Carlo interval (every percentile's is in "
        "summary.json).",
        "",
    ]
    out.append("| outcome | mean ± s.e. | sd | p5 | p25 | median | p75 | p95 | n |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for name, m in summary["metrics"].items():
        if m["n"] == 0:
            continue
        label = describe(name)
        out.append(
            f"| `{name}` {label} | {_mean(m)} | {fmt(m['sd'])} | {fmt(m['p5'])} | "
            f"{fmt(m['p25'])} | {percentile(m, 50)} | {fmt(m['p75'])} | {fmt(m['p95'])} | "
            f"{m['n']:,} |"
        )

    curves = summary["curves"]
    months = curves["months"]
    years = [m for m in months if m > 0 and m % 12 == 0]
    out += [
        "",
        "## Events",
        "",
        "Probability over the whole horizon ± s.e. [95% Monte Carlo interval], and by the end "
        "of each year.",
        "",
    ]
    head = " | ".join(f"yr {m // 12}" for m in years)
    out.append(f"| event | whole run | {head} |")
    out.append("|---|---|" + "---|" * len(years))
    n = prov["replications"]
    for event, p in summary["probabilities"].items():
        curve = curves.get(event) or curves.get(event.replace("_at_end", ""))
        cells = " | ".join(curve_value(curve[m], n) for m in years) if curve else ""
        out.append(f"| {describe(event, True)} | {probability(p)} | {cells} |")

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
                f"| {date} | {cells} | {curve_value(curves['freeze_in_force'][m], n)} | "
                f"{curve_value(curves['deal_reached'][m], n)} |"
            )

    out += ["", "## What drives the headline figures", ""]
    out += drivers_text(summary)

    out += ["", "## How to read these figures", ""]
    out += [
        "- Each replication is one possible history; uncertain parameters are drawn once per "
        "replication, so the spread combines chance events and uncertainty about the inputs.",
        "- `± s.e.` is the Monte Carlo standard error: how much the figure would move with "
        "another seed; figures are rounded to the digits it justifies, and a 0 is an exact 0. "
        "At a probability of 0 or 1 it is not 0 but about 1/replications (from the Wilson "
        "interval).",
        "- `[MC a–b]` is a 95% Monte Carlo interval: for a probability its Wilson interval, for "
        "a percentile the order statistics that bracket it with at least 95% probability. It "
        "narrows with more replications; the 90% interval (5th to 95th percentile) describes "
        "the spread of outcomes and does not.",
        "- Percentiles of counts (launches, tests, rounds...) are observed values, never "
        "interpolated.",
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
    if overrides:
        out.append(f"- overrides, applied after `extends`: `{overrides}`")
    pk = ", ".join(f"{k} {v}" for k, v in prov["packages"].items())
    out.append(f"- {pk}")
    out.append(
        f"- started {prov['started']}, {prov['wall_seconds']:.1f} s on {prov['workers']} worker(s)"
    )
    if prov.get("precision") is not None:
        out.append(f"- {precision_note(prov)}")
    out.append(f"- `{JUDGMENT}` marks values set by judgment rather than a cited fact")
    return "\n".join(out) + "\n"


def precision_note(prov: dict) -> str:
    """Whether a --precision run reached its target, in a sentence."""
    target, n = prov["precision"], prov["replications"]
    if prov.get("precision_met"):
        return f"precision {target:g} reached with {n:,} replications"
    return (
        f"precision {target:g} not reached: stopped at the cap of {prov['max_reps']:,} replications"
    )
