"""The scenario format: a `Scenario` of sections, and every parameter by its dotted path.

Validated once at load and frozen; nothing downstream re-checks or mutates it.
The sections are in `sections`; here are the top level (name, start, horizon,
the run's defaults), the checks across sections, the dotted paths of every
parameter (`leaves`, `parameters`) and the JSON Schema of a scenario file.
"""

from __future__ import annotations

import hashlib
import json
from html import escape
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr, field_validator, model_validator

from sim.scenario.dates import parse_date, parse_month
from sim.scenario.distributions import Spec
from sim.scenario.params import Name
from sim.scenario.sections import (
    MAX_ROLL_YEARS,
    Arsenal,
    CalendarEntry,
    Council,
    Deal,
    Provocations,
    RunDefaults,
    Section,
    Talks,
)


class Scenario(Section):
    """A scenario file, resolved (after `extends` and overrides) and validated."""

    name: Name = Field(description="Used for the results folder.")
    title: str | None = None
    description: str | None = None
    extends: str | None = Field(None, description="A scenario file this one modifies.")
    facts: str | None = Field(None, description="The facts file that `source:` ids refer to.")
    start: Any = Field(description="First month of the simulation, e.g. 2026-01.")
    horizon_years: int = Field(10, ge=1, le=50)
    run: RunDefaults = RunDefaults()
    arsenal: Arsenal
    talks: Talks
    deal: Deal
    provocations: Provocations
    council: Council
    calendar: dict[str, CalendarEntry] = Field(default_factory=dict)

    # Set by the loader: the merged YAML as written, where it came from, the cited facts,
    # the overrides applied (`PATH=VALUE`).
    _resolved: dict = PrivateAttr(default_factory=dict)
    _path: str | None = PrivateAttr(None)
    _facts: dict = PrivateAttr(default_factory=dict)
    _overrides: list[str] = PrivateAttr(default_factory=list)

    @field_validator("start")
    @classmethod
    def _start(cls, v: Any) -> Any:
        parse_month(v)
        return v

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        if isinstance(self.deal.covers, list):
            for name in self.deal.covers:
                if name not in self.arsenal.facilities:
                    raise ValueError(
                        f"deal.covers: {name!r} is not a facility "
                        f"(facilities: {', '.join(self.arsenal.facilities)})"
                    )
        start = self.start_month
        if not 0 <= self.lead_months <= 12 * MAX_ROLL_YEARS:  # 0 without an estimate date
            raise ValueError(
                f"arsenal.estimate_date: {self.arsenal.estimate_date} must lie at most "
                f"{MAX_ROLL_YEARS} years before the start ({start}), not after it"
            )
        end = start.plus(self.horizon_months)
        for key, entry in self.calendar.items():
            if entry.at is not None and not start.index <= parse_date(entry.at) < end.index:
                raise ValueError(
                    f"calendar.{key}.at: {entry.at} is outside the horizon ({start} to {end})"
                )
        return self

    @property
    def start_month(self):
        return parse_month(self.start)

    @property
    def resolved(self) -> dict:
        """The scenario as resolved after `extends` and overrides, as plain YAML data."""
        return self._resolved

    @property
    def path(self) -> str | None:
        """The file it was loaded from, if any."""
        return self._path

    @property
    def overrides(self) -> list[str]:
        """The overrides applied after `extends` (`--set`, a sweep's `set:`), as `PATH=VALUE`."""
        return list(self._overrides)

    @property
    def facts_cited(self) -> dict:
        """The facts (id -> Fact) that this scenario's parameters cite."""
        return self._facts

    def content_hash(self) -> str:
        """A hash of everything that affects the numbers (not the name or prose)."""

        data = self.model_dump(
            mode="json", exclude={"name", "title", "description", "facts", "extends", "run"}
        )
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def horizon_months(self) -> int:
        return 12 * self.horizon_years

    def _glance(self) -> list[tuple[str, str]]:
        """What the scenario is at a glance: title, months, uncertain inputs, run defaults."""
        uncertain = [path for path, spec in parameters(self).items() if spec.random]
        end = self.start_month.plus(self.horizon_months)
        rows = [
            ("months", f"{self.start_month} to {end} ({self.horizon_years} years)"),
            ("uncertain parameters", f"{len(uncertain)} drawn per replication"),
            ("run", f"{self.run.replications:,} replications, seed {self.run.seed}"),
        ]
        if self.title:
            rows.insert(0, ("title", self.title))
        if self.path:
            rows.append(("file", self.path))
        return rows

    def __repr__(self) -> str:
        lines = [f"<Scenario {self.name!r}"] + [f"  {k}: {v}" for k, v in self._glance()]
        return "\n".join(lines) + ">"

    __str__ = __repr__  # pydantic's would print every field

    def _repr_html_(self) -> str:

        rows = "".join(
            f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in self._glance()
        )
        return f"<p><b>Scenario</b> {escape(self.name)}</p><table><tbody>{rows}</tbody></table>"

    @property
    def lead_months(self) -> int:
        """Months from the arsenal's estimate date to the start (0 without one)."""
        if self.arsenal.estimate_date is None:
            return 0
        return self.start_month.index - parse_month(self.arsenal.estimate_date).index


def leaves(model: BaseModel, prefix: str = "") -> dict[str, Spec]:
    """Every parameter of a validated model, by dotted path, in file order."""
    out: dict[str, Spec] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, Spec):
            out[path] = value
        elif isinstance(value, BaseModel):
            out.update(leaves(value, path + "."))
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, Spec):
                    out[f"{path}.{key}"] = item
                elif isinstance(item, BaseModel) and not isinstance(item, CalendarEntry):
                    out.update(leaves(item, f"{path}.{key}."))
    return out


def parameters(scenario: Scenario) -> dict[str, Spec]:
    """Every parameter of a scenario by dotted path: `leaves` and each calendar entry's chance."""
    params = leaves(scenario)
    for key, entry in scenario.calendar.items():
        params[f"calendar.{key}.probability"] = entry.probability
    return params


#: Parameters fixed for a whole replication: a calendar entry may not change them.
NOT_SETTABLE_PREFIXES = (
    "arsenal.initial_",
    "arsenal.facilities.",
    "arsenal.assembly_lag",
    "talks.initial_trust",
    "council.sanctions.initial",
    "run.",
)


def file_schema() -> dict:
    """JSON Schema of a scenario *file*, for editors.

    A file with `extends` is a patch: any subset of keys is fine, unknown keys
    are still refused. A file without `extends` must be complete. (`name` is
    always optional: it defaults to the file's stem.)
    """
    relaxed = Scenario.model_json_schema()
    strict = Scenario.model_json_schema(ref_template="#/$defs/Strict{model}")
    _strip_required(relaxed)
    strict_root = {k: v for k, v in strict.items() if k != "$defs"}
    strict_root["required"] = [r for r in strict_root.get("required", []) if r != "name"]
    defs = relaxed.setdefault("$defs", {})
    defs.update({f"Strict{k}": v for k, v in strict.get("$defs", {}).items()})
    defs["StrictScenario"] = strict_root
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **relaxed,
        "if": {"required": ["extends"]},
        "then": {},
        "else": {"$ref": "#/$defs/StrictScenario"},
    }


def _strip_required(node) -> None:
    if isinstance(node, dict):
        node.pop("required", None)
        for value in node.values():
            _strip_required(value)
    elif isinstance(node, list):
        for value in node:
            _strip_required(value)
