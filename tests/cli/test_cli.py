"""The command line, driven through typer's runner with a fixed terminal width."""

import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import SCENARIOS
from typer.testing import CliRunner

from sim.cli.app import app

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and re.match(r"sim \d+\.\d+\.\d+", result.output)


@pytest.mark.parametrize("command", ["run", "validate", "show", "schema"])
def test_every_command_has_help_with_examples(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output


def test_run_writes_a_result_folder_and_prints_a_summary(tmp_path):
    result = invoke(
        "run",
        SCENARIOS / "freeze.yaml",
        "--reps",
        40,
        "--seed",
        3,
        "--workers",
        1,
        "--out",
        tmp_path,
    )
    assert result.exit_code == 0, result.output
    folder = Path(result.output.strip().splitlines()[-1].removeprefix("Results: "))
    assert folder.parent == tmp_path / "freeze"
    assert {p.name for p in folder.iterdir()} >= {
        "summary.json",
        "report.md",
        "replications.csv",
        "trajectories.npz",
        "scenario.yaml",
    }
    assert "assembled warheads at the horizon" in result.output
    assert "a deal is reached" in result.output


def test_run_with_overrides_records_them(tmp_path):
    result = invoke(
        "run",
        SCENARIOS / "stalled.yaml",
        "-n",
        20,
        "-w",
        1,
        "-q",
        "-o",
        tmp_path,
        "--set",
        "arsenal.production_rate=15",
    )
    assert result.exit_code == 0, result.output
    folder = next((tmp_path / "stalled").iterdir())
    resolved = yaml.safe_load((folder / "scenario.yaml").read_text())
    assert resolved["arsenal"]["production_rate"] == 15


def test_bad_input_exits_2_with_a_located_message_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {SCENARIOS / 'stalled.yaml'}\ntalks:\n  rounds_per_yaer: 3\n")
    for command in ("run", "validate", "show"):
        result = invoke(command, bad)
        assert result.exit_code == 2
        assert f"{bad}:3:3: talks.rounds_per_yaer: unknown key" in result.output
        assert "did you mean 'rounds_per_year'?" in result.output
        assert "Traceback" not in result.output
    assert not (Path("results") / "bad").exists()


def test_bad_option_values_are_refused():
    result = invoke("run", SCENARIOS / "freeze.yaml", "--reps", 0)
    assert result.exit_code == 2


def test_validate_reports_each_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\n")
    result = invoke("validate", SCENARIOS / "freeze.yaml", bad)
    assert result.exit_code == 2
    assert "ok  " in result.output and "freeze" in result.output
    assert "1 of 2 file(s) invalid" in result.output
    assert invoke("validate", "--strict", *sorted(SCENARIOS.glob("*.yaml"))).exit_code == 0


def test_validate_checks_a_sweep_file_as_a_dry_run_would(tmp_path):
    shipped = SCENARIOS / "sweeps" / "production.sweep.yaml"
    result = invoke("validate", shipped)
    assert result.exit_code == 0, result.output
    assert f"ok  {shipped}: sweep 'production' of stalled — grid design, 27 points" in result.output
    bad = tmp_path / "bad.sweep.yaml"
    bad.write_text(f"scenario: {SCENARIOS / 'stalled.yaml'}\nproduct:\n  arsenal.growht: [0, 1]\n")
    result = invoke("validate", bad)
    assert result.exit_code == 2
    assert f"error: {bad}:3:3: arsenal.growht: not a parameter" in result.output
    assert "did you mean 'arsenal.growth'?" in result.output


def test_show_prints_the_resolved_scenario():
    result = invoke("show", SCENARIOS / "freeze.yaml", "--set", "deal.relief=0.3")
    assert result.exit_code == 0
    data = yaml.safe_load(result.output)
    assert data["deal"]["relief"] == 0.3
    assert data["calendar"]["us_offer"]["set"] == {"talks.us_demand": "freeze_for_relief"}
    assert data["calendar"]["new_us_administration"]["at"] == "2029-01"  # inherited
    assert (
        json.loads(invoke("show", SCENARIOS / "freeze.yaml", "--json").output)["name"] == "freeze"
    )


def test_schema_is_a_json_schema_of_the_format():
    doc = json.loads(invoke("schema").output)
    assert doc["$schema"].startswith("https://json-schema.org/")
    assert {"arsenal", "talks", "deal", "provocations", "council", "calendar"} <= set(
        doc["properties"]
    )
    assert doc["additionalProperties"] is False
    facts = json.loads(invoke("schema", "--facts").output)
    assert "facts" in facts["properties"]


def test_shipped_scenarios_conform_to_the_published_schema():
    jsonschema = pytest.importorskip("jsonschema")
    doc = json.loads(invoke("schema").output)
    for path in SCENARIOS.glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(path.read_text()), doc)
    full = yaml.safe_load((SCENARIOS / "stalled.yaml").read_text())
    del full["council"]
    with pytest.raises(jsonschema.ValidationError, match="'council' is a required property"):
        jsonschema.validate(full, doc)
    with pytest.raises(jsonschema.ValidationError, match="rounds_per_yaer"):
        jsonschema.validate({"extends": "x.yaml", "talks": {"rounds_per_yaer": 3}}, doc)


def test_run_to_a_precision_says_how_many_replications_it_used(tmp_path):
    result = invoke(
        "run", SCENARIOS / "stalled.yaml", "--precision", 0.02, "-w", 2, "-q", "-o", tmp_path
    )
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("Precision"))
    used = int(line.split(" with ")[1].split()[0].replace(",", ""))
    folder = next((tmp_path / "stalled").iterdir())
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["provenance"]["replications"] == used and used % 1000 == 0
    assert summary["provenance"]["precision"] == 0.02


def test_run_without_trajectories_streams(tmp_path):
    result = invoke(
        "run", SCENARIOS / "stalled.yaml", "-n", 1500, "-w", 2, "-q", "-o", tmp_path,
        "--no-trajectories",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    folder = next((tmp_path / "stalled").iterdir())
    assert not (folder / "trajectories.npz").exists()
    assert len((folder / "replications.csv").read_text().splitlines()) == 1501
    assert not list(tmp_path.glob(".sim-spool*"))


@pytest.mark.parametrize(
    "command",
    [
        ["run", SCENARIOS / "stalled.yaml", "-n", "20", "-w", "1"],
        ["compare", SCENARIOS / "stalled.yaml", SCENARIOS / "freeze.yaml", "-n", "20", "-w", "1"],
        ["discover", SCENARIOS / "stalled.yaml", "--where", "talks_opened", "-n", "20", "-w", "1"],
    ],
)
def test_a_failing_replication_is_reported_as_a_bug_with_exit_1(tmp_path, monkeypatch, command):
    """A replication that raises is the engine's fault: a message naming the replication and
    the seed, a request for a report, exit code 1, no traceback and nothing written."""

    def broken(plan, draws, j):
        raise ZeroDivisionError("in the model")

    monkeypatch.setattr("sim.engine.chunks.run_one", broken)
    result = invoke(*command, "-o", tmp_path)
    assert result.exit_code == 1, result.output
    assert "error: replication 0 (seed " in result.output
    assert "ZeroDivisionError: in the model" in result.output
    assert "This is a bug in sim; please report it with the scenario and seed." in result.output
    assert "Traceback" not in result.output
    assert not any(tmp_path.iterdir())
