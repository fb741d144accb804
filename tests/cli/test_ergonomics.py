"""What a newcomer meets on the command line: help without `<bool>`, shell completion,
tables printed whole, distinct labels, overrides told apart, a confidence level, a run's
name, and cautions about figures that rest on a handful of replications."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from conftest import SCENARIOS
from typer.testing import CliRunner

from sim.cli.app import app
from sim.engine.folders import overrides_mark
from sim.engine.intervals import t_quantile
from sim.engine.summary import COUNTS
from sim.plan.outcomes import EVENT_DESCRIPTIONS, METRIC_DESCRIPTIONS, describe

FREEZE, STALLED = SCENARIOS / "freeze.yaml", SCENARIOS / "stalled.yaml"
COMMANDS = (
    "run",
    "validate",
    "show",
    "schema",
    "compare",
    "trace",
    "sweep",
    "backtest",
    "discover",
)
SETS = ("deal.relief=0.3", "talks.rounds_per_year=4")
#: A -0 written alone (not -0.5, not -03).
MINUS_ZERO = re.compile(r"(?<![\w.])-0(?![\w.])")


def invoke(*args, columns: int = 40, **env):
    """`sim ARGS` on a narrow terminal width (40 columns), output not a terminal."""
    runner = CliRunner(env={"COLUMNS": str(columns), "NO_COLOR": "1", **env})
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def folder_of(output: str, prefix: str) -> Path:
    line = next(x for x in output.splitlines() if x.startswith(prefix))
    return Path(line.removeprefix(prefix).strip())


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A small run and a comparison, both with overrides, printed on a narrow width."""
    out = tmp_path_factory.mktemp("out")
    sets = [a for s in SETS for a in ("--set", s)]
    run = invoke("run", FREEZE, "-n", 50, "-s", 4, "-w", 1, "-o", out, *sets)
    assert run.exit_code == 0, run.output
    compare = invoke(
        "compare", STALLED, FREEZE, "-n", 30, "-w", 1, "-o", out,
        "--set", SETS[0], "--confidence", 0.9,
    )  # fmt: skip
    assert compare.exit_code == 0, compare.output
    return {
        "out": out,
        "run": run.output,
        "run_folder": folder_of(run.output, "Results: "),
        "compare": compare.output,
        "compare_folder": folder_of(compare.output, "Comparison: "),
    }


# --------------------------------------------------------------------------- help


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_shows_no_value_placeholder_after_a_flag(command):
    result = invoke(*filter(None, [command]), "--help", columns=200)
    assert result.exit_code == 0
    assert "<bool>" not in result.output
    assert "see below" not in result.output  # every default is said where it is asked for
    assert re.search(r"--help\s+-h\s+Show this message", result.output)


def test_flags_stand_alone_and_options_keep_their_value_placeholder():
    text = invoke("run", "--help", columns=200).output
    assert re.search(r"--no-trajectories\s+Keep nothing", text)
    assert re.search(r"--reps\s+-n\s+<int range>", text)
    assert re.search(r"--name\s+<str>", text)


def test_shell_completion_is_offered_and_prints_a_script(monkeypatch):
    text = invoke("--help", columns=200).output
    assert "--install-completion" in text and "--show-completion" in text
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")  # name the shell
    result = invoke("--show-completion", "bash")
    assert result.exit_code == 0
    assert "_SIM_COMPLETE" in result.output and "complete " in result.output


# --------------------------------------------------------------------------- tables


def test_tables_are_printed_whole_when_output_is_not_a_terminal(made):
    for name in ("run", "compare"):
        assert "…" not in made[name], name
    assert "fissile material at the horizon (weapons-equivalent, incl. warheads)" in made["run"]
    row = next(x for x in made["compare"].splitlines() if "final_sanctions_pressure" in x)
    assert re.search(r"final_sanctions_pressure\s+\S+ ± \S+\s+\S+ ± \S+\s+\S+ \[\S+, \S+\]", row)


def test_in_a_narrow_terminal_cells_wrap_rather_than_being_cut(tmp_path):
    result = invoke(
        "compare", STALLED, FREEZE, "-n", 20, "-w", 1, "-o", tmp_path, TTY_COMPATIBLE="1"
    )
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    shown = re.sub(r"\x1b\[[0-9;]*m", "", result.output).splitlines()  # styles, not colours
    tables = [x for x in shown if not x.startswith(("caution: ", "Comparison: "))]
    assert max(len(line) for line in tables) <= 40  # the terminal's width, and nothing cut
    assert any(re.match(r"\s+final_warheads\s+\d", line) for line in tables)


# --------------------------------------------------------------------------- labels


def test_every_figure_has_its_own_label_and_cheating_detected_two():
    labels = [*METRIC_DESCRIPTIONS.values(), *EVENT_DESCRIPTIONS.values()]
    assert len(set(labels)) == len(labels)
    count, event = describe("cheating_detected"), describe("cheating_detected", event=True)
    assert count == "deals under which inspectors detected cheating"
    assert event == "inspectors detect cheating under a deal"
    assert describe("deal_reached") == describe("deal_reached", True) == "a deal is reached"
    assert describe("no_such_figure") == "no_such_figure"


def test_reports_label_the_count_and_the_event_apart(made):
    md = (made["run_folder"] / "report.md").read_text()
    page = (made["run_folder"] / "report.html").read_text()
    for text in (md, page):
        assert "detections of cheating" not in text
        assert "deals under which inspectors detected cheating" in text
        assert "inspectors detect cheating under a deal" in text
    compared = (made["compare_folder"] / "report.md").read_text()
    assert "`cheating_detected` deals under which inspectors detected cheating" in compared
    assert "`cheating_detected` inspectors detect cheating under a deal" in compared
    assert "P(cheating_detected)" in made["compare"]


# --------------------------------------------------------------------------- overrides


def test_a_run_records_its_overrides_everywhere_and_in_its_folder_name(made):
    folder = made["run_folder"]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["provenance"]["overrides"] == list(SETS)
    given = "--set deal.relief=0.3 --set talks.rounds_per_year=4"
    assert given in made["run"].splitlines()[0]  # the table's title
    assert f"Overridden: `{given}`" in (folder / "report.md").read_text()
    assert html.escape(given) in (folder / "report.html").read_text()
    assert folder.name.endswith(f"-seed4-n50{overrides_mark(list(SETS))}")
    assert re.fullmatch(r"-set[0-9a-f]{4}", overrides_mark(list(SETS)))


def test_different_overrides_give_different_folder_marks():
    assert overrides_mark([]) == overrides_mark() == ""
    marks = {overrides_mark([f"deal.relief={x}"]) for x in (0.1, 0.2, 0.3, 0.4)}
    assert len(marks) == 4
    assert overrides_mark(["a=1", "b=2"]) != overrides_mark(["b=2", "a=1"])  # order applied


def test_a_run_without_overrides_has_no_mark_and_records_none(tmp_path):
    result = invoke("run", STALLED, "-n", 20, "-w", 1, "-q", "-o", tmp_path)
    folder = folder_of(result.output, "Results: ")
    assert re.fullmatch(r"\d{8}-\d{6}-seed\d+-n20", folder.name)
    assert json.loads((folder / "summary.json").read_text())["provenance"]["overrides"] == []
    assert "Overridden" not in (folder / "report.md").read_text()


def test_compare_applies_set_to_every_scenario_file_and_says_so(made):
    folder = made["compare_folder"]
    data = json.loads((folder / "comparison.json").read_text())
    assert [sc["overrides"] for sc in data["scenarios"].values()] == [[SETS[0]], [SETS[0]]]
    assert folder.name.endswith(overrides_mark([SETS[0]], [SETS[0]]))
    assert "stalled: --set deal.relief=0.3" in made["compare"]
    assert "replications; `--set deal.relief=0.3`)" in (folder / "report.md").read_text()
    freeze = data["scenarios"]["freeze"]
    assert freeze["vs_baseline"]["parameters"] == [  # the same override on both sides
        p for p in freeze["vs_baseline"]["parameters"] if not p["path"].startswith("deal.relief")
    ]


def test_compare_refuses_set_it_cannot_apply(made, tmp_path):
    run = made["run_folder"]
    result = invoke("compare", run, run, "--set", SETS[0], "-o", tmp_path)
    assert result.exit_code == 2
    assert "error: --set: applies to scenario files" in result.output
    result = invoke("compare", STALLED, FREEZE, "--set", "talks.rounds_per_yaer=4", "-o", tmp_path)
    assert result.exit_code == 2 and "rounds_per_yaer" in result.output
    assert "did you mean 'rounds_per_year'?" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "compare").exists()


# --------------------------------------------------------------------------- confidence


def test_compare_confidence_sets_every_interval_and_says_its_level(made):
    folder = made["compare_folder"]
    data = json.loads((folder / "comparison.json").read_text())
    assert data["confidence"] == 0.9
    vs = data["scenarios"]["freeze"]["vs_baseline"]
    rows = [*vs["metrics"].values(), *vs["probabilities"].values(), *vs["averted"]["warheads"]]
    assert all("ci" in row and "ci95" not in row for row in rows)
    fw = vs["metrics"]["final_warheads"]
    half = t_quantile(0.95, fw["df"]) * fw["se"]
    assert fw["ci"] == pytest.approx([fw["diff"] - half, fw["diff"] + half], rel=1e-12)
    assert "mean [90% CI]" in made["compare"] and "difference [90% CI]" in made["compare"]
    assert "difference [90% CI]" in (folder / "report.md").read_text()
    assert "with 90% confidence intervals" in (folder / "report.html").read_text()


def test_a_confidence_outside_its_range_is_refused(tmp_path):
    result = invoke("compare", STALLED, FREEZE, "--confidence", 1.2, "-o", tmp_path)
    assert result.exit_code == 2 and "--confidence" in result.output


# --------------------------------------------------------------------------- names


def test_run_name_names_the_result_folder(tmp_path):
    result = invoke("run", FREEZE, "-n", 20, "-w", 1, "-q", "-o", tmp_path, "--name", "fr-0.3")
    assert result.exit_code == 0, result.output
    assert folder_of(result.output, "Results: ").parent == tmp_path / "fr-0.3"
    for bad in ("../up", "a/b", ".hidden", "-dash", "x" * 101):
        result = invoke("run", FREEZE, "-n", 20, "-w", 1, "-o", tmp_path, "--name", bad)
        assert result.exit_code == 2, bad
        assert "error: --name: " in result.output and "not a safe folder name" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["fr-0.3"]


# --------------------------------------------------------------------------- cautions


def test_a_small_run_says_which_figures_rest_on_a_handful(made):
    cautions = [x for x in made["run"].splitlines() if x.startswith("caution: ")]
    assert cautions[0].startswith("caution: A small run: with 50 replications")
    assert any(re.search(r"rests? on \d of 50 replications", x) for x in cautions[1:])
    md = (made["run_folder"] / "report.md").read_text()
    assert "## Cautions" in md and "- A small run: with 50 replications" in md
    assert "<h2>Cautions</h2>" in (made["run_folder"] / "report.html").read_text()


# --------------------------------------------------------------------------- counts


def test_counts_read_as_whole_numbers_and_nothing_reads_minus_zero(made):
    md = (made["run_folder"] / "report.md").read_text()
    rows = [x for x in md.splitlines() if x.startswith("| `")]
    for name in COUNTS:
        row = next(x for x in rows if x.startswith(f"| `{name}`"))
        p5, p25, median, p75, p95 = [c.strip() for c in row.split("|")[4:9]]
        for cell in (p5, p25, median.split(" [")[0], p75, p95):
            assert re.fullmatch(r"\d[\d,]*|–", cell), (name, cell)
    compared = (made["compare_folder"] / "report.md").read_text()
    for text in (made["run"], md, made["compare"], compared):
        assert not MINUS_ZERO.search(text), MINUS_ZERO.search(text)
