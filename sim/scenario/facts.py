"""The facts file: every figure the scenarios rely on, with its date and source.

Scenario parameters cite facts by id (`source: sipri_2025_warheads`) or say
`source: judgment`. Loading a scenario checks that every cited id exists, so a
figure in a report can always be traced to where it came from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.errors import Problem, ScenarioError
from sim.scenario.yamlfile import read_yaml


class Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    statement: str = Field(description="What is claimed, in one sentence.")
    figure: str = Field(description="The number(s), with units.")
    date: Any = Field(description="When the figure applies or was published (YYYY-MM).")
    source: str = Field(description="Who says so: publication, author, date.")
    url: str | None = None
    note: str | None = None


class FactsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    facts: dict[str, Fact]


def load_facts(path: Path) -> dict[str, Fact]:
    """Read and validate a facts file.

    A file that is not one (no `facts:` mapping at the top) is refused without
    quoting any of it: a scenario may name any file as its facts file.
    """
    data, marks = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("facts"), dict):
        raise ScenarioError.single(
            "not a facts file: it has no `facts:` mapping at the top",
            file=str(path),
            hint="a facts file maps fact ids to statement, figure, date and source",
        )
    try:
        return FactsFile.model_validate(data).facts
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = None
            for n in range(len(loc), 0, -1):
                if loc[:n] in marks:
                    line = marks[loc[:n]][0]
                    break
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = f"unknown key {loc[-1]!r}"
            elif err["type"] == "missing":
                message = f"missing required key {loc[-1]!r}"
            problems.append(
                Problem(message, file=str(path), line=line, path=".".join(map(str, loc)))
            )
        raise ScenarioError(problems) from None
