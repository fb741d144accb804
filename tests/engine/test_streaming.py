"""Streamed runs (`--no-trajectories`): flat memory, figures that agree with a kept run."""

import numpy as np
import pytest
from conftest import SCENARIOS

import sim
from sim.engine.sketch import ALPHA, Sketch


def test_sketch_is_exact_for_whole_numbers():
    x = np.random.default_rng(1).poisson(7, size=5001).astype(float)
    s = Sketch()
    for part in np.array_split(x, 7):
        s.add(part)
    assert s.percentiles([5, 25, 50, 75, 95]) == list(np.percentile(x, [5, 25, 50, 75, 95]))


def test_sketch_is_within_its_relative_accuracy_otherwise():
    x = np.random.default_rng(2).lognormal(3, 1, size=20000)
    s = Sketch()
    s.add(x)
    for q, got in zip((1, 5, 50, 95, 99), s.percentiles([1, 5, 50, 95, 99]), strict=True):
        assert got == pytest.approx(np.percentile(x, q), rel=2 * ALPHA)


def test_sketch_ignores_missing_values():
    s = Sketch()
    s.add(np.array([np.nan, 2.0, np.nan]))
    assert s.n == 1 and s.percentiles([50]) == [2.0]


@pytest.fixture(scope="module")
def pair():
    scenario = sim.load_scenario(SCENARIOS / "freeze.yaml")
    kept = sim.run(scenario, reps=3000, seed=5, workers=1)
    streamed = sim.run(scenario, reps=3000, seed=5, workers=2, stream=True)
    return kept.summary(), streamed


def test_streamed_figures_agree_with_kept_ones(pair):
    kept, streamed = pair
    s = streamed.summary()
    assert s["probabilities"] == kept["probabilities"]
    assert s["curves"] == kept["curves"]
    assert s["trajectories"] == {}
    for name, k in kept["metrics"].items():
        m = s["metrics"][name]
        assert m["n"] == k["n"]
        if not k["n"]:
            continue
        assert m["mean"] == pytest.approx(k["mean"], rel=1e-9, abs=1e-12)
        assert m["sd"] == pytest.approx(k["sd"], rel=1e-9, abs=1e-12)
        for q in ("p5", "p25", "p50", "p75", "p95"):
            assert m[q] == pytest.approx(k[q], rel=2 * ALPHA, abs=1e-9), (name, q)


def test_streamed_run_is_the_same_on_one_or_two_workers(pair):
    _, two = pair
    one = sim.run(two.scenario, reps=3000, seed=5, workers=1, stream=True)
    strip = {"provenance"}
    a = {k: v for k, v in one.summary().items() if k not in strip}
    b = {k: v for k, v in two.summary().items() if k not in strip}
    assert a == b


def test_streamed_run_saves_its_table_without_trajectories(tmp_path, pair):
    _, streamed = pair
    folder = streamed.save(tmp_path)
    names = {p.name for p in folder.iterdir()}
    assert {"summary.json", "report.md", "replications.csv", "scenario.yaml"} <= names
    assert "trajectories.npz" not in names
    lines = (folder / "replications.csv").read_text().splitlines()
    assert len(lines) == 3001 and lines[1].startswith("0,")
