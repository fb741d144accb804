"""`sim run` says how long it took: the replications, and the whole command with writing."""

import re

from conftest import SCENARIOS
from typer.testing import CliRunner

from sim.cli.app import app

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})


def test_the_run_reports_its_simulation_time_and_its_whole_time_with_writing(tmp_path):
    args = ["run", str(SCENARIOS / "stalled.yaml"), "-n", "40", "-w", "1", "-o", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    line = re.search(
        r"^40 replications in (\d+\.\d\d) s on this process; (\d+\.\d\d) s in all, with "
        r"reading the scenario and writing the results\.$",
        result.output,
        re.MULTILINE,
    )
    assert line, result.output
    simulation, total = map(float, line.groups())
    assert total >= simulation  # the whole includes the replications
    assert "worker(s)" not in result.output


def test_quiet_prints_only_where_the_results_are(tmp_path):
    args = [
        "run",
        str(SCENARIOS / "stalled.yaml"),
        "-n",
        "10",
        "-w",
        "1",
        "-q",
        "-o",
        str(tmp_path),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Results: ") and "in all" not in result.output
