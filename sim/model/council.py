"""The UN Security Council and sanctions pressure.

A draft resolution is put to a vote after a lag; each member with a veto
(in the scenario: China and Russia) vetoes with its own probability. With
probability `veto_coordination` the members decide together (one shared draw,
so a draft is vetoed with the largest of their probabilities, by every member
whose probability covers the draw); otherwise each decides on its own. An
adopted resolution raises sanctions pressure and, during a freeze, may shock its
breakdown hazard (if the scenario says so). Pressure (0 to 1) erodes
exponentially as enforcement lapses, faster with evasion help.
"""

from __future__ import annotations

import math
from functools import partial


class Sanctions:
    """Pressure as a function of time: exponential decay between jumps."""

    def __init__(self, world):
        self.world = world
        self.level = float(world.p["council.sanctions.initial"])
        self.since = 0.0
        self.decay = self._decay()

    def _decay(self) -> float:
        p = self.world.p
        return p["council.sanctions.decay_per_year"] * (1.0 + p["council.sanctions.evasion"]) / 12.0

    def pressure(self, t: float | None = None) -> float:
        t = self.world.env.now if t is None else t
        return self.level * math.exp(-self.decay * (t - self.since))

    def rebase(self) -> None:
        """Re-anchor at now (a jump, or a new decay rate from now on)."""
        self.level = self.pressure()
        self.since = self.world.env.now
        self.decay = self._decay()

    def add(self, amount: float) -> None:
        self.rebase()
        self.level = min(1.0, self.level + amount)

    def relieve(self, amount: float) -> float:
        """Lift up to `amount` of pressure; return how much was lifted."""
        self.rebase()
        lifted = min(amount, self.level)
        self.level -= lifted
        return lifted

    def crossing_below(self, value: float) -> float:
        """When pressure falls to `value` if nothing else happens (inf if never)."""
        if self.level <= value:
            return self.world.env.now
        if self.decay <= 0.0 or value <= 0.0:
            return math.inf
        return self.since + math.log(self.level / value) / self.decay


class Council:
    """Drafts, votes with per-member vetoes, resolutions."""

    def __init__(self, world):
        self.world = world
        self.rng = world.streams["council"]

    def draft(self, about: str) -> None:
        w = self.world
        w.unsc_drafts += 1
        if w.recording:
            w.note("unsc_draft", f"UNSC draft resolution on the {about}")
        vote = w.env.timeout(w.p["council.vote_lag_months"])
        vote.callbacks.append(partial(self._vote, about))
        w.touched()

    def _vote(self, about: str, _event) -> None:
        w = self.world
        p = w.p
        members = w.plan.members
        together = self.rng.random() < p["council.veto_coordination"]
        shared = self.rng.random() if together else None
        vetoed_by = [
            m
            for m in members
            if (shared if together else self.rng.random()) < p["council.vetoes." + m]
        ]
        if vetoed_by:
            w.unsc_vetoes += 1
            who = " and ".join(m.title() for m in vetoed_by)
            if w.recording:
                w.note("unsc_veto", f"UNSC draft on the {about} vetoed by {who}", by=vetoed_by)
        else:
            w.unsc_resolutions += 1
            w.happened("unsc_resolution")
            w.sanctions.add(p["council.sanctions.per_resolution"])
            if w.recording:
                w.note(
                    "unsc_resolution",
                    f"UNSC adopts a sanctions resolution on the {about} "
                    f"(pressure now {w.sanctions.pressure():.2f})",
                )
            w.deal.shock("unsc_resolution")
        w.touched()
