"""replications.parquet: the table of replications.csv, written without importing pandas."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, SCENARIOS

from sim.engine.tables import write_parquet

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def test_the_file_is_byte_for_byte_what_pyarrow_array_would_write(tmp_path):
    n = 7
    columns = {
        "replication": np.arange(n),
        "talks.rate": np.linspace(0.1, 0.7, n),
        "deal.form": np.array(["freeze", "cap, then freeze", "", "é", "x", "y", "z"], dtype=object),
        "months_to_deal": np.array([3.0, np.nan, 12.0, np.nan, 1.0, 2.0, 5.0]),
        "freeze_in_force_at_end": np.array([1, 0, 1, 1, 0, 0, 1]),
        "flag": np.arange(n) % 3 == 0,
        "strided": np.arange(2.0 * n).reshape(n, 2)[:, 1],  # a column of a 2-D array
    }
    write_parquet(columns, tmp_path / "ours.parquet")
    plain = pa.table({k: v.tolist() if v.dtype == object else v for k, v in columns.items()})
    pq.write_table(plain, tmp_path / "plain.parquet")
    assert (tmp_path / "ours.parquet").read_bytes() == (tmp_path / "plain.parquet").read_bytes()
    back = pq.read_table(tmp_path / "ours.parquet").to_pydict()
    assert back["deal.form"] == list(columns["deal.form"])
    assert back["flag"] == [True, False, False, True, False, False, True]
    assert back["strided"] == [1.0, 3.0, 5.0, 7.0, 9.0, 11.0, 13.0]
    assert np.isnan(back["months_to_deal"][1])  # NaN stays a number, as in the CSV's empty cell


def test_writing_a_run_imports_neither_pandas_nor_pyplot(tmp_path):
    code = (
        "import sys, sim\n"
        f"r = sim.run(sim.load_scenario({str(SCENARIOS / 'stalled.yaml')!r}), reps=20, workers=1)\n"
        f"r.save({str(tmp_path)!r})\n"
        "assert 'pandas' not in sys.modules, 'pandas'\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.rglob("replications.parquet"))
