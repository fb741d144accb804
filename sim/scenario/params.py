"""Parameter types of the scenario format: how a YAML value becomes a `Spec`.

A numeric parameter is written as a number, `{value: x, source: ...}` or a
distribution (see `distributions`); a named setting (the US demand) as a name
or a choice of names. These annotated types parse any of those forms into a
`Spec` with one clear message when the form is wrong, and constrain what the
parameter means: a probability's whole support must lie in [0, 1], a rate's
at or above 0 (so `{normal: [0.3, 0.1]}` is refused as a probability unless
bounded). Every kind also has a plausible range, which every value a draw can
take must respect (a lognormal's reach, not its unbounded support): a rate of
1e300 a year is a typo, and would otherwise run for ever or overflow.

Names that become folder names (`Name`) are single safe path components.
(Control characters in any text are refused where text is read: `yamlfile`, `loader`.)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Any, Union

from pydantic import AfterValidator, Discriminator, Field, GetCoreSchemaHandler, Tag
from pydantic_core import CoreSchema

from sim.scenario.distributions import DISTRIBUTIONS, Choice, Fixed, Real, Spec
from sim.scenario.yamlfile import control_character

_PARAM_HELP = (
    "expected a number or a distribution: {value: x}, {uniform: [low, high]}, "
    "{triangular: [low, mode, high]}, {normal: [mean, sd]}, {lognormal: [median, sigma]}, "
    "{beta: [a, b]} or {choice: [...]}"
)


def _kind(v: Any) -> str | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, Spec):
        return v.kind
    if isinstance(v, dict):
        kinds = [k for k in v if k in DISTRIBUTIONS]
        return kinds[0] if len(kinds) == 1 else None
    return None


def _label_kind(v: Any) -> str | None:
    if isinstance(v, str):
        return "label"
    kind = _kind(v)
    return kind if kind in ("value", "choice") else None


def _as_spec(v: Any) -> Spec:
    return Fixed(value=float(v)) if isinstance(v, int | float) else v


def _as_label_spec(v: Any) -> Spec:
    return Fixed(value=v) if isinstance(v, str) else v


def _numeric_only(v: Spec) -> Spec:
    if isinstance(v, Fixed) and isinstance(v.value, str):
        raise ValueError(f"expected a number, got {v.value!r}")
    if isinstance(v, Choice) and any(isinstance(x, str) for x in v.choice.values):
        raise ValueError("choice: expected numbers here")
    return v


def _labels_only(v: Spec) -> Spec:
    if isinstance(v, Fixed) and not isinstance(v.value, str):
        raise ValueError(f"expected a name, got {v.value!r}")
    if isinstance(v, Choice) and not all(isinstance(x, str) for x in v.choice.values):
        raise ValueError("choice: expected names here")
    return v


#: Every written form of a distribution (or a value with provenance), tagged by its key.
_TAGGED = tuple(Annotated[cls, Tag(kind)] for kind, cls in DISTRIBUTIONS.items())
_NUMBER = Annotated[Real, Tag("number")]


@dataclass(frozen=True)
class WrittenAs:
    """Marks a parameter field: pydantic validates it, and describes it in the JSON Schema,
    by `forms` (the ways a value may be written), while the field's declared type stays what
    it holds after validation (a `Spec`), which is what the type checker reads."""

    forms: Any

    def __get_pydantic_core_schema__(self, _held: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return handler(self.forms)


# The written forms are built at run time (`Union[...]` over `DISTRIBUTIONS`), so they are
# values for pydantic, not types for the checker: the checker sees the declared `Spec`.
_PARAM_FORMS: Any = Annotated[
    Union[(_NUMBER, *_TAGGED)],
    Discriminator(_kind, custom_error_type="parameter", custom_error_message=_PARAM_HELP),
    AfterValidator(_as_spec),
    AfterValidator(_numeric_only),
]
Param = Annotated[Spec, WrittenAs(_PARAM_FORMS)]
"""A numeric parameter: a number or any distribution; after validation always a `Spec`."""

_FIXED_FORMS: Any = Annotated[
    Union[  # noqa: UP007
        Annotated[Real, Tag("number")],
        Annotated[Fixed, Tag("value")],
    ],
    Discriminator(
        lambda v: _kind(v) if _kind(v) in ("number", "value") else None,
        custom_error_type="fixed_parameter",
        custom_error_message="expected a number or {value: x, source: ...}; "
        "a distribution is not allowed here",
    ),
    AfterValidator(_as_spec),
    AfterValidator(_numeric_only),
]
FixedParam = Annotated[Fixed, WrittenAs(_FIXED_FORMS)]
"""A numeric value that may carry provenance but may not be random."""

_LABEL_FORMS: Any = Annotated[
    Union[  # noqa: UP007
        Annotated[str, Tag("label")],
        Annotated[Fixed, Tag("value")],
        Annotated[Choice, Tag("choice")],
    ],
    Discriminator(
        _label_kind,
        custom_error_type="label_parameter",
        custom_error_message="expected a name, {value: name} or {choice: [names]}",
    ),
    AfterValidator(_as_label_spec),
    AfterValidator(_labels_only),
]
LabelParam = Annotated[Fixed | Choice, WrittenAs(_LABEL_FORMS)]
"""A named setting (such as the US demand) that may be uncertain: a name or a choice."""


def labels_of(spec: Spec) -> list[str]:
    """Every name a label parameter can take."""
    if isinstance(spec, Choice):
        return [str(v) for v in spec.choice.values]
    return [str(spec.ppf(0.5))]


def bounded(
    low: float,
    high: float,
    what: str,
    *,
    plausible: tuple[float, float] = (-math.inf, math.inf),
    unit: str = "",
) -> AfterValidator:
    """An after-validator: the parameter's whole support must lie in [low, high] (what
    it means), and every value a draw can take in `plausible` (what makes sense)."""

    def check(spec: Spec) -> Spec:
        lo, hi = spec.support()
        if math.isnan(lo) or lo < low or hi > high:
            span = f"[{low:g}, {high:g}]" if math.isfinite(high) else f"at least {low:g}"
            if isinstance(spec, Fixed):
                raise ValueError(f"{what} must be {_in(span)}; got {spec.value:g}")
            raise ValueError(
                f"{what} must be {_in(span)}; {spec.describe()} can give values from "
                f"{lo:g} to {hi:g}"
                + (" (give it low and high bounds)" if math.isinf(lo) or math.isinf(hi) else "")
            )
        least, most = spec.reach()
        floor, cap = plausible
        if least < floor or most > cap:
            span = f"at most {cap:g}{unit}" if least >= floor else f"at least {floor:g}{unit}"
            if math.isfinite(floor) and math.isfinite(cap):
                span = f"between {floor:g} and {cap:g}{unit}"
            got = (
                f"got {spec.value:g}"
                if isinstance(spec, Fixed)
                else f"{spec.describe()} can give values from {least:.3g} to {most:.3g}"
            )
            raise ValueError(f"{what} must be {span} to be plausible; {got}")
        return spec

    return AfterValidator(check)


def _in(span: str) -> str:
    return span if span.startswith("at least") else f"in {span}"


Probability = Annotated[Param, bounded(0.0, 1.0, "a probability")]
Rate = Annotated[
    Param, bounded(0.0, math.inf, "a rate", plausible=(0.0, 1000.0), unit=" events a year")
]
"""Events that repeat (rounds, launches): each one is simulated, so at most 1000 a year."""
Hazard = Annotated[Param, bounded(0.0, math.inf, "a yearly hazard")]
"""The yearly hazard of a one-off change (talks opening, a freeze collapsing): large
values mean "at once" and cost nothing, so only the general limit (1e9) applies."""
Production = Annotated[
    Param,
    bounded(0.0, math.inf, "a production rate", plausible=(0.0, 100_000.0), unit=" a year"),
]
Amount = Annotated[
    Param, bounded(0.0, math.inf, "an amount of weapons", plausible=(0.0, 100_000.0))
]
Multiplier = Annotated[Param, bounded(0.0, math.inf, "a multiplier", plausible=(0.0, 1000.0))]
Months = Annotated[
    Param, bounded(0.0, math.inf, "a delay", plausible=(0.0, 1200.0), unit=" months")
]
Growth = Annotated[Param, bounded(-0.9, 1.0, "a yearly growth")]
"""At most doubling each year: over 50 years that is 2**50, still a finite figure."""
Share = Annotated[FixedParam, bounded(0.0, 1.0, "a share")]

#: A folder name: one path component, never `.`, `..` or hidden.
NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$"
_NAME_CHARS = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def name_problem(name: object, longest: int = 100) -> str | None:
    """Why `name` cannot be a folder name under --out, or None if it can.

    One rule for every name that becomes a folder: scenario and sweep names (at most
    100 characters) and the ids built from them (longer).
    """
    if isinstance(name, str) and len(name) <= longest and _NAME_CHARS.fullmatch(name):
        return None
    text = str(name)
    shown = "it" if control_character(text, key=True) else repr(text[:60])
    return (
        f"{shown} is not a safe folder name: use up to {longest} letters, digits, '_', '-' "
        "and '.', not starting with '.' or '-'"
    )


def _safe_name(name: str) -> str:
    problem = name_problem(name)
    if problem:
        raise ValueError(problem)
    return name


Name = Annotated[
    str, AfterValidator(_safe_name), Field(json_schema_extra={"pattern": NAME_PATTERN})
]
"""A name that becomes a folder: never `..`, a path, hidden, or an option."""


def _any_kind(v: Any) -> str | None:
    return "label" if isinstance(v, str) else _kind(v)


def _as_any_spec(v: Any) -> Spec:
    if isinstance(v, str):
        return Fixed(value=v)
    return _as_spec(v)


_ANY_FORMS: Any = Annotated[
    Union[(_NUMBER, Annotated[str, Tag("label")], *_TAGGED)],
    Discriminator(_any_kind, custom_error_type="parameter", custom_error_message=_PARAM_HELP),
    AfterValidator(_as_any_spec),
]
AnyParam = Annotated[Spec, WrittenAs(_ANY_FORMS)]
"""A value a calendar entry sets: a number, a name or a distribution (checked against
its target by the loader)."""
