"""Talks: whether they open, and how each round ends.

While closed, talks open with a yearly hazard set by the US demand (Kim's
condition is that the US drop denuclearization-first) times the engagement of
whoever governs in Washington. While open, rounds arrive at a steady rate; a
round ends in a deal, a breakdown (talks close, trust falls) or progress (trust
rises). The deal probability of a round is logistic:

    logit p = logit(base[demand]) + b_trust*trust + b_relief*min(relief, pressure)
              + b_arsenal*log2(warheads / reference_warheads)

so `base` is the probability at fixed reference levels: no trust, nothing to
gain from relief, and the reference arsenal. The trust and relief coefficients
cannot be negative, so more trust, more pressure (up to the relief on offer) or
more relief never lowers the odds. Measuring against the scenario's own starting
levels instead would make a higher starting trust or pressure *lower* the odds.
"""

from __future__ import annotations

import math

from sim.model.clock import Mechanism

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
        x += p["talks.deal_odds.trust"] * self.trust
        x += p["talks.deal_odds.relief"] * min(p["deal.relief"], w.sanctions.pressure())
        b_arsenal = p["talks.deal_odds.arsenal"]
        if b_arsenal:
            warheads = max(w.arsenal.warheads(w.now), 1.0)
            x += b_arsenal * math.log2(warheads / p["talks.deal_odds.reference_warheads"])
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

    def force_close(self, why: str) -> None:
        """Talks end without a deal (a freeze in force is not affected)."""
        if self.state == "open":
            self.state = "closed"
            w = self.world
            if w.recording:
                w.note("talks_break", f"Talks close: {why}", why=why)
            w.posture_changed()
            self.changed()

    def hold_round(self, why: str) -> None:
        """A summit: a round now, opening the talks first if they are closed."""
        if self.state == "deal":
            return
        if self.state == "closed":
            self.open(why)
        self.round()
        self.changed()
