"""Results of a run: every outcome as arrays, or (for huge runs) only their statistics.

`Results`: `scalars[name]` and `firsts[name]` have one value per replication
(`firsts` is the month an event first happened, NaN if it never did);
`trajectories[name]` and `freeze` have one row per replication and one column
per month of the reporting grid (month 0 is the scenario's start). `summary()`
aggregates them; `table()` gives one row per replication. Writing them down
is the report layer's business (`sim.report.writers.write_run`; from Python,
`sim.run` returns the same data with a `save()` method).

`StreamedResults` (from `sim.run(..., stream=True)`) holds the same
summary computed on the fly and the per-replication table already spooled to
disk, so memory does not grow with the number of replications.
"""

from __future__ import annotations

import platform
import shutil
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from sim.engine.summary import summarize
from sim.scenario.schema import Scenario
from sim.version import __version__


def table_columns(
    first: int, sampled: dict, scalars: dict, firsts: dict, freeze_at_end: np.ndarray
) -> dict[str, np.ndarray]:
    """The columns of replications.csv, for replications `first`, `first + 1`, ...

    One layout for a kept run's whole table and a streamed run's chunks.
    """
    cols: dict[str, np.ndarray] = {"replication": np.arange(first, first + len(freeze_at_end))}
    cols.update(sampled)
    cols.update(scalars)
    cols.update({f"months_to_{name}": v for name, v in firsts.items()})
    cols["freeze_in_force_at_end"] = np.asarray(freeze_at_end).astype(int)
    return cols


@dataclass(eq=False, kw_only=True)
class _Run:
    """What every run has: its scenario, seed and provenance."""

    scenario: Scenario
    seed: int
    started: str = ""
    wall_seconds: float = 0.0
    workers: int = 1
    extra: dict = field(default_factory=dict)

    @property
    def replications(self) -> int:
        raise NotImplementedError

    @property
    def months(self) -> np.ndarray:
        return np.arange(self.scenario.horizon_months + 1)

    @property
    def dates(self) -> list[str]:
        start = self.scenario.start_month
        return [str(start.plus(int(m))) for m in self.months]

    def provenance(self) -> dict:
        import pydantic
        import simpy

        return {
            "seed": self.seed,
            "replications": self.replications,
            "scenario_hash": self.scenario.content_hash(),
            "overrides": self.scenario.overrides,
            "engine_version": __version__,
            "packages": {
                "python": platform.python_version(),
                "numpy": np.__version__,
                "simpy": simpy.__version__,
                "pydantic": pydantic.__version__,
            },
            "started": self.started,
            "wall_seconds": round(self.wall_seconds, 3),
            "workers": self.workers,
            **self.extra,
        }

    @property
    def _figures(self) -> dict:
        raise NotImplementedError

    def summary(self) -> dict:
        """Every figure, the scenario and the provenance: the content of summary.json."""
        s = self.scenario
        return {
            "scenario": {
                "name": s.name,
                "title": s.title,
                "path": s.path,
                "start": str(s.start_month),
                "horizon_months": s.horizon_months,
                "hash": s.content_hash(),
            },
            **self._figures,
            "provenance": self.provenance(),
            "facts": {k: v.model_dump(mode="json") for k, v in s.facts_cited.items()},
            "resolved": s.resolved,
        }


@dataclass(eq=False, kw_only=True)
class Results(_Run):
    scalars: dict[str, np.ndarray]
    firsts: dict[str, np.ndarray]
    trajectories: dict[str, np.ndarray]
    freeze: np.ndarray
    sampled: dict[str, np.ndarray]

    @property
    def replications(self) -> int:
        return int(self.freeze.shape[0])

    @cached_property
    def _figures(self) -> dict:
        return summarize(self)

    def table(self) -> dict[str, np.ndarray]:
        """One column per sampled parameter and outcome, one row per replication."""
        return table_columns(0, self.sampled, self.scalars, self.firsts, self.freeze[:, -1])

    def to_pandas(self):
        """The per-replication table as a pandas DataFrame (pandas must be installed)."""
        import pandas as pd

        return pd.DataFrame(self.table()).set_index("replication")


@dataclass(eq=False, kw_only=True)
class StreamedResults(_Run):
    figures: dict
    n: int
    spool: Path

    @property
    def replications(self) -> int:
        return self.n

    @property
    def _figures(self) -> dict:
        return self.figures

    def to_pandas(self):
        """The per-replication table, read back from the spooled CSV (needs pandas)."""
        import pandas as pd

        return pd.read_csv(self.spool / "replications.csv", index_col="replication")

    def __del__(self):
        shutil.rmtree(self.spool, ignore_errors=True)
