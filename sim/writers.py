"""Writing a run's result folder and its tables.

The folder is filled under a hidden temporary name and renamed into place in
one step (`folders.atomic_folder`), so an interrupted run never leaves a
folder that looks complete, and a late failure writes it to a rescue folder
instead (`folders.save_or_rescue`). Tables are written with the stdlib `csv`
module, so no name or label can shift a column.
"""

from __future__ import annotations

import csv
import json
import os
from datetime import datetime
from pathlib import Path

import numpy as np
import yaml

from . import folders
from .folders import CSV_ROW_BYTES, check_name, save_or_rescue
from .html import write_run_report
from .report import markdown


def make_run_id(results) -> str:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-seed{results.seed}-n{results.replications}"


def write_run(results, out: Path, run_id: str | None = None, charts: bool = True) -> Path:
    """Write `out/<scenario>/<run-id>/` atomically and return where it is.

    If that fails late (a full disk), the folder is written to a rescue folder
    instead and `SaveError` says where (see `folders.save_or_rescue`).
    """
    run_id = run_id or make_run_id(results)
    name = check_name(results.scenario.name, "scenario name", results.scenario.path)
    check_name(run_id, "run id")

    def write(root: Path) -> Path:
        with folders.atomic_folder(root, name, run_id) as folder:
            tmp, final = folder.tmp, folder.final
            summary = results.summary()
            (tmp / "summary.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
            (tmp / "report.md").write_text(markdown(summary, final.name))
            results.write_replications(tmp)
            # facts are referred to from where the folder belongs, even when rescued elsewhere
            write_scenario(results.scenario, tmp / "scenario.yaml", Path(out, name, final.name))
            finals = getattr(results, "scalars", {}).get("final_warheads")  # None when streamed
            write_run_report(summary, finals, tmp, final.name, charts=charts)
        return folder.final

    return save_or_rescue(write, out, "the result folder")


def needed_bytes(reps: int, months: int, trajectories: bool) -> int:
    """The least space a run's folder takes: its table, and its monthly paths (float32 x 2 + 0/1).

    A lower bound, so a destination refused for lack of space surely lacks it.
    """
    return reps * (CSV_ROW_BYTES + (9 * months if trajectories else 0))


def _column_text(values: np.ndarray) -> list[str]:
    if values.dtype == object:
        return [str(v) for v in values]
    if values.dtype.kind in "iub":
        return values.astype(np.int64).astype(str).tolist()
    text = values.astype(float).astype(str)
    text[np.isnan(values.astype(float))] = ""
    return text.tolist()


class TableWriter:
    """Appends rows to a CSV, block by block, so a big table is never all in memory as text.

    Written by the stdlib `csv` module: a cell holding a comma, a quote or a
    line break (a choice label, a facility name in a column's path) is quoted,
    so every row keeps its columns; lines end in CRLF, as RFC 4180 says. An
    empty cell means the event did not
    happen (NaN). Floats are written in full (`repr`), so they read back exactly.
    """

    BLOCK = 20_000

    def __init__(self, path: Path):
        self.path = path
        self._file = path.open("w", encoding="utf-8", newline="")
        # RFC 4180 line ends (CRLF): the writer then quotes a lone CR or LF inside a cell
        self._csv = csv.writer(self._file)
        self._header: list[str] | None = None

    def write(self, columns: dict[str, np.ndarray]) -> None:
        names = list(columns)
        if self._header is None:
            self._header = names
            self._csv.writerow(names)
        elif names != self._header:
            raise ValueError(f"{self.path}: columns changed from {self._header} to {names}")
        rows = len(next(iter(columns.values())))
        for a in range(0, rows, self.BLOCK):
            texts = [_column_text(np.asarray(columns[k][a : a + self.BLOCK])) for k in names]
            self._csv.writerows(zip(*texts, strict=True))

    def close(self) -> None:
        self._file.close()


def write_table(columns: dict[str, np.ndarray], path: Path) -> None:
    """A CSV with one row per replication."""
    writer = TableWriter(path)
    try:
        writer.write(columns)
    finally:
        writer.close()


def write_parquet(columns: dict[str, np.ndarray], path: Path) -> bool:
    """The same table as Parquet, when pyarrow is installed."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return False
    table = pa.table({k: (v.tolist() if v.dtype == object else v) for k, v in columns.items()})
    pq.write_table(table, path)
    return True


def write_trajectories(results, path: Path) -> None:
    arrays = {
        "months": results.months,
        "dates": np.array(results.dates),
        "freeze_in_force": results.freeze.astype(np.uint8),
    }
    arrays.update(results.trajectories)
    with path.open("wb") as f:
        np.savez(f, **arrays)


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
