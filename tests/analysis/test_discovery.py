"""Scenario discovery: PRIM on a known box, against EMA Workbench, conditions, and `sim discover`."""

from __future__ import annotations

import inspect
import itertools
import json
import math
import re
import shutil
import warnings

import numpy as np
import pytest
import typer
from conftest import SCENARIOS
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import sim
from sim.analysis.discovery import DEFAULTS, sources
from sim.analysis.discovery.conditions import parse, resolve
from sim.analysis.discovery.prim import Inputs, binomial_tail, prim
from sim.analysis.discovery.sources import Table, from_results
from sim.api.discovery import clause, discover
from sim.cli.app import app
from sim.engine.runner import run as run_scenario
from sim.engine.saved import read_table
from sim.errors import ScenarioError

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})
NOISE = 0.05


def cli(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def known_box(seed: int, n: int, k: int = 5):
    """X uniform on [0, 1]^k; y = (x0 > 0.7) & (x2 < 0.4), each label flipped with prob. NOISE."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, k))
    y = ((x[:, 0] > 0.7) & (x[:, 2] < 0.4)) ^ (rng.uniform(size=n) < NOISE)
    return x, y


def analytic(limits: dict[str, tuple[float, float]], k: int = 5) -> tuple[float, float]:
    """Density and coverage, in the population, of the box with these limits (missing: [0, 1])."""
    side = {f"x{j}": limits.get(f"x{j}", (0.0, 1.0)) for j in range(k)}
    mass = math.prod(hi - lo for lo, hi in side.values())
    inside_truth = (
        max(0.0, side["x0"][1] - max(side["x0"][0], 0.7))
        * max(0.0, min(side["x2"][1], 0.4) - side["x2"][0])
        * math.prod(hi - lo for name, (lo, hi) in side.items() if name not in ("x0", "x2"))
    )
    cases = inside_truth * (1 - NOISE) + (mass - inside_truth) * NOISE
    base = 0.3 * 0.4 * (1 - NOISE) + (1 - 0.3 * 0.4) * NOISE
    return cases / mass, cases / base


# --------------------------------------------------------------------------- PRIM


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_prim_finds_a_known_box_with_its_analytic_density_and_coverage(seed):
    n = 4000
    x, y = known_box(seed, n)
    box = prim(Inputs.from_array(x), y, threshold=0.6, boxes=1)[0].box
    limits = {lim.name: lim for lim in box.limits}
    assert {"x0", "x2"} <= set(limits)
    truth = {"x0": (0.7, 1.0), "x2": (0.0, 0.4)}
    for name, lim in limits.items():  # the true sides to 0.05; any other cut shaves little
        low, high = truth.get(name, (0.0, 1.0))
        tolerance = 0.05 if name in truth else 0.15
        assert abs((lim.low or 0.0) - low) < (0.05 if low else 0.15), lim
        assert abs((lim.high or 1.0) - high) < (0.05 if high < 1 else tolerance), lim
    bounds = {name: (lim.low or 0.0, lim.high or 1.0) for name, lim in limits.items()}
    density, coverage = analytic(bounds)
    assert density == pytest.approx(1 - NOISE, abs=0.01)  # the box lies inside the true one
    cases = y.sum()
    se_density = math.sqrt(density * (1 - density) / box.n)
    se_coverage = math.sqrt(coverage * (1 - coverage) / cases)
    assert abs(box.density - density) < 4 * se_density
    assert abs(box.coverage - coverage) < 4 * se_coverage
    assert box.mass == pytest.approx(box.n / n)
    assert box.coverage == pytest.approx(box.k / cases) and box.density == box.k / box.n


def test_the_trajectory_trades_coverage_for_density_down_to_the_minimum_mass():
    x, y = known_box(5, 2000)
    peeling = prim(Inputs.from_array(x), y, min_mass=0.1, boxes=1)[0]
    steps = peeling.trajectory
    assert steps[0].coverage == 1 and steps[0].mass == 1 and steps[0].restricted == 0
    assert steps[0].density == pytest.approx(y.mean())
    for a, b in itertools.pairwise(steps):
        assert b.mass < a.mass and b.coverage <= a.coverage
    assert all(s.mass >= 0.1 for s in steps)
    # each peel removes floor(0.05 (n - 1)) + 1 rows of a box of n (no ties here)
    assert [s.n for s in steps[:3]] == [2000, 2000 - 100, 1900 - 95]


def test_a_categorical_input_is_peeled_a_value_at_a_time():
    rng = np.random.default_rng(11)
    n = 3000
    demand = rng.choice(["arms_control", "denuclearization_first", "freeze_for_relief"], n)
    rate = rng.uniform(size=n)
    other = rng.uniform(size=n)
    y = (demand != "denuclearization_first") & (rate < 0.5)
    y ^= rng.uniform(size=n) < 0.03
    inputs = Inputs.from_columns(
        {"talks.us_demand": demand.astype(object), "deal.breakdown_rate": rate, "other": other}
    )
    assert inputs.levels[0] == ("arms_control", "denuclearization_first", "freeze_for_relief")
    box = prim(inputs, y, threshold=0.8, boxes=1)[0].box
    limits = {lim.name: lim for lim in box.limits}
    assert limits["talks.us_demand"].values == ("arms_control", "freeze_for_relief")
    assert limits["talks.us_demand"].levels == inputs.levels[0]
    assert abs(limits["deal.breakdown_rate"].high - 0.5) < 0.05
    assert limits["talks.us_demand"].qp < 1e-6 and limits["deal.breakdown_rate"].qp < 1e-6


def test_covering_finds_a_second_box_among_the_rows_outside_the_first():
    rng = np.random.default_rng(4)
    n = 4000
    x = rng.uniform(size=(n, 5))
    y = ((x[:, 0] > 0.75) & (x[:, 1] > 0.5)) | ((x[:, 3] < 0.25) & (x[:, 4] < 0.5))
    found = prim(Inputs.from_array(x), y, threshold=0.4, boxes=2)
    assert len(found) == 2
    dims = [{lim.name for lim in p.box.limits if lim.qp < 0.05} for p in found[:2]]
    assert sorted(map(sorted, dims)) == [["x0", "x1"], ["x3", "x4"]]
    assert found[1].rows.size == n - found[0].box.n  # the first box's rows are set aside
    total = sum(p.box.coverage for p in found[:2])
    assert 0.6 < total <= 1.0  # coverage of both together, as shares of all cases


def test_pasting_never_lowers_density_and_only_widens_the_box():
    for seed in range(3):
        x, y = known_box(seed, 1500)
        plain = prim(Inputs.from_array(x), y, step=30, boxes=1)[0]
        pasted = prim(Inputs.from_array(x), y, step=30, pasting=True, boxes=1)[0]
        assert pasted.box.density >= plain.box.density
        assert pasted.box.n >= plain.box.n
        inside = plain.box.box.contains(Inputs.from_array(x), np.arange(x.shape[0]))
        assert pasted.box.box.contains(Inputs.from_array(x), np.arange(x.shape[0]))[inside].all()
        assert pasted.box.pasted == (pasted.box.n > plain.box.n)


def test_binomial_tail_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    for k, n, p in [(0, 10, 0.3), (7, 10, 0.3), (120, 200, 0.5), (900, 1000, 0.85), (5, 5, 0.2)]:
        assert binomial_tail(k, n, p) == pytest.approx(stats.binom.sf(k - 1, n, p), rel=1e-9)


def test_the_sentence_names_the_box_and_says_when_its_limits_may_be_noise():
    x, y = known_box(0, 4000)
    columns = {f"x{j}": x[:, j] for j in range(5)}
    table = Table("synthetic", "table", "histories", columns, {}, {"hit": y})
    found = discover(table, "hit", threshold=0.6, boxes=1)
    box = found.boxes[0]
    clauses = [clause(lim) for lim in box.limits]
    where = ", ".join(clauses[:-1]) + " and " + clauses[-1]
    assert found.sentence() == (
        f"Hit happens in {box.density:.0%} of histories where {where}; those histories hold "
        f"{box.coverage:.0%} of all such histories (and {box.mass:.0%} of all histories)."
    )
    assert re.search(r"where x0 is (at least|between) 0\.70\d", found.sentence())
    assert re.search(r"x2 is below 0\.3[5-9]\d", found.sentence())
    noise = np.random.default_rng(1).uniform(size=4000) < 0.3  # unrelated to the inputs
    table = Table("synthetic", "table", "histories", columns, {}, {"hit": noise})
    found = discover(table, "!hit", boxes=2)
    assert len(found.boxes) == 1  # no later box of noise
    assert found.sentence().endswith(
        "No limit is clearly more than noise (each quasi-p is 0.05 or more); among all "
        f"histories the share is {found.base_rate:.0%}."
    )


# ------------------------------------------------------------------ against EMA Workbench

CASES = [  # seed, rows, inputs, alpha, minimum mass, grid (ties) or None
    (0, 1000, 5, 0.05, 0.05, None),
    (1, 1500, 8, 0.1, 0.1, None),
    (2, 1000, 5, 0.05, 0.05, 0.05),
    (3, 2000, 6, 0.05, 0.02, None),
]


@pytest.fixture(scope="module")
def ema_prim():
    pytest.importorskip("pandas")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim as ema

    class Peeling(ema.Prim):
        def _paste(self, box):  # compare the peeling trajectories alone
            return box

    return Peeling


@pytest.mark.filterwarnings("ignore")  # the reference's own deprecation warnings
@pytest.mark.parametrize(("seed", "n", "k", "alpha", "min_mass", "grid"), CASES)
def test_the_peeling_trajectory_agrees_with_ema_workbench(
    ema_prim, seed, n, k, alpha, min_mass, grid
):
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, k))
    if grid:
        x = np.round(x / grid) * grid  # many ties
    y = ((x[:, 0] > 0.6) & (x[:, 1] < 0.5)) | (x[:, k - 1] > 0.9)
    y ^= rng.uniform(size=n) < 0.05
    names = [f"x{j}" for j in range(k)]
    reference = ema_prim(
        pd.DataFrame(x, columns=names), y.astype(int), threshold=1e-9,
        peel_alpha=alpha, mass_min=min_mass,
    )  # fmt: skip
    theirs = reference.find_box()
    ours = prim(Inputs.from_array(x, names), y, alpha=alpha, min_mass=min_mass, boxes=1)[0]
    table = theirs.peeling_trajectory
    assert len(ours.trajectory) == len(table) > 10
    for column in ("coverage", "density", "mass"):
        mine = np.array([getattr(s, column) for s in ours.trajectory])
        assert np.abs(mine - table[column].to_numpy()).max() < 1e-12, column
    assert [s.restricted for s in ours.trajectory] == table["res_dim"].tolist()
    # the chosen box: the same restricted inputs, limits and quasi-p-values
    chosen = ours.chosen
    lims = theirs.box_lims[chosen]
    init = theirs.box_lims[0]
    restricted = [u for u in names if (lims[u] != init[u]).any()]
    assert [lim.name for lim in ours.box.limits] == restricted
    for lim in ours.box.limits:
        low, high = lims[lim.name]
        assert lim.low == (low if low != init[lim.name][0] else None)
        assert lim.high == (high if high != init[lim.name][1] else None)
        qp_low, qp_high = theirs.qp[chosen][lim.name]
        if (lim.low is None) != (lim.high is None):  # one side: the same test
            assert lim.qp == pytest.approx(max(qp_low, qp_high), rel=1e-6, abs=1e-300)


# --------------------------------------------------------------------------- conditions


def test_conditions_parse_into_plain_data():
    c = parse("final_warheads>200")
    assert (c.name, c.op, c.value, c.negated) == ("final_warheads", ">", 200.0, False)
    c = parse("  !deal_reached ")
    assert (c.name, c.op, c.negated, c.column) == ("deal_reached", None, True, 4)
    assert parse("months_to_deal_reached <= 2.4e1").value == 24.0
    assert parse("final_trust!=-0.5").op == "!="
    values = np.array([100.0, 200.0, 300.0, np.nan])
    assert parse("x>=200").test(values).tolist() == [False, True, True, False]
    assert parse("!x").test(np.array([0.0, 1.0])).tolist() == [True, False]


@settings(max_examples=60, deadline=None)
@given(
    name=st.from_regex(r"[a-z_][a-z0-9_.]{0,20}", fullmatch=True),
    op=st.sampled_from([">", ">=", "<", "<=", "==", "!="]),
    value=st.floats(allow_nan=False, allow_infinity=False, width=32),
    space=st.sampled_from(["", " ", "  "]),
)
def test_any_comparison_reads_back(name, op, value, space):
    c = parse(f"{name}{space}{op}{space}{value!r}")
    assert (c.name, c.op, c.value) == (name, op, float(repr(value)))


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("", 1, "the condition is empty"),
        ("final_warheads>", 16, "expected a number after '>', found nothing"),
        ("final_warheads>abc", 16, "expected a number after '>', found 'abc'"),
        ("final_warheads=200", 15, "'=' is not a comparison"),
        ("200>final_warheads", 1, "expected an outcome name, found '200'"),
        ("final_warheads>200 extra", 20, "unexpected 'extra' after the condition"),
        ("final_warheads 200", 16, "expected a comparison"),
        ("final;warheads", 6, "expected a comparison (> >= < <= == !=) after final, found ';'"),
    ],
)
def test_bad_syntax_is_located(text, column, words):
    with pytest.raises(ScenarioError) as caught:
        parse(text)
    assert str(caught.value).startswith(f"--where:1:{column}: {words}")


def test_outcomes_are_checked_with_did_you_mean_hints():
    metrics = {"final_warheads": np.array([1.0, 2.0]), "months_to_deal_reached": np.ones(2)}
    events = {"deal_reached": np.array([True, False])}

    def problem(text):
        with pytest.raises(ScenarioError) as caught:
            resolve(parse(text), metrics, events, what="a run")
        return str(caught.value)

    assert "'final_warhead' is not an outcome of a run" in problem("final_warhead>200")
    assert "did you mean final_warheads?" in problem("final_warhead>200")
    assert "final_warheads is a number, not an event" in problem("final_warheads")
    assert "write deal_reached or !deal_reached, or compare months_to_deal_reached" in problem(
        "deal_reached>0"
    )
    assert "write final_warheads<=200" in problem("!final_warheads>200")
    c, met = resolve(parse("!deal_reached"), metrics, events)
    assert met.tolist() == [False, True] and c.phrase() == "no deal is reached"


# --------------------------------------------------------------------------- sources and CLI


@pytest.fixture(scope="module")
def freeze_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    result = cli("run", SCENARIOS / "freeze.yaml", "-n", 500, "--seed", 1, "-w", 1, "-q", "-o", out)
    assert result.exit_code == 0, result.output
    return next((out / "freeze").iterdir())


def test_a_run_of_freeze_through_the_cli_writes_a_discovery_folder(freeze_run, tmp_path):
    result = cli(
        "discover", SCENARIOS / "freeze.yaml", "--where", "freeze_in_force_at_end",
        "--reps", 500, "--seed", 1, "-w", 1, "--out", tmp_path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "peeling trajectory" in result.output and "quasi-p" in result.output
    sentence = next(line for line in result.output.splitlines() if line.startswith("A freeze"))
    assert re.search(r"^A freeze still holds at the horizon in \d+% of histories where .+; those "
                     r"histories hold \d+% of all such histories \(and \d+% of all histories\)\."
                     r"( No limit is clearly more than noise .+)?$",
                     sentence)  # fmt: skip
    folder = tmp_path / "discovery" / next(p.name for p in (tmp_path / "discovery").iterdir())
    assert sorted(p.name for p in folder.iterdir()) == [
        "discovery.json", "plots", "report.html", "report.md"
    ]  # fmt: skip
    data = json.loads((folder / "discovery.json").read_text())
    assert data["rows"] == 500 and data["source"]["kind"] == "scenario"
    assert data["headline"] == sentence
    assert data["where"]["name"] == "freeze_in_force_at_end"
    considered = {i["name"] for i in data["inputs"]["considered"]}
    assert "deal.breakdown_rate" in considered and "talks.us_demand" not in considered
    page = (folder / "report.html").read_text()
    assert "data:image/png;base64," in page and "<script" not in page.lower()
    assert "Peeling trajectory of box 1" in (folder / "report.md").read_text()
    # the same seed from the saved run's folder finds the same boxes, row counts checked by hand
    again = discover(freeze_run, "freeze_in_force_at_end")
    assert again.summary()["boxes"] == data["boxes"]
    table = read_table(freeze_run / "replications.csv")
    box = data["boxes"][0]
    inside = np.ones(500, dtype=bool)
    for lim in box["limits"]:
        values = table[lim["input"]]
        inside &= (values >= (lim["low"] if lim["low"] is not None else -np.inf)) & (
            values <= (lim["high"] if lim["high"] is not None else np.inf)
        )
    assert inside.sum() == box["n"]
    assert (table["freeze_in_force_at_end"][inside] == 1).sum() == box["k"]


def test_bad_conditions_and_sources_exit_2_with_located_messages(freeze_run, tmp_path):
    result = cli("discover", freeze_run, "--where", "final_warhead>200", "--out", tmp_path)
    assert result.exit_code == 2
    assert "--where:1:1: 'final_warhead' is not an outcome of a run" in result.output
    assert "did you mean final_warheads" in result.output and "Traceback" not in result.output
    result = cli("discover", freeze_run, "--where", "final_warheads>>200", "--out", tmp_path)
    assert result.exit_code == 2 and "--where:1:16: expected a number after '>'" in result.output
    result = cli("discover", freeze_run, "--where", "final_warheads>1e9", "--out", tmp_path)
    assert result.exit_code == 2 and "none of the 500 histories meets it" in result.output
    result = cli("discover", freeze_run, "--where", "deal_reached", "--box", 999, "-o", tmp_path)
    assert result.exit_code == 2 and "step 999 is not on the trajectory" in result.output
    result = cli("discover", freeze_run, "--where", "deal_reached", "--reps", 100, "-o", tmp_path)
    assert result.exit_code == 2 and "--reps applies only to a scenario run now" in result.output
    result = cli("discover", tmp_path / "nowhere", "--where", "deal_reached")
    assert result.exit_code == 2 and "no such scenario file or result folder" in result.output
    assert not (tmp_path / "discovery").exists()  # nothing written on bad input


def damaged(freeze_run, tmp_path, name: str, text: str | None):
    """A copy of the run's folder with `name` replaced by `text` (None: removed)."""
    folder = tmp_path / "damaged"
    shutil.copytree(freeze_run, folder)
    if text is None:
        (folder / name).unlink()
    else:
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("summary.json", "[]", "summary.json: must be a JSON object holding the run's figures"),
        ("summary.json", "{", "summary.json: cannot read summary.json"),
        ("summary.json", None, "not a result folder: summary.json missing"),
        ("replications.csv", "replication,final_warheads\n0,1\n", "replications.csv: the "
         "table lacks"),
    ],
)  # fmt: skip
def test_a_damaged_result_folder_exits_2_with_a_located_message(
    freeze_run, tmp_path, name, text, words
):
    """summary.json and replications.csv are read through the checked readers of
    `sim.engine.saved`: a damaged folder is refused, naming the file, never a traceback."""
    folder = damaged(freeze_run, tmp_path, name, text)
    result = cli("discover", folder, "--where", "deal_reached", "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output
    assert "1 problem found; nothing was run." in result.output
    assert not (tmp_path / "out").exists()


def test_a_sweep_json_that_is_not_an_object_exits_2_with_a_located_message(tmp_path):
    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / "points.csv").write_text("point,x,status,key,y\n0,1,ok,a,2\n1,2,ok,b,3\n")
    (folder / "sweep.json").write_text("[]")
    result = cli("discover", folder, "--where", "y>2", "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert "sweep.json: must be a JSON object holding the sweep's plan" in result.output
    assert "Traceback" not in result.output


def test_a_table_of_results_takes_its_provenance_from_the_run():
    """The same provenance as the run's summary, without aggregating its figures."""
    results = sim.run(sim.load_scenario(SCENARIOS / "freeze.yaml"), reps=40, seed=3, workers=1)
    info = from_results(results).info
    summary = results.summary()
    sc, prov = summary["scenario"], summary["provenance"]
    assert info == {
        "scenario": sc["name"], "title": sc["title"], "scenario_path": sc["path"],
        "hash": sc["hash"], "seed": prov["seed"], "replications": prov["replications"],
    }  # fmt: skip


def test_a_scenario_run_now_keeps_no_monthly_paths_unless_asked(monkeypatch):
    asked: list[dict] = []

    def run(scenario, **kwargs):
        asked.append(kwargs)
        return run_scenario(scenario, **kwargs)

    monkeypatch.setattr(sources, "run_scenario", run)
    found = discover(SCENARIOS / "freeze.yaml", "deal_reached", reps=60, seed=1, workers=1)
    assert asked[-1]["trajectories"] is False and found.y.size == 60
    discover(SCENARIOS / "freeze.yaml", "deal_reached", reps=60, seed=1, workers=1,
             trajectories=True)  # fmt: skip
    assert asked[-1]["trajectories"] is True


def test_the_api_the_command_and_prim_share_one_set_of_defaults():
    api = inspect.signature(discover).parameters
    assert {k: api[k].default for k in DEFAULTS} == DEFAULTS
    assert DEFAULTS["paste_alpha"] == 0.05  # the API's; prim's own None peels by alpha
    command = {p.name: p.default for p in typer.main.get_command(app).commands["discover"].params}
    for k in ("threshold", "alpha", "paste", "min_mass", "boxes"):
        assert command[k] == DEFAULTS[k], k
    own = inspect.signature(prim).parameters
    renamed = {"paste": "pasting"}
    for k in ("threshold", "alpha", "paste", "min_mass", "boxes", "objective"):
        assert own[renamed.get(k, k)].default == DEFAULTS[k], k
    assert own["paste_alpha"].default is None


def test_box_n_picks_that_step(freeze_run):
    found = discover(freeze_run, "final_warheads>150", box=3, boxes=1)
    assert found.boxes[0].step == 3
    assert found.boxes[0].coverage == found.peelings[0].trajectory[3].coverage


def test_a_results_object_with_a_named_choice_from_python(tmp_path):
    scenario = sim.load_scenario(
        SCENARIOS / "stalled.yaml",
        overrides=["talks.us_demand={choice: [denuclearization_first, freeze_for_relief]}"],
    )
    results = sim.run(scenario, reps=300, seed=5, workers=1)
    found = discover(results, "talks_opened", threshold=0.7)
    assert found.table.unit == "histories" and found.table.kind == "object"
    demand = next(lim for lim in found.boxes[0].limits if lim.name == "talks.us_demand")
    assert demand.values == ("freeze_for_relief",)
    assert "talks.us_demand is freeze_for_relief" in found.sentence()
    assert len(repr(found)) < 400 and repr(found).startswith("<Discovery where 'talks_opened'")
    assert "<table>" in found._repr_html_() and "<script" not in found._repr_html_()
    frame = found.to_pandas()
    assert list(frame.columns[:4]) == ["box", "step", "coverage", "density"]
    assert frame["chosen"].sum() == len(found.boxes)
    json.dumps(found.summary())
    folder = found.save(tmp_path)
    assert folder.parent == tmp_path / "discovery" and (folder / "report.html").is_file()
    again = found.save(tmp_path, charts=False)  # never overwrites; the id follows the folder
    assert again.name == folder.name + "-2"
    assert json.loads((again / "discovery.json").read_text())["id"] == again.name


def test_a_sweep_folder_is_discovered_over_its_design_points(tmp_path):
    result = cli(
        "sweep", SCENARIOS / "freeze.yaml", "--design", "lhs", "--samples", 30,
        "-p", "deal.breakdown_rate=0.05:0.6", "-p", "talks.rounds_per_year=1:5",
        "-n", 40, "-w", 1, "-q", "-o", tmp_path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    folder = next((tmp_path / "sweeps" / "freeze").glob("lhs-*"))
    found = discover(folder, "p_freeze_in_force_at_end>0.4", threshold=0.7)
    assert found.table.unit == "design points" and found.y.size == 30
    assert found.considered == ["deal.breakdown_rate", "talks.rounds_per_year"]
    rate = next(lim for lim in found.boxes[0].limits if lim.name == "deal.breakdown_rate")
    assert rate.high is not None and rate.low is None  # freezes hold where breakdowns are rare
    assert "of design points where deal.breakdown_rate is below" in found.sentence()
    # a bare event or metric name means the per-point probability or mean
    alias = discover(folder, "freeze_in_force_at_end>0.4", threshold=0.7)
    assert alias.condition.name == "p_freeze_in_force_at_end"
    assert alias.summary()["boxes"] == found.summary()["boxes"]
    assert discover(folder, "final_warheads>118").condition.name == "final_warheads.mean"
    result = cli("discover", folder, "--where", "freeze_collapsed", "-o", tmp_path)
    assert result.exit_code == 2 and "e.g. p_freeze_collapsed>" in result.output


def test_overrides_apply_to_a_scenario_object_as_to_a_file():
    """`discover(Scenario, overrides=...)` runs the scenario with them, as for a file."""
    choice = ["talks.us_demand={choice: [denuclearization_first, freeze_for_relief]}"]
    from_file = discover(SCENARIOS / "stalled.yaml", "talks_opened", overrides=choice,
                         reps=200, seed=5, workers=1, boxes=1)  # fmt: skip
    scenario = sim.load_scenario(SCENARIOS / "stalled.yaml")
    from_object = discover(scenario, "talks_opened", overrides=choice, reps=200, seed=5,
                           workers=1, boxes=1)  # fmt: skip
    assert "talks.us_demand" in from_object.table.inputs
    assert from_object.boxes[0].limits == from_file.boxes[0].limits
    assert from_object.boxes[0].coverage == from_file.boxes[0].coverage
