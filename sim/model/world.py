"""The shared state of one replication, and how a change reaches the mechanisms.

Mechanisms hold their own state (the arsenal its production path, the talks
their trust) and read each other's through the `World`. Counters for the
outcomes live here, with the month each event first happened and, when a trace
is requested, the event log.
"""

from __future__ import annotations

import simpy

from sim.model.arsenal import Arsenal
from sim.model.calendar import Calendar, Triggers
from sim.model.council import Council, Sanctions
from sim.model.deal import Deal
from sim.model.provocations import Provocations
from sim.model.talks import Talks
from sim.plan.compiled import Plan
from sim.plan.streams import Streams


class World:
    """Everything one replication shares: clock, parameters, streams, counters, log."""

    # The mechanisms, wired by replication.build() once the world exists.
    sanctions: Sanctions
    arsenal: Arsenal
    deal: Deal
    talks: Talks
    council: Council
    provocations: Provocations
    calendar: Calendar

    def __init__(self, plan: Plan, params: dict, streams: Streams, record: bool = False):
        self.env = simpy.Environment()
        self.plan = plan
        self.p = params
        self.streams = streams
        self.horizon = float(plan.horizon)
        self.recording = record  # mechanisms build log text only when it is kept
        self.log: list[tuple[float, str, str, dict]] | None = [] if record else None
        self.first: dict[str, float] = {}
        self.sampled: tuple = ()
        self.freeze_spells: list[list[float]] = []  # [start, end) of each freeze
        self.rounds_held = 0
        self.deals = 0
        self.collapses = 0
        self.launches = 0
        self.icbm_launches = 0
        self.nuclear_tests = 0
        self.unsc_drafts = 0
        self.unsc_vetoes = 0
        self.unsc_resolutions = 0
        self.deals_cheated = 0
        self.cheating_detected = 0
        self.triggers: Triggers | None = None  # set by replication.build() if the plan has any

    @property
    def now(self) -> float:
        return self.env.now

    @property
    def posture(self) -> str:
        """confrontation, talks or freeze: what sets the provocation rates."""
        if self.deal.in_force:
            return "freeze"
        if self.talks.state == "open":
            return "talks"
        return "confrontation"

    def note(self, kind: str, text: str, **details) -> None:
        """Add an entry to the event log (only when a trace was requested)."""
        if self.log is not None:
            self.log.append((self.env.now, kind, text, details))

    def happened(self, event: str) -> None:
        """Record the first month an event happened."""
        if event not in self.first:
            self.first[event] = self.env.now

    def posture_changed(self) -> None:
        self.provocations.posture_changed()
        self.touched()

    def touched(self) -> None:
        """Some state a trigger may watch has changed."""
        if self.triggers is not None:
            self.triggers.changed()

    def parameter_changed(self, path: str) -> None:
        """A calendar event set a parameter: tell the mechanisms that read it."""
        section = path.split(".", 1)[0]
        if section == "arsenal":
            self.arsenal.changed()
        elif section == "talks":
            self.talks.changed()
        elif section == "deal":
            self.deal.changed()
        elif section == "provocations":
            self.provocations.changed()
        elif section == "council":
            self.sanctions.rebase()
            self.provocations.changed()  # ICBM draft odds thin the launch clock
        self.touched()
