"""Parameters that are numbers or distributions, each knowing its own theory.

A scenario parameter is a number (`12`), a number with provenance
(`{value: 12, source: fas_2024_rate}`) or a distribution drawn once per
replication (`{triangular: [6, 12, 20], source: judgment}`). Every distribution
samples by inverse CDF from one uniform number, and knows its mean, variance
and support, so tests can check sampled moments against the analytic ones and
validation (see `params`) can check that a probability's whole support lies in [0, 1].

Drawing by inverse CDF from a uniform that depends only on the replication and
the parameter's path keeps draws coupled across scenarios and sweep points:
raising a triangular's mode moves each replication's draw up, never reshuffles.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from sim.scenario.special import beta_ppf

if TYPE_CHECKING:  # numpy is imported where arrays are drawn, so `sim validate` starts fast
    import numpy as np

JUDGMENT = "judgment"
_STD = NormalDist()
#: No number in a scenario is larger than this: beyond it a value is a typo or an attack.
LIMIT = 1e9


def check_number(value: Any) -> Any:
    """A number must be finite and within ±LIMIT (names pass through unchanged)."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value}")
        if abs(value) > LIMIT:
            raise ValueError(
                f"{value:g} is beyond any plausible value (numbers here are within ±{LIMIT:g})"
            )
    return value


#: A finite, plausible number: `.inf`, `.nan` and 1e300 are refused with a clear message.
Real = Annotated[float, AfterValidator(check_number)]
RealOrName = Annotated[float | str, AfterValidator(check_number)]

Source = Annotated[
    str | list[str] | None,
    Field(description="Fact id(s) from the facts file backing this value, or 'judgment'."),
]


class _Spec(BaseModel):
    """Common fields: provenance and a free note."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: ClassVar[str] = ""
    source: Source = None
    note: str | None = Field(None, description="Why this value; shown in reports.")

    def sources(self) -> list[str]:
        if self.source is None:
            return []
        return [self.source] if isinstance(self.source, str) else list(self.source)

    @property
    def random(self) -> bool:
        return True

    def support(self) -> tuple[float, float]:
        raise NotImplementedError

    def reach(self) -> tuple[float, float]:
        """The least and the greatest value a draw can take (finite even where the
        support is not: `ppf` keeps its uniform inside (0, 1))."""
        lo, hi = self.support()
        if math.isinf(lo):
            lo = self.ppf(0.0)
        if math.isinf(hi):
            hi = self.ppf(1.0)
        return lo, hi

    def ppf(self, u: float) -> Any:
        """The value at cumulative probability u in (0, 1)."""
        raise NotImplementedError

    def ppf_array(self, u: np.ndarray) -> np.ndarray:
        """`ppf` over an array of uniforms (vectorized where the formula allows)."""
        import numpy as np

        values = [self.ppf(x) for x in u.tolist()]
        numeric = all(isinstance(v, float | int) for v in values)
        return np.array(values, dtype=float if numeric else object)

    def mean(self) -> float:
        raise NotImplementedError

    def var(self) -> float:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class Fixed(_Spec):
    """A single value with its provenance: `{value: 0.12, source: judgment}`."""

    kind: ClassVar[str] = "value"
    value: RealOrName

    @property
    def random(self) -> bool:
        return False

    def support(self) -> tuple[float, float]:
        if isinstance(self.value, str):  # a name has no numeric support (as a choice of names)
            return (math.nan, math.nan)
        return (self.value, self.value)

    def ppf(self, u: float) -> Any:
        return self.value

    def mean(self) -> float:
        return float(self.value)

    def var(self) -> float:
        return 0.0

    def describe(self) -> str:
        return f"{self.value:g}" if isinstance(self.value, float) else str(self.value)


class Uniform(_Spec):
    """`{uniform: [low, high]}`."""

    kind: ClassVar[str] = "uniform"
    uniform: tuple[Real, Real]

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        lo, hi = self.uniform
        if lo > hi:
            raise ValueError(f"uniform: low ({lo:g}) is greater than high ({hi:g})")
        return self

    def support(self) -> tuple[float, float]:
        return self.uniform

    def ppf(self, u: float) -> float:
        lo, hi = self.uniform
        return lo + u * (hi - lo)

    def ppf_array(self, u: np.ndarray) -> np.ndarray:
        lo, hi = self.uniform
        return lo + u * (hi - lo)

    def mean(self) -> float:
        return sum(self.uniform) / 2

    def var(self) -> float:
        lo, hi = self.uniform
        return (hi - lo) ** 2 / 12

    def describe(self) -> str:
        return "uniform({:g}, {:g})".format(*self.uniform)


class Triangular(_Spec):
    """`{triangular: [low, mode, high]}`."""

    kind: ClassVar[str] = "triangular"
    triangular: tuple[Real, Real, Real]

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        lo, mode, hi = self.triangular
        if lo > hi:
            raise ValueError(f"triangular: low ({lo:g}) is greater than high ({hi:g})")
        if not lo <= mode <= hi:
            raise ValueError(
                f"triangular: the mode ({mode:g}) must lie between low ({lo:g}) and high ({hi:g})"
            )
        return self

    def support(self) -> tuple[float, float]:
        return (self.triangular[0], self.triangular[2])

    def ppf(self, u: float) -> float:
        lo, mode, hi = self.triangular
        if hi == lo:
            return lo
        cut = (mode - lo) / (hi - lo)
        if u < cut:
            return lo + math.sqrt(u * (hi - lo) * (mode - lo))
        return hi - math.sqrt((1 - u) * (hi - lo) * (hi - mode))

    def ppf_array(self, u: np.ndarray) -> np.ndarray:
        import numpy as np

        lo, mode, hi = self.triangular
        if hi == lo:
            return np.full(u.shape, lo)
        cut = (mode - lo) / (hi - lo)
        low = lo + np.sqrt(u * (hi - lo) * (mode - lo))
        high = hi - np.sqrt((1 - u) * (hi - lo) * (hi - mode))
        return np.where(u < cut, low, high)

    def mean(self) -> float:
        return sum(self.triangular) / 3

    def var(self) -> float:
        a, c, b = self.triangular
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def describe(self) -> str:
        return "triangular({:g}, {:g}, {:g})".format(*self.triangular)


class NormalArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    mean: Real
    sd: Real = Field(gt=0)
    low: Real | None = Field(None, description="Truncate below (optional).")
    high: Real | None = Field(None, description="Truncate above (optional).")


class Normal(_Spec):
    """`{normal: [mean, sd]}` or `{normal: {mean, sd, low, high}}` (bounds truncate)."""

    kind: ClassVar[str] = "normal"
    normal: NormalArgs

    @field_validator(
        "normal", mode="before", json_schema_input_type=NormalArgs | tuple[float, float]
    )
    @classmethod
    def _from_list(cls, v: Any) -> Any:
        if isinstance(v, list | tuple):
            if len(v) != 2:
                raise ValueError("normal takes [mean, sd] or {mean, sd, low, high}")
            return {"mean": v[0], "sd": v[1]}
        return v

    @model_validator(mode="after")
    def _order(self) -> Normal:
        n = self.normal
        if n.sd < 1e-9:
            raise ValueError(f"normal: sd ({n.sd:g}) is below 1e-9; give a fixed value instead")
        if n.low is not None and n.high is not None and n.low > n.high:
            raise ValueError(f"normal: low ({n.low:g}) is greater than high ({n.high:g})")
        a, b = self._cdf_bounds()
        if b - a < 1e-12:
            raise ValueError("normal: the bounds leave no probability; widen low/high")
        return self

    def _cdf_bounds(self) -> tuple[float, float]:
        n = self.normal
        a = 0.0 if n.low is None else _STD.cdf((n.low - n.mean) / n.sd)
        b = 1.0 if n.high is None else _STD.cdf((n.high - n.mean) / n.sd)
        return a, b

    def support(self) -> tuple[float, float]:
        n = self.normal
        return (-math.inf if n.low is None else n.low, math.inf if n.high is None else n.high)

    def ppf(self, u: float) -> float:
        n = self.normal
        a, b = self._cdf_bounds()
        p = min(max(a + u * (b - a), 1e-300), 1 - 1e-16)
        x = n.mean + n.sd * _STD.inv_cdf(p)
        lo, hi = self.support()
        return min(max(x, lo), hi)

    def _moments(self) -> tuple[float, float]:
        n = self.normal
        alpha = -math.inf if n.low is None else (n.low - n.mean) / n.sd
        beta = math.inf if n.high is None else (n.high - n.mean) / n.sd
        z = _STD.cdf(beta) - _STD.cdf(alpha)

        def pdf(x: float) -> float:
            return 0.0 if math.isinf(x) else _STD.pdf(x)

        def xpdf(x: float) -> float:
            return 0.0 if math.isinf(x) else x * _STD.pdf(x)

        shift = (pdf(alpha) - pdf(beta)) / z
        mean = n.mean + n.sd * shift
        var = n.sd**2 * (1 + (xpdf(alpha) - xpdf(beta)) / z - shift**2)
        return mean, var

    def mean(self) -> float:
        return self._moments()[0]

    def var(self) -> float:
        return self._moments()[1]

    def describe(self) -> str:
        n = self.normal
        text = f"normal({n.mean:g}, sd {n.sd:g}"
        if n.low is not None or n.high is not None:
            text += f", within [{'' if n.low is None else f'{n.low:g}'}, "
            text += f"{'' if n.high is None else f'{n.high:g}'}]"
        return text + ")"


class LogNormalArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    median: Real = Field(gt=0, description="The median (exp of the log-mean).")
    sigma: float = Field(
        gt=0, le=10, description="Standard deviation of the logarithm (at most 10)."
    )


class LogNormal(_Spec):
    """`{lognormal: {median, sigma}}` or `{lognormal: [median, sigma]}`."""

    kind: ClassVar[str] = "lognormal"
    lognormal: LogNormalArgs

    @field_validator(
        "lognormal", mode="before", json_schema_input_type=LogNormalArgs | tuple[float, float]
    )
    @classmethod
    def _from_list(cls, v: Any) -> Any:
        if isinstance(v, list | tuple):
            if len(v) != 2:
                raise ValueError("lognormal takes [median, sigma] or {median, sigma}")
            return {"median": v[0], "sigma": v[1]}
        return v

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def ppf(self, u: float) -> float:
        p = min(max(u, 1e-300), 1 - 1e-16)
        return self.lognormal.median * math.exp(self.lognormal.sigma * _STD.inv_cdf(p))

    def mean(self) -> float:
        return self.lognormal.median * math.exp(self.lognormal.sigma**2 / 2)

    def var(self) -> float:
        s2 = self.lognormal.sigma**2
        return (math.exp(s2) - 1) * self.lognormal.median**2 * math.exp(s2)

    def describe(self) -> str:
        return f"lognormal(median {self.lognormal.median:g}, sigma {self.lognormal.sigma:g})"


class BetaArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    a: float = Field(ge=0.01, le=10_000, description="Shape a, 0.01 to 10,000.")
    b: float = Field(ge=0.01, le=10_000, description="Shape b, 0.01 to 10,000.")
    low: Real = Field(0.0, description="Scale the beta to [low, high].")
    high: Real = 1.0


class Beta(_Spec):
    """`{beta: [a, b]}` on [0, 1], or `{beta: {a, b, low, high}}` rescaled."""

    kind: ClassVar[str] = "beta"
    beta: BetaArgs

    @field_validator("beta", mode="before", json_schema_input_type=BetaArgs | tuple[float, float])
    @classmethod
    def _from_list(cls, v: Any) -> Any:
        if isinstance(v, list | tuple):
            if len(v) != 2:
                raise ValueError("beta takes [a, b] or {a, b, low, high}")
            return {"a": v[0], "b": v[1]}
        return v

    @model_validator(mode="after")
    def _order(self) -> Beta:
        if self.beta.low > self.beta.high:
            raise ValueError(
                f"beta: low ({self.beta.low:g}) is greater than high ({self.beta.high:g})"
            )
        return self

    def support(self) -> tuple[float, float]:
        return (self.beta.low, self.beta.high)

    def ppf(self, u: float) -> float:
        x = beta_ppf(self.beta.a, self.beta.b, u)
        return self.beta.low + (self.beta.high - self.beta.low) * x

    def mean(self) -> float:
        a, b = self.beta.a, self.beta.b
        return self.beta.low + (self.beta.high - self.beta.low) * a / (a + b)

    def var(self) -> float:
        a, b = self.beta.a, self.beta.b
        scale = (self.beta.high - self.beta.low) ** 2
        return scale * a * b / ((a + b) ** 2 * (a + b + 1))

    def describe(self) -> str:
        text = f"beta({self.beta.a:g}, {self.beta.b:g}"
        if (self.beta.low, self.beta.high) != (0.0, 1.0):
            text += f", on [{self.beta.low:g}, {self.beta.high:g}]"
        return text + ")"


class ChoiceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    values: list[RealOrName] = Field(min_length=1)
    weights: list[Real] | None = None

    @model_validator(mode="after")
    def _weights(self) -> ChoiceArgs:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"choice: {len(self.values)} values but {len(self.weights)} weights"
                )
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("choice: weights must be non-negative and not all zero")
        return self


class Choice(_Spec):
    """`{choice: [a, b, c]}` (equally likely) or `{choice: {values: [...], weights: [...]}}`."""

    kind: ClassVar[str] = "choice"
    choice: ChoiceArgs

    @field_validator("choice", mode="before", json_schema_input_type=ChoiceArgs | list[float | str])
    @classmethod
    def _from_list(cls, v: Any) -> Any:
        if isinstance(v, list | tuple):
            return {"values": list(v)}
        return v

    def _probs(self) -> list[float]:
        w = self.choice.weights or [1.0] * len(self.choice.values)
        total = sum(w)
        return [x / total for x in w]

    def support(self) -> tuple[float, float]:
        numeric = [v for v in self.choice.values if not isinstance(v, str)]
        if len(numeric) != len(self.choice.values):
            return (math.nan, math.nan)
        return (min(numeric), max(numeric))

    def ppf(self, u: float) -> Any:
        acc = 0.0
        for value, p in zip(self.choice.values, self._probs(), strict=True):
            acc += p
            if u < acc:
                return value
        return self.choice.values[-1]

    def mean(self) -> float:
        return sum(float(v) * p for v, p in zip(self.choice.values, self._probs(), strict=True))

    def var(self) -> float:
        m = self.mean()
        pairs = zip(self.choice.values, self._probs(), strict=True)
        return sum(p * (float(v) - m) ** 2 for v, p in pairs)

    def describe(self) -> str:
        vals = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in self.choice.values)
        if self.choice.weights:
            ws = ", ".join(f"{w:g}" for w in self.choice.weights)
            return f"choice({vals}; weights {ws})"
        return f"choice({vals})"


DISTRIBUTIONS: dict[str, type[_Spec]] = {
    cls.kind: cls for cls in (Fixed, Uniform, Triangular, Normal, LogNormal, Beta, Choice)
}
Spec = _Spec
