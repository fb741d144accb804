"""Random numbers for replications: named streams derived from each one's seed.

Replication i of a run with seed s uses `numpy.random.SeedSequence(s).spawn(n)[i]`,
that is `SeedSequence(s, spawn_key=(i,))`. From that child we take 16 words of
64 bits (`generate_state(16, uint64)`) and give each named stream (`talks`,
`deal`, `council`, ...) its own word: a mechanism draws only from its stream,
so a change in one mechanism never shifts the draws of another.

Everything here works on a *chunk* of replications at once, because per
replication the fixed costs dominate: numpy's SeedSequence takes ~50 µs to
build and hash, a numpy Generator ~35 µs, a scalar draw ~1 µs, while a whole
replication of the model should take a few hundred µs. So:

- `child_words` reproduces SeedSequence's hashing (O'Neill's seed_seq design,
  as numpy implements it) vectorized over the chunk; a test checks it against
  numpy word for word.
- Each stream is a SplitMix64 sequence (Steele, Lea & Flood 2014) started from
  its word: output k is a fixed bijective mix of word + (k+1)*gamma, so the
  first draws of every stream of the chunk are computed with a few numpy
  operations, and later draws continue the same sequence in Python.
- A parameter drawn once per replication gets the uniform mix(word_params +
  id(path)), id from a hash of its dotted path, then its inverse CDF: adding a
  parameter never changes another's draw, and a changed distribution moves
  each replication's draw monotonically (the same uniform, a new inverse CDF).
"""

from __future__ import annotations

import hashlib
import math
import random
from itertools import chain

import numpy as np
from numpy.typing import NDArray

#: Stream slots. Append new names at the end: a stream's seed is the word at its slot.
STREAMS = ("params", "arsenal", "talks", "deal", "provocations", "council", "calendar", "trace")
_SLOT = {name: i for i, name in enumerate(STREAMS)}
WORDS = 16  # words taken from each child; prefix-stable, so slots never move
BUFFER = 24  # draws per stream computed in bulk; later draws continue in Python

_M32 = np.uint64(0xFFFFFFFF)
_MASK64 = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_INV_2_53 = 1.0 / 9007199254740992.0


# --------------------------------------------------------------------------- SeedSequence


def _words32(n: int) -> list[int]:
    out = []
    while True:
        out.append(n & 0xFFFFFFFF)
        n >>= 32
        if not n:
            return out


def child_words(seed: int, start: int, stop: int, n_words: int = WORDS) -> np.ndarray:
    """`SeedSequence(seed, spawn_key=(i,)).generate_state(n_words, uint64)` for i in [start, stop).

    Vectorized over i; equal to numpy's result bit for bit (see tests/test_streams.py).
    """
    if seed < 0 or start < 0 or stop > 1 << 32:
        raise ValueError("seed must be >= 0 and replication indices below 2**32")
    pool = 4
    run = _words32(int(seed))
    run += [0] * (pool - len(run))  # numpy pads the run entropy when a spawn key follows
    n = max(stop - start, 0)
    columns = [np.full(n, w, dtype=np.uint64) for w in run]
    columns.append(np.arange(start, stop, dtype=np.uint64))

    hash_const = 0x43B0D7E5

    def hashmix(value: NDArray[np.uint64]) -> NDArray[np.uint64]:
        nonlocal hash_const
        value = (value ^ np.uint64(hash_const)) & _M32
        hash_const = (hash_const * 0x931E8875) & 0xFFFFFFFF
        value = (value * np.uint64(hash_const)) & _M32
        return value ^ (value >> np.uint64(16))

    def mix(x: NDArray[np.uint64], y: NDArray[np.uint64]) -> NDArray[np.uint64]:
        r = (np.uint64(0xCA01F9DD) * x - np.uint64(0x4973F715) * y) & _M32
        return r ^ (r >> np.uint64(16))

    mixer = [hashmix(columns[i]) for i in range(pool)]
    for src in range(pool):
        for dst in range(pool):
            if src != dst:
                mixer[dst] = mix(mixer[dst], hashmix(mixer[src]))
    for src in range(pool, len(columns)):
        for dst in range(pool):
            mixer[dst] = mix(mixer[dst], hashmix(columns[src]))
    hash_b = 0x8B51F9DD
    out = np.empty((n, 2 * n_words), dtype=np.uint64)
    for k in range(2 * n_words):
        value = mixer[k % pool] ^ np.uint64(hash_b)
        hash_b = (hash_b * 0x58F38DED) & 0xFFFFFFFF
        value = (value * np.uint64(hash_b)) & _M32
        out[:, k] = value ^ (value >> np.uint64(16))
    return out[:, 0::2] | (out[:, 1::2] << np.uint64(32))


# --------------------------------------------------------------------------- SplitMix64


def _mix64(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_MIX1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_MIX2)
    return z ^ (z >> np.uint64(31))


def _to_unit(z: np.ndarray) -> np.ndarray:
    """64-bit integers to floats strictly inside (0, 1)."""
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * _INV_2_53


def splitmix_block(keys: np.ndarray, first: int, count: int) -> np.ndarray:
    """Outputs first..first+count-1 of the SplitMix64 sequence started at each key, as uniforms."""
    steps = np.arange(first + 1, first + count + 1, dtype=np.uint64) * np.uint64(_GAMMA)
    with np.errstate(over="ignore"):
        return _to_unit(_mix64(keys[:, None] + steps[None, :]))


def _continue(key: int, first: int):
    """The same sequence as `splitmix_block`, from draw `first` on, in plain Python."""
    state = (key + first * _GAMMA) & _MASK64
    while True:
        state = (state + _GAMMA) & _MASK64
        z = state
        z = ((z ^ (z >> 30)) * _MIX1) & _MASK64
        z = ((z ^ (z >> 27)) * _MIX2) & _MASK64
        z ^= z >> 31
        yield ((z >> 11) + 0.5) * _INV_2_53


class Stream:
    """One named stream of uniforms: `stream.random()` gives the next draw in (0, 1)."""

    __slots__ = ("random",)

    def __init__(self, buffered: list[float], key: int):
        self.random = chain(buffered, _continue(key, len(buffered))).__next__


class Streams:
    """The named streams of one replication (built by `Draws`)."""

    __slots__ = ("_buffers", "_keys", "_made")

    def __init__(self, keys: list[int], buffers: dict[str, list[float]]):
        self._keys = keys
        self._buffers = buffers
        self._made: dict[str, Stream] = {}

    def __getitem__(self, name: str) -> Stream:
        stream = self._made.get(name)
        if stream is None:
            stream = Stream(self._buffers.get(name, []), self._keys[_SLOT[name]])
            self._made[name] = stream
        return stream


def path_id(path: str) -> int:
    """A stable 64-bit id for a parameter path."""
    return int.from_bytes(hashlib.blake2b(path.encode(), digest_size=8).digest(), "little")


class Draws:
    """Every random number replications [start, stop) start with, computed in bulk.

    `params` holds each random parameter's draws (one per replication);
    `streams(j)` gives replication start+j its named streams.
    """

    def __init__(self, seed: int, start: int, stop: int, specs, buffered=STREAMS[1:]):
        self.start, self.stop = start, stop
        words = child_words(seed, start, stop)
        self._keys = words.tolist()
        self._buffers = {
            name: splitmix_block(words[:, _SLOT[name]], 0, BUFFER).tolist() for name in buffered
        }
        self.params: dict[str, np.ndarray] = {}
        with np.errstate(over="ignore"):
            for path, spec in specs:
                u = _to_unit(_mix64(words[:, 0] + np.uint64(path_id(path))))
                self.params[path] = spec.ppf_array(u)
        #: per parameter, its draws as Python values (what the model reads)
        self.values = [column.tolist() for column in self.params.values()]

    def streams(self, j: int) -> Streams:
        return Streams(self._keys[j], {name: rows[j] for name, rows in self._buffers.items()})


# --------------------------------------------------------------------------- draws from uniforms


def exponential(rng: Stream | random.Random) -> float:
    """A standard exponential draw (mean 1) from one uniform."""
    return -math.log(1.0 - rng.random())


def poisson(rng: Stream | random.Random, mu: float) -> int:
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


def _ptrs(rng, mu: float) -> int:
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
