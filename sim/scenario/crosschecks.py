"""Checks across a validated scenario that one field's validator cannot make.

A calendar entry's `set:` must name a parameter an event may change, with a
value valid for it (checked by validating only the target's section, copying
only the mappings on its path, so a long calendar stays cheap); every fact id
a parameter cites must exist in the facts file the scenario names. Problems
are located through the loader's origins, like every other.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from sim.errors import Problem
from sim.scenario.distributions import JUDGMENT
from sim.scenario.facts import load_facts
from sim.scenario.messages import Origins, did_you_mean, get, problems_of, where
from sim.scenario.schema import NOT_SETTABLE_PREFIXES, Scenario, leaves

#: What a facts file must end with (it is named by a scenario, which may name any file).
YAML_SUFFIXES = (".yaml", ".yml")


def check_calendar(scenario: Scenario, data: dict, origins: Origins, file: str) -> list[Problem]:
    problems = []
    params = leaves(scenario)
    settable = [p for p in params if not p.startswith(NOT_SETTABLE_PREFIXES)]
    for key, entry in scenario.calendar.items():
        for target in entry.set:
            loc = ("calendar", key, "set", target)
            at = where(loc, origins, file)
            if target not in params:
                problems.append(
                    Problem(
                        f"{target[:60]!r} is not a parameter of this scenario",
                        path=".".join(loc),
                        hint=did_you_mean(target, settable)
                        or "use the dotted path of a parameter, e.g. talks.us_demand",
                        **at,
                    )
                )
                continue
            if target.startswith(NOT_SETTABLE_PREFIXES):
                problems.append(
                    Problem(
                        f"{target} is fixed for the whole run and cannot be changed by an event",
                        path=".".join(loc),
                        hint="set it at the top of the scenario instead",
                        **at,
                    )
                )
                continue
            for problem in _try_setting(data, target, get(data, loc), file):
                problems.append(
                    Problem(
                        f"setting {target} here: {problem.message}",
                        path=".".join(loc),
                        hint=problem.hint,
                        **at,
                    )
                )
    return problems


def _try_setting(data: dict, target: str, value: Any, file: str) -> list[Problem]:
    """Problems of the target's section with the value set (only the section is validated,
    and only the mappings on the path are copied, so many entries stay cheap)."""
    section, _, rest = target.partition(".")
    trial = dict(data[section]) if isinstance(data.get(section), dict) else {}
    node = trial
    for k in rest.split(".")[:-1]:
        node[k] = dict(node[k]) if isinstance(node.get(k), dict) else {}
        node = node[k]
    node[rest.split(".")[-1]] = value
    model = Scenario.model_fields[section].annotation
    # `target` is one of `leaves(scenario)`, so its first part names a section: a model.
    assert isinstance(model, type) and issubclass(model, BaseModel)
    try:
        model.model_validate(trial)
    except ValidationError as exc:
        errors: list[ErrorDetails] = [{**e, "loc": (section, *e["loc"])} for e in exc.errors()]
        return problems_of(errors, {section: trial}, {}, file)
    return []


def check_sources(scenario: Scenario, data: dict, origins: Origins, file: str, require: bool):
    cited: list[tuple[tuple, str]] = []
    problems: list[Problem] = []
    for path, spec in leaves(scenario).items():
        loc = tuple(path.split("."))
        ids = spec.sources()
        written = get(data, loc) is not None  # a default left alone needs no source
        if require and written and not ids and not isinstance(spec.ppf(0.5), str):
            problems.append(
                Problem(
                    "no source: cite a fact id or say `source: judgment`",
                    path=path,
                    hint=f"write {{value: {spec.describe()}, source: ...}} or add source: "
                    "to the distribution",
                    **where(loc, origins, file),
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
                f"cites fact {fact_id[:60]!r} but the scenario names no facts file",
                path=".".join(loc[:-1]),
                hint="add `facts: ../seeds/facts.yaml` (relative to the scenario file)",
                **where(loc, origins, file),
            )
        )
        return facts, problems
    facts_path = Path(scenario.facts)
    at = where(("facts",), origins, file)
    if facts_path.suffix.lower() not in YAML_SUFFIXES or not os.path.lexists(facts_path):
        missing = "is not a .yaml file" if os.path.lexists(facts_path) else "does not exist"
        problems.append(
            Problem(
                f"facts file {scenario.facts} {missing}",
                path="facts",
                hint="the path is relative to the scenario file that names it",
                **at,
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
                    f"unknown fact id {fact_id[:60]!r}",
                    path=".".join(map(str, loc[:-1])),
                    hint=did_you_mean(fact_id, list(known))
                    or f"add it to {facts_path.name} or write `source: judgment`",
                    **where(loc, origins, file),
                )
            )
    return facts, problems
