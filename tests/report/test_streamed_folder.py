"""What a streamed run (`--no-trajectories`) writes: everything but the fan charts and paths."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import SCENARIOS

import sim
from sim.engine import tables
from sim.engine.tables import csv_to_parquet, read_column
from sim.report.writers import write_run

pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("matplotlib")

FAN_CHARTS = {"warheads.png", "material.png"}


def same_table(a, b) -> bool:
    """Same schema, nulls and values, NaN equal to NaN (Arrow's `equals` says NaN != NaN)."""
    if a.schema != b.schema:
        return False
    for name in a.column_names:
        if a.column(name).null_count != b.column(name).null_count:
            return False
        x, y = a.column(name).to_pylist(), b.column(name).to_pylist()
        if isinstance(x[0], float):
            if not np.array_equal(np.array(x, float), np.array(y, float), equal_nan=True):
                return False
        elif x != y:
            return False
    return True


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    scenario = sim.load_scenario(SCENARIOS / "freeze.yaml")
    out = tmp_path_factory.mktemp("out")
    kept = sim.run(scenario, reps=250, seed=4, workers=1)
    streamed = sim.run(scenario, reps=250, seed=4, workers=1, stream=True)
    return (
        write_run(kept, out, run_id="kept"),
        write_run(streamed, out, run_id="streamed"),
        kept.scalars["final_warheads"],
    )


def test_a_streamed_run_writes_everything_but_the_fan_charts_and_the_paths(folders):
    kept, streamed, _ = folders
    kept_files = {p.name for p in kept.iterdir()}
    assert {p.name for p in streamed.iterdir()} == kept_files - FAN_CHARTS - {"trajectories.npz"}
    assert {"replications.parquet", "final_warheads.png"} <= kept_files


def test_its_parquet_table_is_the_kept_runs_row_for_row(folders):
    kept, streamed, _ = folders
    a = pq.read_table(kept / "replications.parquet")
    b = pq.read_table(streamed / "replications.parquet")
    assert same_table(b, a)


def test_its_spread_of_final_warheads_is_read_back_from_the_table(folders):
    _, streamed, finals = folders
    assert np.array_equal(read_column(streamed / "replications.csv", "final_warheads"), finals)
    html = (streamed / "report.html").read_text(encoding="utf-8")
    assert "<code>final_warheads.png</code>" in html and "<code>warheads.png</code>" not in html


def test_conversion_goes_block_by_block_with_empty_first_cells(tmp_path, monkeypatch):
    """Many blocks and row groups, an event column empty in the first rows, a text column
    with a comma and a line break: the same values as the whole table converted at once."""
    rows = 3000
    months = np.full(rows, np.nan)
    months[2500::7] = np.arange(2500, rows, 7) % 120
    columns = {
        "replication": np.arange(rows),
        "talks.us_demand": np.array(["freeze, for relief", "arms\ncontrol"] * (rows // 2), object),
        "final_warheads": np.linspace(40, 300, rows),
        "months_to_nuclear_test": months,
        "freeze_in_force_at_end": np.arange(rows) % 2,
    }
    tables.write_table(columns, tmp_path / "t.csv")
    monkeypatch.setattr(tables, "PARQUET_BLOCK", 4096)
    monkeypatch.setattr(tables, "ROW_GROUP_BYTES", 8192)
    assert csv_to_parquet(tmp_path / "t.csv", tmp_path / "t.parquet", nan=True)
    assert pq.ParquetFile(tmp_path / "t.parquet").num_row_groups > 10
    tables.write_parquet(columns, tmp_path / "whole.parquet")
    assert same_table(
        pq.read_table(tmp_path / "t.parquet"), pq.read_table(tmp_path / "whole.parquet")
    )
    got = read_column(tmp_path / "t.csv", "months_to_nuclear_test")
    assert np.array_equal(got, months, equal_nan=True)
    assert csv_to_parquet(tmp_path / "t.csv", tmp_path / "nulls.parquet")  # empty cells as null
    nulls = pq.read_table(tmp_path / "nulls.parquet").column("months_to_nuclear_test")
    assert nulls.null_count == np.isnan(months).sum()


def test_writing_a_streamed_run_does_not_import_pandas(tmp_path):
    code = (
        "import sys, sim\n"
        f"s = sim.load_scenario({str(SCENARIOS / 'stalled.yaml')!r})\n"
        "r = sim.run(s, reps=20, workers=1, stream=True)\n"
        "from sim.report.writers import write_run\n"
        f"write_run(r, {str(tmp_path)!r})\n"
        "assert 'pandas' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.rglob("replications.parquet"))


def test_without_pyarrow_the_column_is_read_by_the_stdlib(tmp_path, monkeypatch):
    columns = {"replication": np.arange(5), "x": np.array([1.5, np.nan, 3.0, 4.25, 0.0])}
    tables.write_table(columns, tmp_path / "t.csv")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    assert not csv_to_parquet(tmp_path / "t.csv", tmp_path / "t.parquet")
    assert not (tmp_path / "t.parquet").exists()
    assert np.array_equal(read_column(tmp_path / "t.csv", "x"), columns["x"], equal_nan=True)
