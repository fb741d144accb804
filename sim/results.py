"""Results: every outcome of a run as numpy arrays, aligned by replication.

`scalars[name]` and `firsts[name]` have one value per replication (`firsts` is
the month an event first happened, NaN if it never did); `trajectories[name]`
and `freeze` have one row per replication and one column per month of the
reporting grid (month 0 is the scenario's start). `summary()` aggregates them;
`save()` writes the result folder; `table()` gives one row per replication.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from .schema import Scenario
from .version import __version__


@dataclass(eq=False)
class Results:
    scenario: Scenario
    seed: int
    scalars: dict[str, np.ndarray]
    firsts: dict[str, np.ndarray]
    trajectories: dict[str, np.ndarray]
    freeze: np.ndarray
    sampled: dict[str, np.ndarray]
    started: str = ""
    wall_seconds: float = 0.0
    workers: int = 1
    extra: dict = field(default_factory=dict)

    @property
    def replications(self) -> int:
        return int(self.freeze.shape[0])

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

    @cached_property
    def _figures(self) -> dict:
        from .summary import summarize

        return summarize(self)

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

    def table(self) -> dict[str, np.ndarray]:
        """One column per sampled parameter and outcome, one row per replication."""
        cols: dict[str, np.ndarray] = {"replication": np.arange(self.replications)}
        cols.update(self.sampled)
        cols.update(self.scalars)
        for name, v in self.firsts.items():
            cols[f"months_to_{name}"] = v
        cols["freeze_in_force_at_end"] = self.freeze[:, -1].astype(int)
        return cols

    def to_pandas(self):
        """The per-replication table as a pandas DataFrame (pandas must be installed)."""
        import pandas as pd

        return pd.DataFrame(self.table()).set_index("replication")

    def save(self, out: str | Path = "results", run_id: str | None = None) -> Path:
        """Write `out/<scenario>/<run-id>/` atomically and return its path."""
        from .writers import write_run

        return write_run(self, Path(out), run_id)
