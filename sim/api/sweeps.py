"""Sweeps from Python: `sweep(scenario, params={...})` and the `Sweep` it returns.

    import sim

    sw = sim.sweep("scenarios/stalled.yaml", params={"arsenal.production_rate": [6, 12, 18]},
                   reps=200, seed=1)
    sw                     # the design and what drives each outcome, in a few lines
    sw.to_pandas()         # the points table, one row per point
    sw.sensitivity()       # one row per outcome and factor: S1/ST or SRC, swings
    sw.save("results")     # results/sweeps/<name>/<id>/, as `sim sweep` writes it

The scenario is a scenario or sweep file (str or Path), a `Scenario`, or a
`Results` (its scenario, with its seed and replications as defaults). `params`
maps dotted paths to what a sweep file's `product:` takes: a SPEC string
(`"6:20"`, `"0.05:0.25:5"`, `"triangular(6,12,20)"`, `"scenario"`), a list of
values, or a distribution as a mapping (`{"uniform": [6, 20]}`). Planning,
running, caching and the sensitivity figures are the sweep layer's
(`sim.sweep`); the folder is the report layer's.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from sim.api.progress import ProgressArg, progress_bar
from sim.engine.executors import make_executor
from sim.engine.results import Results, StreamedResults
from sim.report.html import table
from sim.report.sweep import sweep_json, write_sweep
from sim.scenario.schema import Scenario
from sim.sweeps.files import build_spec
from sim.sweeps.plan import SweepPlan, plan_sweep
from sim.sweeps.run import SweepRun, run_sweep
from sim.sweeps.sensitivity import Ranking, analyse
from sim.sweeps.store import PointStore, store_for
from sim.sweeps.table import table as points_table
from sim.version import __version__

#: Outcomes named in the repr before "and N more".
SHOWN = 3


class MemoryStore(PointStore):
    """Finished points kept in memory: a sweep from Python with no `store` writes nothing."""

    def __init__(self) -> None:
        super().__init__(Path("(memory)"))
        self.records: dict[str, dict] = {}

    def get(self, key: str) -> dict | None:
        return self.records.get(key)

    def put(self, record: dict) -> None:
        self.records[record["key"]] = record


@dataclass(eq=False, repr=False)
class Sweep:
    """A finished sweep: its plan, a record for every point, and what drives each outcome.

    `plan` holds the design and its points (`plan.points[i].values`), `swept`
    the record of each distinct point (`swept.records`, by key) and the
    counts, `rankings` a `Ranking` per analysed outcome (`.order()`,
    `.swings`, Sobol indices or regression coefficients).
    """

    plan: SweepPlan
    swept: SweepRun
    rankings: dict[str, Ranking]
    info: dict

    @property
    def failed(self) -> list[str]:
        """Keys of the points that failed (their errors are in `swept.records`)."""
        return self.swept.failed

    def drivers(self, outcome: str) -> list[str]:
        """The factors that clearly move `outcome` (interval excludes 0), most important first."""
        return self.rankings[outcome].drivers()

    def summary(self) -> dict:
        """The sweep as plain data: the content of sweep.json."""
        return sweep_json(self.swept, self.rankings, self.info)

    def to_pandas(self):
        """The points table (points.csv): one row per point, indexed by `point` (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(points_table(self.swept)).set_index("point")

    def sensitivity(self):
        """One row per analysed outcome and factor (needs pandas): its rank (1: moves the
        outcome most), whether its effect is clear, S1 and ST (Sobol designs) or SRC (grid
        and LHS) with their 95% intervals, the fit's R², and the swing: the outcome's mean
        at the factor's low end and at its high end."""
        import pandas as pd

        rows = []
        for outcome, r in self.rankings.items():
            rank = {j: k + 1 for k, j in enumerate(r.order())}
            for j, factor in enumerate(r.factors):
                row: dict[str, Any] = {
                    "outcome": outcome,
                    "factor": factor,
                    "rank": rank[j],
                    "clear": r.clear(j),
                    "method": r.method,
                }
                if r.method == "sobol":
                    row.update(S1=r.first[j], S1_conf=r.first_ci[j], ST=r.total[j],
                               ST_conf=r.total_ci[j])  # fmt: skip
                if r.method == "src":
                    low, high = r.src_ci[j] or (None, None)
                    row.update(SRC=r.src[j], SRC_low=low, SRC_high=high, r2=r.r2)
                s = r.swings[j]
                row.update(low=s.low_label, high=s.high_label, mean_at_low=s.low,
                           mean_at_high=s.high)  # fmt: skip
                rows.append(row)
        return pd.DataFrame(rows)

    def save(self, root: str | Path = "results") -> Path:
        """Write `root/sweeps/<name>/<id>/` (points.csv, sweep.json, report.md, report.html)
        as `sim sweep` does, and return its path.

        Points kept in memory are written to the sweep's cache,
        `root/sweeps/<name>/points/`, too, so `sim sweep` with the same
        settings and `--out root` finds them there and recomputes nothing.
        """
        root = Path(root)
        store = store_for(self.plan, root)
        for record in self.swept.records.values():
            if store.get(record["key"]) != record:
                store.put(record)
        self.info["points_dir"] = str(store.folder)
        return write_sweep(self.swept, self.rankings, root, self.info)

    def _heading(self) -> str:
        plan, d = self.plan, self.plan.design
        counts = self.swept
        return (
            f"{plan.name!r} of scenario {plan.base.name!r}: {d.kind} over {len(d.factors)} "
            f"factor(s), {len(plan.points)} points x {plan.reps:,} replications, seed "
            f"{plan.seed} ({counts.computed} computed, {counts.cached} cached, "
            f"{len(counts.failed)} failed)"
        )

    def _driven(self, outcome: str) -> str:
        top = self.drivers(outcome)[:3]
        return f"driven most by {', '.join(top)}" if top else "no clear driver"

    def __repr__(self) -> str:
        lines = [f"<Sweep {self._heading()}"]
        names = list(self.rankings)
        lines += [f"  {name}: {self._driven(name)}" for name in names[:SHOWN]]
        if len(names) > SHOWN:
            lines.append(f"  ... and {len(names) - SHOWN} more outcomes (see .sensitivity())")
        return "\n".join(lines) + ">"

    def _repr_html_(self) -> str:
        rows = []
        for name, r in self.rankings.items():
            fit = f"{r.r2:.2f}" if r.method == "src" and r.r2 is not None else ""
            rows.append([f"<code>{escape(name)}</code>", escape(r.method),
                         escape(self._driven(name)), fit])  # fmt: skip
        head = ["outcome", "method", "what moves it (clear effects, most first)", "R²"]
        return f"<p><b>Sweep</b> {escape(self._heading())}</p>" + table(head, rows, 3)


def sweep(
    scenario: str | Path | Scenario | Results | StreamedResults,
    params: dict[str, Any] | None = None,
    *,
    design: str | None = None,
    samples: int | None = None,
    reps: int | None = None,
    seed: int | None = None,
    sets: dict[str, Any] | list[str] | None = None,
    metrics: list[str] | None = None,
    name: str | None = None,
    workers: int | None = None,
    executor: str | Any = "local",
    scheduler: str | None = None,
    store: str | Path | None = None,
    retry_failed: bool = False,
    progress: ProgressArg = None,
) -> Sweep:
    """Run a scenario over many values of its parameters and rank what moves each outcome.

    `scenario`: a scenario or sweep file, a `Scenario`, or a `Results` (its
    scenario; its seed and replications are the defaults). `params`: dotted
    path -> SPEC string, list of values or distribution mapping. `design`:
    "grid" (every combination; the default), "lhs" or "sobol" (`samples`
    points, or base samples). `reps` replications per point and one `seed` for
    every point (common random numbers), by default the scenario's `run:`.
    `sets`: fixed overrides (`{"deal.relief": 0.3}`). `metrics`: the outcomes
    to analyse (default: the headline ones).

    Points run on `workers` local processes (`executor="dask"` or `scheduler`
    for Dask; or an executor object already open, used as it is). With
    `store` (a results root such as "results"), each finished point is cached
    under `store/sweeps/<name>/points/`, so the same sweep later recomputes
    nothing and an interrupted one resumes; without, points are kept in
    memory. `progress=True` shows a bar. Raises ScenarioError for a bad
    parameter, value or SPEC, before anything runs.
    """
    if isinstance(scenario, Results | StreamedResults):
        seed = scenario.seed if seed is None else seed
        reps = scenario.replications if reps is None else reps
        scenario = scenario.scenario
    spec = build_spec(
        scenario, params, design=design, samples=samples, reps=reps, seed=seed, name=name,
        sets=sets, metrics=metrics,
    )  # fmt: skip
    plan = plan_sweep(spec)
    points = MemoryStore() if store is None else store_for(plan, Path(store))
    if isinstance(executor, str):  # started here, and stopped when the points are in
        runner = make_executor(executor, workers, scheduler)
        opened: AbstractContextManager = runner
    else:  # the caller's, open already: used as it is
        runner, opened = executor, nullcontext()
    with opened, progress_bar(progress) as update:
        report = (lambda done, total: update(plan.name, done, total)) if update else None
        swept = run_sweep(plan, points, runner, retry_failed=retry_failed, progress=report)
    info = {
        "engine_version": __version__,
        "executor": getattr(runner, "description", type(runner).__name__),
        "wall_seconds": round(swept.wall_seconds, 3),
        "points_dir": None if store is None else str(points.folder),
    }
    return Sweep(plan, swept, analyse(swept), info)
