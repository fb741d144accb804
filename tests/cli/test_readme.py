"""The README's commands work as written: every `sim ...` line of its ```sh blocks runs.

Each command is run in-process at a tiny size: replications cut to a few dozen,
one worker, results in a temporary `--out`, placeholders (`results/freeze/<run-id>`)
replaced by folders made earlier in the README's order (or made here when a test
runs alone). Commands that need a cluster (`--scheduler`) or change the user's
shell (`--install-completion`) are left out. Charts are switched off and the
model card (a copy) is written from fewer replications: both are tested
elsewhere, and would triple the time. A command that fails,
or an example whose sweep file or option no longer exists, fails here, so the
README cannot go stale.
"""

from __future__ import annotations

import glob
import re
import shlex
import shutil
from pathlib import Path

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from sim.cli.app import app

README = ROOT / "README.md"
runner = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1"})

#: Replications for each command that runs a scenario (a sweep's are per point; a
#: discovery needs enough histories for some to meet its condition).
TINY = {"sweep": 5, "discover": 400}
REPS = 40
#: Options that say how big a run is, and what they become (--reps and -n: `TINY`).
SIZES = {"--samples": "4", "--max-reps": "1000"}
#: Commands that take --workers, --out and --reps.
RUNS = {"run", "compare", "trace", "sweep", "backtest", "discover"}
WRITES = RUNS - {"trace"}
#: Lines left out, and why.
SKIPPED = {
    "--install-completion": "writes to the user's shell start-up file",
    "--scheduler": "needs a Dask cluster",
}


def sh_commands(text: str) -> list[list[str]]:
    """Every `sim` command of the ```sh blocks, as argument lists (after `sim`), in order."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.replace("<run-id>", "RUN_ID").replace("<id>", "SWEEP_ID")
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            command: list[str] = []
            for token in [*lexer, ";"]:
                if token in (";", "&&"):
                    if command and (command[0] == "sim" or command[0].endswith("/sim")):
                        commands.append(command[1:])
                    command = []
                else:
                    command.append(token)
    return commands


COMMANDS = sh_commands(README.read_text(encoding="utf-8"))


def test_the_readme_has_the_commands_it_is_known_for():
    shown = {" ".join(c[:1]) for c in COMMANDS}
    assert {"run", "compare", "trace", "sweep", "backtest", "discover", "validate"} <= shown
    assert ["sweep", "scenarios/sweeps/production.sweep.yaml", "--dry-run"] in COMMANDS


class Workspace:
    """The results root the README's commands write to, and the folders they made."""

    def __init__(self, out: Path):
        self.out = out

    def latest(self, *parts: str) -> Path | None:
        """The latest folder made there; of runs, one with monthly paths (as compare needs)."""
        folder = self.out.joinpath(*parts)
        made = sorted(p for p in folder.glob("*") if p.is_dir() and p.name != "points")
        whole = [p for p in made if (p / "trajectories.npz").exists()]
        return (whole or made)[-1] if made else None

    def make(self, args: list[str]) -> None:
        invoke([*args, "--workers", "1", "--out", str(self.out)])

    def run_folder(self, scenario: str) -> str:
        if self.latest(scenario) is None:  # this test runs alone: make what the README made
            self.make(["run", f"scenarios/{scenario}.yaml", "--reps", "200", "--seed", "3"])
        found = self.latest(scenario)
        assert found is not None
        return str(found)

    def sweep_folder(self, name: str) -> str:
        if self.latest("sweeps", name) is None:  # no README command makes one: make it
            self.make(
                ["sweep", f"scenarios/{name}.yaml", "--design", "lhs", "--samples", "12",
                 "-p", "deal.breakdown_rate=0.05:0.8", "-n", "20"]
            )  # fmt: skip
        found = self.latest("sweeps", name)
        assert found is not None
        return str(found)


def tiny(args: list[str], space: Workspace) -> list[str] | None:
    """The command at a tiny size, writing into the workspace; None if it cannot run here."""
    if any(flag in args for flag in SKIPPED):
        return None
    command, out = args[0] if args else "", []
    saved = any(a.endswith(("RUN_ID", "SWEEP_ID")) for a in args)  # read, not run
    if ">" in args:  # `sim schema > file`: the test reads the output instead
        args = args[: args.index(">")]
    reps = str(TINY.get(command, REPS))
    for k, arg in enumerate(args):
        previous = args[k - 1] if k else ""
        if previous in ("--reps", "-n"):
            arg = reps
        elif previous in SIZES:
            arg = SIZES[previous]
        elif previous == "--model-card":
            copy = space.out / "MODEL.md"
            shutil.copyfile(ROOT / arg, copy)
            arg = str(copy)
        elif match := re.fullmatch(r"results/sweeps/(\w+)/SWEEP_ID", arg):
            arg = space.sweep_folder(match[1])
        elif match := re.fullmatch(r"results/(\w+)/RUN_ID", arg):
            arg = space.run_folder(match[1])
        elif "*" in arg:
            out += sorted(glob.glob(arg))
            continue
        out.append(arg)
    if command in RUNS and not (saved and command in ("trace", "discover")):
        out += ["--workers", "1"]
        if not {"--reps", "-n"} & set(out) and not saved:
            out += ["--reps", reps]
        if "--precision" in out and "--max-reps" not in out:
            out += ["--max-reps", "1000"]
    if command in WRITES:
        out += ["--out", str(space.out)]
    return out


def invoke(args: list[str]):
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, f"sim {' '.join(args)}\n{result.output}"
    return result


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    return Workspace(tmp_path_factory.mktemp("readme"))


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    """From the repository root, as the README says; charts off (tested elsewhere)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(
        "sim.report.html.images_later", lambda *_a, **_k: lambda: ({}, "charts off in tests")
    )
    monkeypatch.setattr("sim.report.sweep.make_plots", lambda *_a, **_k: None)
    monkeypatch.setattr("sim.report.discovery.make_charts", lambda *_a, **_k: {})
    monkeypatch.setattr("sim.report.model_card.DRIVER_REPS", 200)  # the card is a copy


@pytest.mark.parametrize("args", COMMANDS, ids=lambda c: " ".join(c)[:70])
def test_every_readme_command_runs(args, space):
    command = tiny(args, space)
    if command is None:
        pytest.skip(next(why for flag, why in SKIPPED.items() if flag in args))
    invoke(command)


def test_the_readme_trace_sample_is_what_the_command_prints(space):
    text = README.read_text(encoding="utf-8")
    match = re.search(r"Some lines of\s+`sim (trace [^`]+)`:\s+```\n(.*?)```", text, re.S)
    assert match, "the README's sample of sim trace"
    printed = invoke(shlex.split(match[1])).output.splitlines()
    sample = match[2].strip().splitlines()
    assert len(sample) >= 3
    for line in sample:
        assert line in printed, f"not printed by `sim {match[1]}`: {line}"
