"""What scenario discovery reads: the uncertain inputs and the outcomes of each row.

Four sources give the same `Table`:

- a run's result folder (`replications.csv`): one row per history; the sampled
  parameters (by dotted path) are the inputs, every outcome can be a condition;
- a scenario file or `Scenario` object, run now (its `run:` defaults, or the
  replications and seed given);
- a `Results` object from `sim.run` (also one made with `stream=True`, whose
  table is read back from its spool);
- a sweep's folder (`points.csv`): one row per design point; the swept
  parameters are the inputs, the per-point figures (`<metric>.mean`,
  `p_<event>`, ...) the outcomes; failed points are left out.

Inputs that take one value in every row are dropped (nothing can be said
about them) and listed as such.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.analysis.runs import check_result_folder
from sim.engine.runner import run as run_scenario
from sim.engine.saved import read_outcomes, read_table
from sim.errors import ScenarioError
from sim.plan.outcomes import FIRSTS, SCALARS
from sim.scenario.loader import apply_overrides, load_scenario
from sim.scenario.schema import Scenario

AT_END = "freeze_in_force_at_end"
TABLES = ("replications.csv", "points.csv")  # a run's table, a sweep's
#: The columns of replications.csv that are outcomes (the rest, bar `replication`, are inputs).
METRICS = (*SCALARS, *(f"months_to_{e}" for e in FIRSTS))


@dataclass
class Table:
    """Rows of inputs and outcomes from one source."""

    source: str
    kind: str  # "results" (a result folder), "scenario" (run now), "object" (Results), "sweep",
    # "table" (given from Python)
    unit: str  # what a row is, in the plural: "histories" or "design points"
    inputs: dict[str, np.ndarray]
    metrics: dict[str, np.ndarray]
    events: dict[str, np.ndarray] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    info: dict = field(default_factory=dict)  # scenario, seed, replications...

    @property
    def rows(self) -> int:
        return len(next(iter(self.metrics.values()))) if self.metrics else 0

    def varying(self) -> tuple[dict[str, np.ndarray], list[str]]:
        """The inputs that vary across the rows, and the names of those that do not."""
        kept, dropped = {}, []
        for name, values in self.inputs.items():
            if len(np.unique(np.asarray(values).astype(str))) > 1:
                kept[name] = values
            else:
                dropped.append(name)
        return kept, dropped


def from_columns(columns: dict[str, np.ndarray], source: str, kind: str, info: dict) -> Table:
    """A table of replications (the layout of replications.csv)."""
    inputs = {k: v for k, v in columns.items() if k not in (*METRICS, AT_END, "replication")}
    metrics = {k: np.asarray(columns[k], dtype=float) for k in METRICS if k in columns}
    events = {e: ~np.isnan(metrics[f"months_to_{e}"])
              for e in FIRSTS if f"months_to_{e}" in metrics}  # fmt: skip
    if AT_END in columns:
        events[AT_END] = np.asarray(columns[AT_END], dtype=float) == 1
    return Table(source, kind, "histories", inputs, metrics, events, info=info)


def from_results(results, source: str = "", kind: str = "object") -> Table:
    """A table from `sim.run`'s Results (or StreamedResults, read from its spool).

    Its provenance is read off the run itself: `results.summary()` would
    aggregate every figure for the few fields a table keeps.
    """
    columns = (
        results.table()
        if hasattr(results, "table")
        else read_table(Path(results.spool) / "replications.csv")
    )
    s = results.scenario
    info = _info(s.name, s.title, s.path, s.content_hash(), results.seed, results.replications)
    return from_columns(columns, source or f"Results of {s.name}", kind, info)


def _info(scenario, title, path, hash_, seed, replications) -> dict:
    """A run's provenance, as a table keeps it."""
    return {
        "scenario": scenario,
        "title": title,
        "scenario_path": path,
        "hash": hash_,
        "seed": seed,
        "replications": replications,
    }


def read_run(folder: Path) -> Table:
    """A run's result folder: summary.json and replications.csv, each checked
    (`sim.engine.saved`): a damaged folder is refused, naming the file and what is wrong."""
    check_result_folder(folder, needs=("summary.json", "replications.csv"))
    summary, columns = read_outcomes(folder)
    sc, prov = summary["scenario"], summary["provenance"]
    info = _info(
        sc["name"], sc.get("title"), sc["path"], sc["hash"], prov["seed"], prov["replications"]
    )
    return from_columns(columns, str(folder), "results", info)


def read_sweep(folder: Path) -> Table:
    """A sweep's folder: points.csv (swept parameters, status, key, figures) and sweep.json."""
    where = {"file": str(folder / "points.csv")}
    try:
        columns = read_table(folder / "points.csv")
        doc = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError.single(
            f"cannot read the sweep folder: {exc}", file=str(folder)
        ) from None
    meta = doc.get("sweep", {}) if isinstance(doc, dict) else None
    if not isinstance(meta, dict) or not isinstance(meta.get("scenario") or {}, dict):
        raise ScenarioError.single(
            "must be a JSON object holding the sweep's plan under `sweep`",
            file=str(folder / "sweep.json"),
        )
    scenario = meta.get("scenario") or {}
    names = list(columns)
    if not {"point", "status", "key"} <= set(names):
        raise ScenarioError.single(
            "not a sweep's points table: it has no point, status and key columns", **where
        )
    ok = np.asarray(columns["status"]).astype(str) == "ok"
    swept = names[names.index("point") + 1 : names.index("status")]
    inputs = {p: columns[p][ok] for p in swept}
    metrics = {
        k: columns[k][ok].astype(float)
        for k in names[names.index("key") + 1 :]
        if columns[k].dtype != object
    }
    aliases = {k[: -len(".mean")]: k for k in metrics if k.endswith(".mean")}
    aliases.update({k[2:]: k for k in metrics if k.startswith("p_") and "." not in k})
    info = {
        "scenario": scenario.get("name"),
        "scenario_path": scenario.get("path"),
        "sweep": meta.get("name"),
        "sweep_id": meta.get("id"),
        "design": meta.get("design"),
        "seed": meta.get("seed"),
        "replications": meta.get("reps"),
        "points": int(ok.size),
        "failed_points": int((~ok).sum()),
    }
    return Table(str(folder), "sweep", "design points", inputs, metrics, {}, aliases, info)


def load(source, overrides: list[str] | None = None, **run) -> Table:
    """A Table from a result folder, a sweep folder, a scenario (file or object), Results,
    or a Table itself (rows of any data, from Python).

    A scenario is run now, with `overrides` (`--set`) and `run` passed to
    `sim.run` (reps, seed, workers, progress, ...); anything else was run before,
    so these are refused for it.
    """
    if isinstance(source, Table):
        return source
    given = [k for k, v in run.items() if v is not None and k != "progress"]
    if not isinstance(source, Scenario) and not _scenario_file(source) and (given or overrides):
        options = ", ".join(f"--{k}" for k in [*given, *(["set"] if overrides else [])])
        raise ScenarioError.single(
            f"{options} {'apply' if ', ' in options else 'applies'} only to a scenario run now; "
            "this source was run before",
            file=str(getattr(source, "source", None) or source),
            hint="leave them out, or give the scenario file",
        )
    if hasattr(source, "summary") and (hasattr(source, "sampled") or hasattr(source, "spool")):
        return from_results(source)
    if isinstance(source, Scenario):
        scenario = apply_overrides(source, overrides) if overrides else source
        return _run_now(scenario, str(source.path or source.name), run)
    path = Path(source)
    if path.is_file() and path.name in TABLES:
        path = path.parent
    if path.is_dir():
        if (path / "points.csv").is_file():
            return read_sweep(path)
        if (path / "replications.csv").is_file():
            return read_run(path)
        raise ScenarioError.single(
            "not a run's or a sweep's result folder: no replications.csv or points.csv",
            file=str(path),
            hint=_inside(path),
        )
    if path.is_file():
        return _run_now(load_scenario(path, overrides=overrides), str(source), run)
    raise ScenarioError.single(
        "no such scenario file or result folder",
        file=str(source),
        hint="give a scenario (.yaml), a run's folder results/<scenario>/<run-id>/ or a "
        "sweep's results/sweeps/<name>/<id>/",
    )


def _scenario_file(source) -> bool:
    return (
        isinstance(source, str | Path)
        and Path(source).is_file()
        and Path(source).name not in TABLES
    )


def _run_now(scenario, source: str, run: dict) -> Table:
    """Run the scenario for this table; without the monthly paths, which discovery never
    reads, unless the caller asks for them."""
    return from_results(
        run_scenario(scenario, **{"trajectories": False, **run}), source, "scenario"
    )


def _inside(folder: Path) -> str:
    found = sorted(
        p.parent
        for depth in ("*", "*/*", "*/*/*")
        for pattern in ("replications.csv", "points.csv")
        for p in folder.glob(f"{depth}/{pattern}")
    )
    if found:
        return f"it holds {len(found)} result folder(s); give one of them, e.g. {found[-1]}"
    return "give a scenario (.yaml), a run's folder or a sweep's folder"
