"""Writing result folders (a run's, a comparison's), atomically.

Everything is written into a hidden temporary folder beside the target, then
renamed into place in one step, so an interrupted run never leaves a folder
that looks complete.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import numpy as np
import yaml

from .html import write_run_report
from .report import markdown


def make_run_id(results) -> str:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-seed{results.seed}-n{results.replications}"


def write_run(results, out: Path, run_id: str | None = None, charts: bool = True) -> Path:
    run_id = run_id or make_run_id(results)
    with atomic_folder(out / results.scenario.name, run_id) as (tmp, final):
        summary = results.summary()
        (tmp / "summary.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
        (tmp / "report.md").write_text(markdown(summary, final.name))
        results.write_replications(tmp)
        write_scenario(results.scenario, tmp / "scenario.yaml", final)
        finals = getattr(results, "scalars", {}).get("final_warheads")  # None when streamed
        write_run_report(summary, finals, tmp, final.name, charts=charts)
    return final


@contextmanager
def atomic_folder(parent: Path, name: str):
    """Yield (temporary folder, final path); rename it into place only if the block completes.

    The final name gets a `-2`, `-3`, ... suffix if taken, so nothing is overwritten.
    """
    parent.mkdir(parents=True, exist_ok=True)
    final = parent / name
    n = 2
    while final.exists():
        final = parent / f"{name}-{n}"
        n += 1
    tmp = parent / f".tmp-{final.name}-{os.getpid()}"
    try:
        tmp.mkdir()
        yield tmp, final
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


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

    An empty cell means the event did not happen (NaN).
    """

    BLOCK = 20_000

    def __init__(self, path: Path):
        self.path = path
        self._file = path.open("w", encoding="utf-8", newline="")
        self._header: list[str] | None = None

    def write(self, columns: dict[str, np.ndarray]) -> None:
        names = list(columns)
        if self._header is None:
            self._header = names
            self._file.write(",".join(names) + "\n")
        rows = len(next(iter(columns.values())))
        for a in range(0, rows, self.BLOCK):
            texts = [_column_text(np.asarray(columns[k][a : a + self.BLOCK])) for k in names]
            self._file.writelines(",".join(row) + "\n" for row in zip(*texts, strict=True))

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
