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

Both show themselves in a few lines (`repr`, and a small table in Jupyter):
the scenario, replications, seed and headline figures, never an array.
`Results.to_xarray()` gives the arrays labelled (the `xarray` extra).
"""

from __future__ import annotations

import platform
import shutil
from dataclasses import dataclass, field
from functools import cached_property
from html import escape
from pathlib import Path

import numpy as np
import pydantic

from sim.engine.summary import summarize
from sim.plan.outcomes import describe
from sim.scenario.schema import Scenario
from sim.version import __version__

#: The figures a run shows of itself (repr, Jupyter): percentiles of these metrics...
SHOWN_METRICS = ("final_warheads", "final_material")
#: ... and the probabilities of these events, with their standard errors.
SHOWN_EVENTS = ("deal_reached", "freeze_in_force_at_end", "freeze_collapsed")
#: Units of the arrays `to_xarray` labels (CF-style `units` attributes).
UNITS = {"warheads": "warheads", "material": "weapons-equivalent", "months_to_": "months"}


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


@dataclass(eq=False, kw_only=True, repr=False)  # repr: a few lines, never the arrays
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
        import simpy  # its version only; reading saved results never loads the model

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

    # ----------------------------------------------------------------- how a run shows itself

    def _shown(self) -> list[tuple[str, str]]:
        """The headline figures as (name, text): percentiles of metrics, probabilities ± s.e."""
        figures = self._figures
        rows = []
        for name in SHOWN_METRICS:
            m = figures["metrics"][name]
            if m.get("n"):
                rows.append(
                    (name, f"median {_short(m['p50'])}, 90% of replications "
                           f"{_short(m['p5'])} to {_short(m['p95'])}")
                )  # fmt: skip
        for name in SHOWN_EVENTS:
            p = figures["probabilities"][name]
            se = f" ± {p['mcse']:.1%}" if p.get("mcse") is not None else ""
            rows.append((f"P({name})", f"{p['p']:.1%}{se}"))
        return rows

    def _heading(self) -> str:
        s = self.scenario
        end = s.start_month.plus(s.horizon_months)
        return (
            f"{self.replications:,} replications of {s.name!r}, seed {self.seed}, "
            f"{s.start_month} to {end}"
        )

    def __repr__(self) -> str:
        lines = [f"<{type(self).__name__}: {self._heading()}"]
        lines += [f"  {name}: {text}" for name, text in self._shown()]
        return "\n".join(lines) + ">"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><code>{escape(name)}</code></td><td>{escape(text)}</td></tr>"
            for name, text in self._shown()
        )
        return (
            f"<p><b>{type(self).__name__}</b>: {escape(self._heading())}</p>"
            f"<table><tbody>{rows}</tbody></table>"
        )


@dataclass(eq=False, kw_only=True, repr=False)
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

    def to_xarray(self):
        """Every outcome as a labelled `xarray.Dataset` (the `xarray` extra must be installed).

        Variables: `warheads` and `material` (replication x month; absent for a
        run made with `trajectories=False`) and `freeze_in_force` (0/1, replication
        x month); every scalar outcome, `months_to_<event>` (NaN: never happened)
        and `freeze_in_force_at_end` (replication). Coordinates: `replication`,
        `month` (0 is the start), `date` (the first day of each month, on
        `month`), and each sampled parameter by its dotted path, on
        `replication`. Attributes: seed, replications, scenario name, title, path
        and hash, start, horizon and engine version. `ds.to_netcdf(path)` writes
        it (h5netcdf or netCDF4, both in the extra).
        """
        try:
            import xarray as xr
        except ImportError:
            raise ImportError("Results.to_xarray needs xarray: pip install 'sim[xarray]'") from None
        per_month = ("replication", "month")
        data: dict[str, tuple] = {
            q: (per_month, a, _attrs(q)) for q, a in self.trajectories.items()
        }
        data["freeze_in_force"] = (
            per_month,
            self.freeze.astype(np.int8),
            _attrs("freeze_in_force"),
        )
        table = self.table()
        for name in table:
            if name != "replication" and name not in self.sampled:
                data[name] = ("replication", table[name], _attrs(name))
        dates = np.array(self.dates, dtype="datetime64[M]").astype("datetime64[ns]")
        coords = {
            "replication": np.arange(self.replications),
            "month": self.months,
            "date": ("month", dates),
            **{path: ("replication", v) for path, v in self.sampled.items()},
        }
        s = self.scenario
        attrs = {
            "title": f"sim run of scenario {s.name}",
            "scenario": s.name,
            "scenario_title": s.title,
            "scenario_path": s.path,
            "scenario_hash": s.content_hash(),
            "start": str(s.start_month),
            "horizon_months": s.horizon_months,
            "seed": self.seed if self.seed < 2**63 else str(self.seed),  # netCDF: int64
            "replications": self.replications,
            "engine_version": __version__,
            "started": self.started or None,
        }
        kept = {k: v for k, v in attrs.items() if v is not None}  # netCDF has no null
        return xr.Dataset(data, coords=coords, attrs=kept)


@dataclass(eq=False, kw_only=True, repr=False)
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

    def to_xarray(self):
        """Not for a streamed run: it keeps no per-replication arrays. Raises TypeError."""
        raise TypeError(
            "a streamed run (stream=True) keeps no per-replication arrays, so it has no "
            "labelled form: its statistics are in summary() and its table in to_pandas(); "
            "run without stream=True for to_xarray()"
        )

    def __del__(self):
        shutil.rmtree(self.spool, ignore_errors=True)


def _attrs(name: str) -> dict[str, str]:
    """What a variable of `to_xarray` means, and its units where it has some."""
    attrs = {"long_name": describe(name)}
    unit = UNITS.get(name) or (UNITS["months_to_"] if name.startswith("months_to_") else None)
    return {**attrs, "units": unit} if unit else attrs


def _short(x: float) -> str:
    """A percentile for reading at a glance: whole above 100, else three significant digits."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"
