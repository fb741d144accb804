"""What a streamed run (`--no-trajectories`) writes: everything but the fan charts and paths."""

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
    assert b.schema == a.schema
    assert b.equals(a)


def test_its_spread_of_final_warheads_is_read_back_from_the_table(folders):
    _, streamed, finals = folders
    assert np.array_equal(read_column(streamed / "replications.csv", "final_warheads"), finals)
    html = (streamed / "report.html").read_text(encoding="utf-8")
    assert "<code>final_warheads.png</code>" in html and "<code>warheads.png</code>" not in html


def test_conversion_goes_block_by_block_with_empty_first_cells(tmp_path, monkeypatch):
    """Many row groups (one per block), an event column empty in the first rows, a text column
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
    assert csv_to_parquet(tmp_path / "t.csv", tmp_path / "t.parquet")
    assert pq.ParquetFile(tmp_path / "t.parquet").num_row_groups > 10
    tables.write_parquet(columns, tmp_path / "whole.parquet")
    assert pq.read_table(tmp_path / "t.parquet").equals(pq.read_table(tmp_path / "whole.parquet"))
    got = read_column(tmp_path / "t.csv", "months_to_nuclear_test")
    assert np.array_equal(got, months, equal_nan=True)


def test_without_pyarrow_the_column_is_read_by_the_stdlib(tmp_path, monkeypatch):
    columns = {"replication": np.arange(5), "x": np.array([1.5, np.nan, 3.0, 4.25, 0.0])}
    tables.write_table(columns, tmp_path / "t.csv")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    assert not csv_to_parquet(tmp_path / "t.csv", tmp_path / "t.parquet")
    assert not (tmp_path / "t.parquet").exists()
    assert np.array_equal(read_column(tmp_path / "t.csv", "x"), columns["x"], equal_nan=True)
