"""The historical record a model is held against: published estimates, yearly counts, freezes.

`seeds/history.yaml` lists every published figure the back-tests use, each with
its date, what it measures and its source (see the file's header for the
format). Loading validates it once, like a scenario: a problem names the file,
line and key. Nothing here runs the model; `backtest` compares its runs with
these records.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from sim.errors import Problem, ScenarioError
from sim.scenario.dates import parse_date
from sim.scenario.messages import nearest, peel
from sim.scenario.yamlfile import Marks, read_yaml

Measure = Literal["warheads", "material", "production"]
#: Yearly counts the record holds, named as the model's per-replication outcomes.
COUNTED = ("missile_launches", "icbm_launches", "nuclear_tests", "unsc_resolutions", "unsc_vetoes")
#: Kinds of estimate the back-test checks; projections and claims are shown only.
CHECKED_KINDS = ("assessment",)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Ranged(_Record):
    value: float = Field(ge=0, description="The published central figure (a range's midpoint).")
    low: float | None = Field(None, ge=0, description="Low end of the published range.")
    high: float | None = Field(None, ge=0, description="High end of the published range.")
    source: str = Field(min_length=1, description="Who says so: publication, author, date.")
    note: str | None = None

    @field_validator("value", "low", "high")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v

    @model_validator(mode="after")
    def _order(self):
        low, high = self.span
        if not low <= self.value <= high:
            raise ValueError(f"value: {self.value:g} must lie within low {low:g} and high {high:g}")
        return self

    @property
    def span(self) -> tuple[float, float]:
        """The published range (the value itself when none was given)."""
        return (
            self.value if self.low is None else self.low,
            self.value if self.high is None else self.high,
        )


class Estimate(_Ranged):
    """A published estimate of the arsenal at a date, or of its production rate."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    date: Any = Field(description="The month (or day) the estimate describes.")
    measure: Measure
    kind: Literal["assessment", "projection", "claim"] = "assessment"

    @field_validator("date")
    @classmethod
    def _date(cls, v: Any) -> Any:
        parse_date(v)
        return v

    @property
    def at(self) -> float:
        """The date in months since year 0."""
        return parse_date(self.date)

    @property
    def checked(self) -> bool:
        return self.kind in CHECKED_KINDS


class Count(_Ranged):
    """How many events of one kind happened in a calendar year."""

    year: int = Field(ge=1900, le=2100)


class Freeze(_Record):
    """An episode when production or testing was frozen, from start to breakdown."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    start: Any
    end: Any
    kind: Literal["production", "testing"]
    source: str = Field(min_length=1)
    note: str | None = None

    @field_validator("start", "end")
    @classmethod
    def _date(cls, v: Any) -> Any:
        parse_date(v)
        return v

    @model_validator(mode="after")
    def _order(self) -> Freeze:
        if self.months <= 0:
            raise ValueError(f"end: {self.end} must come after start {self.start}")
        return self

    @property
    def months(self) -> float:
        return parse_date(self.end) - parse_date(self.start)


class History(_Record):
    estimates: list[Estimate] = Field(default_factory=list)
    counts: dict[Literal[COUNTED], list[Count]] = Field(default_factory=dict)  # type: ignore[valid-type]
    freezes: list[Freeze] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> History:
        seen: set[str] = set()
        kinds: tuple[tuple[str, Sequence[Estimate | Freeze]], ...] = (
            ("estimates", self.estimates),
            ("freezes", self.freezes),
        )
        for where, records in kinds:
            for index, e in enumerate(records):
                if e.id in seen:
                    raise ValueError(f"{where}.{index}.id: {e.id!r} is used twice")
                seen.add(e.id)
        for name, rows in self.counts.items():
            years = [r.year for r in rows]
            for k, year in enumerate(years):
                if year in years[:k]:
                    raise ValueError(f"counts.{name}.{k}.year: {year} is given twice")
        return self

    def count_total(self, name: str, first_year: int, last_year: int) -> Count | None:
        """The sum over whole years first..last (value, low, high), or None if a year is missing."""
        rows = {r.year: r for r in self.counts.get(name, [])}
        years = range(first_year, last_year + 1)
        if not years or any(y not in rows for y in years):
            return None
        chosen = [rows[y] for y in years]
        return Count(
            year=first_year,
            value=sum(r.value for r in chosen),
            low=sum(r.span[0] for r in chosen),
            high=sum(r.span[1] for r in chosen),
            source="; ".join(f"{r.year}: {r.source}" for r in chosen),
        )


class HistoryFile(_Record):
    history: History


def load_history(path: str | Path) -> History:
    """Read and validate a history file; every problem is located (file, line, key)."""
    path = Path(path)
    data, marks = read_yaml(path)
    if data is None:
        raise ScenarioError.single("the file is empty", file=str(path))
    try:
        return HistoryFile.model_validate(data).history
    except ValidationError as exc:
        raise ScenarioError(
            [_problem(err, marks, str(path), data) for err in exc.errors()]
        ) from None


def _problem(err: ErrorDetails, marks: Marks, file: str, data: Any) -> Problem:
    loc = tuple(err["loc"])
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "value_error":  # a validator's 'sub.key: message', as in a scenario
        loc, message = peel(loc, message, data)
    if err["type"] == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}"
    elif err["type"] == "missing":
        message = f"missing required key {loc[-1]!r}"
    line, column = nearest(loc, marks) or (None, None)
    return Problem(
        message,
        file=file,
        line=line if line is not None else 1,
        column=column,
        path=".".join(map(str, loc)) or None,
        hint=_HINTS.get(err["type"]),
    )


_HINTS = {
    "extra_forbidden": "see the header of seeds/history.yaml for the keys of each record",
    "literal_error": "see the header of seeds/history.yaml for the allowed names",
}
