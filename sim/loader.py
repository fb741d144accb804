"""Loading a scenario: read YAML, follow `extends`, apply `--set` overrides, validate once.

The result is a frozen `Scenario`. Every problem found on the way becomes a
`Problem` naming the file and line where the offending key was written (or the
`--set` that introduced it), the key path, what was expected, and a hint; all
problems are reported together.
"""

from __future__ import annotations

import copy
import difflib
import re
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Discriminator, ValidationError

from .distributions import DISTRIBUTIONS, JUDGMENT
from .errors import Problem, ScenarioError
from .facts import load_facts
from .schema import NOT_SETTABLE_PREFIXES, Scenario, leaves
from .yamlfile import parse_yaml, read_yaml

#: key path -> (file, line, column) of where the value was written.
Origins = dict[tuple, tuple[str, int | None, int | None]]

_NOT_INHERITED = ("name", "title", "description")


def load_scenario(
    path: str | Path,
    overrides: list[str] | dict[str, Any] | None = None,
    *,
    require_sources: bool = False,
) -> Scenario:
    """Load, resolve and validate a scenario file.

    `overrides` are `dotted.path=value` strings (values parsed as YAML) or a
    mapping of dotted paths to values. With `require_sources`, every numeric
    parameter must cite a fact or say `source: judgment`.
    """
    path = Path(path)
    data, origins = _read_chain(path, [])
    for key, value in _override_items(overrides):
        _apply_override(data, origins, key, value)
    data.setdefault("name", re.sub(r"[^A-Za-z0-9_.-]", "_", path.stem))
    return _validate(data, origins, str(path), require_sources=require_sources)


def scenario_from_dict(
    data: dict, *, label: str = "<dict>", base_dir: str | Path = "."
) -> Scenario:
    """Validate a scenario given as a mapping (for notebooks and tests)."""
    data = copy.deepcopy(data)
    if isinstance(data.get("facts"), str):
        data["facts"] = str((Path(base_dir) / data["facts"]).resolve())
    data.setdefault("name", "scenario")
    return _validate(data, {}, label)


# --------------------------------------------------------------------------- reading


def _read_chain(path: Path, stack: list[Path]) -> tuple[dict, Origins]:
    resolved = path.resolve()
    data, marks = read_yaml(path)
    file = str(path)
    if data is None:
        raise ScenarioError.single("the file is empty", file=file)
    if not isinstance(data, dict):
        raise ScenarioError.single(
            "a scenario must be a mapping of sections (arsenal:, talks:, ...)", file=file, line=1
        )
    origins: Origins = {k: (file, line, col) for k, (line, col) in marks.items()}
    facts = data.get("facts")
    if isinstance(facts, str):
        data["facts"] = str((path.parent / facts).resolve())
    parent = data.pop("extends", None)
    if parent is None:
        return data, origins
    _, line, col = origins.get(("extends",), (file, None, None))
    where = {"file": file, "line": line, "column": col, "path": "extends"}
    if not isinstance(parent, str):
        raise ScenarioError.single("expected a file name", **where)
    parent_path = path.parent / parent
    if not parent_path.is_file():
        raise ScenarioError.single(
            f"{parent!r} does not exist (looked for {parent_path})",
            hint="the path is relative to the file that extends it",
            **where,
        )
    chain = [*stack, resolved]
    if parent_path.resolve() in chain:
        names = " -> ".join(p.name for p in [*chain, parent_path.resolve()])
        raise ScenarioError.single(
            f"cycle: {names}",
            hint="a scenario cannot extend itself, directly or through others",
            **where,
        )
    base, base_origins = _read_chain(parent_path, chain)
    for key in _NOT_INHERITED:
        base.pop(key, None)
    return _merge(base, base_origins, data, origins, ())


def _merge(base: dict, base_o: Origins, over: dict, over_o: Origins, at: tuple):
    """Deep-merge `over` onto `base`: mappings merge, anything else replaces, null deletes.

    A parameter written as a distribution or `{value: ...}` replaces the inherited
    one whole (a child's `{uniform: ...}` must not merge with a parent's
    `{triangular: ...}`); a mapping with only `source`/`note` updates provenance.
    """
    out = dict(base)
    origins = dict(base_o) if not at else {}
    for key, value in over.items():
        here = (*at, key)
        if value is None:
            out.pop(key, None)
            _drop(origins, here)
            continue
        if (
            isinstance(value, dict)
            and isinstance(out.get(key), dict)
            and not any(k in DISTRIBUTIONS for k in value)  # a new distribution replaces
        ):
            out[key], sub = _merge(out[key], {}, value, over_o, here)
            origins.update(sub)
            if here in over_o:
                origins[here] = over_o[here]
        else:
            out[key] = value
            _drop(origins, here)
            origins.update({k: v for k, v in over_o.items() if k[: len(here)] == here})
    return out, origins


def _drop(origins: Origins, prefix: tuple) -> None:
    for key in [k for k in origins if k[: len(prefix)] == prefix]:
        del origins[key]


def _override_items(overrides) -> list[tuple[str, Any]]:
    if not overrides:
        return []
    if isinstance(overrides, dict):
        return list(overrides.items())
    items = []
    for text in overrides:
        if "=" not in text:
            raise ScenarioError.single(
                f"--set {text!r}: expected PATH=VALUE",
                file="--set",
                hint="for example --set talks.p_deal.freeze_for_relief=0.2",
            )
        key, raw = text.split("=", 1)
        value, _ = parse_yaml(raw, f"--set {text}") if raw.strip() else (None, {})
        items.append((key.strip(), value))
    return items


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


def _apply_override(data: dict, origins: Origins, key: str, value: Any) -> None:
    keys = key.split(".")
    if not all(keys):
        raise ScenarioError.single(f"--set {key}: empty key in the path", file="--set")
    set_path(data, key, value)
    here = tuple(keys)
    _drop(origins, here)
    origins[here] = (f"--set {key}={value!r}", None, None)


# --------------------------------------------------------------------------- validating


def _validate(data: dict, origins: Origins, file: str, *, require_sources: bool = False):
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_problems(exc, data, origins, file)) from None
    problems = _check_calendar(scenario, data, origins, file)
    facts, fact_problems = _check_sources(scenario, data, origins, file, require_sources)
    problems += fact_problems
    if problems:
        raise ScenarioError(problems)
    resolved = copy.deepcopy(data)
    scenario._resolved = resolved
    scenario._path = file
    scenario._facts = facts
    return scenario


def _where(loc: tuple, origins: Origins, file: str) -> dict:
    for n in range(len(loc), 0, -1):
        if loc[:n] in origins:
            f, line, col = origins[loc[:n]]
            return {"file": f, "line": line, "column": col}
    return {"file": file}


def _problems(exc: ValidationError, data: dict, origins: Origins, file: str) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc, allowed = _navigate(tuple(err["loc"]))
        message = err["msg"].removeprefix("Value error, ")
        hint = None
        kind = err["type"]
        if kind in ("value_error", "assertion_error"):
            loc, message = _peel(loc, message, data)
        if kind == "extra_forbidden":
            key = str(loc[-1])
            message = f"unknown key {key!r}"
            hint = _did_you_mean(key, allowed or [])
            if hint is None and allowed:
                hint = "expected one of: " + ", ".join(allowed)
        elif kind == "missing":
            message = f"missing required key {loc[-1]!r}"
            hint = _field_help(loc)
            if len(loc) == 1:
                hint = f"add a `{loc[0]}:` section" + (f" ({hint})" if hint else "")
        elif kind == "parameter":
            message, hint = _parameter_problem(err.get("input"))
        elif kind.startswith(("float_", "int_", "bool_", "string_", "literal_", "dict_")):
            message = (
                f"{message.replace('Input should be', 'expected')}, got {_short(err.get('input'))}"
            )
        where = _where(loc, origins, file)
        if "line" not in where and origins:  # nothing more precise: the top of the file
            where["line"] = 1
        problems.append(Problem(message, path=".".join(map(str, loc)) or None, hint=hint, **where))
    return _drop_explained(problems)


def _drop_explained(problems: list[Problem]) -> list[Problem]:
    """A key reported missing because it was misspelt needs only the misspelling reported."""
    misspelt = set()
    for p in problems:
        if p.message.startswith("unknown key") and p.hint and p.hint.startswith("did you mean"):
            parent = p.path.rsplit(".", 1)[0] if p.path and "." in p.path else ""
            misspelt.add((parent, p.hint.split("'")[1]))
    kept = []
    for p in problems:
        if p.message.startswith("missing required key") and p.path:
            parent, _, key = p.path.rpartition(".")
            if (parent, key) in misspelt:
                continue
        kept.append(p)
    return kept


def _parameter_problem(value: Any) -> tuple[str, str]:
    help_text = (
        "write a number, {value: x}, {uniform: [low, high]}, {triangular: [low, mode, high]}, "
        "{normal: [mean, sd]}, {lognormal: [median, sigma]}, {beta: [a, b]} or {choice: [...]}"
    )
    if not isinstance(value, dict):
        return f"expected a number or a distribution, got {_short(value)}", help_text
    kinds = [k for k in value if k in DISTRIBUTIONS]
    if len(kinds) > 1:
        return f"give one distribution, not {len(kinds)} ({', '.join(kinds)})", help_text
    unknown = [str(k) for k in value if k not in ("source", "note")]
    for key in unknown:
        hint = _did_you_mean(key, list(DISTRIBUTIONS))
        if hint:
            return f"{key!r} is not a distribution", hint
    if unknown:
        return f"{unknown[0]!r} is not a distribution", help_text
    return "no value or distribution given (only source/note)", help_text


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _peel(loc: tuple, message: str, data: dict) -> tuple[tuple, str]:
    """Validators write 'sub.key: message'; move the key into the location when it exists."""
    m = re.match(r"^([A-Za-z_][\w.-]*): (.*)$", message, re.S)
    if not m:
        return loc, message
    node = _get(data, loc)
    extra = tuple(m[1].split("."))
    if node is not None and _get(node, extra) is not None:
        return (*loc, *extra), m[2]
    return loc, message


def _get(node: Any, keys: tuple) -> Any:
    for k in keys:
        found = isinstance(node, dict) and k in node
        found = found or (isinstance(node, list) and isinstance(k, int) and k < len(node))
        if found:
            node = node[k]
        else:
            return None
    return node


def _did_you_mean(key: str, allowed: list[str]) -> str | None:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _kind_of(tp: Any) -> tuple[str, Any]:
    origin = get_origin(tp)
    if origin is Annotated:
        args = get_args(tp)
        if any(isinstance(m, Discriminator) for m in args[1:]):
            return ("param", None)
        return _kind_of(args[0])
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return ("model", tp)
    if origin is dict:
        return ("dict", get_args(tp)[1])
    if origin in (Union, types.UnionType):
        members = [m for m in get_args(tp) if m is not type(None)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        if len(members) == 1:
            return _kind_of(members[0])
        if len(models) == 1:
            return ("model", models[0])
    return ("other", None)


def _field_kind(field) -> tuple[str, Any]:
    if any(isinstance(m, Discriminator) for m in field.metadata):
        return ("param", None)
    return _kind_of(field.annotation)


def _navigate(loc: tuple) -> tuple[tuple, list[str] | None]:
    """Turn a pydantic error location into a key path, and list the keys allowed there."""
    clean: list = []
    kind: tuple[str, Any] = ("model", Scenario)
    allowed: list[str] | None = None
    for element in loc:
        what, payload = kind
        if what == "model":
            allowed = list(payload.model_fields)
            clean.append(element)
            field = payload.model_fields.get(element)
            kind = _field_kind(field) if field is not None else ("other", None)
        elif what == "dict":
            clean.append(element)
            allowed = None
            kind = _kind_of(payload)
        elif what == "param":
            if element in DISTRIBUTIONS:
                kind = ("model", DISTRIBUTIONS[element])
            elif element in ("number", "label"):
                kind = ("other", None)
            else:
                clean.append(element)
                kind = ("other", None)
        else:
            clean.append(element)
    return tuple(clean), allowed


def _field_help(loc: tuple) -> str | None:
    kind: tuple[str, Any] = ("model", Scenario)
    field = None
    for element in loc:
        what, payload = kind
        if what == "model":
            field = payload.model_fields.get(element)
            if field is None:
                return None
            kind = _field_kind(field)
        elif what == "dict":
            kind = _kind_of(payload)
        else:
            return None
    return field.description if field is not None else None


# --------------------------------------------------------------------------- cross-checks


def _check_calendar(scenario: Scenario, data: dict, origins: Origins, file: str) -> list[Problem]:
    problems = []
    params = leaves(scenario)
    settable = [p for p in params if not p.startswith(NOT_SETTABLE_PREFIXES)]
    for key, entry in scenario.calendar.items():
        for target in entry.set:
            loc = ("calendar", key, "set", target)
            where = _where(loc, origins, file)
            if target not in params:
                problems.append(
                    Problem(
                        f"{target!r} is not a parameter of this scenario",
                        path=".".join(loc),
                        hint=_did_you_mean(target, settable)
                        or "use the dotted path of a parameter, e.g. talks.us_demand",
                        **where,
                    )
                )
                continue
            if target.startswith(NOT_SETTABLE_PREFIXES):
                problems.append(
                    Problem(
                        f"{target} is fixed for the whole run and cannot be changed by an event",
                        path=".".join(loc),
                        hint="set it at the top of the scenario instead",
                        **where,
                    )
                )
                continue
            trial = copy.deepcopy(data)
            set_path(trial, target, _get(data, loc))
            try:
                Scenario.model_validate(trial)
            except ValidationError as exc:
                for problem in _problems(exc, trial, {}, file):
                    problems.append(
                        Problem(
                            f"setting {target} here: {problem.message}",
                            path=".".join(loc),
                            hint=problem.hint,
                            **where,
                        )
                    )
    return problems


def _check_sources(scenario: Scenario, data: dict, origins: Origins, file: str, require: bool):
    cited: list[tuple[tuple, str]] = []
    problems: list[Problem] = []
    for path, spec in leaves(scenario).items():
        loc = tuple(path.split("."))
        ids = spec.sources()
        written = _get(data, loc) is not None  # a default left alone needs no source
        if require and written and not ids and not isinstance(spec.ppf(0.5), str):
            problems.append(
                Problem(
                    "no source: cite a fact id or say `source: judgment`",
                    path=path,
                    hint=f"write {{value: {spec.describe()}, source: ...}} or add source: "
                    "to the distribution",
                    **_where(loc, origins, file),
                )
            )
        cited += [((*loc, "source"), i) for i in ids]
    for key, entry in scenario.calendar.items():
        ids = [entry.source] if isinstance(entry.source, str) else list(entry.source or [])
        cited += [(("calendar", key, "source"), i) for i in ids]
    needed = [(loc, i) for loc, i in cited if i != JUDGMENT]
    facts: dict = {}
    if not needed:
        return facts, problems
    if scenario.facts is None:
        loc, fact_id = needed[0]
        problems.append(
            Problem(
                f"cites fact {fact_id!r} but the scenario names no facts file",
                path=".".join(loc[:-1]),
                hint="add `facts: ../seeds/facts.yaml` (relative to the scenario file)",
                **_where(loc, origins, file),
            )
        )
        return facts, problems
    facts_path = Path(scenario.facts)
    if not facts_path.is_file():
        problems.append(
            Problem(
                f"facts file {scenario.facts} does not exist",
                path="facts",
                hint="the path is relative to the scenario file that names it",
                **_where(("facts",), origins, file),
            )
        )
        return facts, problems
    known = load_facts(facts_path)
    for loc, fact_id in needed:
        if fact_id in known:
            facts[fact_id] = known[fact_id]
        else:
            problems.append(
                Problem(
                    f"unknown fact id {fact_id!r}",
                    path=".".join(map(str, loc[:-1])),
                    hint=_did_you_mean(fact_id, list(known))
                    or f"add it to {facts_path.name} or write `source: judgment`",
                    **_where(loc, origins, file),
                )
            )
    return facts, problems
