"""Distributions: inverse-CDF sampling agrees with each one's analytic moments."""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from sim.scenario.distributions import Beta, Choice, Fixed, LogNormal, Normal, Triangular, Uniform
from sim.scenario.params import Hazard, Months, Param, Probability, Rate
from sim.scenario.special import beta_cdf

SPECS = [
    Uniform(uniform=(15, 20)),
    Triangular(triangular=(6, 12, 20)),
    Triangular(triangular=(0, 0, 1)),
    Normal(normal={"mean": 1.0, "sd": 2.0}),
    Normal(normal={"mean": 0.3, "sd": 0.2, "low": 0.0, "high": 1.0}),
    LogNormal(lognormal={"median": 0.29, "sigma": 0.4}),
    Beta(beta={"a": 2.0, "b": 5.0}),
    Beta(beta={"a": 0.5, "b": 0.5, "low": 2.0, "high": 4.0}),
    Choice(choice={"values": [1.0, 2.0, 5.0], "weights": [0.2, 0.5, 0.3]}),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.describe())
def test_sampled_mean_and_variance_match_theory(spec):
    rng = random.Random(12345)
    n = 20000
    xs = [spec.ppf(rng.random()) for _ in range(n)]
    mean = sum(xs) / n
    var = sum((x - mean) ** 2 for x in xs) / (n - 1)
    se_mean = math.sqrt(spec.var() / n)
    assert abs(mean - spec.mean()) < 4 * se_mean + 1e-12
    # the variance of a sample variance needs the fourth moment; a 10% band is ~5 s.e. here
    assert var == pytest.approx(spec.var(), rel=0.1)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.describe())
@given(u=st.floats(min_value=1e-9, max_value=1 - 1e-9))
def test_draws_stay_within_the_support(spec, u):
    lo, hi = spec.support()
    assert lo <= spec.ppf(u) <= hi


@pytest.mark.parametrize("spec", SPECS[:8], ids=lambda s: s.describe())
@given(
    u=st.floats(min_value=1e-6, max_value=1 - 1e-6), v=st.floats(min_value=1e-6, max_value=1 - 1e-6)
)
def test_inverse_cdf_is_monotone(spec, u, v):
    if u <= v:
        assert spec.ppf(u) <= spec.ppf(v) + 1e-12


@given(
    a=st.floats(min_value=0.3, max_value=20),
    b=st.floats(min_value=0.3, max_value=20),
    u=st.floats(min_value=0.001, max_value=0.999),
)
def test_beta_inverse_inverts_the_cdf(a, b, u):
    x = Beta(beta={"a": a, "b": b}).ppf(u)
    assert beta_cdf(a, b, x) == pytest.approx(u, abs=1e-7)


def test_fixed_is_not_random():
    spec = Fixed(value=3.0)
    assert not spec.random and spec.ppf(0.1) == spec.ppf(0.9) == 3.0


class Model(BaseModel):
    p: Probability = 0.5
    r: Rate = 1.0
    x: Param = 0.0
    h: Hazard = 1.0
    m: Months = 1.0


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"p": 1.2}, "a probability must be in [0, 1]; got 1.2"),
        ({"p": {"uniform": [0.5, 1.5]}}, "uniform(0.5, 1.5) can give values from 0.5 to 1.5"),
        ({"p": {"normal": [0.5, 0.1]}}, "give it low and high bounds"),
        ({"r": -1}, "a rate must be at least 0; got -1"),
        ({"x": {"uniform": [20, 15]}}, "low (20) is greater than high (15)"),
        ({"x": {"triangular": [6, 25, 20]}}, "the mode (25) must lie between"),
        ({"x": {"choice": {"values": [1, 2], "weights": [1]}}}, "2 values but 1 weights"),
        ({"x": {"lognormal": {"median": -1, "sigma": 1}}}, "greater than 0"),
        ({"x": True}, "expected a number or a distribution"),
        # every number finite and plausible, every parameter in its plausible range
        ({"r": math.inf}, "expected a finite number, got inf"),
        ({"x": math.nan}, "expected a finite number, got nan"),
        ({"x": {"uniform": [0, math.inf]}}, "expected a finite number, got inf"),
        ({"x": {"uniform": [0, 1e300]}}, "1e+300 is beyond any plausible value"),
        ({"x": 1e308}, "1e+308 is beyond any plausible value"),
        ({"x": {"beta": [math.inf, 2]}}, "less than or equal to 10000"),
        ({"x": {"lognormal": [1, 50]}}, "less than or equal to 10"),
        ({"x": {"normal": [0, 1e-12]}}, "sd (1e-12) is below 1e-9"),
        ({"x": {"choice": {"values": [1, 2], "weights": [1, math.inf]}}}, "finite number"),
        ({"r": 5000}, "a rate must be between 0 and 1000 events a year to be plausible; got 5000"),
        ({"m": 2000}, "a delay must be between 0 and 1200 months to be plausible; got 2000"),
        ({"r": {"lognormal": [10, 1]}}, "lognormal(median 10, sigma 1) can give values from"),
        ({"h": 2e9}, "2e+09 is beyond any plausible value"),
    ],
)
def test_bad_parameters_are_refused_with_a_reason(data, fragment):
    with pytest.raises(ValidationError) as err:
        Model.model_validate(data)
    assert fragment in str(err.value)


def test_numbers_and_distributions_become_specs():
    m = Model.model_validate({"p": 0.25, "x": {"triangular": [1, 2, 3], "source": "judgment"}})
    assert isinstance(m.p, Fixed) and m.p.value == 0.25
    assert isinstance(m.x, Triangular) and m.x.sources() == ["judgment"]


def test_a_lognormal_reaches_a_finite_largest_value_that_bounds_every_draw():
    spec = LogNormal(lognormal={"median": 0.29, "sigma": 0.4})
    low, high = spec.reach()
    assert spec.support() == (0.0, math.inf)
    assert low == 0.0 and 0.29 < high < 8 and high == spec.ppf(1.0)
    assert all(low <= spec.ppf(u / 1000) <= high for u in range(1001))


def test_a_hazard_may_be_huge_to_mean_at_once_but_a_repeated_rate_may_not():
    assert Model.model_validate({"h": 1e9}).h.value == 1e9
    assert Model.model_validate({"r": {"lognormal": [0.29, 0.4]}}).r.reach()[1] < 1000
