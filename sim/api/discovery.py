"""Scenario discovery from Python: `discover(source, where)` and what it returns.

    import sim

    found = sim.discover("results/freeze/<run-id>", "freeze_in_force_at_end")
    found.sentence()          # the first box in plain words
    found.boxes[0].limits     # its restricted inputs
    found.to_pandas()         # the peeling trajectories (needs pandas)
    found.save("results")     # results/discovery/<id>/

The source is anything `sim.analysis.discovery.sources.load` reads (a result folder, a
sweep folder, a scenario file or object, a `Results`); the condition is read
by `sim.analysis.discovery.conditions`; the boxes are found by `sim.analysis.discovery.prim`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path

import numpy as np

from sim.analysis.discovery import DEFAULTS
from sim.analysis.discovery.conditions import Condition, parse, resolve
from sim.analysis.discovery.prim import SIGNIFICANCE, Box, Peeling, prim
from sim.analysis.discovery.sources import Table, load
from sim.analysis.discovery.space import Inputs, PrimError
from sim.errors import Problem, ScenarioError
from sim.report.discovery import LIMITS_HEAD, box_json, input_json, limits_rows, write_discovery
from sim.report.html import table
from sim.report.rounding import fmt
from sim.version import __version__


def pct(x: float) -> str:
    """A share in percent, never 0% or 100% unless exactly so."""
    shown = f"{x:.0%}"
    if (shown == "0%" and x > 0) or (shown == "100%" and x < 1):
        shown = f"{x:.1%}" if 0.0005 <= x <= 0.9995 else ("<0.1%" if x < 0.5 else ">99.9%")
    return shown


def clause(limit) -> str:
    """One restriction in words: `deal.breakdown_rate is below 0.201`."""
    if limit.categorical:
        values = list(limit.values)
        if len(values) == 1:
            return f"{limit.name} is {values[0]}"
        if len(values) == 2:
            return f"{limit.name} is {values[0]} or {values[1]}"
        return f"{limit.name} is one of {', '.join(values)}"
    if limit.low is not None and limit.high is not None:
        return f"{limit.name} is between {fmt(limit.low)} and {fmt(limit.high)}"
    if limit.low is not None:
        return f"{limit.name} is at least {fmt(limit.low)}"
    return f"{limit.name} is below {fmt(limit.high)}"


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@dataclass(eq=False)
class Discovery:
    """The boxes found, their peeling trajectories, and what they were found in."""

    table: Table = field(repr=False)
    condition: Condition
    considered: list[str]
    dropped: list[str]
    space: Inputs = field(repr=False)
    y: np.ndarray = field(repr=False)
    peelings: list[Peeling] = field(repr=False)
    settings: dict
    created: str = ""
    id: str = ""

    @property
    def boxes(self) -> list[Box]:
        return [p.box for p in self.peelings]

    @property
    def cases(self) -> int:
        return int(self.y.sum())

    @property
    def base_rate(self) -> float:
        return self.cases / self.y.size

    def sentence(self, i: int = 0) -> str:
        """Box i in plain words: where the outcome is concentrated, and how much of it.

        When every limit of the box may be noise (quasi-p of 0.05 or more), a
        second sentence says so and gives the share among all rows.
        """
        box, unit = self.boxes[i], self.table.unit
        outcome = self.condition.phrase()
        if self.condition.op is None:  # an event's phrase is words; a metric's starts with its name
            outcome = outcome[0].upper() + outcome[1:]
        if not box.limits:
            return (
                f"{outcome} in {pct(self.base_rate)} of all {unit}, and no box of the inputs "
                "concentrates it: the peeling found no restriction that raises that share."
            )
        lead = f"Besides, {self.condition.phrase()}" if i else outcome
        where = _and([clause(limit) for limit in box.limits])
        text = (
            f"{lead} in {pct(box.density)} of {unit} where {where}; those {unit} hold "
            f"{pct(box.coverage)} of all such {unit} (and {pct(box.mass)} of all {unit})."
        )
        if all(limit.qp >= SIGNIFICANCE for limit in box.limits):
            text += (
                f" No limit is clearly more than noise (each quasi-p is {SIGNIFICANCE:g} or more);"
                f" among all {unit} the share is {pct(self.base_rate)}."
            )
        return text

    def summary(self) -> dict:
        """Everything found, as plain data: the content of discovery.json."""
        return {
            "id": self.id,
            "created": self.created,
            "engine_version": __version__,
            "source": {"path": self.table.source, "kind": self.table.kind, **self.table.info},
            "unit": self.table.unit,
            "where": self.condition.to_json(),
            "rows": int(self.y.size),
            "cases": self.cases,
            "base_rate": self.base_rate,
            "inputs": {
                "considered": [input_json(self.space, j) for j in range(len(self.considered))],
                "dropped": self.dropped,
            },
            "settings": dict(self.settings),
            "headline": self.sentence(0),
            "boxes": [box_json(p, k + 1, self.sentence(k)) for k, p in enumerate(self.peelings)],
        }

    def to_pandas(self):
        """The peeling trajectories, one row per step of each box's search (needs pandas)."""
        import pandas as pd

        rows = [
            {"box": k + 1, "step": i, "coverage": s.coverage, "density": s.density,
             "mass": s.mass, "n": s.n, "k": s.k, "restricted": s.restricted,
             "chosen": i == p.chosen}
            for k, p in enumerate(self.peelings)
            for i, s in enumerate(p.trajectory)
        ]  # fmt: skip
        return pd.DataFrame(rows)

    def save(self, root: str | Path = "results", charts: bool = True) -> Path:
        """Write `root/discovery/<id>/` (discovery.json, report.md, report.html) atomically."""
        return write_discovery(self, Path(root), charts=charts)

    def __repr__(self) -> str:
        box = self.boxes[0]
        limits = "; ".join(clause(limit) for limit in box.limits) or "no restriction"
        return (
            f"<Discovery where {self.condition.text!r}: {self.cases:,} of {self.y.size:,} "
            f"{self.table.unit}; box 1 of {len(self.boxes)}: {limits}; coverage "
            f"{box.coverage:.2f}, density {box.density:.2f}, mass {box.mass:.2f}>"
        )

    def _repr_html_(self) -> str:
        parts = [
            f"<p><b>Scenario discovery</b> where <code>{escape(self.condition.text)}</code> "
            f"({self.cases:,} of {self.y.size:,} {self.table.unit}, {escape(self.table.source)})"
            "</p>"
        ]
        for k, box in enumerate(self.boxes):
            parts.append(f"<p>{escape(self.sentence(k))}</p>")
            rows = [[escape(c) for c in row] for row in limits_rows(box)]
            if rows:
                parts.append(table(LIMITS_HEAD, rows))
        return "".join(parts)


def discover(
    source,
    where: str | Condition,
    *,
    threshold: float = DEFAULTS["threshold"],
    alpha: float = DEFAULTS["alpha"],
    box: int | None = None,
    paste: bool = DEFAULTS["paste"],
    paste_alpha: float = DEFAULTS["paste_alpha"],
    min_mass: float = DEFAULTS["min_mass"],
    boxes: int = DEFAULTS["boxes"],
    objective: str = DEFAULTS["objective"],
    overrides: list[str] | None = None,
    **run,
) -> Discovery:
    """Find boxes of the uncertain inputs where the outcome `where` is concentrated.

    `source`: a run's result folder, a sweep's folder, a `Results`, or a
    scenario file or `Scenario`, run now with `overrides` (as `--set`) and
    `run`, the arguments of `sim.run` (`reps`, `seed`, `workers`, `progress`...).
    `where`: a condition such as `final_warheads>200`, `freeze_collapsed`,
    `!deal_reached`. The first box is step `box` of its peeling trajectory if
    given, else the densest step holding at least `threshold` of the cases.
    Raises ScenarioError for a bad condition or source.
    """
    condition = parse(where) if isinstance(where, str) else where
    table = load(source, overrides, **run)
    what = "a sweep (a column of its points.csv)" if table.kind == "sweep" else "a run"
    condition, y = resolve(condition, table.metrics, table.events, table.aliases, what)
    varying, dropped = table.varying()
    _check(condition, y, varying, table)
    space = Inputs.from_columns(varying)
    settings = {"threshold": threshold, "alpha": alpha, "box": box, "paste": paste,
                "paste_alpha": paste_alpha, "min_mass": min_mass, "boxes": boxes,
                "objective": objective}  # fmt: skip
    try:
        peelings = prim(
            space, y, alpha=alpha, min_mass=min_mass, threshold=threshold, step=box,
            pasting=paste, paste_alpha=paste_alpha, boxes=boxes, objective=objective,
        )  # fmt: skip
    except PrimError as exc:
        raise ScenarioError.single(str(exc), file="--box" if box is not None else None) from None
    now = datetime.now()
    label = table.info.get("sweep") or table.info.get("scenario") or "data"
    return Discovery(
        table, condition, list(varying), dropped, space, y, peelings, settings,
        created=now.isoformat(timespec="seconds"),
        id=f"{now:%Y%m%d-%H%M%S}-{label}-{condition.slug()}",
    )  # fmt: skip


def _check(condition: Condition, y: np.ndarray, varying: dict, table: Table) -> None:
    """Refuse what PRIM cannot work on, saying why."""
    unit, n, cases = table.unit, y.size, int(y.sum())
    if n == 0:
        raise ScenarioError.single(f"{table.source} has no {unit}", file=table.source)
    if cases in (0, n):
        said = f"none of the {n:,} {unit} meets it" if cases == 0 else f"all {n:,} {unit} meet it"
        hint = "choose a condition that some but not all meet"
        values = table.metrics.get(condition.name)
        if values is not None and np.isfinite(values).any():
            low, high = np.nanmin(values), np.nanmax(values)
            hint = f"{condition.name} runs from {fmt(low)} to {fmt(high)} here; {hint}"
        raise ScenarioError(
            [Problem(f"{condition.text}: {said}, so there is nothing to tell apart", hint=hint,
                     file="--where", line=1, column=condition.column)]
        )  # fmt: skip
    if not varying:
        raise ScenarioError.single(
            f"no input varies across the {unit} of {table.source}: there is nothing to search",
            file=table.source,
            hint="give the scenario uncertain parameters (distributions), or sweep some",
        )
