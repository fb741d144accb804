"""One replication's history: replayed with its event log, and checked against its run.

`simulate_replication` replays replication K of a run exactly (same seed, same
numbers as row K of its replications.csv) with the model's event log. This
module gathers that log, the replication's outcomes and its draws into a
`Trace`, and picks the replication whose outcome sits at a percentile, so "the
median history" is one command away. `sim.report.story` tells it as dated
lines; the model only records.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.analysis.runs import check_result_folder
from sim.engine.replay import simulate_replication
from sim.engine.results import Results
from sim.engine.runner import run
from sim.engine.saved import read_outcomes, read_summary
from sim.errors import ScenarioError
from sim.plan.compiled import compile_plan
from sim.plan.outcomes import FIRSTS, SCALARS
from sim.scenario.dates import label
from sim.scenario.loader import load_scenario, scenario_from_dict
from sim.version import __version__

#: --pick names that stand for a percentile; any other pick is `pNN`, 0 <= NN <= 100.
PICKS = {"min": 0.0, "median": 50.0, "max": 100.0}
#: The rule of --pick, for help and messages.
PICK_RULE = "median, min, max, or a percentile pNN with 0 <= NN <= 100 (p5, p95, p2.5)"


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
    out = simulate_replication(scenario, seed, replication, log=True)
    assert out.log is not None, "replayed with log=True"
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
            "say which replication: --rep K, or --pick median|min|max|pNN", file=str(source)
        )
    if how is not None:
        percent_of(how)  # a bad pick is refused before anything runs
    check_metric(metric)
    if path.is_dir():
        return _story_of_folder(path, rep, how, metric, given=(seed, reps, overrides))
    if not path.is_file():
        raise ScenarioError.single("no such scenario file or result folder", file=str(source))

    scenario = load_scenario(path, overrides=overrides)
    seed = scenario.run.seed if seed is None else seed
    reps = scenario.run.replications if reps is None else reps
    chosen = f"replication {rep} of {reps:,}"
    if how is not None:
        res = run(
            scenario, reps=reps, seed=seed, workers=workers, progress=progress, trajectories=False
        )
        assert isinstance(res, Results), "a run not streamed keeps its replications"
        values = res.scalars.get(metric)
        if values is None:
            values = res.firsts[metric.removeprefix("months_to_")]
        rep = pick(values, how)
        chosen = _chosen(rep, reps, how, metric, values[rep])
    assert rep is not None, "given, or picked above: exactly one of rep and how is given"
    check_rep(rep, reps, file_hint=True)
    return trace(scenario, seed, rep, chosen)


def _story_of_folder(folder: Path, rep, how, metric, given) -> Trace:
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
    return f"replication {rep} of {reps:,}, the {how} by {metric} ({float(value):,.4g})"


# --------------------------------------------------------------------------- picking


def percent_of(how: str) -> float:
    """The percentile a pick stands for: `median` 50, `min` 0, `max` 100, `pNN` NN."""
    text = how.strip().lower()
    if text in PICKS:
        return PICKS[text]
    match = re.fullmatch(r"p(\d+(?:\.\d+)?)", text)
    if match is None or float(match[1]) > 100.0:
        raise ScenarioError.single(f"unknown pick {how!r}", file="--pick", hint="use " + PICK_RULE)
    q = float(match[1])
    return q


def pick(values: np.ndarray, how: str) -> int:
    """The replication whose value sits at percentile `how` (see `percent_of`).

    Replications are ranked by value (ties by index, so the choice is stable);
    the one at rank round(q/100 * (n - 1)) (halves rounded up) is chosen, so
    `min` is the smallest and `max` the largest. NaN (the event did not
    happen) is left out.
    """
    q = percent_of(how)
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
    try:
        return load_scenario(folder / "scenario.yaml")
    except ScenarioError as first:
        summary = summary or read_summary(folder / "summary.json")
        try:
            return scenario_from_dict(summary["resolved"], label=str(folder / "summary.json"))
        except ScenarioError:
            raise first from None


def check_against_row(t: Trace, row: dict[str, float | str], engine: str) -> None:
    """Note, rather than hide, a replay that differs from the saved row (another engine)."""
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
