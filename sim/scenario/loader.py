"""Loading a scenario: read YAML, follow `extends`, apply overrides, validate once.

The result is a frozen `Scenario` whose `resolved` data is exactly what was
validated and what runs. Every problem found on the way becomes a `Problem`
naming the file and line where the offending value was written (the child
file that overrides a parent's value, not the parent; the `--set` or `--param`
that introduced it), the key path, what was expected, and a hint; all problems
are reported together.

Reading is bounded: at most `MAX_EXTENDS` files extend one another (read in a
loop, not by recursion), each file is read by `yamlfile` (size, aliases and
nesting bounded), a parent must be a `.yaml` scenario file (a file that is not
one is refused without quoting it), and merging is linear in the size of the
files.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import Problem, ScenarioError
from sim.scenario.crosschecks import YAML_SUFFIXES, check_calendar, check_sources
from sim.scenario.distributions import DISTRIBUTIONS
from sim.scenario.messages import Origins, problems_of, where
from sim.scenario.schema import Scenario
from sim.scenario.yamlfile import MAX_DEPTH, control_character, parse_yaml, read_yaml

#: Most scenario files in one `extends` chain.
MAX_EXTENDS = 32
#: Most keys in the dotted path of one override.
MAX_PATH_KEYS = 16

_NOT_INHERITED = ("name", "title", "description")
_SCENARIO_KEYS = frozenset(Scenario.model_fields)


@dataclass(frozen=True)
class Override:
    """One change `path=value` to a loaded scenario, and where it was written.

    `file` is what messages name: `--set talks.rounds_per_year=3`, `--param`,
    or a sweep file (with its line); `text` is `PATH=VALUE` as typed, if it was.
    """

    path: str
    value: Any
    file: str = "--set"
    line: int | None = None
    column: int | None = None
    text: str | None = None

    def __str__(self) -> str:
        """`PATH=VALUE`: as typed, else with the value written as YAML (flow style)."""
        if self.text is not None:
            return self.text
        value = self.value
        shown = value if isinstance(value, str) else "" if value is None else json.dumps(value)
        return f"{self.path}={shown}"


#: Overrides as `--set` gives them (`PATH=VALUE` strings or `Override`s), or a mapping
#: of paths to values (the Python API's `{"deal.relief": 0.3}`).
Overrides = Sequence[str | Override] | dict[str, Any] | None


def load_scenario(
    path: str | Path,
    overrides: Overrides = None,
    *,
    require_sources: bool = False,
) -> Scenario:
    """Load, resolve and validate a scenario file.

    `overrides` are `dotted.path=value` strings (values parsed as YAML),
    `Override`s, or a mapping of dotted paths to values. With `require_sources`,
    every numeric parameter must cite a fact or say `source: judgment`.
    """
    path = Path(path)
    changes = overrides_of(overrides)
    data, origins, chain = _read_chain(path)
    for change in changes:
        _apply(data, origins, change)
    data.setdefault("name", name_of(path))
    scenario = _validate(data, origins, str(path), chain, require_sources=require_sources)
    scenario._overrides = [str(change) for change in changes]
    return scenario


def scenario_from_dict(
    data: dict, *, label: str = "<dict>", base_dir: str | Path = "."
) -> Scenario:
    """Validate a scenario given as a mapping (for notebooks and tests)."""
    if not isinstance(data, dict):
        raise ScenarioError.single("a scenario must be a mapping of sections", file=label)
    problems = _shape(data, {}, label)
    if problems:
        raise ScenarioError(problems)
    if data.get("extends") is not None:
        raise ScenarioError.single(
            "only a scenario file can extend another",
            file=label,
            path="extends",
            hint="load the file with sim.load_scenario, or merge the data yourself",
        )
    data = copy.deepcopy(data)
    if isinstance(data.get("facts"), str):
        data["facts"] = os.path.realpath(os.path.join(base_dir, data["facts"]))
    data.setdefault("name", "scenario")
    return _validate(data, {}, label)


def apply_overrides(scenario: Scenario, overrides: Overrides) -> Scenario:
    """A loaded scenario with `overrides` applied and validated again, as `load_scenario`
    would have given it: for a `Scenario` object where a command takes `--set`.

    Problems name the override (`--set PATH=VALUE`), or the scenario's file for the rest.
    """
    changes = overrides_of(overrides)
    if not changes:
        return scenario
    data = copy.deepcopy(scenario.resolved) or scenario.model_dump(mode="json", exclude_unset=True)
    origins: Origins = {}
    for change in changes:
        _apply(data, origins, change)
    file = scenario.path or f"<scenario {scenario.name}>"
    changed = _validate(data, origins, file, [file])
    changed._path = scenario.path
    changed._overrides = [*scenario.overrides, *(str(change) for change in changes)]
    return changed


def name_of(path: Path) -> str:
    """A safe folder name from a file's stem: `../x y.yaml` -> `x_y`, `.yaml` -> `_yaml`."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", path.stem)[:100]
    return re.sub(r"^[.-]", "_", name) or "scenario"


# --------------------------------------------------------------------------- reading


def _read_chain(path: Path) -> tuple[dict, Origins, list[str]]:
    """Read a file and the files it extends, then merge them from the root down;
    return the data, its origins and the files read (the given one first)."""
    files: list[tuple[dict, Origins]] = []
    seen: list[str] = []
    chain: list[Path] = []
    current, named_at = path, None
    while True:
        data, origins, parent, at = _read_one(current, named_at)
        chain.append(current)
        seen.append(os.path.realpath(current))
        files.append((data, origins))
        if parent is None:
            break
        if len(files) >= MAX_EXTENDS:
            raise ScenarioError.single(
                f"more than {MAX_EXTENDS} scenario files extend one another",
                hint="a chain this long is a mistake; extend a complete scenario instead",
                **at,
            )
        if os.path.realpath(parent) in seen:
            names = " -> ".join(Path(p).name for p in [*seen, os.path.realpath(parent)])
            raise ScenarioError.single(
                f"cycle: {names}",
                hint="a scenario cannot extend itself, directly or through others",
                **at,
            )
        current, named_at = parent, at
    data, origins = files.pop()
    while files:
        child, child_origins = files.pop()
        for key in _NOT_INHERITED:
            data.pop(key, None)
        data = _merge(data, child)
        origins = _merged_origins(data, origins, child_origins)
    return data, origins, [str(f) for f in chain]


def _read_one(path: Path, named_at: dict | None):
    """One scenario file: its data (without `extends`), origins, and the parent it names."""
    file = str(path)
    if named_at is not None:
        if path.suffix.lower() not in YAML_SUFFIXES:
            raise ScenarioError.single(
                f"{path.name!r} is not a scenario file (.yaml or .yml)",
                hint="a scenario extends another scenario file",
                **named_at,
            )
        if not os.path.lexists(path):
            raise ScenarioError.single(
                f"{path.name!r} does not exist (looked for {path})",
                hint="the path is relative to the file that extends it",
                **named_at,
            )
    data, marks = read_yaml(path)
    if data is None:
        raise ScenarioError.single("the file is empty", file=file)
    if not isinstance(data, dict):
        raise ScenarioError.single(
            "a scenario must be a mapping of sections (arsenal:, talks:, ...)", file=file, line=1
        )
    if not any(isinstance(k, str) and k in _SCENARIO_KEYS for k in data):
        raise ScenarioError.single(  # its keys are not quoted: it may be any file at all
            "not a scenario file: none of its top-level keys is a scenario key",
            file=file,
            hint="a scenario has start:, arsenal:, talks:, deal:, provocations:, council: "
            "or extends: at the top",
        )
    origins: Origins = {k: (file, line, col) for k, (line, col) in marks.items()}
    facts = data.get("facts")
    if isinstance(facts, str):
        data["facts"] = os.path.realpath(os.path.join(path.parent, facts))
    parent = data.pop("extends", None)
    if parent is None:
        return data, origins, None, None
    _, line, col = origins.get(("extends",), (file, None, None))
    at = {"file": file, "line": line, "column": col, "path": "extends"}
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError.single("expected a file name", **at)
    return data, origins, path.parent / parent, at


def _merge(base: dict, over: dict) -> dict:
    """Deep-merge `over` onto `base`: mappings merge, anything else replaces, null deletes.

    A parameter written as a distribution or `{value: ...}` replaces the inherited
    one whole (a child's `{uniform: ...}` must not merge with a parent's
    `{triangular: ...}`); a mapping with only `source`/`note` updates provenance.
    Each level is copied once, so merging is linear in the size of the data.
    """
    out = dict(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        elif (
            isinstance(value, dict)
            and isinstance(out.get(key), dict)
            and not any(k in DISTRIBUTIONS for k in value)  # a new distribution replaces
        ):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _merged_origins(merged: dict, base: Origins, over: Origins) -> Origins:
    """Where each key of the merged data was written: the child where it wrote the key.

    The child's keys that are not in the merged data (those it deleted with null)
    keep their place, so a key missing because a child deleted it points there.
    """
    out: Origins = {}
    stack: list[tuple[tuple, Any]] = [((), merged)]
    while stack:
        path, node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            here = (*path, key)
            origin = over.get(here) or base.get(here)
            if origin is not None:
                out[here] = origin
            if isinstance(value, dict | list):
                stack.append((here, value))
    for key, origin in over.items():
        out.setdefault(key, origin)
    return out


#: A problem reported at one key that a change to another key can cause (the horizon
#: moved by a child's `start`, an administration's multiplier deleted): when the other
#: key was written later (in a child of the key's file, or by an override), look there.
_CAUSES = {
    "outside the horizon": (("start",), ("horizon_years",)),
    "has no engagement multiplier": (("talks", "engagement"),),
    "is not a facility": (("arsenal", "facilities"),),
}


def _blame_changes(problems: list[Problem], origins: Origins, chain: list[str]) -> list:
    def recency(file: str | None) -> int:  # overrides, then the given file, then its parents
        return -chain.index(file) if file in chain else 1

    out = []
    for p in problems:
        causes = [keys for phrase, keys in _CAUSES.items() if phrase in p.message]
        if causes:
            changed = sorted(
                (
                    origin
                    for key, origin in origins.items()
                    if any(key[: len(c)] == c for c in causes[0])
                ),
                key=lambda origin: -recency(origin[0]),
            )
            if changed and recency(changed[0][0]) > recency(p.file):
                file, line, column = changed[0]
                hint = f"{p.path} is written at {p.location()}; this change makes it wrong"
                p = replace(p, file=file, line=line, column=column, hint=hint)
        out.append(p)
    return out


# --------------------------------------------------------------------------- overrides


def overrides_of(overrides: Overrides) -> list[Override]:
    """`Override`s from `PATH=VALUE` strings, `Override`s or a mapping of paths to values."""
    if not overrides:
        return []
    if isinstance(overrides, dict):
        return [Override(str(k), v, label("--set", f"{k}={v}")) for k, v in overrides.items()]
    return [o if isinstance(o, Override) else parse_override(o) for o in overrides]


def parse_override(text: str, option: str = "--set") -> Override:
    """`PATH=VALUE` as typed after `--set`; the value is read as YAML."""
    shown = label(option, text)
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError.single(
            "expected PATH=VALUE",
            file=shown,
            hint="for example --set talks.p_deal.freeze_for_relief=0.2",
        )
    value = parse_yaml(raw, shown)[0] if raw.strip() else None
    return Override(key.strip(), value, shown, text=text)


def label(option: str, text: str) -> str:
    """`--set PATH=VALUE` as shown in messages, cut at 80 characters."""
    return f"{option} {text if len(text) <= 80 else text[:77] + '...'}"


def set_path(data: dict, path: str, value: Any) -> None:
    """`data[a][b][c] = value` for the dotted path `a.b.c`, making mappings on the way.

    A value that is not a mapping where the path goes on is replaced by one (so
    `--set arsenal.growth.value=0.1` works where `growth` was written as a bare
    number); validation then judges the result.
    """
    keys = path.split(".")
    node = data
    for k in keys[:-1]:
        if not isinstance(node.get(k), dict):
            node[k] = {}
        node = node[k]
    node[keys[-1]] = value


def _apply(data: dict, origins: Origins, change: Override) -> None:
    keys = change.path.split(".")
    at = {"file": change.file, "line": change.line, "column": change.column}

    def refuse(message: str, hint: str | None = None) -> ScenarioError:
        return ScenarioError.single(message, path=change.path[:80], hint=hint, **at)

    if not all(keys):
        raise refuse("empty key in the path")
    if len(keys) > MAX_PATH_KEYS or control_character(change.path, key=True):
        raise refuse("not a key path of a scenario", "write a dotted path such as deal.relief")
    if keys[0] == "extends":
        raise refuse(
            "the file a scenario extends cannot be changed by an override",
            "write a scenario file with `extends:` and the changes instead",
        )
    value = change.value
    if keys == ["facts"] and isinstance(value, str):  # a path typed on the command line
        value = os.path.realpath(value)
    fresh, node = len(keys) - 1, data  # keys from index `fresh` on are written by the change
    for i, k in enumerate(keys[:-1]):
        if not isinstance(node.get(k), dict):
            fresh = i
            break
        node = node[k]
    set_path(data, ".".join(keys), value)
    prefix = tuple(keys[: fresh + 1])
    for key in [k for k in origins if k[: len(prefix)] == prefix]:
        del origins[key]
    for n in range(fresh + 1, len(keys) + 1):
        origins[tuple(keys[:n])] = (change.file, change.line, change.column)


# --------------------------------------------------------------------------- validating


def _validate(
    data: dict,
    origins: Origins,
    file: str,
    chain: list[str] | None = None,
    *,
    require_sources: bool = False,
):
    """The scenario `data` describes, or ScenarioError with every problem; a problem that
    an override (or a file later in `chain`, extends first) caused names that change."""
    try:
        return _checked(data, origins, file, require_sources)
    except ScenarioError as exc:
        raise ScenarioError(_blame_changes(exc.problems, origins, chain or [file])) from None


def _checked(data: dict, origins: Origins, file: str, require_sources: bool):
    problems = _shape(data, origins, file)
    if problems:
        raise ScenarioError(problems)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problems_of(exc.errors(), data, origins, file)) from None
    problems = check_calendar(scenario, data, origins, file)
    facts, fact_problems = check_sources(scenario, data, origins, file, require_sources)
    problems += fact_problems
    if problems:
        raise ScenarioError(problems)
    scenario._resolved = copy.deepcopy(data)
    scenario._path = file
    scenario._facts = facts
    return scenario


def _shape(data: dict, origins: Origins, file: str) -> list[Problem]:
    """Nesting and text that no YAML file could give but a mapping or override can.

    Files and `--set` values were checked when read (`yamlfile`); this covers
    mappings given from Python, without recursion.
    """
    problems: list[Problem] = []
    stack: list[tuple[tuple, Any]] = [((), data)]
    while stack and len(problems) < 20:
        path, node = stack.pop()
        if len(path) > 2 * MAX_DEPTH:
            problems.append(Problem("nested too deeply", path=".".join(map(str, path[:8]))))
            continue
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            here = (*path, key)
            bad = control_character(key, key=True) if isinstance(key, str) else None
            if isinstance(value, str):
                bad = bad or control_character(value)
            if bad:
                problems.append(
                    Problem(
                        f"contains the control character {bad}",
                        path=".".join(map(str, here))[:120],
                        hint="remove it; text may hold newlines and tabs only",
                        **where(here, origins, file),
                    )
                )
            elif isinstance(value, dict | list):
                stack.append((here, value))
    return problems
