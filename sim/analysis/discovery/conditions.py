"""Outcome conditions for `sim discover --where`: plain data, read by a small grammar.

    condition := ["!"] NAME [OP NUMBER]
    OP        := ">" | ">=" | "<" | "<=" | "==" | "!="

`final_warheads>200`, `final_material<=150`, `months_to_deal_reached<=24`:
a metric compared with a number. `freeze_collapsed`, `freeze_in_force_at_end`:
an event that happened; `!deal_reached`: one that did not. A name alone is an
event and a name with a comparison a metric, so `cheating_detected` (the event)
and `cheating_detected>1` (the count) are both clear. A `months_to_<event>`
condition is false in the histories where the event never happened. On a
sweep, conditions apply to per-point figures: `p_freeze_collapsed>0.5`,
`final_warheads.mean>200` (a bare metric name means its `.mean`).

Nothing is ever evaluated as code: the text is split into tokens and checked
against the outcomes the source has. A mistake is reported at its column, with
the nearest names as a hint, as a `ScenarioError` (exit code 2 on the CLI).
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np

from sim.errors import Problem, ScenarioError

OPS = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
WORDS = {
    ">": "above",
    ">=": "at least",
    "<": "below",
    "<=": "at most",
    "==": "equal to",
    "!=": "not equal to",
}


class Phrase(NamedTuple):
    """How a sentence says that an event happened, and that it did not."""

    happened: str
    not_happened: str


EVENT_PHRASES = {
    "talks_opened": Phrase("talks open", not_happened="talks never open"),
    "deal_reached": Phrase("a deal is reached", not_happened="no deal is reached"),
    "cheating": Phrase(
        "the DPRK cheats under a deal", not_happened="the DPRK does not cheat under a deal"
    ),
    "cheating_detected": Phrase("cheating is detected", not_happened="no cheating is detected"),
    "freeze_collapsed": Phrase("a freeze collapses", not_happened="no freeze collapses"),
    "nuclear_test": Phrase("there is a nuclear test", not_happened="there is no nuclear test"),
    "unsc_resolution": Phrase(
        "a new UNSC sanctions resolution is adopted",
        not_happened="no new UNSC sanctions resolution is adopted",
    ),
    "freeze_in_force_at_end": Phrase(
        "a freeze still holds at the horizon", not_happened="no freeze holds at the horizon"
    ),
}
EXAMPLES = "e.g. final_warheads>200, freeze_collapsed, !deal_reached"

_TOKEN = re.compile(
    r"(?P<space>\s+)|(?P<op>>=|<=|==|!=|>|<|=)|(?P<not>!)"
    r"|(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)|(?P<other>.)"
)


@dataclass(frozen=True)
class Condition:
    """A parsed condition: `[!]name [op value]`."""

    text: str
    name: str
    op: str | None = None
    value: float | None = None
    negated: bool = False
    column: int = 1  # where the name starts, for messages

    def test(self, values: np.ndarray) -> np.ndarray:
        """The condition on a column of numbers (NaN never meets a comparison)."""
        values = np.asarray(values, dtype=float)
        if self.op is None:
            met = np.nan_to_num(values) != 0
        else:
            assert self.value is not None, "an operator is parsed with its value"
            with np.errstate(invalid="ignore"):
                met = OPS[self.op](values, self.value) & ~np.isnan(values)
        return ~met if self.negated else met

    def phrase(self) -> str:
        """The condition in words: `a freeze collapses`, `final_warheads is above 200`."""
        if self.op is None:
            default = Phrase(f"{self.name} happens", f"{self.name} does not happen")
            phrase = EVENT_PHRASES.get(self.name, default)
            return phrase.not_happened if self.negated else phrase.happened
        return f"{self.name} is {WORDS[self.op]} {self.value:g}"

    def slug(self) -> str:
        """For folder names: `final_warheads-gt-200`, `not-deal_reached`."""
        names = {">": "gt", ">=": "ge", "<": "lt", "<=": "le", "==": "eq", "!=": "ne"}
        text = ("not-" if self.negated else "") + self.name
        if self.op:
            text += f"-{names[self.op]}-{self.value:g}"
        return re.sub(r"[^A-Za-z0-9_.+-]", "_", text)

    def to_json(self) -> dict:
        return {**asdict(self), "words": self.phrase()}


def _problem(column: int, message: str, hint: str | None = None) -> ScenarioError:
    """A mistake in the condition, located at its column (`--where:1:<column>: ...`)."""
    return ScenarioError([Problem(message, file="--where", line=1, column=column, hint=hint)])


def parse(text: str) -> Condition:
    """Read `[!]name [op number]`; a ScenarioError at the column of any mistake."""
    tokens = [
        (m.lastgroup, m.group(), m.start() + 1)
        for m in _TOKEN.finditer(text)
        if m.lastgroup != "space"
    ]
    end = ("end", "", len(text) + 1)
    tokens.append(end)
    if tokens[0] == end:
        raise _problem(1, "the condition is empty", hint=EXAMPLES)
    i = 0
    negated = tokens[0][0] == "not"
    if negated:
        i = 1
    kind, word, col = tokens[i]
    if kind != "name":
        found = "nothing" if kind == "end" else f"'{word}'"
        raise _problem(col, f"expected an outcome name, found {found}", hint=EXAMPLES)
    name, name_col = word, col
    kind, word, col = tokens[i + 1]
    if kind == "end":
        return Condition(text, name, negated=negated, column=name_col)
    if kind != "op":
        raise _problem(col, f"expected a comparison (> >= < <= == !=) after {name}, found '{word}'")
    if word == "=":
        raise _problem(col, "'=' is not a comparison", hint=f"write {name}=={text[col:]}")
    op = word
    kind, word, col = tokens[i + 2]
    if kind != "number":
        found = "nothing" if kind == "end" else f"'{word}'"
        raise _problem(col, f"expected a number after '{op}', found {found}")
    value = float(word)
    kind, word, col = tokens[i + 3]
    if kind != "end":
        raise _problem(col, f"unexpected '{word}' after the condition", hint=EXAMPLES)
    return Condition(text, name, op, value, negated, name_col)


def resolve(
    condition: Condition,
    metrics: Mapping[str, np.ndarray],
    events: Mapping[str, np.ndarray],
    aliases: Mapping[str, str] | None = None,
    what: str = "a run",
) -> tuple[Condition, np.ndarray]:
    """Which rows meet the condition, and the condition with its column's own name.

    `metrics` are compared with numbers, `events` stand alone; `aliases` map
    names the source lacks to its columns (a sweep's `final_warheads` to
    `final_warheads.mean`, `freeze_collapsed` to `p_freeze_collapsed`).
    """
    c = condition
    fail = _failure(c, what)
    if c.op is None:
        if c.name in events:
            return c, c.test(events[c.name])
        if c.name in metrics or (aliases and c.name in aliases):
            column = aliases.get(c.name, c.name) if aliases else c.name
            raise fail(
                f"{c.name} is a number, not an event: compare it with a value",
                f"e.g. {column}>{_typical(metrics.get(column))}",
            )
        raise fail(
            f"'{c.name}' is not an outcome of {{what}}", _nearest(c.name, [*events, *metrics])
        )
    if c.negated:
        flipped = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "==": "!=", "!=": "=="}[c.op]
        raise fail(
            "'!' negates an event; a comparison is negated by its opposite",
            f"write {c.name}{flipped}{c.value:g}",
        )
    name = c.name if c.name in metrics else (aliases or {}).get(c.name, c.name)
    if name in metrics:
        resolved = Condition(c.text, name, c.op, c.value, False, c.column)
        return resolved, resolved.test(metrics[name])
    if c.name in events:
        raise fail(
            f"{c.name} is an event (it happens or not): it is not compared with a number",
            f"write {c.name} or !{c.name}"
            + (f", or compare months_to_{c.name}" if f"months_to_{c.name}" in metrics else ""),
        )
    known = [*metrics, *(aliases or {})]
    raise fail(f"'{c.name}' is not an outcome of {{what}}", _nearest(c.name, known))


def _failure(c: Condition, what: str):
    def fail(message: str, hint: str | None) -> ScenarioError:
        return _problem(c.column, message.replace("{what}", what), hint)

    return fail


def _nearest(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, sorted(set(names)), n=3, cutoff=0.6)
    if close:
        return f"did you mean {' or '.join(close)}?"
    shown = ", ".join(sorted(set(names))[:12])
    return f"outcomes here: {shown}{', ...' if len(set(names)) > 12 else ''}"


def _typical(values: np.ndarray | None) -> str:
    if values is None or not np.isfinite(values).any():
        return "0"
    return f"{float(np.nanmedian(values)):.3g}"
