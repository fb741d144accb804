"""Sweeps on a Dask cluster give exactly the table of local processes."""

from pathlib import Path

import pytest
from conftest import SCENARIOS
from typer.testing import CliRunner

from sim.cli.app import app

distributed = pytest.importorskip("distributed")

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})
SWEEP = [
    "sweep",
    str(SCENARIOS / "freeze.yaml"),
    "-p",
    "talks.p_deal.freeze_for_relief=0.05,0.15,0.25",
    "-p",
    "deal.breakdown_rate=0.15,0.45",
    "-m",
    "months_frozen",
    "-n",
    "20",
    "-s",
    "9",
]


def table(*extra) -> str:
    result = runner.invoke(app, [*SWEEP, *map(str, extra)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "6 computed, 0 cached, 0 failed" in result.output
    folder = Path(result.output.strip().splitlines()[-1].removeprefix("Results: "))
    return (folder / "points.csv").read_text()


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as c:
        yield c


@pytest.fixture(scope="module")
def local_table(tmp_path_factory):
    """The reference: the same sweep on two local processes."""
    return table("-w", 2, "-o", tmp_path_factory.mktemp("local"))


def test_an_existing_cluster_gives_the_table_of_local_processes(cluster, local_table, tmp_path):
    dask = table("--scheduler", cluster.scheduler_address, "-o", tmp_path)
    assert dask == local_table
    assert local_table.count("\n") == 7  # a header and six points


def test_executor_dask_starts_its_own_local_cluster(local_table, tmp_path):
    assert table("--executor", "dask", "-w", 2, "-o", tmp_path) == local_table


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    result = runner.invoke(app, [*SWEEP, "--scheduler", "tcp://127.0.0.1:9", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    assert "Traceback" not in result.output
