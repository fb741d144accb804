"""Provocations: missile launches and nuclear tests.

Launch events arrive at a rate set by the posture (confrontation, talks,
freeze); a share are ICBMs, and an ICBM brings a UNSC draft with some
probability. Only those drafting ICBM launches change anything downstream, so
only they are simulated as events (a thinned Poisson process); the launches that
change nothing are counted in one Poisson draw per stretch of constant posture.
A nuclear test has a yearly hazard that depends on the posture too.
"""

from __future__ import annotations

from ..dates import label
from ..streams import poisson
from .clock import Clock, Mechanism

_DRAFTING_ICBM, _TEST = 0, 1


class Provocations(Mechanism):
    def __init__(self, world):
        self.rng = world.streams["provocations"]
        self.clocks = (Clock(self.rng), Clock(self.rng))
        self.since = 0.0
        self.quiet = (0.0, 0.0)  # (other launches, ICBMs without a draft) per month
        super().__init__(world)
        self._open_stretch()

    def _launch_rates(self) -> tuple[float, float, float]:
        p = self.world.p
        per_month = p["provocations.launches_per_year." + self.world.posture] / 12.0
        icbm = p["provocations.icbm_share"]
        draft = p["council.draft_probability.icbm"]
        return per_month, icbm, draft

    def rates(self) -> tuple[float, float]:
        per_month, icbm, draft = self._launch_rates()
        test = self.world.p["provocations.nuclear_test_rate." + self.world.posture] / 12.0
        return (per_month * icbm * draft, test)

    def _open_stretch(self) -> None:
        per_month, icbm, draft = self._launch_rates()
        self.since = self.env.now
        self.quiet = (per_month * (1.0 - icbm), per_month * icbm * (1.0 - draft))

    def close_stretch(self, until: float) -> None:
        """Count the launches that changed nothing since the rates last changed."""
        span = until - self.since
        if span > 0.0:
            others = poisson(self.rng, self.quiet[0] * span)
            icbms = poisson(self.rng, self.quiet[1] * span)
            w = self.world
            w.launches += others + icbms
            w.icbm_launches += icbms
            if others + icbms:
                start = w.plan.start
                if w.recording:
                    w.note(
                        "launches",
                        f"{others + icbms} missile launch events ({icbms} ICBM) "
                        f"from {label(start, self.since)} to {label(start, until - 1e-9)}",
                        launches=others + icbms,
                        icbm=icbms,
                    )
        self.since = until

    def changed(self) -> None:
        self.close_stretch(self.env.now)
        self._open_stretch()
        super().changed()

    def fire(self, which: int) -> None:
        w = self.world
        if which == _DRAFTING_ICBM:
            w.launches += 1
            w.icbm_launches += 1
            if w.recording:
                w.note("icbm", "ICBM launch")
            w.council.draft("ICBM launch")
        elif which == _TEST:
            w.nuclear_tests += 1
            w.happened("nuclear_test")
            if w.recording:
                w.note("nuclear_test", f"Nuclear test (no. {w.nuclear_tests} in this run)")
            if self.rng.random() < w.p["council.draft_probability.nuclear_test"]:
                w.council.draft("nuclear test")
            w.touched()
