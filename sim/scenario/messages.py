"""Turning pydantic's validation errors into `Problem`s an analyst can act on.

Pydantic reports a location in its own terms (union tags, list indices, model
fields) and a generic message. Here each error becomes a key path as written in
the scenario, the file and line where that key was written (`Origins`, kept by
the loader: a child file, a parent, or the `--set`/`--param` that wrote it), a
message in the scenario's terms and a hint (a did-you-mean for a misspelt key,
the accepted forms of a parameter, the description of a missing key).
"""

from __future__ import annotations

import difflib
import math
import re
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from sim.errors import Problem
from sim.scenario.distributions import DISTRIBUTIONS
from sim.scenario.params import WrittenAs
from sim.scenario.schema import Scenario

#: key path -> (file, line, column) of where the value was written.
Origins = dict[tuple, tuple[str, int | None, int | None]]

#: Pydantic error kinds whose message reads well followed by ", got <the value>".
KINDS_WITH_INPUT: tuple[str, ...] = (
    "float_",
    "int_",
    "bool_",
    "string_",
    "literal_",
    "dict_",
    "finite",
    "less",
)
KINDS_WITH_INPUT += ("greater", "list_", "tuple_", "too_")

_PARAMETER_FORMS = (
    "write a number, {value: x}, {uniform: [low, high]}, {triangular: [low, mode, high]}, "
    "{normal: [mean, sd]}, {lognormal: [median, sigma]}, {beta: [a, b]} or {choice: [...]}"
)


def where(loc: tuple, origins: Origins, file: str) -> dict:
    """File, line and column of the closest key on `loc` (or above it) whose origin is known."""
    known = nearest(loc, origins)
    if known is None:
        return {"file": file}
    f, line, col = known
    return {"file": f, "line": line, "column": col}


def nearest(loc: tuple, table: dict) -> Any:
    """What `table` holds for the closest key on `loc` (or above it) that it knows, or None."""
    for n in range(len(loc), 0, -1):
        if loc[:n] in table:
            return table[loc[:n]]
    return None


def problems_of(
    errors: list[ErrorDetails], data: dict, origins: Origins, file: str
) -> list[Problem]:
    """One located `Problem` per pydantic error (`errors()` of a Scenario's ValidationError)."""
    problems = []
    for err in errors:
        loc, allowed = navigate(tuple(err["loc"]))
        message = err["msg"].removeprefix("Value error, ")
        hint = None
        kind = err["type"]
        if kind in ("value_error", "assertion_error"):
            loc, message = peel(loc, message, data)
        if kind == "extra_forbidden":
            key = str(loc[-1])
            message = f"unknown key {short(key)}"
            hint = did_you_mean(key, allowed or [])
            if hint is None and allowed:
                hint = "expected one of: " + ", ".join(allowed)
        elif kind == "missing" and isinstance(loc[-1], int):
            message = f"too few values: item {loc[-1] + 1} is missing"
            loc = loc[:-1]
        elif kind == "missing":
            message = f"missing required key {loc[-1]!r}"
            hint = _field_help(loc)
            if len(loc) == 1:
                hint = f"add a `{loc[0]}:` section" + (f" ({hint})" if hint else "")
        elif kind == "parameter":
            message, hint = _parameter_problem(err.get("input"))
        elif kind.startswith(KINDS_WITH_INPUT):
            message = (
                f"{message.replace('Input should be', 'expected')}, got {short(err.get('input'))}"
            )
            hint = _number_hint(err.get("input"))
        at = where(loc, origins, file)
        if "line" not in at and origins:  # nothing more precise: the top of the file
            at["line"] = 1
        problems.append(Problem(message, path=".".join(map(str, loc)) or None, hint=hint, **at))
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
    if not isinstance(value, dict):
        return (
            f"expected a number or a distribution, got {short(value)}",
            _number_hint(value) or _PARAMETER_FORMS,
        )
    kinds = [k for k in value if k in DISTRIBUTIONS]
    if len(kinds) > 1:
        return f"give one distribution, not {len(kinds)} ({', '.join(kinds)})", _PARAMETER_FORMS
    unknown = [str(k) for k in value if k not in ("source", "note")]
    for key in unknown:
        hint = did_you_mean(key, list(DISTRIBUTIONS))
        if hint:
            return f"{short(key)} is not a distribution", hint
    if unknown:
        return f"{short(unknown[0])} is not a distribution", _PARAMETER_FORMS
    return "no value or distribution given (only source/note)", _PARAMETER_FORMS


def _number_hint(value: Any) -> str | None:
    """For text that was meant as a number (`1,000`, `12%`), say how to write it."""
    if not isinstance(value, str):
        return None
    bare = value.strip().replace(",", "").replace("_", "").rstrip("%")
    try:
        if not math.isfinite(float(bare)):
            return None
    except ValueError:
        return None
    return f"write the number plainly, e.g. {bare} (no thousands separators or %)"


def short(value: Any) -> str:
    """A value as shown in a message: its repr, cut at 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def peel(loc: tuple, message: str, data: Any) -> tuple[tuple, str]:
    """Validators write 'sub.key: message'; move the key into the location when it exists.

    A number in the key (`freezes.1.id`) is an index when it meets a list.
    """
    m = re.match(r"^([A-Za-z_][\w.-]*): (.*)$", message, re.S)
    if not m:
        return loc, message
    node = get(data, loc)
    extra = []
    for name in m[1].split("."):
        index = isinstance(node, list) and name.isascii() and name.isdigit()
        key = int(name) if index else name
        node = get(node, (key,))
        if node is None:
            return loc, message
        extra.append(key)
    return (*loc, *extra), m[2]


def get(node: Any, keys: tuple) -> Any:
    """The value at a key path, or None."""
    for k in keys:
        found = isinstance(node, dict) and k in node
        found = found or (isinstance(node, list) and isinstance(k, int) and 0 <= k < len(node))
        if found:
            node = node[k]
        else:
            return None
    return node


def did_you_mean(key: str, allowed: list[str]) -> str | None:
    """`did you mean 'x'?` for the closest allowed name, if one is close."""
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _kind_of(tp: Any) -> tuple[str, Any]:
    origin = get_origin(tp)
    if origin is Annotated:
        args = get_args(tp)
        if any(isinstance(m, WrittenAs) for m in args[1:]):
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
    if any(isinstance(m, WrittenAs) for m in field.metadata):
        return ("param", None)
    return _kind_of(field.annotation)


def navigate(loc: tuple) -> tuple[tuple, list[str] | None]:
    """Turn a pydantic error location into a key path, and list the keys allowed there."""
    clean: list = []
    kind: tuple[str, Any] = ("model", Scenario)
    allowed: list[str] | None = None
    for element in loc:
        what, payload = kind
        if element == "[key]":  # the key itself is wrong (not text): its path ends before
            break
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
