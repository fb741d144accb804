"""Errors a user can act on: each problem names the file, line, key path and a hint.

Scenario files are written by hand, so a bad one must produce a message an analyst
can fix without reading Python. Everything that checks input raises
`ScenarioError` carrying one or more `Problem`s; the CLI prints them and exits 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    hint: str | None = None

    def location(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        key = f"{self.path}: " if self.path else ""
        text = f"{self.location()}: {key}{self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


@dataclass
class ScenarioError(Exception):
    """Raised for any bad input: a scenario, a fact file, an override or a result folder."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    @classmethod
    def single(cls, message: str, **where) -> ScenarioError:
        return cls([Problem(message, **where)])
