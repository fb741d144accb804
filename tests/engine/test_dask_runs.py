"""Runs and comparisons on a Dask cluster give exactly the numbers of a local run."""

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import SCENARIOS
from typer.testing import CliRunner

import sim
from sim.analysis.runs import gather
from sim.cli.app import app
from sim.engine.chunks import run_chunk
from sim.engine.executors import DaskExecutor
from sim.engine.runner import run
from sim.errors import ScenarioError

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.filterwarnings("ignore:Port .* is already in use")

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})
FIGURES = ("metrics", "probabilities", "curves", "trajectories", "drivers")
FREEZE = str(SCENARIOS / "freeze.yaml")
STALLED = str(SCENARIOS / "stalled.yaml")


@pytest.fixture(scope="module")
def cluster():
    """Two workers in threads of this process, quick to start, reached over TCP as a remote
    cluster is: the plan, the tasks and the chunks travel serialized. (`--executor dask`
    below starts worker processes.)"""
    with distributed.LocalCluster(
        n_workers=2, processes=False, protocol="tcp", dashboard_address=None
    ) as c:
        yield c


def sim_run(out: Path, *args) -> Path:
    result = runner.invoke(app, ["run", *map(str, args), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return Path(result.output.strip().splitlines()[-1].removeprefix("Results: "))


def figures(folder: Path) -> dict:
    summary = json.loads((folder / "summary.json").read_text())
    return {key: summary[key] for key in FIGURES if key in summary}


def same_folders(local: Path, dask: Path) -> None:
    assert figures(dask) == figures(local)
    assert (dask / "replications.csv").read_bytes() == (local / "replications.csv").read_bytes()


def test_a_run_on_an_existing_cluster_has_the_numbers_of_a_local_run(cluster, tmp_path):
    args = (FREEZE, "-n", 90, "-s", 5)
    local = sim_run(tmp_path / "local", *args, "-w", 1)
    dask = sim_run(tmp_path / "dask", *args, "--scheduler", cluster.scheduler_address)
    same_folders(local, dask)
    with np.load(local / "trajectories.npz") as a, np.load(dask / "trajectories.npz") as b:
        assert sorted(a.files) == sorted(b.files)
        for name in a.files:
            assert np.array_equal(a[name], b[name]), name
    provenance = json.loads((dask / "summary.json").read_text())["provenance"]
    assert provenance["executor"] == f"the Dask cluster at {cluster.scheduler_address}"
    assert provenance["workers"] == 2


def test_a_streamed_run_takes_its_chunks_in_order_from_the_cluster(cluster, tmp_path, monkeypatch):
    monkeypatch.setattr("sim.engine.runner.STREAM_CHUNK", 40)  # several chunks, fast
    args = (STALLED, "-n", 170, "-s", 3, "--no-trajectories")
    local = sim_run(tmp_path / "local", *args, "-w", 1)
    dask = sim_run(tmp_path / "dask", *args, "--scheduler", cluster.scheduler_address)
    same_folders(local, dask)


def test_executor_dask_starts_a_local_cluster_for_the_run(tmp_path):
    args = (STALLED, "-n", 30, "-s", 8)
    local = sim_run(tmp_path / "local", *args, "-w", 1)
    dask = sim_run(tmp_path / "dask", *args, "--executor", "dask", "-w", 1)
    same_folders(local, dask)
    provenance = json.loads((dask / "summary.json").read_text())["provenance"]
    assert provenance["executor"] == "a local Dask cluster of 1 workers"


def test_a_comparison_on_the_cluster_has_the_numbers_of_a_local_one(cluster, tmp_path):
    def comparison(out: Path, *extra) -> dict:
        args = ["compare", STALLED, FREEZE, "-n", 50, "-s", 2, "-o", out, "-q", *extra]
        result = runner.invoke(app, list(map(str, args)), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        folder = Path(result.output.strip().splitlines()[-1].removeprefix("Comparison: "))
        data = json.loads((folder / "comparison.json").read_text())
        return {"grid": data["grid"], "scenarios": data["scenarios"]}

    local = comparison(tmp_path / "local", "-w", 1)
    dask = comparison(tmp_path / "dask", "--scheduler", cluster.scheduler_address)
    assert dask == local
    assert local["scenarios"]["freeze"]["vs_baseline"]["pairing"].startswith("paired")


def test_from_python_a_cluster_can_serve_several_runs(cluster):
    scenario = sim.load_scenario(FREEZE)
    local = run(scenario, reps=40, seed=1, workers=1)
    with DaskExecutor(cluster.scheduler_address) as dask:
        on_it = run(scenario, reps=40, seed=1, executor=dask)
        again = run(scenario, reps=40, seed=1, executor=dask, stream=True)
        runs = gather([STALLED, FREEZE], reps=40, seed=1, executor=dask)
        assert dask.client is not None and dask.client.status == "running"  # left open
    for name in local.scalars:
        assert np.array_equal(on_it.scalars[name], local.scalars[name], equal_nan=True)
    assert np.array_equal(on_it.trajectories["warheads"], local.trajectories["warheads"])
    assert again.summary()["probabilities"] == local.summary()["probabilities"]
    assert runs[1].summary["metrics"] == local.summary()["metrics"]
    by_address = run(scenario, reps=40, seed=1, scheduler=cluster.scheduler_address)
    assert by_address.summary()["curves"] == local.summary()["curves"]


def test_a_cluster_running_another_sim_version_is_refused(cluster, tmp_path, monkeypatch):
    monkeypatch.setattr("sim.engine.executors.worker_version", lambda: "0.0.0-other")
    args = [FREEZE, "-n", 20, "--scheduler", cluster.scheduler_address, "-o", tmp_path]
    result = runner.invoke(app, ["run", *map(str, args)])
    assert result.exit_code == 2
    assert "runs sim 0.0.0-other, this machine " in result.output
    assert "install the same version of sim on every worker" in result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.rglob("summary.json"))


def test_a_chunk_from_a_worker_of_another_version_is_refused(cluster, monkeypatch):
    def elsewhere(*args):
        return {**run_chunk(*args), "engine_version": "0.0.0-other"}

    monkeypatch.setattr(DaskExecutor, "check_versions", lambda self: None)  # joined later
    monkeypatch.setattr("sim.engine.chunks._dask_chunk", elsewhere)
    scenario = sim.load_scenario(STALLED)
    with pytest.raises(ScenarioError, match="the Dask worker that ran replications 0-"):
        run(scenario, reps=30, seed=1, scheduler=cluster.scheduler_address)


@pytest.mark.parametrize("command", [["run", STALLED], ["compare", STALLED, FREEZE]])
@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("http://127.0.0.1:8787/status", "is a web address (the dashboard's?)"),
        ("tcp://127.0.0.1:99999", "the port must be a number from 1 to 65535"),
        ("127.0.0.1", "give the port (Dask's default is 8786)"),
        ("tcp://127.0.0.1:9", "cannot reach the Dask scheduler at tcp://127.0.0.1:9"),
    ],
)
def test_a_bad_scheduler_address_is_refused_before_anything_runs(
    command, address, message, tmp_path
):
    args = [*command, "-n", "10", "--scheduler", address, "-o", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "--scheduler" in result.output and message in result.output
    assert "Traceback" not in result.output
    assert not any(tmp_path.iterdir())


def test_an_unknown_executor_is_refused():
    with pytest.raises(ValueError, match="executor must be 'local' or 'dask'"):
        run(sim.load_scenario(STALLED), reps=5, executor="ray")
