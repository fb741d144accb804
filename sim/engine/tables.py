"""Per-replication tables on disk: CSV (always), Parquet (with pyarrow), paths (.npz).

Tables are written with the stdlib `csv` module, so no name or label can shift
a column, block by block so a big table is never all in memory as text; an
empty cell means the event did not happen (NaN). Used for a run's
`replications.csv` and for the spool of a streamed run.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np


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
    arrays = [_arrow_column(pa, np.asarray(v)) for v in columns.values()]
    pq.write_table(pa.Table.from_arrays(arrays, names=list(columns)), path)
    return True


def _arrow_column(pa, values: np.ndarray):
    """A column as an Arrow array built from its buffers, as `pyarrow.array` would build it
    (text as strings, booleans as bits, NaN kept as NaN), without `pyarrow.array`, which
    imports pandas on its first call: a fifth of a second of every run."""
    n = len(values)
    if values.dtype == object:
        text = [str(v).encode("utf-8") for v in values]
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum([len(t) for t in text], out=offsets[1:])
        buffers = [pa.py_buffer(offsets), pa.py_buffer(b"".join(text))]
        return pa.Array.from_buffers(pa.string(), n, [None, *buffers])
    if values.dtype == bool:
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(bits)])
    data = np.ascontiguousarray(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(data.dtype), n, [None, pa.py_buffer(data)])


def write_trajectories(results, path: Path) -> None:
    arrays = {
        "months": results.months,
        "dates": np.array(results.dates),
        "freeze_in_force": results.freeze.astype(np.uint8),
    }
    arrays.update(results.trajectories)
    with path.open("wb") as f:
        np.savez(f, **arrays)
