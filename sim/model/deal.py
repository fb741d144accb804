"""Deal implementation: a freeze, its verification, cheating and breakdown.

A deal stops covered facilities after a shutdown delay; facilities outside the
deal stop too when it binds all production, unless this replication's DPRK
cheats (drawn once per deal), in which case they go on at a fraction of output.
Inspectors arrive after a delay; while present they detect cheating at a yearly
hazard scaled by the share of production at the facilities they inspect (a
deal that covers less sees less). Signing lifts `relief` of the sanctions
pressure; a collapse puts back what was lifted (snap-back). The freeze collapses
at one yearly hazard, fitted to past freezes; a scenario may add temporary
shocks (after a leadership change, detected cheating or a UNSC resolution),
which the shipped scenarios do not, since the fitted hazard already contains
whatever shocks history had. On collapse, facilities restart after a delay,
talks close and provocations resume.
"""

from __future__ import annotations

import math

from sim.model.clock import Mechanism
from sim.scenario.dates import label

_BREAKDOWN, _DETECTION = 0, 1


class Deal(Mechanism):
    def __init__(self, world):
        self.in_force = False
        self.started = 0.0
        self.cheating = False
        self.detected = False
        self.inspectors_at = math.inf
        self.inspectors_here = False
        self.shocks: list[tuple[float, float]] = []  # (ends, factor)
        self.lifted = 0.0  # sanctions pressure the deal in force lifted
        super().__init__(world, world.streams["deal"])

    def rates(self) -> tuple[float, float]:
        if not self.in_force:
            return (0.0, 0.0)
        p = self.world.p
        factor = 1.0
        for _, f in self.shocks:
            factor *= f
        breakdown = p["deal.breakdown_rate"] * factor / 12.0
        detect = 0.0
        if self.cheating and self.inspectors_here and not self.detected:
            detect = p["deal.cheating.detection_rate"] * self.world.plan.inspected / 12.0
        return (breakdown, detect)

    def deadline(self) -> float:
        if not self.in_force:
            return math.inf
        due = self.inspectors_at if not self.inspectors_here else math.inf
        for ends, _ in self.shocks:
            due = min(due, ends)
        return due

    def fire(self, which: int) -> None:
        w = self.world
        if which == _BREAKDOWN:
            self.collapse()
        elif which == _DETECTION:
            self.detected = True
            w.cheating_detected += 1
            w.happened("cheating_detected")
            if w.recording:
                w.note("cheating_detected", "Inspectors detect covert production")
            self.shock("cheating_detected")
        else:
            now = w.now
            if not self.inspectors_here and self.inspectors_at <= now:
                self.inspectors_here = True
                if w.recording:
                    w.note("inspectors", "Inspectors arrive")
            self.shocks = [(ends, f) for ends, f in self.shocks if ends > now]

    def begin(self) -> None:
        """A deal is signed: the freeze is in force from now."""
        w = self.world
        p = w.p
        now = w.now
        self.in_force = True
        self.started = now
        w.deals += 1
        w.happened("deal_reached")
        w.freeze_spells.append([now, math.inf])
        self.cheating = self.rng.random() < p["deal.cheating.probability"]
        self.detected = False
        if self.cheating:
            w.deals_cheated += 1
            w.happened("cheating")
        shutdown = now + p["deal.shutdown_months"]
        self.inspectors_at = now + p["deal.inspectors_months"]
        self.inspectors_here = False
        self.shocks = []
        w.arsenal.freeze(shutdown, p["deal.cheating.fraction"] if self.cheating else None)
        self.lifted = w.sanctions.relieve(p["deal.relief"])
        plan = w.plan
        covered = [lab for lab, c in zip(plan.labels, plan.covered, strict=True) if c]
        if w.recording:
            w.note(
                "deal",
                f"Freeze agreed: {', '.join(covered) or 'no facility'} covered; covered sites "
                f"stop by {label(plan.start, shutdown)}; inspectors expected by "
                f"{label(plan.start, self.inspectors_at)}",
                cheating=self.cheating,
                covered=covered,
                shutdown_at=shutdown,
                inspectors_at=self.inspectors_at,
            )
        if self.cheating and w.recording:
            w.note(
                "cheating",
                f"(hidden) The DPRK keeps sites outside inspection running at "
                f"{p['deal.cheating.fraction']:.0%} of output",
            )
        self.changed()

    def collapse(self) -> None:
        w = self.world
        p = w.p
        now = w.now
        self.in_force = False
        w.collapses += 1
        w.happened("freeze_collapsed")
        w.freeze_spells[-1][1] = now
        restart = now + p["deal.restart_months"]
        w.arsenal.restart(now, restart)
        if self.lifted > 0.0:  # the sanctions lifted by the deal snap back
            w.sanctions.add(self.lifted)
            self.lifted = 0.0
        if w.recording:
            w.note(
                "collapse",
                f"Freeze collapses after {now - self.started:.0f} months; "
                f"facilities restart by {label(w.plan.start, restart)}",
                held_months=now - self.started,
                restart_at=restart,
            )
        w.talks.deal_failed()
        w.posture_changed()

    def shock(self, kind: str) -> None:
        """Raise the breakdown hazard for a while (no effect when no freeze holds)."""
        if not self.in_force:
            return
        p = self.world.p
        factor = p[f"deal.shocks.{kind}.factor"]
        months = p[f"deal.shocks.{kind}.months"]
        if factor != 1.0 and months > 0.0:
            self.shocks.append((self.world.now + months, factor))
            self.changed()
