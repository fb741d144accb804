"""Where replications go as chunks finish: kept in memory, or streamed through.

`Memory` keeps every outcome in arrays (about 1.4 KB a replication with
trajectories), for `Results` with everything. `Stream` keeps only running
statistics and appends each chunk's rows to a CSV spool on disk, so memory
stays flat however many replications run (`sim run --no-trajectories`): means
and standard deviations are exact, event probabilities and curves are exact,
percentiles come from a `Sketch` (exact for whole numbers, within 0.1%
otherwise). Both take chunks in replication order.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from sim.engine.folders import SPOOL, owner_tag
from sim.engine.results import Results, StreamedResults, table_columns
from sim.engine.sketch import Sketch
from sim.engine.summary import metric, share
from sim.engine.tables import TableWriter
from sim.plan.compiled import Plan
from sim.plan.outcomes import FIRSTS, METRICS, SCALARS
from sim.scenario.distributions import Spec
from sim.scenario.schema import Scenario


def _dtype(spec: Spec) -> type:
    return object if isinstance(spec.ppf(0.5), str) else float


class Memory:
    """Every outcome in arrays, growing as chunks arrive."""

    # Allocated (and grown) by `_alloc`, one row a replication.
    scalars: np.ndarray
    firsts: np.ndarray
    freeze: np.ndarray
    warheads: np.ndarray
    material: np.ndarray
    sampled: dict[str, np.ndarray]

    def __init__(self, plan: Plan, capacity: int, trajectories: bool):
        self.plan = plan
        self.n = 0
        self.months = plan.horizon + 1
        self.trajectories = trajectories
        self._alloc(max(capacity, 1))

    def _alloc(self, capacity: int) -> None:
        m = self.months
        t = m if self.trajectories else 0
        shapes = {
            "scalars": ((capacity, len(SCALARS)), float),
            "firsts": ((capacity, len(FIRSTS)), float),
            "freeze": ((capacity, m), bool),
            "warheads": ((capacity, t), np.float32),
            "material": ((capacity, t), np.float32),
        }
        arrays = {k: np.empty(shape, dtype) for k, (shape, dtype) in shapes.items()}
        sampled: dict[str, np.ndarray] = {
            p: np.empty(capacity, _dtype(s)) for p, s in self.plan.random
        }
        if self.n:
            for key, array in arrays.items():
                array[: self.n] = getattr(self, key)[: self.n]
            for path, column in sampled.items():
                column[: self.n] = self.sampled[path][: self.n]
        for key, array in arrays.items():
            setattr(self, key, array)
        self.sampled = sampled
        self.capacity = capacity

    def add(self, part: dict) -> None:
        a, b = part["start"], part["stop"]
        if b > self.capacity:
            self._alloc(max(b, 2 * self.capacity))
        self.scalars[a:b] = part["scalars"]
        self.firsts[a:b] = part["firsts"]
        self.freeze[a:b] = part["freeze"]
        self.warheads[a:b] = part["warheads"]
        self.material[a:b] = part["material"]
        for path, values in part["sampled"].items():
            self.sampled[path][a:b] = values
        self.n = max(self.n, b)

    def discard(self) -> None:
        """Nothing to clean up: everything is in memory."""

    def stats(self) -> tuple[dict, dict]:
        """(mean, sd, n) of every scalar and p of every event so far, for adaptive runs."""
        n = self.n
        moments = {}
        for k, name in enumerate(SCALARS):
            x = self.scalars[:n, k]
            moments[name] = (float(x.mean()), float(x.std(ddof=1)) if n > 1 else 0.0, n)
        events = {e: float(np.mean(~np.isnan(self.firsts[:n, k]))) for k, e in enumerate(FIRSTS)}
        events["freeze_in_force_at_end"] = float(self.freeze[:n, -1].mean())
        return moments, events

    def results(
        self, scenario: Scenario, seed: int, kind: type[Results] = Results, **provenance: Any
    ) -> Results:
        """The run's `Results` (or `kind`, a subclass of it, for the Python API)."""
        n = self.n
        return kind(
            scenario=scenario,
            seed=seed,
            scalars={name: self.scalars[:n, k] for k, name in enumerate(SCALARS)},
            firsts={name: self.firsts[:n, k] for k, name in enumerate(FIRSTS)},
            trajectories={"warheads": self.warheads[:n], "material": self.material[:n]}
            if self.trajectories
            else {},
            freeze=self.freeze[:n],
            sampled={path: column[:n] for path, column in self.sampled.items()},
            **provenance,
        )


class _Moments:
    """Count, mean and sum of squared deviations, merged chunk by chunk (Chan et al.)."""

    __slots__ = ("m2", "mean", "n")

    def __init__(self) -> None:
        self.n, self.mean, self.m2 = 0, 0.0, 0.0

    def add(self, x: np.ndarray) -> None:
        x = x[~np.isnan(x)]
        nb = int(x.size)
        if not nb:
            return
        mb = float(x.mean())
        m2b = float(((x - mb) ** 2).sum())
        n = self.n + nb
        delta = mb - self.mean
        self.mean += delta * nb / n
        self.m2 += m2b + delta * delta * self.n * nb / n
        self.n = n

    @property
    def sd(self) -> float:
        return math.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else 0.0


class Stream:
    """Running statistics only; each chunk's rows go to a CSV spool."""

    def __init__(self, plan: Plan, spool_dir: str | Path | None = None):
        self.plan = plan
        self.n = 0
        self.months = np.arange(plan.horizon + 1)
        self.moments = {name: _Moments() for name in METRICS}
        self.sketches = {name: Sketch() for name in self.moments}
        self.happened = {name: 0 for name in FIRSTS}
        self.curves = {name: np.zeros(self.months.size, dtype=np.int64) for name in FIRSTS}
        self.frozen = np.zeros(self.months.size, dtype=np.int64)
        # the owner's pid is in the name, so a killed run's spool is recognised and removed
        self.folder = Path(tempfile.mkdtemp(prefix=owner_tag(SPOOL), dir=spool_dir))
        self.table = TableWriter(self.folder / "replications.csv")

    def add(self, part: dict) -> None:
        if part["start"] != self.n:
            raise RuntimeError("chunks must arrive in replication order")
        for k, name in enumerate(SCALARS):
            self.moments[name].add(part["scalars"][:, k])
            self.sketches[name].add(part["scalars"][:, k])
        for k, name in enumerate(FIRSTS):
            column = part["firsts"][:, k]
            self.moments[f"months_to_{name}"].add(column)
            self.sketches[f"months_to_{name}"].add(column)
            hit = np.sort(column[~np.isnan(column)])
            self.happened[name] += int(hit.size)
            self.curves[name] += np.searchsorted(hit, self.months, side="right")
        self.frozen += part["freeze"].sum(axis=0)
        self.n = part["stop"]
        self.table.write(_chunk_table(part))

    def discard(self) -> None:
        """The run failed or was interrupted: remove the spool."""
        self.table.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def stats(self) -> tuple[dict, dict]:
        moments = {name: (m.mean, m.sd, m.n) for name, m in self.moments.items() if name in SCALARS}
        events = {e: self.happened[e] / self.n for e in FIRSTS}
        events["freeze_in_force_at_end"] = float(self.frozen[-1] / self.n)
        return moments, events

    def figures(self) -> dict:
        n = self.n
        metrics = {}
        for name, m in self.moments.items():
            metrics[name] = metric(name, m.n, m.mean, m.sd, self.sketches[name].order_statistics)
        probabilities = {event: share(self.happened[event], n) for event in FIRSTS}
        probabilities["freeze_in_force_at_end"] = share(int(self.frozen[-1]), n)
        curves = {"months": self.months.tolist()}
        curves.update({e: (self.curves[e] / n).tolist() for e in FIRSTS})
        curves["freeze_in_force"] = (self.frozen / n).tolist()
        return {
            "metrics": metrics,
            "probabilities": probabilities,
            "curves": curves,
            "trajectories": {},
        }

    def results(
        self,
        scenario: Scenario,
        seed: int,
        kind: type[StreamedResults] = StreamedResults,
        **provenance: Any,
    ) -> StreamedResults:
        """The run's `StreamedResults` (or `kind`, a subclass of it, for the Python API)."""
        self.table.close()
        return kind(
            scenario=scenario,
            seed=seed,
            figures=self.figures(),
            n=self.n,
            spool=self.folder,
            **provenance,
        )


def _chunk_table(part: dict) -> dict[str, np.ndarray]:
    """The replications.csv columns of one chunk."""
    return table_columns(
        part["start"],
        part["sampled"],
        dict(zip(SCALARS, part["scalars"].T, strict=True)),
        dict(zip(FIRSTS, part["firsts"].T, strict=True)),
        part["freeze"][:, -1],
    )


__all__ = ["Memory", "Stream"]
