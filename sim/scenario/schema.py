"""The scenario format: one pydantic model per YAML section.

Validated once at load and frozen; nothing downstream re-checks or mutates it.
Every numeric field is a `Param` (a number or a distribution, see
`distributions`), constrained to its meaning: a probability lies in [0, 1], a
rate is not negative. Unknown keys are refused everywhere. Nothing here knows
about Korea: the facilities, administrations and Council members are names
chosen by the scenario.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from sim.scenario.dates import parse_date, parse_month
from sim.scenario.distributions import Real, Source, Spec
from sim.scenario.params import (
    Amount,
    AnyParam,
    FixedParam,
    Growth,
    Hazard,
    LabelParam,
    Months,
    Multiplier,
    Name,
    Param,
    Probability,
    Production,
    Rate,
    Share,
    bounded,
    labels_of,
)

Demand = Literal["denuclearization_first", "freeze_for_relief", "arms_control"]
DEMANDS: tuple[str, ...] = get_args(Demand)
POSTURES = ("confrontation", "talks", "freeze")
TRIGGER_METRICS = (
    "warheads",
    "material",
    "sanctions_pressure",
    "trust",
    "rounds_held",
    "deals",
    "nuclear_tests",
    "unsc_drafts",
    "unsc_vetoes",
    "unsc_resolutions",
    "talks_open",
    "freeze_in_force",
)
ACTIONS = ("open_talks", "hold_round", "close_talks")
#: How far back an arsenal estimate may be rolled forward to the start.
MAX_ROLL_YEARS = 20


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


# --------------------------------------------------------------------------- arsenal


class Facility(Section):
    """A site that produces fissile material."""

    label: str | None = Field(None, description="Display name, e.g. 'Yongbyon 5 MWe reactor'.")
    declared: bool = Field(
        True, description="Known to the outside world; `covers: declared` selects these."
    )
    share: Share = Field(description="Share of total production made here (shares sum to 1).")
    note: str | None = None


class Arsenal(Section):
    """Material production by facility, and warheads assembled from it."""

    initial_warheads: Amount = Field(
        description="Assembled warheads at `estimate_date` (by default the start)."
    )
    initial_material: Amount = Field(
        description="Fissile material at `estimate_date` (by default the start), in "
        "weapons-equivalent, including what is already in warheads."
    )
    estimate_date: Any = Field(
        None,
        description="The month the initial figures describe (e.g. 2025-01, a published "
        "estimate). Production and assembly run from it to `start`, so the start state is "
        "the estimate rolled forward. Default: `start`.",
    )
    production_rate: Production = Field(
        description="Weapons-equivalent produced per year, all sites, at `estimate_date`."
    )
    growth: Growth = Field(
        0.0,
        validate_default=True,
        description="Yearly growth of production capacity (0.05 = 5%/yr), stepped yearly.",
    )
    assembly_lag: Annotated[Param, bounded(0.05, 50.0, "an assembly lag in years")] = Field(
        description="Years: warheads are assembled at (material - warheads) / lag a year, so "
        "assembly closes the gap to material at this time constant and never outruns it."
    )
    sanctions_drag: Probability = Field(
        0.0,
        validate_default=True,
        description="Share of production lost at full sanctions pressure "
        "(applied at each yearly capacity step).",
    )
    facilities: dict[str, Facility] = Field(min_length=1)

    @field_validator("estimate_date")
    @classmethod
    def _estimate_date(cls, v: Any) -> Any:
        if v is not None:
            parse_month(v)
        return v

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Arsenal:
        total = sum(float(f.share.value) for f in self.facilities.values())
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            shares = ", ".join(f"{k} {f.share.value:g}" for k, f in self.facilities.items())
            raise ValueError(f"facilities: shares must sum to 1, they sum to {total:g} ({shares})")
        return self


# --------------------------------------------------------------------------- talks


class RatePerDemand(Section):
    """A yearly rate for each US demand."""

    denuclearization_first: Hazard
    freeze_for_relief: Hazard
    arms_control: Hazard


class ProbabilityPerDemand(Section):
    """A probability for each US demand."""

    denuclearization_first: Probability
    freeze_for_relief: Probability
    arms_control: Probability


class DealOdds(Section):
    """How the per-round deal probability moves away from its base (log-odds effects).

    The base is the probability at fixed reference levels: no trust, no relief on
    offer and `reference_warheads` assembled warheads. Trust and relief enter with
    coefficients that cannot be negative, so more of either never lowers the odds.
    """

    trust: Annotated[Param, bounded(0.0, 20.0, "a log-odds coefficient")] = Field(
        0.0, validate_default=True, description="Log-odds per unit of trust (0 to 1)."
    )
    relief: Annotated[Param, bounded(0.0, 20.0, "a log-odds coefficient")] = Field(
        0.0,
        validate_default=True,
        description="Log-odds per unit of sanctions pressure the deal would lift: the "
        "smaller of `deal.relief` and the pressure now (relief is worth more when "
        "sanctions bite).",
    )
    arsenal: Annotated[Param, bounded(-20.0, 20.0, "a log-odds coefficient")] = Field(
        0.0,
        validate_default=True,
        description="Log-odds per doubling of assembled warheads above `reference_warheads`.",
    )
    reference_warheads: Annotated[FixedParam, bounded(1.0, 100_000.0, "a warhead count")] = Field(
        50.0,
        validate_default=True,
        description="Assembled warheads at which `p_deal` is the base probability.",
    )


class Talks(Section):
    """Whether talks open, how rounds go, and the trust they build."""

    us_demand: LabelParam = Field(description=f"One of {', '.join(DEMANDS)}.")
    administration: LabelParam = Field(description="Who governs in Washington (a name).")
    engagement: dict[str, Multiplier] = Field(
        description="Multiplier of the opening hazard for each administration."
    )
    open_rate: RatePerDemand = Field(
        description="Yearly hazard that closed talks open, by US demand, before engagement."
    )
    rounds_per_year: Rate = Field(description="Rounds per year while talks are open.")
    p_deal: ProbabilityPerDemand = Field(
        description="Probability that a round ends in a deal, at the reference levels of "
        "`deal_odds` (no trust, no relief on offer, `reference_warheads`)."
    )
    p_breakdown: ProbabilityPerDemand = Field(
        description="Probability that a round without a deal ends the talks."
    )
    deal_odds: DealOdds = DealOdds()
    initial_trust: Probability
    trust_gain: Probability = Field(description="Trust gained by a round of progress.")
    trust_loss: Probability = Field(description="Trust lost when talks break down or a deal fails.")

    @model_validator(mode="after")
    def _labels(self) -> Talks:
        for demand in labels_of(self.us_demand):
            if demand not in DEMANDS:
                raise ValueError(
                    f"us_demand: {demand!r} is not a US demand; use one of {', '.join(DEMANDS)}"
                )
        for admin in labels_of(self.administration):
            if admin not in self.engagement:
                known = ", ".join(self.engagement) or "none"
                raise ValueError(
                    f"administration: {admin!r} has no engagement multiplier (known: {known})"
                )
        return self


# --------------------------------------------------------------------------- deal


class Cheating(Section):
    """Covert production while a freeze holds."""

    probability: Probability = Field(
        0.0, validate_default=True, description="Probability of cheating, drawn per deal."
    )
    fraction: Probability = Field(
        0.0,
        validate_default=True,
        description="Share of their output that bound but uninspected facilities keep.",
    )
    detection_rate: Hazard = Field(
        0.0,
        validate_default=True,
        description="Yearly hazard that inspectors detect cheating once present.",
    )


class Shock(Section):
    """A temporary rise of the freeze's breakdown hazard."""

    factor: Multiplier = Field(1.0, validate_default=True, description="Hazard multiplier.")
    months: Months = Field(0.0, validate_default=True, description="How long it lasts.")


class Shocks(Section):
    leadership_change: Shock = Shock()
    cheating_detected: Shock = Shock()
    unsc_resolution: Shock = Shock()


class Deal(Section):
    """A freeze: what it covers, how it is implemented, how it breaks down."""

    covers: Literal["declared", "all"] | list[str] = Field(
        "declared",
        description="Facilities frozen under inspection: 'declared', 'all' or a list of names.",
    )
    binds: Literal["all", "covered"] = Field(
        "all",
        description="'all': every facility is to stop, the uncovered ones on trust "
        "(they go on at the cheating fraction if the DPRK cheats); "
        "'covered': facilities outside `covers` go on producing.",
    )
    shutdown_months: Months = Field(description="Months from the deal until covered sites stop.")
    inspectors_months: Months = Field(description="Months from the deal until inspectors arrive.")
    relief: Probability = Field(
        0.0, validate_default=True, description="Sanctions pressure removed when it is signed."
    )
    breakdown_rate: Hazard = Field(description="Yearly hazard that a freeze in force collapses.")
    restart_months: Months = Field(description="Months for frozen facilities to restart.")
    cheating: Cheating = Cheating()
    shocks: Shocks = Shocks()


# --------------------------------------------------------------------------- provocations


class RatePerPosture(Section):
    """A yearly rate in each posture: confrontation, open talks, freeze in force."""

    confrontation: Rate
    talks: Rate
    freeze: Rate


class Provocations(Section):
    """Missile launches and nuclear tests."""

    launches_per_year: RatePerPosture = Field(description="Missile launch events per year.")
    icbm_share: Probability = Field(description="Share of launch events that are ICBMs.")
    nuclear_test_rate: RatePerPosture = Field(description="Yearly hazard of a nuclear test.")


# --------------------------------------------------------------------------- council


class DraftProbability(Section):
    icbm: Probability = Field(description="Probability that an ICBM launch brings a draft.")
    nuclear_test: Probability = Field(description="Probability that a test brings a draft.")


class Sanctions(Section):
    """Sanctions pressure, 0 (none) to 1 (full), eroding as enforcement lapses."""

    initial: Probability
    per_resolution: Probability = Field(description="Pressure added by a new resolution.")
    decay_per_year: Hazard = Field(description="Exponential erosion rate of pressure per year.")
    evasion: Multiplier = Field(
        0.0,
        validate_default=True,
        description="Evasion help: erosion runs at decay x (1 + evasion).",
    )


class Council(Section):
    """The UN Security Council: drafts, vetoes, resolutions and sanctions pressure."""

    draft_probability: DraftProbability
    vote_lag_months: Months = Field(description="Months from a draft to its vote.")
    vetoes: dict[str, Probability] = Field(
        description="For each permanent member that may veto: probability it vetoes a draft."
    )
    veto_coordination: Probability = Field(
        0.0,
        validate_default=True,
        description="Probability that the members with a veto decide a draft together "
        "(one shared draw, so the most reluctant one's probability is the draft's); "
        "otherwise each decides on its own.",
    )
    sanctions: Sanctions


# --------------------------------------------------------------------------- calendar


class Trigger(Section):
    """A condition on the state, checked as it changes: `{metric: warheads, op: '>', value: 1}`."""

    metric: Literal[TRIGGER_METRICS]  # type: ignore[valid-type]
    op: Literal[">", ">=", "<", "<=", "==", "!="]
    value: Real


class CalendarEntry(Section):
    """A scheduled (`at`) or conditional (`when`) event that changes parameters or acts."""

    at: Any = Field(None, description="Date: 2026-04 or 2026-04-15.")
    when: Trigger | None = None
    label: str | None = Field(None, description="What happened, for traces and reports.")
    probability: Probability = Field(
        1.0, validate_default=True, description="Chance that the event happens at all."
    )
    set: dict[str, AnyParam] = Field(
        default_factory=dict,
        description="Parameters to change, by dotted path (e.g. talks.us_demand); "
        "a distribution is drawn when the event happens.",
    )
    action: Literal[ACTIONS] | None = None  # type: ignore[valid-type]
    leadership_change: bool = Field(
        False, description="Counts as a leadership change (raises the freeze breakdown hazard)."
    )
    once: bool = Field(True, description="A trigger fires once (default) or every time it holds.")
    source: Source = None
    note: str | None = None

    @field_validator("at")
    @classmethod
    def _date(cls, v: Any) -> Any:
        if v is not None:
            parse_date(v)
        return v

    @model_validator(mode="after")
    def _one_kind(self) -> CalendarEntry:
        if (self.at is None) == (self.when is None):
            raise ValueError("give exactly one of `at` (a date) or `when` (a condition)")
        if not self.set and self.action is None and not self.leadership_change:
            raise ValueError("the entry does nothing: give `set`, `action` or `leadership_change`")
        return self


class RunDefaults(Section):
    replications: int = Field(
        1000, ge=1, le=1_000_000_000, description="Default replications for `sim run`."
    )
    seed: int = Field(0, ge=0, lt=2**64, description="Default seed.")


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

    # Set by the loader: the merged YAML as written, where it came from, the cited facts.
    _resolved: dict = PrivateAttr(default_factory=dict)
    _path: str | None = PrivateAttr(None)
    _facts: dict = PrivateAttr(default_factory=dict)

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
        start = parse_month(self.start).index
        end = start + 12 * self.horizon_years
        if self.arsenal.estimate_date is not None:
            lead = start - parse_month(self.arsenal.estimate_date).index
            if not 0 <= lead <= 12 * MAX_ROLL_YEARS:
                raise ValueError(
                    f"arsenal.estimate_date: {self.arsenal.estimate_date} must lie at most "
                    f"{MAX_ROLL_YEARS} years before the start ({parse_month(self.start)}), "
                    "not after it"
                )
        for key, entry in self.calendar.items():
            if entry.at is not None and not start <= parse_date(entry.at) < end:
                raise ValueError(
                    f"calendar.{key}.at: {entry.at} is outside the horizon "
                    f"({parse_month(self.start)} to {parse_month(self.start).plus(end - start)})"
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
    def facts_cited(self) -> dict:
        """The facts (id -> Fact) that this scenario's parameters cite."""
        return self._facts

    def content_hash(self) -> str:
        """A hash of everything that affects the numbers (not the name or prose)."""
        import hashlib
        import json

        data = self.model_dump(
            mode="json", exclude={"name", "title", "description", "facts", "extends", "run"}
        )
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def horizon_months(self) -> int:
        return 12 * self.horizon_years

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
