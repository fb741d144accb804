"""Random streams: seeds follow SeedSequence children; Poisson draws follow theory."""

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.plan.streams import BUFFER, STREAMS, Draws, Stream, child_words, poisson, splitmix_block
from sim.scenario.distributions import Uniform


@given(
    seed=st.one_of(st.integers(0, 2**32), st.integers(0, 2**128)),
    start=st.integers(0, 2**32 - 50),
)
@settings(max_examples=60, deadline=None)
def test_child_words_equal_numpy_seedsequence_children(seed, start):
    words = child_words(seed, start, start + 3)
    for j in range(3):
        want = np.random.SeedSequence(seed, spawn_key=(start + j,)).generate_state(16, np.uint64)
        assert np.array_equal(words[j], want)


def test_replication_i_uses_the_ith_spawned_child():
    children = np.random.SeedSequence(7).spawn(6)
    words = child_words(7, 0, 6)
    for i in range(6):
        assert np.array_equal(words[i], children[i].generate_state(16, np.uint64))


def test_streams_continue_past_the_bulk_buffer_in_the_same_sequence():
    key = int(child_words(3, 0, 1)[0, 2])
    bulk = splitmix_block(np.array([key], dtype=np.uint64), 0, BUFFER + 40)[0].tolist()
    stream = Stream(bulk[:BUFFER], key)
    assert [stream.random() for _ in range(BUFFER + 40)] == bulk


def test_named_streams_do_not_depend_on_the_order_they_are_used():
    a, b = Draws(3, 10, 12, []).streams(1), Draws(3, 11, 12, []).streams(0)
    first = [a["talks"].random() for _ in range(3)]
    b["council"].random()
    b["deal"].random()
    assert [b["talks"].random() for _ in range(3)] == first


def test_streams_differ_between_names_and_replications():
    s = Draws(3, 0, 2, []).streams(1)
    draws = {name: s[name].random() for name in STREAMS[1:]}
    assert len(set(draws.values())) == len(STREAMS) - 1
    assert Draws(3, 0, 2, []).streams(0)["talks"].random() != draws["talks"]


def test_parameter_draws_are_keyed_by_path_and_replication_only():
    spec = Uniform(uniform=(0, 1))
    alone = Draws(5, 0, 4, [("arsenal.production_rate", spec)]).params["arsenal.production_rate"]
    crowd = Draws(5, 2, 4, [("arsenal.growth", spec), ("arsenal.production_rate", spec)])
    assert np.array_equal(crowd.params["arsenal.production_rate"], alone[2:])
    assert not np.array_equal(crowd.params["arsenal.growth"], alone[2:])
    assert np.all((alone > 0) & (alone < 1))


def test_stream_uniforms_look_uniform():
    draws = splitmix_block(child_words(1, 0, 200)[:, 4], 0, 100).ravel()
    counts = np.histogram(draws, bins=10, range=(0, 1))[0]
    expected = draws.size / 10
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 27.9  # 99.9th percentile of chi-square with 9 degrees of freedom
    lag = np.corrcoef(draws[:-1], draws[1:])[0, 1]
    assert abs(lag) < 4 / math.sqrt(draws.size)


@pytest.mark.parametrize("mu", [0.3, 4.0, 9.99, 10.0, 37.5, 180.0])
def test_poisson_mean_and_variance_match_theory(mu):
    rng = random.Random(99)
    n = 20000
    xs = [poisson(rng, mu) for _ in range(n)]
    mean = sum(xs) / n
    var = sum((x - mean) ** 2 for x in xs) / (n - 1)
    assert abs(mean - mu) < 4 * math.sqrt(mu / n)
    # var of the sample variance of a Poisson: (mu + 2 mu^2 (n/(n-1))) / n approximately
    assert abs(var - mu) < 4 * math.sqrt((mu + 2 * mu * mu) / n)


def test_poisson_probabilities_match_the_pmf():
    rng = random.Random(1)
    mu, n = 12.0, 40000
    counts: dict[int, int] = {}
    for _ in range(n):
        k = poisson(rng, mu)
        counts[k] = counts.get(k, 0) + 1
    for k in (6, 10, 12, 15, 20):
        pmf = math.exp(-mu + k * math.log(mu) - math.lgamma(k + 1))
        assert abs(counts.get(k, 0) / n - pmf) < 4 * math.sqrt(pmf * (1 - pmf) / n)
