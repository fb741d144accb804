"""A comparison's folder and reports: comparison.json, report.md, report.html and charts.

The figures come from `sim.analysis.compare`; this module writes them down:
the Markdown tables (differences with their confidence intervals, to the digits
their errors justify), the self-contained HTML report with the overlaid charts,
and the folder, written atomically (see `sim.engine.folders`).
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path

from sim.analysis.compare import CONDITIONAL_NOTE, Run, make_id
from sim.engine.folders import atomic_folder, save_or_rescue
from sim.plan.outcomes import describe
from sim.report.html import (
    facts_table,
    figure_block,
    images_later,
    outcome_cell,
    page,
    parameters_table,
    provenance,
    save_images,
    table,
)
from sim.report.markdown import overrides_text
from sim.report.plots import Series
from sim.report.rounding import difference, estimate, interval, probability


def save(data: dict, runs: list[Run], out: str | Path = "results") -> Path:
    """Write `out/compare/<id>/` atomically: comparison.json, report.md, report.html, PNGs."""

    def write(root: Path) -> Path:
        with atomic_folder(root, "compare", data["id"] or make_id(runs)) as folder:
            data["id"] = folder.final.name
            text = json.dumps(data, indent=1, default=str) + "\n"
            (folder.tmp / "comparison.json").write_text(text, encoding="utf-8")
            (folder.tmp / "report.md").write_text(markdown(data), encoding="utf-8")
            write_compare_report(data, runs, folder.tmp)
        return folder.final

    return save_or_rescue(write, Path(out), "the comparison folder")


def level(data: dict) -> str:
    """The confidence level of a comparison's intervals: `95%` (earlier comparisons: 95%)."""
    return f"{100 * data.get('confidence', 0.95):g}%"


def _overrides(sc: dict, quote: str = "") -> str:
    """`; --set a=1 --set b=2` for a scenario run with overrides, else ""."""
    given = overrides_text(sc.get("overrides"))
    return f"; {quote}{given}{quote}" if given else ""


def headline(data: dict) -> list[str]:
    """Sentences to quote, one pair per scenario: what it changes against the baseline.

    Weapons averted by the last whole year of the horizon (warheads and
    material, baseline minus scenario, with its interval) and the change in the
    probability that a freeze is in force at the horizon; a difference whose
    interval includes 0 is said to be no clear difference.
    """
    base = data["baseline"]
    ci = f"{level(data)} CI"
    lines = []
    for label, sc in data["scenarios"].items():
        vs = sc["vs_baseline"]
        if vs is None:
            continue
        warheads, material = vs["averted"]["warheads"], vs["averted"]["material"]
        if warheads:
            w, m = warheads[-1], material[-1]
            (verb, first), (verb2, second) = (
                _averts(w, "assembled warheads"),
                _averts(m, "weapons-equivalent of material"),
            )
            both = f"{verb} {first} and {'' if verb2 == verb else verb2 + ' '}{second}"
            lines.append(
                f"By {w['date']} (the end of year {w['year']}), `{label}` {both} against "
                f"`{base}` (mean and {ci})."
            )
        event = "freeze_in_force_at_end"
        d = vs["probabilities"].get(event)
        if d is not None:
            mine = probability(sc["probabilities"][event], interval=False)
            theirs = probability(data["scenarios"][base]["probabilities"][event], interval=False)
            lines.append(
                f"P({describe(event, True)}) is {mine} under `{label}` against {theirs} under "
                f"`{base}`: a change of {ci_text(d)} ({ci}{_unclear(d, '; ')})."
            )
    return lines


def _averts(d: dict, what: str) -> tuple[str, str]:
    """(`averts`, `23.1 [20.3, 25.9] assembled warheads`); `adds` when the whole interval
    says the scenario has more; a difference whose interval includes 0 says so."""
    ci = interval(d)
    if d.get("diff") is not None and ci and ci[1] < 0:
        more = {**d, "diff": -d["diff"], "ci": [-ci[1], -ci[0]], "ci95": [-ci[1], -ci[0]]}
        return "adds", f"{ci_text(more).replace('+', '')} {what}"
    return "averts", f"{ci_text(d).replace('+', '')} {what}{_unclear(d, ' (')}"


def _unclear(d: dict, lead: str) -> str:
    """`<lead>no clear difference: its interval includes 0` when it does, closing an
    opening bracket; nothing for an exact `0 [0, 0]` (the same value in every replication)."""
    ci = interval(d)
    if d.get("diff") is None or not ci or not ci[0] <= 0 <= ci[1]:
        return ""
    if d["diff"] == ci[0] == ci[1] == 0:
        return ""
    return f"{lead}no clear difference: its interval includes 0" + (")" if "(" in lead else "")


def markdown(data: dict) -> str:
    """The comparison as Markdown tables, readable on its own."""

    base = data["baseline"]
    ci = f"{level(data)} CI"
    out = [f"# Comparison against `{base}`", ""]
    for label, sc in data["scenarios"].items():
        out.append(
            f"- `{label}`: {sc['title'] or sc['name']} ({sc['source']}; seed {sc['seed']}, "
            f"{sc['replications']:,} replications{_overrides(sc, '`')})"
        )
    out += ["", "## Headline", "", *(f"- {line}" for line in headline(data))]
    for label, sc in data["scenarios"].items():
        vs = sc["vs_baseline"]
        if vs is None:
            continue
        out += ["", f"## `{label}` minus `{base}`", "", f"Differences are {vs['pairing']}.", ""]
        out += [f"### Weapons averted (baseline minus scenario, mean and {ci})", ""]
        out += ["| by | warheads | material |", "|---|---|---|"]
        for w, m in zip(vs["averted"]["warheads"], vs["averted"]["material"], strict=True):
            out.append(f"| year {w['year']} ({w['date']}) | {ci_text(w)} | {ci_text(m)} |")
        out += ["", "### Figures", "", "Mean or probability ± s.e.; " + CONDITIONAL_NOTE, ""]
        out += [f"| figure | {base} | {label} | difference [{ci}] |", "|---|---|---|---|"]
        bsc = data["scenarios"][base]
        for block in ("metrics", "probabilities"):
            for name, d in vs[block].items():
                out.append(
                    f"| `{name}` {describe(name, block == 'probabilities')} | "
                    f"{figure_cell(block, name, bsc[block][name])} | "
                    f"{figure_cell(block, name, sc[block][name])} | {ci_text(d)} |"
                )
        out += ["", "### Parameters that differ", ""]
        if not vs["parameters"]:
            out.append("None: the resolved scenarios set the same values.")
        else:
            out += [f"| parameter | {base} | {label} |", "|---|---|---|"]
            for row in vs["parameters"]:
                out.append(
                    f"| `{row['path']}` | {row['baseline'] or '(not set)'} | "
                    f"{row['scenario'] or '(not set)'} |"
                )
    return "\n".join(out) + "\n"


def figure_cell(block: str, name: str, figure: dict) -> str:
    """One run's figure in a comparison: `175.3 ± 2.2`; a conditional mean with its count."""

    if block == "probabilities":
        return probability(figure, interval=False)
    text = estimate(figure.get("mean"), figure.get("mcse"))
    return f"{text}, n {figure['n']:,}" if name.startswith("months_to_") else text


def ci_text(d: dict) -> str:
    """`-12.1 [-14.7, -9.6]`: a difference and its confidence interval, to the digits its s.e.
    justifies; a conditional mean compared unpaired says so."""

    text = difference(d)
    if d.get("conditional") and not d.get("paired") and d.get("diff") is not None:
        text += " unpaired"
    return text


def write_compare_report(data: dict, runs: list, folder: Path) -> Path:
    """report.html (and the PNGs) of a comparison, in `folder`."""
    series = [Series(r.label, r.summary, r.scalars["final_warheads"]) for r in runs]
    averted = {
        label: sc["vs_baseline"]["averted"]
        for label, sc in data["scenarios"].items()
        if sc["vs_baseline"]
    }
    figs, off = images_later(series, averted, level=level(data))()
    save_images(figs, folder)
    path = folder / "report.html"
    path.write_text(compare_html(data, runs, figs, off), encoding="utf-8")
    return path


def compare_html(data: dict, runs: list, figs: dict[str, tuple], off: str | None) -> str:
    base = data["baseline"]
    scenarios = data["scenarios"]
    others = [label for label in scenarios if label != base]
    title = f"Comparison: {', '.join(others)} against {base}"
    listing = "".join(
        f"<li><b>{escape(label)}</b>{' (baseline)' if label == base else ''}: "
        f"{escape(sc['title'] or sc['name'])}, {escape(sc['source'])} "
        f"({'run for this comparison' if sc['kind'] == 'scenario' else 'result folder'}; "
        f"seed {sc['seed']}, {sc['replications']:,} replications"
        f"{escape(_overrides(sc))})</li>"
        for label, sc in scenarios.items()
    )
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">From {data["grid"]["start"]} for {data["grid"]["horizon_months"]} '
        f"months; comparison {escape(data['id'])}. Differences are scenario minus baseline, "
        f"with {level(data)} confidence intervals.</p>",
        f"<ul>{listing}</ul>",
        "<h2>Headline</h2><ul>",
        *(f"<li>{_code(line)}</li>" for line in headline(data)),
        "</ul>",
        "<h2>Weapons averted</h2><p>Baseline minus scenario at the end of each year "
        f"(mean over replications and its {level(data)} confidence interval).</p>",
    ]
    for label in others:
        vs = scenarios[label]["vs_baseline"]
        rows = [
            [f"year {w['year']} ({w['date']})", escape(ci_text(w)), escape(ci_text(m))]
            for w, m in zip(vs["averted"]["warheads"], vs["averted"]["material"], strict=True)
        ]
        body += [
            f"<h3>{escape(label)}</h3><p>Differences are {escape(vs['pairing'])}.</p>",
            table(["by", "warheads averted", "material averted"], rows),
        ]
    body += ["<h2>Charts</h2>", *figure_block(figs, off), "<h2>Figures</h2>"]
    body.append(compare_table(data, others))
    body.append("<h2>Parameters that differ</h2>")
    for label in others:
        diff = scenarios[label]["vs_baseline"]["parameters"]
        rows = [
            [f"<code>{escape(r['path'])}</code>", escape(r["baseline"] or "(not set)"),
             escape(r["scenario"] or "(not set)")]
            for r in diff
        ]  # fmt: skip
        body.append(f"<h3>{escape(label)} against {escape(base)}</h3>")
        body.append(
            table(["parameter", base, label], rows, numeric_from=9)
            if rows
            else "<p>None: the resolved scenarios set the same values.</p>"
        )
    body.append("<h2>Parameters and facts</h2>")
    facts: dict = {}
    for run in runs:
        facts.update(run.summary.get("facts") or {})
        body.append(
            f"<details><summary>Every parameter of <b>{escape(run.label)}</b></summary>"
            f"{parameters_table(run.summary['resolved'])}</details>"
        )
    body.append(facts_table(facts))
    body.append("<h2>Provenance</h2>")
    for run in runs:
        body += [f"<h3>{escape(run.label)}</h3>", provenance(run.summary)]
    return page(title, body)


def _code(text: str) -> str:
    """Escaped text with its `code` spans as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))


def compare_table(data: dict, others: list[str]) -> str:
    base = data["baseline"]
    scenarios = data["scenarios"]
    head = ["figure", f"{escape(base)} (baseline)"]
    for label in others:
        head += [escape(label), f"{escape(label)} − {escape(base)} [{level(data)} CI]"]
    rows = []
    for block in ("metrics", "probabilities"):
        for name, figure in scenarios[base][block].items():
            cell = escape(figure_cell(block, name, figure))
            row = [outcome_cell(name, block == "probabilities"), cell]
            for label in others:
                sc = scenarios[label]
                row += [
                    escape(figure_cell(block, name, sc[block][name])),
                    escape(ci_text(sc["vs_baseline"][block][name])),
                ]
            rows.append(row)
    note = f"<p>Mean or probability ± s.e. {escape(CONDITIONAL_NOTE)}</p>"
    return note + table(head, rows)
