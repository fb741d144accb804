"""Talks: whether they open, and how each round ends.

While closed, talks open with a yearly hazard set by the US demand (Kim's
condition is that the US drop denuclearization-first) times the engagement of
whoever governs in Washington. While open, rounds arrive at a steady rate; a
round ends in a deal, a breakdown (talks close, trust falls) or progress (trust
rises). The deal probability of a round is logistic:

    logit p = logit(base[demand]) + b_trust*(trust - trust0)
              + b_sanctions*(pressure - pressure0) + b_arsenal*log2(warheads / warheads0)

so `base` is the probability at the starting trust, pressure and arsenal.
"""

from __future__ import annotations

import math

from .clock import Mechanism

_OPEN, _ROUND = 0, 1


def logit(p: float) -> float:
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return math.log(p / (1.0 - p))


def expit(x: float) -> float:
    if x == math.inf:
        return 1.0
    if x == -math.inf:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


class Talks(Mechanism):
    """closed -> open -> (deal | closed); while a deal holds the talks are in 'deal'."""

    def __init__(self, world):
        self.state = "closed"
        p = world.p
        self.trust = float(p["talks.initial_trust"])
        self.trust0 = self.trust
        self.pressure0 = world.sanctions.pressure()
        self.warheads0 = max(world.arsenal.w0, 1.0)
        super().__init__(world, world.streams["talks"])

    def rates(self) -> tuple[float, float]:
        p = self.world.p
        if self.state == "closed":
            demand = p["talks.us_demand"]
            engagement = p["talks.engagement." + p["talks.administration"]]
            return (p["talks.open_rate." + demand] * engagement / 12.0, 0.0)
        if self.state == "open":
            return (0.0, p["talks.rounds_per_year"] / 12.0)
        return (0.0, 0.0)

    def fire(self, which: int) -> None:
        if which == _OPEN:
            self.open("the hazard of opening came due")
        elif which == _ROUND:
            self.round()

    def open(self, why: str) -> None:
        w = self.world
        self.state = "open"
        w.happened("talks_opened")
        demand = w.p["talks.us_demand"].replace("_", " ")
        if w.recording:
            w.note(
                "talks_open",
                f"Talks open (US demand: {demand})",
                why=why,
                demand=w.p["talks.us_demand"],
            )
        w.posture_changed()

    def p_deal(self) -> float:
        w = self.world
        p = w.p
        x = logit(p["talks.p_deal." + p["talks.us_demand"]])
        if math.isinf(x):
            return expit(x)
        x += p["talks.deal_odds.trust"] * (self.trust - self.trust0)
        x += p["talks.deal_odds.sanctions"] * (w.sanctions.pressure() - self.pressure0)
        b_arsenal = p["talks.deal_odds.arsenal"]
        if b_arsenal:
            x += b_arsenal * math.log2(max(w.arsenal.warheads(w.now), 1.0) / self.warheads0)
        return expit(x)

    def round(self) -> None:
        w = self.world
        p = w.p
        w.rounds_held += 1
        u = self.rng.random()
        chance = self.p_deal()
        breakdown = p["talks.p_breakdown." + p["talks.us_demand"]]
        if u < chance:
            if w.recording:
                w.note("round", f"Round {w.rounds_held}: agreement", p_deal=round(chance, 3))
            self.state = "deal"
            w.deal.begin()
            w.posture_changed()
        elif u < chance + (1.0 - chance) * breakdown:
            self.trust = max(0.0, self.trust - p["talks.trust_loss"])
            self.state = "closed"
            if w.recording:
                w.note(
                    "talks_break",
                    f"Round {w.rounds_held} ends in breakdown; talks close "
                    f"(trust {self.trust:.2f})",
                    p_deal=round(chance, 3),
                )
            w.posture_changed()
        else:
            self.trust = min(1.0, self.trust + p["talks.trust_gain"])
            if w.recording:
                w.note(
                    "round",
                    f"Round {w.rounds_held}: progress, no deal (trust {self.trust:.2f})",
                    p_deal=round(chance, 3),
                )
        w.touched()

    def deal_failed(self) -> None:
        """Called when a freeze collapses: talks close and trust falls."""
        self.trust = max(0.0, self.trust - self.world.p["talks.trust_loss"])
        self.state = "closed"
        self.changed()

    # -- calendar actions
    def force_open(self, why: str) -> None:
        if self.state == "closed":
            self.open(why)
            self.changed()

    def hold_round(self, why: str) -> None:
        """A summit: a round now, opening the talks first if they are closed."""
        if self.state == "deal":
            return
        if self.state == "closed":
            self.open(why)
        self.round()
        self.changed()
