"""Errors a user can act on: each problem names the file, line, key path and a hint.

Scenario files are written by hand, so a bad one must produce a message an analyst
can fix without reading Python. Everything that checks input raises
`ScenarioError` carrying one or more `Problem`s; the CLI prints them and exits 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Characters a terminal or a report could interpret: C0 controls but tab and newline,
#: DEL, C1, line/paragraph separators and bidirectional overrides.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str, *, cut: bool = True) -> str:
    """`text` as a message may show it: every control character (tabs and newlines too)
    written as an escape, so quoted input cannot drive the terminal it is printed on;
    with `cut`, any run of more than 80 characters without a space cut to 60 and the
    whole to 1,000, so a message quoting a huge value stays readable."""
    text = re.sub(
        r"[\t\n]|" + CONTROL.pattern,
        lambda m: m[0].encode("unicode_escape").decode("ascii"),
        text,
    )
    if not cut:
        return text
    text = re.sub(r"\S{81,}", lambda m: m[0][:60] + "...", text)
    return text if len(text) <= 1000 else text[:997] + "..."


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
        parts = [printable(self.file or "<input>", cut=False)]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        key = f"{printable(self.path)}: " if self.path else ""
        text = f"{self.location()}: {key}{printable(self.message)}"
        if self.hint:
            text += f"\n    hint: {printable(self.hint)}"
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


class SimulationError(RuntimeError):
    """A replication failed: a bug in the engine, reported with its replication index.

    Not the user's doing (their input was checked before anything ran): the command
    line says so, asks for a report, and exits 1.
    """
