"""Writing a run's result folder and its tables.

The folder is filled under a hidden temporary name and renamed into place in
one step (`sim.engine.folders.atomic_folder`), so an interrupted run never leaves a
folder that looks complete, and a late failure writes it to a rescue folder
instead (`sim.engine.folders.save_or_rescue`). Tables are written with the stdlib `csv`
module, so no name or label can shift a column.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import yaml

from sim.engine import folders
from sim.engine.folders import CSV_ROW_BYTES, check_name, save_or_rescue
from sim.engine.results import Results, StreamedResults
from sim.engine.tables import (
    csv_to_parquet,
    read_column,
    write_parquet,
    write_table,
    write_trajectories,
)
from sim.report.html import run_images_later, write_run_report
from sim.report.markdown import markdown


def make_run_id(results) -> str:
    """`<date>-<time>-seed<seed>-n<replications>`, then `-set<hash>` for a run with overrides."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    mark = folders.overrides_mark(results.scenario.overrides)
    return f"{stamp}-seed{results.seed}-n{results.replications}{mark}"


def write_run(
    results, out: Path, run_id: str | None = None, charts: bool = True, name: str | None = None
) -> Path:
    """Write `out/<scenario>/<run-id>/` atomically and return where it is.

    `name` replaces the scenario's name in the path (`sim run --name`). If writing
    fails late (a full disk), the folder is written to a rescue folder instead and
    `SaveError` says where (see `sim.engine.folders.save_or_rescue`).
    """
    run_id = run_id or make_run_id(results)
    if name is None:
        name = check_name(results.scenario.name, "scenario name", results.scenario.path)
    else:
        check_name(name, "--name", "--name")
    check_name(run_id, "run id")

    def write(root: Path) -> Path:
        with folders.atomic_folder(root, name, run_id) as folder:
            tmp, final = folder.tmp, folder.final
            summary = results.summary()
            # the charts start first (in a helper process, when one runs) and are drawn
            # while the tables are written
            finals = final_warheads(results) if charts else None
            drawn = run_images_later(summary, finals, charts)
            (tmp / "summary.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
            (tmp / "report.md").write_text(markdown(summary, final.name))
            write_replications(results, tmp)
            # facts are referred to from where the folder belongs, even when rescued elsewhere
            write_scenario(results.scenario, tmp / "scenario.yaml", Path(out, name, final.name))
            write_run_report(summary, tmp, final.name, drawn)
        return folder.final

    return save_or_rescue(write, out, "the result folder")


def write_replications(results: Results | StreamedResults, folder: Path) -> None:
    """The per-replication table (CSV, and Parquet with pyarrow) and the monthly paths.

    A streamed run's table is already spooled: it is brought in (a hard link when
    possible) and converted to Parquet block by block, so memory stays flat; it
    kept no paths.
    """
    if isinstance(results, StreamedResults):
        source, target = results.spool / "replications.csv", folder / "replications.csv"
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        csv_to_parquet(target, folder / "replications.parquet", nan=True)
        return
    table = results.table()
    write_table(table, folder / "replications.csv")
    write_parquet(table, folder / "replications.parquet")
    write_trajectories(results, folder / "trajectories.npz")


def final_warheads(results: Results | StreamedResults):
    """Warheads at the horizon, one value per replication, for the chart of their spread.

    A streamed run kept none in memory: the one column is read back from its
    spooled table (the file the folder's replications.csv is made from).
    """
    if isinstance(results, StreamedResults):
        return read_column(results.spool / "replications.csv", "final_warheads")
    return results.scalars["final_warheads"]


def needed_bytes(reps: int, months: int, trajectories: bool) -> int:
    """The least space a run's folder takes: its table, and its monthly paths (float32 x 2 + 0/1).

    A lower bound, so a destination refused for lack of space surely lacks it.
    """
    return reps * (CSV_ROW_BYTES + (9 * months if trajectories else 0))


def write_scenario(scenario, path: Path, final: Path) -> None:
    data = dict(scenario.resolved)
    if isinstance(data.get("facts"), str):
        data["facts"] = os.path.relpath(data["facts"], final)
    header = (
        f"# Scenario '{scenario.name}' as resolved for this run (after extends and --set)\n"
        f"# from {scenario.path}; content hash {scenario.content_hash()}\n"
    )
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(header + text)
