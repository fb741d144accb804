"""One replication's story written down: dated lines to read, or JSON lines.

`sim.analysis.trace` replays a replication and gathers its events, outcomes
and draws (a `Trace`); this module tells it: each event as a sentence shaped
from its kind, text and details, then the outcomes and what was drawn.
"""

from __future__ import annotations

import json
import re

from sim.analysis.trace import Trace
from sim.plan.outcomes import describe
from sim.report.rounding import fmt
from sim.scenario.dates import label, parse_month

_SPAN = re.compile(r"from (\d{4}-\d{2}) to (\d{4}-\d{2})")


def narrate(kind: str, text: str, details: dict) -> str:
    """One event as a sentence; unknown kinds keep the model's text."""
    if kind == "launches" and "launches" in details:
        n, icbm = int(details["launches"]), int(details.get("icbm", 0))
        span = _SPAN.search(text)  # the model's text carries the stretch's months
        when = f" from {span[1]} to {span[2]}" if span else ""
        icbms = {0: "no ICBM", 1: "1 of them an ICBM"}.get(icbm, f"{icbm} of them ICBMs")
        return f"{n} missile launch event{'s' if n != 1 else ''}{when} ({icbms})"
    if kind in ("round", "talks_break") and "p_deal" in details:
        return f"{text}; the chance of a deal was {details['p_deal']:.0%}"
    if kind == "talks_open" and details.get("why") not in (None, "the hazard of opening came due"):
        return f"{text}: {details['why']}"
    return text


def lines(t: Trace) -> list[str]:
    """The story as printable lines: header, one line per event, outcomes, draws."""
    head = f"{t.title or t.scenario}: {t.chosen} (seed {t.seed})"
    out = [head, "=" * min(len(head), 100)]
    out += [f"{e['date']}  {narrate(e['kind'], e['text'], e['details'])}" for e in t.events]
    if not t.events:
        out.append("(nothing happened that the model records)")
    out += ["", f"Outcomes (row {t.replication} of the run's replications.csv):"]
    for name, value in t.outcomes.items():
        label = describe(name)
        if name == "freeze_in_force_at_end":
            shown = "yes" if value else "no"
        elif value is None:
            shown = "never"
        else:
            shown = _show(value)
            if name.startswith("months_to_"):
                label += f": {_month(t, value)}"
        out.append(f"  {name:<28} {shown:>10}   {label}")
    if t.sampled:
        out += ["", "Drawn for this replication:"]
        for path, drawn in t.sampled.items():
            out.append(f"  {path:<44} {_show(drawn) if isinstance(drawn, float) else drawn:>10}")
    return out + (["", *t.notes] if t.notes else [])


def _show(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else fmt(value, 4)


def _month(t: Trace, months: float) -> str:
    return label(parse_month(t.start), months)


def json_lines(t: Trace) -> list[str]:
    """The event log as JSON lines, then one line with the outcomes and the draws."""
    out = [
        json.dumps(
            {
                "replication": t.replication,
                "month": round(e["month"], 6),
                "date": e["date"],
                "kind": e["kind"],
                "text": narrate(e["kind"], e["text"], e["details"]),
                "details": e["details"],
            },
            default=str,
        )
        for e in t.events
    ]
    final = {
        "replication": t.replication,
        "kind": "outcomes",
        "scenario": t.scenario,
        "seed": t.seed,
        "outcomes": t.outcomes,
        "sampled": t.sampled,
    }
    if t.notes:
        final["notes"] = t.notes
    out.append(json.dumps(final, default=str))
    return out
