"""One replication as a dated story: what happened, month by month, and how it ended.

`simulate_replication` replays replication K of a run exactly (same seed, same
numbers as row K of its replications.csv) with the model's event log. This
module turns that log into lines an analyst reads ("2027-02  Freeze agreed:
..."), ends with the replication's outcomes, and picks the replication whose
outcome sits at a percentile, so "the median history" is one command away.
The narrative is shaped here from each entry's kind, text and details; the
model only records.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.errors import ScenarioError
from sim.plan.outcomes import DESCRIPTIONS
from sim.report.rounding import fmt

#: --pick names and the percentile each stands for.
PICKS = {"p5": 5.0, "median": 50.0, "p95": 95.0}
_SPAN = re.compile(r"from (\d{4}-\d{2}) to (\d{4}-\d{2})")


@dataclass
class Trace:
    """The story of one replication: its events, outcomes and drawn parameters."""

    scenario: str
    title: str | None
    start: str  # the scenario's first month, YYYY-MM
    seed: int
    replication: int
    chosen: str  # how the replication was chosen, for the header
    events: list[dict]  # {month, date, kind, text, details}
    outcomes: dict[str, float | None]  # scalars, months_to_<event> and freeze at the end
    sampled: dict[str, object]
    notes: list[str] = field(default_factory=list)  # e.g. a mismatch with a saved run


def trace(scenario, seed: int, replication: int, chosen: str = "") -> Trace:
    """Replay replication `replication` of a run of `scenario` with `seed`, with its story."""
    from sim.engine.replay import simulate_replication
    from sim.plan.compiled import compile_plan
    from sim.plan.outcomes import FIRSTS, SCALARS
    from sim.scenario.dates import label

    out = simulate_replication(scenario, seed, replication, log=True)
    start, horizon = scenario.start_month, scenario.horizon_months
    events = []
    for month, kind, text, details in out.log:
        # an entry at the horizon closes the last month; date it there, not a month later
        date = label(start, min(month, horizon - 1e-9))
        events.append(
            {"month": month, "date": date, "kind": kind, "text": text, "details": details}
        )
    outcomes: dict[str, float | None] = dict(zip(SCALARS, map(float, out.scalars), strict=True))
    for name, value in zip(FIRSTS, out.firsts, strict=True):
        outcomes[f"months_to_{name}"] = None if math.isnan(value) else float(value)
    outcomes["freeze_in_force_at_end"] = float(bool(out.freeze[-1]))
    paths = compile_plan(scenario).sampled  # the order the model draws them in
    sampled = {p: _plain(v) for p, v in zip(paths, out.sampled, strict=True)}
    return Trace(
        scenario=scenario.name,
        title=scenario.title,
        start=str(start),
        seed=seed,
        replication=replication,
        chosen=chosen or f"replication {replication}",
        events=events,
        outcomes=outcomes,
        sampled=sampled,
    )


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def story(
    source: str | Path,
    *,
    rep: int | None = None,
    how: str | None = None,
    metric: str = "final_warheads",
    seed: int | None = None,
    reps: int | None = None,
    overrides: list[str] | None = None,
    workers: int | None = None,
    progress=None,
) -> Trace:
    """The trace of replication `rep`, or of the one at percentile `how` of `metric`.

    `source` is a scenario file (run with `seed` and `reps`, default its `run:`
    section) or a result folder (replayed with its own seed; the pick reads its
    replications.csv, nothing is rerun).
    """
    path = Path(source)
    if (rep is None) == (how is None):
        raise ScenarioError.single(
            "say which replication: --rep K, or --pick median|p5|p95", file=str(source)
        )
    if how is not None and how not in PICKS:
        raise ScenarioError.single(f"unknown pick {how!r}; use median, p5 or p95", file="--pick")
    check_metric(metric)
    if path.is_dir():
        return _story_of_folder(path, rep, how, metric, given=(seed, reps, overrides))
    if not path.is_file():
        raise ScenarioError.single("no such scenario file or result folder", file=str(source))
    from sim.engine.runner import run
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(path, overrides=overrides)
    seed = scenario.run.seed if seed is None else seed
    reps = scenario.run.replications if reps is None else reps
    chosen = f"replication {rep} of {reps:,}"
    if how is not None:
        res = run(
            scenario, reps=reps, seed=seed, workers=workers, progress=progress, trajectories=False
        )
        values = res.scalars.get(metric)
        if values is None:
            values = res.firsts[metric.removeprefix("months_to_")]
        rep = pick(values, how)
        chosen = _chosen(rep, reps, how, metric, values[rep])
    check_rep(rep, reps, file_hint=True)
    return trace(scenario, seed, rep, chosen)


def _story_of_folder(folder: Path, rep, how, metric, given) -> Trace:
    from sim.analysis.runs import check_result_folder
    from sim.engine.saved import read_outcomes

    check_result_folder(folder, needs=("summary.json", "replications.csv"))
    if any(g is not None and g != [] for g in given):
        raise ScenarioError.single(
            "a result folder is replayed as it was run: --seed, --reps and --set apply to "
            "scenario files only",
            file=str(folder),
        )
    summary, table = read_outcomes(folder)  # checked: a damaged folder is refused here
    reps = len(table["replication"])
    chosen = f"replication {rep} of {reps:,}"
    if how is not None:
        rep = pick(table[metric], how)
        chosen = _chosen(rep, reps, how, metric, table[metric][rep])
    check_rep(rep, reps, file_hint=False)
    seed = summary["provenance"]["seed"]
    t = trace(scenario_of_folder(folder, summary), seed, rep, chosen)
    row = {name: column[rep] for name, column in table.items()}
    check_against_row(t, row, summary["provenance"]["engine_version"])
    return t


def _chosen(rep: int, reps: int, how: str, metric: str, value: float) -> str:
    return f"replication {rep} of {reps:,}, the {how} by {metric} ({fmt(float(value), 4)})"


# --------------------------------------------------------------------------- picking


def pick(values: np.ndarray, how: str) -> int:
    """The replication whose value sits at percentile `how` (p5, median, p95).

    Replications are ranked by value (ties by index, so the choice is stable);
    the one at rank round(q/100 * (n - 1)) is chosen. NaN (the event did not
    happen) is left out.
    """
    q = PICKS[how]
    values = np.asarray(values, dtype=float)
    index = np.flatnonzero(~np.isnan(values))
    if index.size == 0:
        raise ScenarioError.single(
            "no replication has a value for this metric (the event never happened)",
            file="--metric",
        )
    order = index[np.argsort(values[index], kind="stable")]
    rank = math.floor(q / 100.0 * (order.size - 1) + 0.5)
    return int(order[rank])


def check_metric(metric: str) -> None:
    """Refuse an unknown metric, suggesting the closest known one."""
    import difflib

    from sim.plan.outcomes import FIRSTS, SCALARS

    known = [*SCALARS, *(f"months_to_{e}" for e in FIRSTS)]
    if metric in known:
        return
    close = difflib.get_close_matches(metric, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ScenarioError.single(
        f"unknown metric {metric!r}", file="--metric", hint=hint + "known: " + ", ".join(known)
    )


def check_rep(rep: int, reps: int, file_hint: bool) -> None:
    if not 0 <= rep < reps:
        hint = "give --reps to trace a replication of a larger run" if file_hint else None
        raise ScenarioError.single(
            f"replication {rep} is out of range: the run has {reps:,} replications, "
            f"numbered 0 to {reps - 1:,}",
            file="--rep",
            hint=hint,
        )


# --------------------------------------------------------------------------- saved runs


def scenario_of_folder(folder: Path, summary: dict | None = None):
    """The scenario a result folder was run with (its scenario.yaml, else summary.json)."""
    from sim.engine.saved import read_summary
    from sim.scenario.loader import load_scenario, scenario_from_dict

    try:
        return load_scenario(folder / "scenario.yaml")
    except ScenarioError as first:
        summary = summary or read_summary(folder / "summary.json")
        try:
            return scenario_from_dict(summary["resolved"], label=str(folder / "summary.json"))
        except ScenarioError:
            raise first from None


def check_against_row(t: Trace, row: dict[str, object], engine: str) -> None:
    """Note, rather than hide, a replay that differs from the saved row (another engine)."""
    from sim.version import __version__

    differ = []
    for name, value in t.outcomes.items():
        saved = float(row[name]) if name in row else None
        saved = None if saved is not None and math.isnan(saved) else saved
        if saved != value:
            differ.append(name)
    if differ:
        t.notes.append(
            f"warning: this replay differs from row {t.replication} of replications.csv in "
            f"{', '.join(differ)} (saved by engine {engine}, replayed by {__version__})"
        )


# --------------------------------------------------------------------------- telling it


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
        label = DESCRIPTIONS.get(name, name)
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
        for path, value in t.sampled.items():
            out.append(f"  {path:<44} {_show(value) if isinstance(value, float) else value:>10}")
    return out + (["", *t.notes] if t.notes else [])


def _show(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else fmt(value, 4)


def _month(t: Trace, months: float) -> str:
    from sim.scenario.dates import label, parse_month

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
