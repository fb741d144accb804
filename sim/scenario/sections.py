"""The sections of a scenario: one pydantic model per YAML section and its parts.

`arsenal`, `talks`, `deal`, `provocations`, `council` and `calendar`, each a
frozen model that refuses unknown keys. Every numeric field is a parameter
type of `params` (a number or a distribution, constrained to its meaning: a
probability lies in [0, 1], a rate is not negative). Nothing here knows about
Korea: facilities, administrations and Council members are names chosen by
the scenario. `schema.Scenario` puts the sections together.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.scenario.dates import parse_date, parse_month
from sim.scenario.distributions import Real, Source
from sim.scenario.params import (
    Amount,
    AnyParam,
    FixedParam,
    Growth,
    Hazard,
    LabelParam,
    Months,
    Multiplier,
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
    # Fields whose default is a plain number also say `validate_default=True`: at run time
    # this config is enough, but the keyword selects the `Field` overload typed `Any`, without
    # which mypy refuses a number as the default of a parameter type.
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
