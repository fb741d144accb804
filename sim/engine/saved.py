"""Reading a result folder back, trusting nothing: every file is checked before use.

A result folder may have been truncated by a full disk, edited by hand or
written by another version of sim. `sim compare` and `sim trace` read it only
through these functions, which either return data of the shape the rest of
the engine expects or raise `ScenarioError` naming the file, the line (CSV) or
the key (JSON) and what is wrong: exit code 2 at the command line, never a
traceback and never a figure computed from shifted or missing values.

- `read_summary`: summary.json against the results contract (a pydantic
  model: types, finite numbers, every metric and event, curve lengths);
- `read_table`: replications.csv with the stdlib `csv` module; every row as
  long as the header, outcome cells numbers (an empty cell: the event did not
  happen);
- `read_arrays`: trajectories.npz without pickles, every array readable;
- `read_outcomes`: summary and table together, their counts agreeing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, ValidationError

from sim.engine.folders import check_name
from sim.errors import Problem, ScenarioError
from sim.plan.outcomes import EVENTS, FIRSTS, METRICS

Count = Annotated[int, Field(ge=0)]
Figure = FiniteFloat | None
Share = Annotated[float, Field(ge=0, le=1)]
#: A Monte Carlo interval: [low, high], either end null where too few replications bound it.
Interval = Annotated[list[Figure], Field(min_length=2, max_length=2)] | None


class _Part(BaseModel):
    """A part of summary.json: strict types; keys this reader does not use are allowed."""

    model_config = ConfigDict(strict=True, extra="allow")


class _Scenario(_Part):
    name: str
    title: str | None = None
    path: str | None
    start: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    horizon_months: Annotated[int, Field(ge=1, le=100 * 12)]
    hash: str


class _Metric(_Part):
    n: Count
    mean: Figure
    sd: Figure
    mcse: Figure
    p5: Figure
    p25: Figure
    p50: Figure
    p75: Figure
    p95: Figure
    p5_ci95: Interval = None
    p25_ci95: Interval = None
    p50_ci95: Interval = None
    p75_ci95: Interval = None
    p95_ci95: Interval = None


class _Probability(_Part):
    p: Share
    mcse: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None
    ci95: Interval = None
    n: Count


class _Band(_Part):
    months: list[Count]
    p5: list[FiniteFloat]
    p25: list[FiniteFloat]
    p50: list[FiniteFloat]
    p75: list[FiniteFloat]
    p95: list[FiniteFloat]
    p5_ci95: list[Interval] = []
    p25_ci95: list[Interval] = []
    p50_ci95: list[Interval] = []
    p75_ci95: list[Interval] = []
    p95_ci95: list[Interval] = []


class _Provenance(_Part):
    seed: Count
    replications: Annotated[int, Field(ge=1)]
    scenario_hash: str
    engine_version: str
    packages: dict[str, str] = {}
    started: str = ""
    wall_seconds: FiniteFloat = 0.0
    workers: Annotated[int, Field(ge=1)] = 1


class _Fact(_Part):
    statement: str
    source: str
    url: str | None = None
    figure: Any = None
    date: Any = None


class _Summary(_Part):
    scenario: _Scenario
    metrics: dict[str, _Metric]
    probabilities: dict[str, _Probability]
    curves: dict[str, list[FiniteFloat]]
    trajectories: dict[str, _Band]
    provenance: _Provenance
    facts: dict[str, _Fact] = {}
    resolved: dict[str, Any]


def outcome_columns() -> list[str]:
    """The columns of replications.csv that hold outcomes: numbers, one per replication."""
    return [*METRICS, "freeze_in_force_at_end"]


def read_summary(path: Path) -> dict:
    """summary.json, checked against the results contract; raises ScenarioError if it is not."""
    file = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8, not JSON (truncated)
        raise ScenarioError.single(f"cannot read summary.json: {exc}", file=file) from None
    if not isinstance(data, dict):
        raise ScenarioError.single(
            f"must be a JSON object holding the run's figures, not {type(data).__name__}", file=file
        )
    try:
        _Summary.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(e["msg"], file=file, path=".".join(map(str, e["loc"])))
            for e in exc.errors()[:5]
        ]
        raise ScenarioError(problems) from None
    check_name(data["scenario"]["name"], "scenario name", file)
    months = data["scenario"]["horizon_months"] + 1
    needed = {
        "metrics": list(METRICS),
        "probabilities": list(EVENTS),
        "curves": ["months", *FIRSTS, "freeze_in_force"],
    }
    for block, names in needed.items():
        absent = [n for n in names if n not in data[block]]
        if absent:
            raise ScenarioError.single(f"lacks {', '.join(absent)}", file=file, path=block)
    lengths = {f"curves.{k}": len(v) for k, v in data["curves"].items()}
    for name, band in data["trajectories"].items():  # the keys the model checked: lists
        lengths.update(
            {
                f"trajectories.{name}.{k}": len(band[k])
                for k in _Band.model_fields
                if k in band and not (k.endswith("_ci95") and not band[k])  # older: none
            }
        )
    wrong = [k for k, n in lengths.items() if n != months]
    if wrong:
        raise ScenarioError.single(
            f"{wrong[0]} has {lengths[wrong[0]]} values, not one per month ({months})", file=file
        )
    _check_notes(data["resolved"], file)
    return data


def _check_notes(node, file: str, path: str = "resolved") -> None:
    """Notes and sources in the resolved scenario are text (they are printed in reports)."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if key == "note" and not isinstance(value, str | None):
                raise ScenarioError.single("a note must be text", file=file, path=where)
            _check_notes(value, file, where)
    elif isinstance(node, list):
        for k, value in enumerate(node):
            _check_notes(value, file, f"{path}.{k}")


def read_table(
    path: Path, numeric: Collection[str] = (), filled: Collection[str] = ()
) -> dict[str, np.ndarray]:
    """A CSV table as columns: `numeric` ones as floats (empty cell: NaN), others as text.

    Columns not in `numeric` are numbers if every cell is one, text otherwise;
    `filled` columns may not have empty cells. Raises ScenarioError with the
    line for a row of the wrong length, a cell that is not a number where one
    belongs, an empty cell that must be filled, or text that is not CSV.
    """
    file = str(path)
    lines: list[int] = []
    rows: list[list[str]] = []
    try:
        with Path(path).open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f, strict=True)
            header = next(reader, None)
            if not header:
                raise ScenarioError.single("the table is empty: no header row", file=file)
            for row in reader:
                if len(row) != len(header):
                    raise ScenarioError.single(
                        f"a row of {len(row)} cells, but the header has {len(header)}",
                        file=file,
                        line=reader.line_num,
                    )
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as exc:
        raise ScenarioError.single(
            f"not a CSV table: {exc}", file=file, line=reader.line_num
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError.single(f"cannot read the table: {exc}", file=file) from None
    if len(set(header)) != len(header):
        raise ScenarioError.single("a column name appears twice in the header", file=file, line=1)
    columns: dict[str, np.ndarray] = {}
    for k, name in enumerate(header):
        cells = np.array([row[k] for row in rows], dtype=object)
        values = _numbers(cells)
        if values is not None and name in filled and np.isnan(values).any():
            raise ScenarioError.single(
                f"column {name!r} has an empty cell; every replication has this outcome",
                file=file,
                line=lines[int(np.flatnonzero(np.isnan(values))[0])],
            )
        if values is not None:
            columns[name] = values
        elif name in numeric:
            bad = next(j for j, c in enumerate(cells) if _numbers(cells[j : j + 1]) is None)
            raise ScenarioError.single(
                f"column {name!r}: {cells[bad]!r} is not a number", file=file, line=lines[bad]
            )
        else:
            columns[name] = cells
    return columns


def _numbers(cells: np.ndarray) -> np.ndarray | None:
    """Cells as finite floats (an empty cell: NaN), or None if any is not such a number."""
    empty = cells == ""
    try:
        values = np.where(empty, "nan", cells).astype(float)
    except (ValueError, TypeError):
        return None
    return values if np.isfinite(values[~empty]).all() else None


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of an .npz file (no pickles); ScenarioError if it cannot be read whole."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except Exception as exc:  # a damaged zip fails in many ways: zlib, EOF, bad CRC, ...
        raise ScenarioError.single(
            f"cannot read the arrays: {type(exc).__name__}: {exc}", file=str(path)
        ) from None


def read_outcomes(folder: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """(summary, table) of a result folder, checked against each other."""
    summary = read_summary(folder / "summary.json")
    path = folder / "replications.csv"
    always = ["replication", *(c for c in outcome_columns() if not c.startswith("months_to_"))]
    table = read_table(path, numeric=["replication", *outcome_columns()], filled=always)
    absent = [c for c in ("replication", *outcome_columns()) if c not in table]
    if absent:
        raise ScenarioError.single(
            f"the table lacks {', '.join(absent)}; was it written by an older sim?",
            file=str(path),
            hint="run the scenario again with `sim run`",
        )
    reps = summary["provenance"]["replications"]
    rows = len(table["replication"])
    if rows != reps or not np.array_equal(table["replication"], np.arange(rows)):
        raise ScenarioError.single(
            f"the table has {rows} rows numbered {_span(table['replication'])}, but "
            f"summary.json says {reps} replications, numbered 0 to {reps - 1}",
            file=str(path),
        )
    frozen = table["freeze_in_force_at_end"]
    if not np.isin(frozen, (0.0, 1.0)).all():
        raise ScenarioError.single(
            "column 'freeze_in_force_at_end' must hold 0 or 1", file=str(path)
        )
    return summary, table


def _span(numbers: np.ndarray) -> str:
    return f"{numbers.min():g} to {numbers.max():g}" if numbers.size else "(none)"
