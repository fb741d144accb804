"""Sizes refused up front: runs and sweeps that cannot fit get exit 2, their size and the limit."""

import numpy as np
import pytest
from conftest import SCENARIOS
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import sim
from sim.cli.app import app
from sim.engine import limits
from sim.errors import ScenarioError
from sim.plan.compiled import compile_plan
from sim.sweeps.designs import design_size, make_design
from sim.sweeps.spec import Factor, Values, Where

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})
STALLED = SCENARIOS / "stalled.yaml"


def refused(*args, out):
    result = runner.invoke(app, [*map(str, args), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "nothing was run" in result.output
    assert not out.exists() or not any(out.iterdir())
    return " ".join(result.output.split())  # one line, whatever the terminal wrapped


def retained_bytes(results) -> int:
    total = results.freeze.nbytes
    for group in (results.scalars, results.firsts, results.trajectories, results.sampled):
        total += sum(np.asarray(v).nbytes for v in group.values())
    return total


# --------------------------------------------------------------------------- runs


def test_the_memory_estimate_is_what_a_run_keeps():
    scenario = sim.load_scenario(SCENARIOS / "freeze.yaml")
    plan = compile_plan(scenario)
    for trajectories in (True, False):
        results = sim.run(scenario, reps=10, seed=1, workers=1, trajectories=trajectories)
        each = limits.bytes_per_replication(plan, trajectories)
        assert retained_bytes(results) == 10 * each


def test_a_run_too_big_to_keep_is_refused_with_its_memory_and_a_hint(tmp_path):
    text = refused("run", STALLED, "--reps", 10**12, out=tmp_path)
    each = limits.bytes_per_replication(compile_plan(sim.load_scenario(STALLED)), True)
    need = limits.size_text(2 * each * 10**12)
    assert (
        f"--reps: 1,000,000,000,000 replications need about {need} of memory "
        f"({each:,} bytes each kept, with trajectories" in text
    )
    limit = limits.size_text(limits.memory_limit())
    assert f"more than the limit of {limit} (80% of this machine's" in text
    assert "hint: add --no-trajectories" in text


def test_a_streamed_run_is_capped_at_a_billion_replications(tmp_path):
    text = refused("run", STALLED, "--reps", 10**12, "--no-trajectories", out=tmp_path)
    assert (
        "--reps: 1,000,000,000,000 replications are more than the limit of "
        "1,000,000,000 a run" in text
    )


def test_the_limit_follows_the_machines_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "machine_memory", lambda: 4 * 2**20)  # a 4 MiB machine
    text = refused("run", STALLED, "--reps", 2000, "-w", 1, out=tmp_path / "kept")
    assert "more than the limit of 3.2 MiB (80% of this machine's 4.0 MiB)" in text
    args = ["run", str(STALLED), "--reps", "2000", "-w", "1", "-q", "--no-trajectories"]
    streamed = runner.invoke(app, [*args, "-o", str(tmp_path / "streamed")])
    assert streamed.exit_code == 0, streamed.output  # flat memory: no such limit


def test_an_adaptive_run_is_checked_at_its_cap(tmp_path):
    args = ["run", STALLED, "--precision", 0.01, "--max-reps", 10**12]
    text = refused(*args, out=tmp_path)
    assert "--max-reps: 1,000,000,000,000 replications need about" in text


def test_replications_from_the_scenario_file_are_located_there():
    scenario = sim.load_scenario(STALLED, overrides=[f"run.replications={10**9}"])
    with pytest.raises(ScenarioError) as caught:
        sim.run(scenario, workers=1)
    (problem,) = caught.value.problems
    assert (problem.file, problem.path) == (scenario.path, "run.replications")


# --------------------------------------------------------------------------- sweeps


def test_a_huge_grid_is_refused_before_it_is_built(tmp_path):
    params = ["arsenal.production_rate=1:20:1000", "arsenal.growth=0:0.1:1000"]
    params.append("talks.initial_trust=0:1:1000")
    args = [x for p in params for x in ("-p", p)]
    text = refused("sweep", STALLED, *args, "--dry-run", out=tmp_path)
    assert (
        "--param: a grid of 1000 x 1000 x 1000 levels: 1,000,000,000 points, "
        "more than the limit of 100,000 a sweep" in text
    )


@pytest.mark.parametrize(
    ("design", "samples", "message"),
    [
        ("lhs", 10**9, "a Latin hypercube of 1,000,000,000 samples: 1,000,000,000 points"),
        (
            "sobol",
            2**20,
            "a Sobol design of 1,048,576 base samples x (1 factor + 2): 3,145,728 points",
        ),
    ],
)
def test_huge_sampled_designs_are_refused_before_they_are_drawn(tmp_path, design, samples, message):
    args = ["-p", "arsenal.production_rate=6:20", "--design", design, "--samples", samples]
    text = refused("sweep", STALLED, *args, "--dry-run", out=tmp_path)
    assert f"--samples: {message}, more than the limit of 100,000 a sweep" in text


def test_a_huge_range_is_refused_before_its_values_are_listed(tmp_path):
    text = refused("sweep", STALLED, "-p", "arsenal.production_rate=1:20:1000000000", out=tmp_path)
    assert "range '1:20:1000000000': 1,000,000,000 values; at most 10,000" in text


def test_a_sweep_of_too_many_replications_is_refused(tmp_path):
    args = ["-p", "arsenal.production_rate=6,12,18", "-n", 10**12, "--dry-run"]
    text = refused("sweep", STALLED, *args, out=tmp_path)
    assert (
        "--reps: 3 points x 1,000,000,000,000 replications = 3,000,000,000,000 replications, "
        "more than the limit of 1,000,000,000 a sweep" in text
    )


def test_a_sweep_point_too_big_to_keep_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "machine_memory", lambda: 4 * 2**20)
    args = ["-p", "arsenal.production_rate=6,12", "-n", 10**5, "--dry-run"]
    text = refused("sweep", STALLED, *args, out=tmp_path)
    assert "--reps: 100,000 replications a point need about" in text
    assert "more than the limit of 3.2 MiB" in text


def test_a_design_from_a_sweep_file_is_blamed_on_the_file():
    factor = Factor((("arsenal.growth", Values(text="0:1", levels=None, dist=None)),))
    with pytest.raises(ScenarioError) as caught:
        make_design("lhs", (factor,), 10**6, 1, source="big.sweep.yaml")
    assert caught.value.problems[0].file == "big.sweep.yaml"


def levels(n: int) -> Factor:
    return Factor((("x", Values(text="levels", levels=tuple(range(n)), where=Where())),))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=4), st.integers(2, 200))
def test_the_size_computed_up_front_is_the_size_built(counts, samples):
    factors = tuple(levels(n) for n in counts)
    assert design_size("grid", factors, None) == len(make_design("grid", factors, None, 1))
    lhs = make_design("lhs", factors, samples, 1)
    assert design_size("lhs", factors, samples) == len(lhs) == samples


def test_the_sobol_size_computed_up_front_is_the_size_built():
    pytest.importorskip("SALib")
    factors = tuple(levels(3) for _ in range(3))
    assert design_size("sobol", factors, 16) == len(make_design("sobol", factors, 16, 1)) == 80
