"""Per-replication tables on disk: CSV (always), Parquet (with pyarrow), paths (.npz).

Tables are written with the stdlib `csv` module, so no name or label can shift
a column, block by block so a big table is never all in memory as text; an
empty cell means the event did not happen (NaN). Used for a run's
`replications.csv` and for the spool of a streamed run. A table too big to
hold (a streamed run's, a big sweep's) is turned into Parquet block by block
(`csv_to_parquet`), and one column of it can be read back alone (`read_column`).
"""

from __future__ import annotations

import csv
from array import array
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


#: CSV bytes parsed at a time when a table is converted to Parquet: larger blocks make
#: pyarrow's reader and writer hold far more (a 16 MB block, 700 MB for a 600 MB table).
PARQUET_BLOCK = 1 << 20
#: Arrow bytes gathered into one Parquet row group: the file's footer keeps about 1 KB a
#: column for each row group, so groups of one block each would grow with the table.
ROW_GROUP_BYTES = 8 << 20


def _first_row_types(path: Path) -> dict[str, str]:
    """Column types from the header and the first row, for a table `TableWriter` wrote.

    Integers are written without a point and floats always with one (`repr`),
    so the first row tells them apart; an empty cell (an event that did not
    happen) is a float column; anything that is not a number is text.
    """
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        first = next(reader, [""] * len(header))
    types = {}
    for name, cell in zip(header, first, strict=True):
        try:
            int(cell)
            types[name] = "int64"
        except ValueError:
            try:
                float(cell or "nan")
                types[name] = "float64"
            except ValueError:
                types[name] = "string"
    return types


def csv_to_parquet(
    source: Path, target: Path, types: dict[str, str] | None = None, nan: bool = False
) -> bool:
    """Convert a CSV table to Parquet block by block, so memory stays flat however long it is.

    `types` maps column names to Arrow type names (`int64`, `float64`,
    `string`); by default they are read from the first row (`_first_row_types`),
    which gives the schema of a kept run's `write_parquet`. An empty cell is
    null, or with `nan` NaN in a float column (as a kept run's table holds an
    event that did not happen). Returns False (writing nothing) when pyarrow is
    not installed.
    """
    try:
        import pyarrow as pa
        import pyarrow.csv as pcsv
        import pyarrow.parquet as pq
    except ImportError:
        return False
    types = types or _first_row_types(source)
    reader = pcsv.open_csv(
        source,
        read_options=pcsv.ReadOptions(block_size=PARQUET_BLOCK, use_threads=False),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            column_types={k: pa.type_for_alias(v) for k, v in types.items()},
            strings_can_be_null=True,
        ),
    )
    schema = reader.schema
    fill = [nan and f.type == pa.float64() for f in schema]
    with reader, pq.ParquetWriter(target, schema) as writer:
        group: list = []
        for batch in reader:
            columns = [
                _nan_array(pa, column) if k else column
                for column, k in zip(batch.columns, fill, strict=True)
            ]
            group.append(pa.RecordBatch.from_arrays(columns, schema=schema))
            if sum(b.nbytes for b in group) >= ROW_GROUP_BYTES:
                writer.write_table(pa.Table.from_batches(group, schema=schema))
                group = []
        if group:
            writer.write_table(pa.Table.from_batches(group, schema=schema))
    return True


def _floats(column) -> np.ndarray:
    """A float64 Arrow array as numpy, nulls as NaN.

    Read from its buffers: pyarrow's own conversions (`to_numpy`, Python
    scalars) import pandas, a fifth of a second of every run.
    """
    validity, data = column.buffers()
    n, offset = len(column), column.offset
    values = np.frombuffer(data, dtype=np.float64, count=offset + n)[offset:].copy()
    if validity is not None and column.null_count:
        bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
        values[bits[offset : offset + n] == 0] = np.nan
    return values


def _nan_array(pa, column):
    """A float64 Arrow array with its nulls as NaN (what a kept run's table holds)."""
    values = _floats(column)
    return pa.Array.from_buffers(pa.float64(), len(values), [None, pa.py_buffer(values)])


def read_column(path: Path, name: str) -> np.ndarray:
    """One numeric column of a CSV table, without the others (an empty cell is NaN).

    With pyarrow, only that column is converted; without, the stdlib reader
    keeps one row at a time. Either way memory holds 8 bytes a row.
    """
    try:
        import pyarrow as pa
        import pyarrow.csv as pcsv
    except ImportError:
        values = array("d")
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            k = next(reader).index(name)
            values.extend(float(row[k] or "nan") for row in reader)
        return np.frombuffer(values, dtype=float)
    table = pcsv.read_csv(
        path,
        read_options=pcsv.ReadOptions(block_size=PARQUET_BLOCK),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            include_columns=[name], column_types={name: pa.float64()}
        ),
    )
    chunks = [_floats(chunk) for chunk in table.column(name).chunks]
    return np.concatenate(chunks) if chunks else np.empty(0)
