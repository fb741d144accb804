"""The space PRIM searches: the uncertain inputs, and boxes in it.

`Inputs` holds one column per input: numeric values as floats, or a
categorical input (a named choice, say) as integer codes into its sorted
values. `Limits` is a box: [low, high] for each numeric input and the values
kept of each categorical one; `Limits.full` is the box that holds every row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike


class PrimError(ValueError):
    """Inputs PRIM cannot work on (no rows, missing values, a bad setting)."""


@dataclass(frozen=True)
class Inputs:
    """The uncertain inputs, a column each: numeric values, or categorical codes and levels."""

    names: tuple[str, ...]
    values: tuple[np.ndarray, ...]  # numeric: float64; categorical: int codes into levels
    levels: tuple[tuple | None, ...]  # None for a numeric input

    @classmethod
    def from_columns(
        cls, columns: Mapping[str, ArrayLike], categorical: Sequence[str] = ()
    ) -> Inputs:
        """Columns by name; a column is categorical if named in `categorical` or not numbers."""
        names: list[str] = []
        values: list[np.ndarray] = []
        levels: list[tuple | None] = []
        for name, column in columns.items():
            a = np.asarray(column)
            numeric = name not in categorical and (
                a.dtype.kind in "iuf" or (a.dtype == object and _all_numbers(a))
            )
            if numeric:
                a = a.astype(float)
                if np.isnan(a).any():
                    raise PrimError(f"input {name} has missing values")
                values.append(a)
                levels.append(None)
            else:
                keys = np.array([str(v) for v in a.tolist()], dtype=object)
                found, codes = np.unique(keys, return_inverse=True)  # levels sorted
                values.append(codes.astype(np.int64))
                levels.append(tuple(found.tolist()))
            names.append(str(name))
        return cls(tuple(names), tuple(values), tuple(levels))

    @classmethod
    def from_array(
        cls, x: np.ndarray, names: Sequence[str] | None = None, categorical: Sequence[int] = ()
    ) -> Inputs:
        """An n x k array (object dtype for mixed columns); `categorical` by column index."""
        x = np.asarray(x)
        if x.ndim != 2:
            raise PrimError(f"X must be n x k, not of shape {x.shape}")
        names = list(names) if names is not None else [f"x{j}" for j in range(x.shape[1])]
        if len(names) != x.shape[1]:
            raise PrimError(f"{len(names)} names for {x.shape[1]} columns")
        cats = [names[j] for j in categorical]
        return cls.from_columns({n: x[:, j] for j, n in enumerate(names)}, cats)

    @property
    def n(self) -> int:
        return len(self.values[0]) if self.values else 0

    def categorical(self, j: int) -> bool:
        return self.levels[j] is not None


def _all_numbers(a: np.ndarray) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in a.tolist())


@dataclass(frozen=True)
class Limits:
    """A box: [low, high] per numeric input, and the values kept of each categorical one."""

    low: np.ndarray
    high: np.ndarray
    kept: tuple[np.ndarray | None, ...]  # bool per level (categorical), None (numeric)

    @classmethod
    def full(cls, inputs: Inputs) -> Limits:
        """The box that holds every history: each input's observed range, every value."""
        k = len(inputs.names)
        low, high = np.full(k, np.nan), np.full(k, np.nan)
        kept: list[np.ndarray | None] = []
        for j, (v, lv) in enumerate(zip(inputs.values, inputs.levels, strict=True)):
            if lv is None:
                low[j], high[j] = v.min(), v.max()
                kept.append(None)
            else:
                kept.append(np.bincount(v, minlength=len(lv)) > 0)
        return cls(low, high, tuple(kept))

    def numeric(self, j: int, low: float | None = None, high: float | None = None) -> Limits:
        lo, hi = self.low.copy(), self.high.copy()
        lo[j] = lo[j] if low is None else low
        hi[j] = hi[j] if high is None else high
        return replace(self, low=lo, high=hi)

    def levels(self, j: int, mask: np.ndarray) -> Limits:
        kept = list(self.kept)
        kept[j] = mask
        return replace(self, kept=tuple(kept))

    def contains(self, inputs: Inputs, rows: np.ndarray, skip: int = -1) -> np.ndarray:
        """Which of `rows` lie in the box (ignoring input `skip`)."""
        inside = np.ones(rows.size, dtype=bool)
        for j, v in enumerate(inputs.values):
            if j == skip:
                continue
            x = v[rows]
            kept = self.kept[j]
            if kept is None:
                inside &= (x >= self.low[j]) & (x <= self.high[j])
            else:
                inside &= kept[x]
        return inside

    def restricted(self, init: Limits) -> list[int]:
        """The inputs whose limits are narrower than `init`'s."""
        out = []
        for j, kept in enumerate(self.kept):
            if kept is None:
                if self.low[j] > init.low[j] or self.high[j] < init.high[j]:
                    out.append(j)
            elif (init.kept[j] & ~kept).any():
                out.append(j)
        return out

    def lift(self, j: int, init: Limits) -> Limits:
        """The same box without its restriction on input j."""
        if self.kept[j] is None:
            return self.numeric(j, init.low[j], init.high[j])
        kept = init.kept[j]
        assert kept is not None, "an input is categorical in every box over the same inputs"
        return self.levels(j, kept)
