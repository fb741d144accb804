"""Random streams: seeds follow SeedSequence children; Poisson draws follow theory."""

import math
import random

import numpy as np
import pytest

from sim.streams import STREAMS, Streams, poisson


def test_replication_i_uses_the_ith_spawned_child():
    children = np.random.SeedSequence(7).spawn(6)
    for i in (0, 3, 5):
        ours = np.random.SeedSequence(7, spawn_key=(i,)).generate_state(4)
        assert np.array_equal(ours, children[i].generate_state(4))


def test_named_streams_do_not_depend_on_the_order_they_are_used():
    a, b = Streams(3, 11), Streams(3, 11)
    first = a["talks"].random()
    b["council"].random()
    b["deal"].random()
    assert b["talks"].random() == first


def test_streams_differ_between_names_and_replications():
    s = Streams(3, 11)
    draws = {name: s[name].random() for name in STREAMS}
    assert len(set(draws.values())) == len(STREAMS)
    assert Streams(3, 12)["talks"].random() != Streams(3, 11)["talks"].random()


def test_parameter_uniforms_are_keyed_by_path_only():
    s = Streams(5, 2)
    u = s.param_uniform("arsenal.production_rate")
    assert 0 < u < 1
    assert Streams(5, 2).param_uniform("arsenal.production_rate") == u
    assert s.param_uniform("arsenal.growth") != u


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
