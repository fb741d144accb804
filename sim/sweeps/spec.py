"""What a sweep varies: SPEC strings, sweep files, and the factors of a design.

A sweep is written on the command line (`--param PATH=SPEC`, repeatable) or in a
YAML sweep file that names its scenario. Both become a `SweepSpec`: the
scenario, fixed overrides, and a tuple of `Factor`s. A factor is one axis of the
design: a single parameter (`product:`), or several parameters varied together,
value by value (`zip:`). Everything here is parsing and checking of text the
analyst wrote; it never imports the simulation stack, and it never evaluates
anything as code.

SPEC syntax (the same in YAML, where a list or mapping may also be written out):

    0.05,0.1,0.2          a list of values (numbers or names)
    0.05:0.25:5           a range: five evenly spaced values from 0.05 to 0.25
    6:20                  bounds: uniform between 6 and 20 (sampled designs)
    triangular(6,12,20)   a distribution (uniform, triangular, normal, lognormal, beta)
    {lognormal: {median: 0.29, sigma: 0.4}}   any distribution in scenario syntax
    scenario              the parameter's own distribution in the scenario
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from sim.errors import Problem, ScenarioError
from sim.scenario.distributions import Spec, check_number
from sim.scenario.loader import Override, parse_override
from sim.scenario.params import AnyParam
from sim.scenario.schema import Scenario
from sim.scenario.yamlfile import parse_yaml

DESIGNS = ("grid", "lhs", "sobol")
SPEC_HELP = (
    "SPEC is a list (0.05,0.1,0.2), a range start:stop:count (0.05:0.25:5), bounds "
    "low:high, a distribution such as triangular(6,12,20), or 'scenario'"
)
_CALL = re.compile(r"^([A-Za-z_]+)\s*\((.*)\)$", re.S)
#: Most values one range may give (a grid of them is bounded again when it is planned).
MAX_LEVELS = 10_000
_NAMED = {"uniform": 2, "triangular": 3, "normal": 2, "lognormal": 2, "beta": 2}


@dataclass(frozen=True)
class Where:
    """Where a SPEC was written, so a problem with it can point there."""

    file: str = "--param"
    line: int | None = None
    column: int | None = None

    def problem(self, message: str, path: str | None = None, hint: str | None = None):
        return Problem(
            message, file=self.file, line=self.line, column=self.column, path=path, hint=hint
        )


@dataclass(frozen=True)
class Values:
    """What one parameter takes across a sweep.

    Either finite `levels` (a list or a range: the only kind a grid accepts) or a
    distribution `dist` to draw from (sampled designs). `from_scenario` defers to
    the parameter's own distribution, filled in once the scenario is loaded.
    """

    text: str
    levels: tuple | None = None
    dist: Any = None  # a sim.scenario.distributions.Spec
    from_scenario: bool = False
    where: Where = field(default_factory=Where, compare=False)

    @property
    def finite(self) -> bool:
        return self.levels is not None

    def at(self, u: float) -> Any:
        """The value at design coordinate u in [0, 1): a level, or a quantile."""
        if self.levels is not None:
            return self.levels[min(int(u * len(self.levels)), len(self.levels) - 1)]
        try:
            value = self.dist.ppf(u)
        except (ValueError, ArithmeticError):  # e.g. a normal's quantile at exactly 0
            value = math.inf
        if isinstance(value, float) and not math.isfinite(value):  # an unbounded law's edge
            value = self.dist.ppf(min(max(u, 1e-12), 1.0 - 1e-12))
        return value

    def describe(self) -> str:
        if self.levels is not None:
            return ", ".join(_show(v) for v in self.levels)
        return self.dist.describe() + (" (from the scenario)" if self.from_scenario else "")


@dataclass(frozen=True)
class Factor:
    """One axis of a design: a parameter, or a zip group of parameters varied together."""

    params: tuple[tuple[str, Values], ...]

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(p for p, _ in self.params)

    @property
    def label(self) -> str:
        return " + ".join(self.paths)

    @property
    def levels(self) -> int | None:
        """Number of grid levels (every zipped parameter has the same number), or None."""
        counts = {len(v.levels) for _, v in self.params if v.levels is not None}
        return counts.pop() if len(counts) == 1 and all(v.finite for _, v in self.params) else None

    def values_at(self, coord: float, grid: bool) -> dict[str, Any]:
        """Each parameter's value at a grid level index or a sampled coordinate u."""
        if grid:
            out = {}
            for p, v in self.params:
                assert v.levels is not None, "a grid takes only finite levels (see sweep.plan)"
                out[p] = v.levels[int(coord)]
            return out
        return {p: v.at(coord) for p, v in self.params}


@dataclass(frozen=True)
class SweepSpec:
    """A sweep as written: scenario (a file, or a `Scenario` object from Python), fixed
    overrides, factors and run settings."""

    scenario: Path | Scenario
    factors: tuple[Factor, ...]
    design: str = "grid"
    samples: int | None = None
    reps: int | None = None
    seed: int | None = None
    name: str | None = None
    overrides: dict = field(default_factory=dict)
    metrics: tuple[str, ...] | None = None
    source: str | None = None  # the sweep file, if any
    #: Where each fixed override was written (a sweep file's line, or the --set option).
    override_at: dict[str, Where] = field(default_factory=dict, compare=False)

    def changes(self, values: dict[str, Any] | None = None) -> list:
        """The fixed overrides, then a point's `values`, as `loader.Override`s that name
        where each was written, so a problem with one points there (not at `--set`)."""

        def made(path: str, value: Any, at: Where) -> Override:
            return Override(path, value, at.file, at.line, at.column)

        varied = {p: v.where for f in self.factors for p, v in f.params}
        fixed = [
            made(p, v, self.override_at.get(p, Where("--set"))) for p, v in self.overrides.items()
        ]
        return fixed + [made(p, v, varied.get(p, Where())) for p, v in (values or {}).items()]


# --------------------------------------------------------------------------- SPEC text


def parse_spec(text: str, path: str, where: Where) -> Values:
    """Parse one SPEC string (see the module docstring)."""
    s = text.strip()
    if not s:
        raise ScenarioError([where.problem("empty SPEC", path, SPEC_HELP)])
    if s == "scenario":
        return Values(text=s, from_scenario=True, where=where)
    call = _CALL.match(s)
    if call:
        name = call[1].lower()
        if name not in _NAMED:
            close = difflib.get_close_matches(name, list(_NAMED), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(_NAMED)}"
            raise ScenarioError([where.problem(f"unknown distribution {call[1]!r}", path, hint)])
        args = [_number(a, path, where, s) for a in call[2].split(",")]
        if len(args) != _NAMED[name]:
            raise ScenarioError(
                [
                    where.problem(
                        f"{name}() takes {_NAMED[name]} numbers, got {len(args)} in {s!r}",
                        path,
                        SPEC_HELP,
                    )
                ]
            )
        return _distribution({name: args}, path, where, s)
    if s.startswith("{"):
        data, _ = parse_yaml(s, f"--param {path}")
        return parse_value(data, path, where)
    if ":" in s:
        parts = [p.strip() for p in s.split(":")]
        if len(parts) == 2:
            low, high = (_number(p, path, where, s) for p in parts)
            if not low < high:
                raise ScenarioError(
                    [where.problem(f"bounds {s!r}: the low bound must be below the high one", path)]
                )
            return _distribution({"uniform": [low, high]}, path, where, s)
        if len(parts) == 3:
            start, stop = (_number(p, path, where, s) for p in parts[:2])
            return _range(start, stop, parts[2], path, where, s)
        raise ScenarioError(
            [
                where.problem(
                    f"{s!r}: a range is start:stop:count and bounds are low:high", path, SPEC_HELP
                )
            ]
        )
    items = [p.strip() for p in s.split(",")]
    if any(not p for p in items):
        raise ScenarioError([where.problem(f"{s!r}: an empty item in the list", path, SPEC_HELP)])
    return Values(text=s, levels=tuple(_scalar(p, path, where) for p in items), where=where)


def parse_value(raw: Any, path: str, where: Where) -> Values:
    """A parameter's entry in a sweep file: a list, a SPEC string, a number or a mapping."""
    if isinstance(raw, bool) or raw is None:
        raise ScenarioError([where.problem(f"expected a SPEC, got {raw!r}", path, SPEC_HELP)])
    if isinstance(raw, int | float):
        return Values(text=_show(raw), levels=(_level(raw, path, where),), where=where)
    if isinstance(raw, str):
        return parse_spec(raw, path, where)
    if isinstance(raw, list):
        if not raw:
            raise ScenarioError([where.problem("an empty list of values", path)])
        levels = []
        for item in raw:
            if isinstance(item, bool) or not isinstance(item, int | float | str):
                raise ScenarioError(
                    [where.problem(f"list items must be numbers or names, got {_cut(item)}", path)]
                )
            levels.append(_level(item, path, where))
        return Values(text=", ".join(map(_show, levels)), levels=tuple(levels), where=where)
    if isinstance(raw, dict):
        text = _flow(raw)
        if set(raw) == {"range"} and isinstance(raw["range"], list) and len(raw["range"]) == 3:
            start, stop, count = raw["range"]
            return _range(
                _number(start, path, where, text),
                _number(stop, path, where, text),
                count,
                path,
                where,
                text,
            )
        if set(raw) == {"bounds"} and isinstance(raw["bounds"], list) and len(raw["bounds"]) == 2:
            low, high = (_number(b, path, where, text) for b in raw["bounds"])
            if not low < high:
                raise ScenarioError(
                    [where.problem("bounds: the low bound must be below the high one", path)]
                )
            return _distribution({"uniform": [low, high]}, path, where, text)
        if set(raw) == {"values"}:
            return parse_value(raw["values"], path, where)
        return _distribution(raw, path, where, text)
    raise ScenarioError([where.problem(f"expected a SPEC, got {raw!r}", path, SPEC_HELP)])


def _distribution(data: dict, path: str, where: Where, text: str) -> Values:

    try:
        spec: Spec = TypeAdapter(AnyParam).validate_python(data)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ScenarioError([where.problem(f"{text}: {message}", path, SPEC_HELP)]) from None
    if not spec.random:
        return Values(text=text, levels=(spec.ppf(0.5),), where=where)
    return Values(text=text, dist=spec, where=where)


def _range(start: float, stop: float, count: Any, path: str, where: Where, text: str) -> Values:
    try:
        n = int(str(count).strip()[:12])
    except ValueError:
        n = 0
    if n > MAX_LEVELS:
        raise ScenarioError(
            [where.problem(f"range {text!r}: {n:,} values; at most {MAX_LEVELS:,}", path)]
        )
    if n < 2:
        raise ScenarioError(
            [
                where.problem(
                    f"range {text!r}: the count must be a whole number, at least 2; got {count!r}",
                    path,
                    "for example 0.05:0.25:5 gives 0.05, 0.1, 0.15, 0.2, 0.25",
                )
            ]
        )
    step = (stop - start) / (n - 1)
    # Rounded to 12 significant digits so that 0.05:0.25:5 gives 0.15, not 0.15000000000000002.
    levels = tuple(float(f"{start + k * step:.12g}") for k in range(n))
    return Values(text=text, levels=levels, where=where)


def _number(text: Any, path: str, where: Where, spec: str) -> float:
    try:
        if isinstance(text, bool) or not isinstance(text, int | float | str):
            raise ValueError
        value = float(text) if isinstance(text, int | float) else float(str(text).strip())
    except (ValueError, OverflowError):
        raise ScenarioError(
            [where.problem(f"{spec!r}: {_cut(text)} is not a number", path, SPEC_HELP)]
        ) from None
    try:
        return check_number(value)
    except ValueError as exc:
        raise ScenarioError([where.problem(f"{spec!r}: {exc}", path)]) from None


def _cut(value: Any) -> str:
    text = repr(value.strip() if isinstance(value, str) else value)
    return text if len(text) <= 40 else text[:37] + "..."


def _scalar(text: str, path: str, where: Where) -> Any:
    value, _ = parse_yaml(text, f"--param {path}")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ScenarioError(
            [where.problem(f"{_cut(text)} is not a number or a name", path, SPEC_HELP)]
        )
    return _level(value, path, where)


def _level(value: Any, path: str, where: Where) -> Any:
    """A number or a name a parameter takes; numbers must be finite and plausible."""
    try:
        return check_number(value)
    except ValueError as exc:
        raise ScenarioError([where.problem(str(exc), path)]) from None


def _show(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _flow(data: Any) -> str:
    if isinstance(data, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in data.items()) + "}"
    if isinstance(data, list):
        return "[" + ", ".join(_flow(v) for v in data) + "]"
    return _show(data)


def parse_params(items: list[str]) -> list[Factor]:
    """`--param PATH=SPEC` options: one factor each."""
    factors = []
    for item in items:
        path, sep, spec = item.partition("=")
        path = path.strip()
        if not sep or not path:
            raise ScenarioError.single(
                f"--param {item!r}: expected PATH=SPEC",
                file="--param",
                hint="for example --param talks.p_deal.freeze_for_relief=0.05:0.25:5",
            )
        factors.append(Factor(((path, parse_spec(spec, path, Where())),)))
    return factors


def parse_sets(items: list[str] | None) -> tuple[dict[str, Any], dict[str, Where]]:
    """`--set PATH=VALUE` options, values read as YAML (as `sim run` reads them), and
    where each was given."""
    values: dict[str, Any] = {}
    at: dict[str, Where] = {}
    for text in items or []:
        change = parse_override(text)
        values[change.path] = change.value
        at[change.path] = Where(change.file)
    return values, at
