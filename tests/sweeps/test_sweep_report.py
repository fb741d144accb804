"""A sweep's report tells the truth: cached reruns, Sobol estimates outside [0, 1], counts."""

import csv
import json
import re
import tracemalloc
from datetime import datetime
from pathlib import Path

import pytest
from conftest import SCENARIOS
from typer.testing import CliRunner

import sim
import sim.sweeps.run as sweep_run
from sim.cli.app import app
from sim.engine.summary import COUNTS
from sim.report.rounding import estimate, probability
from sim.report.sensitivity import caveat, index, index_ci, ranking_table, reading_guide
from sim.report.sweep import report_blocks
from sim.sweeps.files import build_spec
from sim.sweeps.plan import plan_sweep
from sim.sweeps.sensitivity import Ranking, Swing
from sim.sweeps.store import PointStore
from sim.sweeps.table import outcome_column
from sim.sweeps.table import table as points_table

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})
STALLED = SCENARIOS / "stalled.yaml"
GRID = [STALLED, "-p", "arsenal.production_rate=6,12,18", "-m", "final_material"]
NEGATIVE_ZERO = re.compile(r"(?<![\d.])-0(?:\.0+)?(?![\d.])")


def sweep(*args):
    result = runner.invoke(app, ["sweep", *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return Path(result.output.strip().splitlines()[-1].removeprefix("Results: "))


@pytest.fixture(scope="module")
def grid_runs(tmp_path_factory):
    """A three-point grid, run once, then again with every point cached."""
    out = tmp_path_factory.mktemp("out")
    first = sweep(*GRID, "-n", 6, "-s", 3, "-w", 1, "-o", out)
    first_report = (first / "report.md").read_text()
    again = sweep(*GRID, "-n", 6, "-s", 3, "-w", 1, "-o", out)
    records = [json.loads(p.read_text()) for p in (out / "sweeps" / "stalled" / "points").iterdir()]
    return first_report, again, records


def test_a_first_run_says_what_it_computed_and_how_long_it_took(grid_runs):
    first_report, _, records = grid_runs
    summed = sum(r["seconds"] for r in records)
    assert "This run computed 3 point(s) in " in first_report
    assert "on this process (" in first_report and "of computing, summed over the points)" in (
        first_report
    )
    assert len(records) == 3 and all(r["finished"].endswith("+00:00") for r in records)
    assert summed > 0


def test_a_rerun_of_a_cached_sweep_keeps_when_and_how_long_its_points_took(grid_runs):
    _, folder, records = grid_runs
    report = (folder / "report.md").read_text()
    timing = json.loads((folder / "sweep.json").read_text())["timing"]
    assert timing["now"]["points"] == 0 and timing["cached"]["points"] == 3
    assert timing["cached"]["computing_seconds"] == pytest.approx(
        sum(r["seconds"] for r in records), abs=1e-3
    )
    finished = sorted(datetime.fromisoformat(r["finished"]) for r in records)
    assert datetime.fromisoformat(timing["cached"]["first_finished"]) == finished[0]
    assert datetime.fromisoformat(timing["cached"]["last_finished"]) == finished[-1]
    assert "Every point (3) was read from the cache: this run computed nothing" in report
    assert f"on {finished[0]:%Y-%m-%d}" in report and "UTC" in report
    assert "0 point(s) computed" not in report and "0.0 s" not in report


def test_a_grid_report_explains_only_what_it_shows(grid_runs):
    _, folder, _ = grid_runs
    report = (folder / "report.md").read_text()
    assert "SRC" in report and "R²" in report
    assert "Sobol" not in report and "S1" not in report and "ST " not in report
    assert "lowest fifth" not in report  # a grid's swing is from its lowest to its highest value
    guide = reading_guide("grid", {"src"}, heatmaps=False)
    assert not any("Sobol" in line or "S1" in line for line in guide)


def test_counts_have_no_decimals_in_the_points_table_and_nothing_reads_minus_zero(grid_runs):
    _, folder, _ = grid_runs
    with (folder / "points.csv").open() as f:
        table = list(csv.DictReader(f))
    whole = [f"{m}.{s}" for m in COUNTS for s in ("p5", "p25", "p50", "p75", "p95", "n")]
    assert whole[0] in table[0]
    for row in table:
        assert all(re.fullmatch(r"\d+", row[c]) for c in whole), row
    pq = pytest.importorskip("pyarrow.parquet")
    schema = pq.read_schema(folder / "points.parquet")
    assert all(str(schema.field(c).type) == "int64" for c in whole)
    assert str(schema.field("final_material.p50").type) == "double"
    for name in ("report.md", "report.html"):
        assert not NEGATIVE_ZERO.search((folder / name).read_text()), name


# --------------------------------------------------------------------------- a count and an event


def test_cheating_detected_is_the_event_wherever_a_sweep_analyses_it():
    """`cheating_detected` is a count (a metric) and an event; by that name a sweep analyses
    the event: its ranking, its figures and the report's points preview all give the
    probability, and points.csv keeps the count and the probability in their own columns."""
    params = {"deal.cheating.detection_rate": [0.7, 2.0], "deal.cheating.probability": [0.3, 0.9]}
    sw = sim.sweep(SCENARIOS / "freeze.yaml", params=params, reps=60, seed=5,
                   metrics=["cheating_detected"], workers=1)  # fmt: skip
    columns = points_table(sw.swept)
    count, p = columns["cheating_detected.mean"], columns["p_cheating_detected"]
    assert count != p, "no replication detected cheating twice: the test shows nothing"
    assert outcome_column(sw.swept, "cheating_detected") == p
    names = sw.swept.figures.names
    assert len(set(names)) == len(names), "an outcome with two columns, one never filled"
    high = [x for x, q in zip(p, columns["deal.cheating.probability"], strict=True) if q == 0.9]
    r = sw.rankings["cheating_detected"]
    assert r.swings[r.factors.index("deal.cheating.probability")].high == pytest.approx(
        sum(high) / len(high)
    )
    blocks = report_blocks(sw.swept, sw.rankings, sw.info, plots=None)
    _, head, rows = blocks[blocks.index(("h2", "Points")) + 2]
    shown = [row[head.index("`cheating_detected`")] for row in rows]
    records = [sw.swept.record(point) for point in sw.plan.points]
    figures = [r["probabilities"]["cheating_detected"] for r in records]
    assert shown == [probability(f, interval=False) for f in figures]
    counts = [r["metrics"]["cheating_detected"] for r in records]
    assert shown != [estimate(m["mean"], m["mcse"]) for m in counts]


# --------------------------------------------------------------------------- Sobol estimates


def ranking(first, first_ci, total, total_ci) -> Ranking:
    swings = [Swing("≤ 1", "≥ 2", 10.0, 20.0) for _ in first]
    return Ranking("final_warheads", "sobol", ["a", "b"][: len(first)], first, first_ci, total,
                   total_ci, swings=swings)  # fmt: skip


def test_an_index_outside_0_1_is_marked_and_explained():
    r = ranking([-0.03, 0.5], [0.02, 0.1], [1.04, 0.4], [0.3, 0.1])
    text = caveat(r, 16, 20)
    assert text is not None
    assert "S1 of `a` -0.03" in text and "ST of `a` 1.04" in text and "`b`" not in text
    assert "estimation noise" in text and "N = 16 base samples, 20 replications a point" in text
    assert "95% bootstrap interval" in text and "--samples" in text and "--reps" in text
    rows = ranking_table(r)[2]
    a = next(row for row in rows if row[1] == "`a`")
    b = next(row for row in rows if row[1] == "`b`")
    assert a[-2] == "-0.030 † (-0.050 to -0.010)" and a[-1] == "1.04 † (0.74 to 1.34)"
    assert "†" not in " ".join(b)
    assert caveat(ranking([0.0, 0.5], [0.02, 0.1], [1.0, 0.4], [0.3, 0.1]), 16, 20) is None


def test_indices_are_written_to_their_intervals_places_never_minus_zero():
    assert index(-0.0004, 0.002) == "-0.0004 †"
    assert index(-0.00004, 0.0) == "-0.00004 †"
    assert index_ci(0.67, 0.12) == "0.67 (0.55 to 0.79)"
    assert index_ci(0.0, 0.0) == "0 (0 to 0)"
    assert index_ci(0.0012, 0.0021) == "0.0012 (-0.0009 to 0.0033)"


def test_a_sobol_report_explains_every_index_it_shows_outside_0_1(tmp_path):
    params = ["-p", "arsenal.production_rate=scenario", "-p", "arsenal.growth=scenario"]
    metrics = ["-m", "final_warheads", "-m", "final_material", "-m", "deal_reached"]
    folder = sweep(STALLED, "-d", "sobol", "--samples", 8, *params, *metrics, "-n", 4, "-w", 1,
                   "-o", tmp_path)  # fmt: skip
    doc = json.loads((folder / "sweep.json").read_text())["sensitivity"]
    report = (folder / "report.md").read_text()
    assert "True Sobol indices lie between 0 and 1" in report  # the reading guide
    strays = 0
    for outcome in doc.values():
        if outcome["method"] != "sobol":
            continue
        out = [f[k] for f in outcome["factors"].values() for k in ("S1", "ST")
               if not 0 <= f[k] <= 1]  # fmt: skip
        assert (outcome["caveat"] is not None) == bool(out)
        if out:
            strays += 1
            assert outcome["caveat"] in report
    assert report.count("Estimated outside [0, 1]") == strays
    assert not NEGATIVE_ZERO.search(report)


# --------------------------------------------------------------------------- memory


class NullStore(PointStore):
    """Keeps nothing: what a sweep retains is then the sweep's own doing."""

    def __init__(self):
        super().__init__(Path("(nowhere)"))

    def get(self, key):
        return None

    def put(self, record):
        pass


class CannedExecutor:
    """Returns a real point's record (as a fresh object) for every task, instantly."""

    def __init__(self, record: dict):
        self.text = json.dumps(record)
        self.calls: list[list] = []

    def map(self, fn, tasks):
        self.calls.append(tasks)
        for i, (_, _, key, _, _) in enumerate(tasks):
            yield i, {**json.loads(self.text), "key": key}


def test_a_sweep_keeps_a_row_of_numbers_a_point_not_its_record(monkeypatch):
    """Records go to the store; what stays is about 350 bytes a point (a record read into
    Python is about 40 KB), and tasks share one base scenario, a window at a time."""
    spec = build_spec(STALLED, ["arsenal.production_rate=4:20"], design="lhs", samples=600,
                      reps=3, seed=2)  # fmt: skip
    plan = plan_sweep(spec)
    record = sweep_run.run_point(plan.base, plan.points[0].values, plan.points[0].key, 3, 2)
    executor = CannedExecutor(record)
    monkeypatch.setattr(sweep_run, "WINDOW", 250)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        swept = sweep_run.run_sweep(plan, NullStore(), executor)
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert swept.computed == 600 and not swept.failed
    assert kept < 600 * 2_000, f"{kept / 600:.0f} bytes kept a point"
    assert [len(tasks) for tasks in executor.calls] == [250, 250, 100]
    assert all(task[0] is plan.base for tasks in executor.calls for task in tasks)
    mean = record["metrics"]["final_material"]["mean"]
    assert swept.figures.get(plan.points[599].key, "final_material") == mean


# --------------------------------------------------------------------------- the dry run's estimate


def test_an_estimate_adds_planning_the_points_on_the_workers_and_the_report():
    from sim.sweeps.estimate import Estimate

    e = Estimate(points=100, pilot_points=8, pilot_reps=50, point_seconds=0.08,
                 fixed_seconds=0.01, rep_seconds=0.0014, workers=2, efficiency=0.8,
                 startup_seconds=0.5, parent_seconds=0.002, planning_seconds=3.0,
                 report_seconds=4.0)  # fmt: skip
    run = e.run_seconds
    assert e.computing_seconds == pytest.approx(8.0)
    assert run is not None and run >= 0.5 + 100 * 0.08 / (2 * 0.8)
    assert run <= 0.5 + 100 * (0.08 / 1.6 + 0.001) + 1e-12
    assert e.total_seconds == pytest.approx(3.0 + run + 4.0)
    unknown = Estimate(**{**e.__dict__, "workers": None, "efficiency": None})
    assert unknown.run_seconds is None and unknown.total_seconds is None
    assert Estimate(**{**e.__dict__, "points": 0}).run_seconds == 0.0


def test_a_pilot_times_points_spread_over_the_design_and_leaves_nothing_behind(tmp_path):
    import tempfile as tf

    from sim.engine.executors import DaskExecutor, LocalExecutor
    from sim.sweeps import estimate as E

    plan = plan_sweep(build_spec(STALLED, ["arsenal.production_rate=4:20:40"], reps=8, seed=1))
    todo = list(plan.unique().values())
    assert [p.index for p in E._spread(todo, 5)] == [0, 9, 19, 29, 39]
    before = set(Path(tf.gettempdir()).glob("sim-pilot-*"))
    e = E.estimate(plan, todo, LocalExecutor(1), planning_seconds=0.25)
    assert (e.points, e.pilot_reps, e.workers, e.efficiency) == (40, 8, 1, None)
    assert E.FEWEST_POINTS <= e.pilot_points <= E.MOST_POINTS
    assert e.point_seconds == pytest.approx(e.fixed_seconds + 8 * e.rep_seconds)
    assert e.total_seconds is not None and e.total_seconds > e.planning_seconds
    assert set(Path(tf.gettempdir()).glob("sim-pilot-*")) == before
    cluster = DaskExecutor("tcp://127.0.0.1:1")  # never connected: the pilot runs here
    far = E.estimate(plan, todo[:3], cluster, planning_seconds=0.25)
    assert far.workers is None and far.total_seconds is None and cluster.client is None
    lines = E.describe(e)
    assert lines[0].startswith(f"  pilot: {e.pilot_points} point(s) of 8 replications: ")
