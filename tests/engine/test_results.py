"""The results contract: what a run writes, and that it is written atomically."""

import csv
import json

import numpy as np
import pytest
import yaml
from conftest import SCENARIOS

import sim
from sim.report import writers

METRICS = (
    "final_warheads",
    "final_material",
    "months_frozen",
    "rounds_held",
    "missile_launches",
    "nuclear_tests",
    "unsc_resolutions",
    "unsc_vetoes",
)
EVENTS = ("deal_reached", "freeze_in_force_at_end", "freeze_collapsed", "nuclear_test")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    scenario = sim.load_scenario(SCENARIOS / "freeze.yaml")
    res = sim.run(scenario, reps=60, seed=4, workers=1)
    return res, res.save(tmp_path_factory.mktemp("out"), run_id="test-run")


def test_summary_json_follows_the_contract(saved):
    res, folder = saved
    s = json.loads((folder / "summary.json").read_text())
    for name in METRICS:
        assert set(s["metrics"][name]) >= {"mean", "sd", "mcse", "p5", "p25", "p50", "p75", "p95"}
    for name in EVENTS:
        assert set(s["probabilities"][name]) >= {"p", "mcse"}
    for name in ("warheads", "material"):
        band = s["trajectories"][name]
        assert band["months"] == list(range(121))
        assert all(len(band[q]) == 121 for q in ("p5", "p25", "p50", "p75", "p95"))
    assert set(s["provenance"]) >= {
        "seed",
        "replications",
        "scenario_hash",
        "engine_version",
        "packages",
        "started",
        "wall_seconds",
    }
    assert s["provenance"]["seed"] == 4 and s["provenance"]["replications"] == 60
    assert s["scenario"]["start"] == "2026-01"
    assert s["metrics"]["final_warheads"]["mean"] == pytest.approx(
        res.scalars["final_warheads"].mean()
    )


def test_replications_csv_has_one_row_per_replication_with_params_and_outcomes(saved):
    res, folder = saved
    with (folder / "replications.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 60
    assert [int(r["replication"]) for r in rows] == list(range(60))
    assert float(rows[7]["arsenal.production_rate"]) == res.sampled["arsenal.production_rate"][7]
    assert float(rows[7]["final_warheads"]) == res.scalars["final_warheads"][7]
    missing = [r["months_to_deal_reached"] for r in rows if r["deals"] == "0.0"]
    assert all(m == "" for m in missing)


def test_trajectories_npz_and_resolved_scenario(saved):
    res, folder = saved
    with np.load(folder / "trajectories.npz") as z:
        assert z["warheads"].shape == (60, 121)
        assert z["dates"][0] == "2026-01" and z["dates"][-1] == "2036-01"
        assert np.array_equal(z["material"], res.trajectories["material"])
    resolved = yaml.safe_load((folder / "scenario.yaml").read_text())
    assert resolved["name"] == "freeze" and "extends" not in resolved
    again = sim.load_scenario(folder / "scenario.yaml")
    assert again.content_hash() == res.scenario.content_hash()


def test_report_md_has_the_figures(saved):
    _, folder = saved
    text = (folder / "report.md").read_text()
    assert text.startswith("# Freeze for relief")
    assert "| outcome | mean ± s.e." in text and "`final_warheads`" in text
    assert "## Facts cited" in text and "sipri_2025_warheads" in text


def test_an_interrupted_write_leaves_no_folder(tmp_path, monkeypatch):
    res = sim.run(sim.load_scenario(SCENARIOS / "stalled.yaml"), reps=10, seed=1, workers=1)

    def boom(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(writers, "write_trajectories", boom)
    with pytest.raises(KeyboardInterrupt):
        res.save(tmp_path)
    assert list((tmp_path / "stalled").iterdir()) == []


def test_a_second_save_gets_its_own_folder(tmp_path):
    res = sim.run(sim.load_scenario(SCENARIOS / "stalled.yaml"), reps=5, seed=1, workers=1)
    a = res.save(tmp_path, run_id="same")
    b = res.save(tmp_path, run_id="same")
    assert a != b and a.exists() and b.exists()


def test_replications_csv_quotes_labels_and_reads_back_exactly(tmp_path):
    from sim.engine.saved import read_table

    columns = {
        "replication": np.arange(3),
        "talks.administration": np.array(['a, "b"', "c\rd", "e\nf"], dtype=object),
        "final_warheads": np.array([1.0 / 3, np.nan, 1e-300]),
    }
    writers.write_table(columns, tmp_path / "t.csv")
    back = read_table(tmp_path / "t.csv", numeric=["replication", "final_warheads"])
    assert list(back["talks.administration"]) == list(columns["talks.administration"])
    assert np.array_equal(back["final_warheads"], columns["final_warheads"], equal_nan=True)
