"""Random numbers for one replication: named streams derived from its seed.

Replication i of a run with seed s uses `numpy.random.SeedSequence(s).spawn(n)[i]`,
which is `SeedSequence(s, spawn_key=(i,))`: no need to spawn the others, so any
worker can start any replication and the numbers do not depend on how the work
was split. From that child we take one block of 64-bit words and carve it into
fixed slots, one per named stream (`talks`, `deal`, `council`, ...). Each
mechanism draws only from its own stream, so a change in one mechanism (an extra
draw, a new parameter) never shifts the draws of another.

Why not one numpy `Generator` per stream? Building one costs ~30-40 µs and each
scalar draw ~1 µs; a replication makes a few dozen draws across seven streams,
so numpy would cost more than the whole discrete-event simulation. The streams
here are `random.Random` (Mersenne Twister) instances seeded with 128 bits from
the SeedSequence: cheap to build, ~0.1 µs a draw, and independent across slots
because SeedSequence's output words are.

Parameters drawn once per replication do not use a stream at all: each gets its
own uniform number from a keyed hash of (replication key, parameter path), so
adding or removing a parameter never changes another's draw, and a changed
distribution moves each replication's draw monotonically (inverse CDF).
"""

from __future__ import annotations

import hashlib
import math
import random

import numpy as np

#: Stream slots. Append new names at the end: a slot's seed depends on its position.
STREAMS = ("params", "arsenal", "talks", "deal", "provocations", "council", "calendar", "trace")
_SLOT = {name: i for i, name in enumerate(STREAMS)}
_WORDS = 2 * 16  # room for 16 streams of 128 bits; prefix-stable, so slots never move

_INV_2_53 = 1.0 / 9007199254740992.0


class Streams:
    """The named random streams of one replication."""

    __slots__ = ("_cache", "_words", "index", "seed")

    def __init__(self, seed: int, index: int):
        self.seed = seed
        self.index = index
        child = np.random.SeedSequence(seed, spawn_key=(index,))
        self._words = child.generate_state(_WORDS, np.uint64).tolist()
        self._cache: dict[str, random.Random] = {}

    def __getitem__(self, name: str) -> random.Random:
        rng = self._cache.get(name)
        if rng is None:
            slot = _SLOT[name]
            rng = random.Random((self._words[2 * slot] << 64) | self._words[2 * slot + 1])
            self._cache[name] = rng
        return rng

    def param_uniform(self, path: str) -> float:
        """A uniform number in (0, 1) for the parameter at `path`, fixed per replication."""
        key = (self._words[0] << 64 | self._words[1]).to_bytes(16, "little")
        digest = hashlib.blake2b(path.encode(), key=key, digest_size=8).digest()
        return ((int.from_bytes(digest, "little") >> 11) + 0.5) * _INV_2_53


def exponential(rng: random.Random) -> float:
    """A standard exponential draw (mean 1) from one uniform."""
    return -math.log(1.0 - rng.random())


def poisson(rng: random.Random, mu: float) -> int:
    """A Poisson(mu) draw.

    Small means by inversion (a handful of steps); means of 10 or more by
    Hormann's transformed rejection with squeeze (PTRS, 1993), which needs about
    1.1 pairs of uniforms on average whatever the mean.
    """
    if mu <= 0.0:
        return 0
    if mu < 10.0:
        u = rng.random()
        k = 0
        p = math.exp(-mu)
        cdf = p
        while u > cdf and p > 0.0:
            k += 1
            p *= mu / k
            cdf += p
        return k
    return _ptrs(rng, mu)


def _ptrs(rng: random.Random, mu: float) -> int:
    smu = math.sqrt(mu)
    log_mu = math.log(mu)
    b = 0.931 + 2.53 * smu
    a = -0.059 + 0.02483 * b
    log_inv_alpha = math.log(1.1239 + 1.1328 / (b - 3.4))
    v_r = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = rng.random() - 0.5
        v = rng.random()
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + mu + 0.43) if us > 0.0 else -1
        if us >= 0.07 and v <= v_r:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        accept = math.log(v) + log_inv_alpha - math.log(a / (us * us) + b)
        if accept <= -mu + k * log_mu - math.lgamma(k + 1.0):
            return k
