"""Tracing one replication: the story agrees with its row of replications.csv, and reads well."""

import csv
import json
import math
import re
from collections import Counter

import numpy as np
import pytest
from conftest import SCENARIOS, save_without_charts
from typer.testing import CliRunner

import sim
from sim.analysis.trace import percent_of, pick, story, trace
from sim.cli.app import app
from sim.errors import ScenarioError
from sim.report.story import lines, narrate

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})
FREEZE = SCENARIOS / "freeze.yaml"
REPS, SEED = 31, 11


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    results = sim.run(sim.load_scenario(FREEZE), reps=REPS, seed=SEED, workers=1)
    return results, save_without_charts(results, tmp_path_factory.mktemp("out"), "traced")


def csv_row(folder, k):
    with (folder / "replications.csv").open() as f:
        return list(csv.DictReader(f))[k]


def as_saved(value):
    return "" if value is None else value


@pytest.mark.parametrize("k", [0, 7, REPS - 1])
def test_the_trace_of_replication_k_is_row_k_of_replications_csv(saved, k):
    _, folder = saved
    row = csv_row(folder, k)
    for told in (story(FREEZE, rep=k, seed=SEED, reps=REPS), story(folder, rep=k)):
        assert told.replication == k and told.notes == []
        for name, value in told.outcomes.items():
            saved_value = float(row[name]) if row[name] else None
            assert value == saved_value, name
        for path, value in told.sampled.items():
            assert value == float(row[path]), path


def test_the_story_matches_the_counters(saved):
    results, _ = saved
    for k in range(REPS):
        told = trace(results.scenario, SEED, k)
        kinds = Counter(e["kind"] for e in told.events)
        s = {name: v[k] for name, v in results.scalars.items()}
        assert kinds["deal"] == s["deals"]
        assert kinds["round"] + kinds["talks_break"] == s["rounds_held"]
        assert kinds["collapse"] == s["freeze_collapses"]
        assert kinds["unsc_draft"] == s["unsc_drafts"]
        assert kinds["unsc_veto"] == s["unsc_vetoes"]
        assert kinds["nuclear_test"] == s["nuclear_tests"]
        launches = sum(e["details"]["launches"] for e in told.events if e["kind"] == "launches")
        assert launches + kinds["icbm"] == s["missile_launches"]
        months = [e["month"] for e in told.events]
        assert months == sorted(months)


def test_same_seed_same_story_and_another_seed_another():
    one = lines(story(FREEZE, rep=4, seed=SEED, reps=REPS))
    assert lines(story(FREEZE, rep=4, seed=SEED, reps=REPS)) == one
    assert lines(story(FREEZE, rep=4, seed=SEED + 1, reps=REPS)) != one


def test_lines_are_dated_and_end_with_the_outcomes(saved):
    _, folder = saved
    text = lines(story(folder, rep=3))
    assert text[0] == f"Freeze for relief: replication 3 of {REPS} (seed {SEED})"
    events = text[2 : text.index("")]
    assert events and all(re.match(r"^\d{4}-\d{2}  \S", line) for line in events)
    assert any("The US offers sanctions relief" in line for line in events)
    assert "Outcomes (row 3 of the run's replications.csv):" in text
    assert any(line.split()[:1] == ["final_warheads"] for line in text)
    assert "Drawn for this replication:" in text


def test_pick_takes_the_replication_at_the_percentile():
    values = np.array([5.0, 1.0, 3.0, np.nan, 4.0, 2.0])
    assert (pick(values, "p5"), pick(values, "median"), pick(values, "p95")) == (1, 2, 0)
    ties = np.array([2.0, 2.0, 2.0])  # tied values rank in replication order
    assert (pick(ties, "p5"), pick(ties, "median"), pick(ties, "p95")) == (0, 1, 2)
    with pytest.raises(ScenarioError, match="no replication has a value"):
        pick(np.array([np.nan, np.nan]), "median")


def test_pick_takes_any_percentile_and_the_extremes():
    values = np.array([5.0, 1.0, 3.0, np.nan, 4.0, 2.0])  # ranked: 1 (1), 5 (2), 2 (3), 4, 0
    assert (pick(values, "min"), pick(values, "max")) == (1, 0)
    assert (pick(values, "p0"), pick(values, "p100"), pick(values, "P50")) == (1, 0, 2)
    # rank round(q/100 x 4), halves up: p12.5 -> rank 0.5 -> 1, p37.5 -> 1.5 -> 2, p62.5 -> 3
    assert [pick(values, p) for p in ("p12.5", "p37.5", "p62.5", "p87.4")] == [5, 2, 4, 4]
    rng = np.random.default_rng(1)
    x = rng.normal(size=101)  # 101 values: percentile q is rank q exactly
    for q in (1, 7, 33, 50, 99):
        assert x[pick(x, f"p{q}")] == np.sort(x)[q]
    for bad in ("p101", "p-1", "p", "p1e1", "mean", "95", "p 5", "p50%"):
        with pytest.raises(ScenarioError, match="unknown pick"):
            percent_of(bad)


def test_pick_median_from_a_folder_and_from_a_file_agree(saved):
    results, folder = saved
    values = results.scalars["final_warheads"]
    from_folder = story(folder, how="median")
    assert from_folder.outcomes["final_warheads"] == np.median(values)  # 31 values: exact
    from_file = story(FREEZE, how="median", seed=SEED, reps=REPS, workers=1)
    assert from_file.replication == from_folder.replication
    assert "the median by final_warheads" in from_file.chosen
    high = story(folder, how="p95", metric="months_frozen")
    assert high.outcomes["months_frozen"] == np.sort(results.scalars["months_frozen"])[29]


def test_launch_lines_read_as_english():
    text = "1 missile launch events (0 ICBM) from 2026-01 to 2026-07"
    assert narrate("launches", text, {"launches": 1, "icbm": 0}) == (
        "1 missile launch event from 2026-01 to 2026-07 (no ICBM)"
    )
    assert narrate("launches", "x", {"launches": 5, "icbm": 2}) == (
        "5 missile launch events (2 of them ICBMs)"
    )
    assert narrate("round", "Round 2: agreement", {"p_deal": 0.121}) == (
        "Round 2: agreement; the chance of a deal was 12%"
    )
    assert narrate("something_new", "As the model says", {}) == "As the model says"


def test_cli_trace_prints_the_story_and_json_lines(saved):
    _, folder = saved
    result = invoke("trace", FREEZE, "--rep", 7, "--seed", SEED, "--reps", REPS)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Freeze for relief: replication 7 of {REPS}")
    result = invoke("trace", folder, "--rep", 7, "--json")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.strip().splitlines()]
    *events, final = records
    assert all({"month", "date", "kind", "text", "details"} <= set(e) for e in events)
    assert final["kind"] == "outcomes" and final["seed"] == SEED
    row = csv_row(folder, 7)
    assert final["outcomes"]["final_material"] == float(row["final_material"])
    assert final["outcomes"]["months_to_cheating"] == (
        float(row["months_to_cheating"]) if row["months_to_cheating"] else None
    )
    assert not math.isnan(final["sampled"]["arsenal.production_rate"])


def test_cli_trace_refuses_bad_input_with_exit_2(saved):
    _, folder = saved
    cases = {
        (
            FREEZE,
            "--rep",
            10,
            "--reps",
            10,
        ): "replication 10 is out of range: the run has 10 replications, numbered 0 to 9",
        (folder, "--rep", REPS): f"out of range: the run has {REPS} replications",
        (FREEZE, "--pick", "median", "--metric", "final_warhead"): "did you mean 'final_warheads'?",
        (FREEZE, "--pick", "mean"): "unknown pick 'mean'",
        (FREEZE,): "say which replication: --rep K, or --pick median|min|max|pNN",
        (FREEZE, "--pick", "p101"): "use median, min, max, or a percentile pNN with 0 <= NN <= 100",
        (FREEZE, "--rep", 1, "--pick", "median"): "say which replication",
        (folder, "--rep", 1, "--seed", 3): "a result folder is replayed as it was run",
        (folder.parent, "--rep", 1): "not a result folder",
        (SCENARIOS / "nope.yaml", "--rep", 1): "no such scenario file or result folder",
    }
    for args, message in cases.items():
        result = invoke("trace", *args)
        assert result.exit_code == 2, args
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output


def test_a_replay_that_disagrees_with_the_saved_row_says_so(saved, tmp_path):
    import shutil

    _, folder = saved
    copy = shutil.copytree(folder, tmp_path / "copy")
    table = (copy / "replications.csv").read_text().splitlines()
    header = table[0].split(",")
    row = table[3].split(",")  # replication 2
    row[header.index("final_warheads")] = "1.5"
    table[3] = ",".join(row)
    (copy / "replications.csv").write_text("\n".join(table) + "\n")
    told = story(copy, rep=2)
    assert len(told.notes) == 1
    assert "differs from row 2 of replications.csv in final_warheads" in told.notes[0]
    assert told.notes[0] in lines(told)
