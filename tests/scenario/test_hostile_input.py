"""Hostile input: whatever a user or an attacker writes, a located refusal or a run.

Property-based tests (hypothesis) mutate the shipped scenarios (random keys,
values of the wrong type, huge, infinite and NaN numbers, impossible dates,
control characters, deep nesting, anchors and aliases, random bytes), and
generate `--set` options, `-p` SPECs and sweep files. Every outcome must be a
`ScenarioError` whose problems name the file (with a line) or the option, and
print no control character; or a scenario that loads and runs. Anything else
(another exception, a traceback at the command line) fails the test. A sample
goes through the command line in a subprocess with a timeout, in a folder where
nothing but `--out` may change.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import SCENARIOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.errors import ScenarioError
from sim.scenario.schema import leaves
from sim.scenario.yamlfile import control_character
from sim.sweeps.files import build_spec
from sim.sweeps.plan import plan_sweep

ROOT = SCENARIOS.parent
FAST = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Problems about a whole file, which has no line to point at.
FILE_LEVEL = (
    "the file is empty",
    "not a scenario file",
    "not a facts file",
    "file not found",
    "cannot read",
    "the file is larger",
    "nothing to sweep",
)
OPTIONS = ("--set", "--param", "--name", "--metric", "--design")


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """A copy of the shipped scenarios and facts, where cases are written."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(ROOT / "scenarios", root / "scenarios")
    shutil.copytree(ROOT / "seeds", root / "seeds")
    return root / "scenarios"


def outcome(call):
    """The result of `call`, or the ScenarioError it raised (any other exception fails)."""
    try:
        return call()
    except ScenarioError as exc:
        return exc


def assert_located(exc: ScenarioError, root: Path) -> None:
    """Every problem names an option, or a file under `root` with a line (unless it is
    about the whole file); nothing in a message could drive a terminal."""
    assert exc.problems
    for p in exc.problems:
        text = str(p)
        assert control_character(text) is None, repr(text)
        assert len(text) < 2000
        assert p.file, text
        if p.file.startswith(OPTIONS):
            continue
        assert Path(p.file).resolve().is_relative_to(root.parent.resolve()), text
        if not p.message.startswith(FILE_LEVEL):
            assert p.line is not None, text


# --------------------------------------------------------------------------- strategies

NUMBERS = st.one_of(
    st.floats(),
    st.integers(-(10**60), 10**60),
    st.sampled_from([1e308, -1e308, 1e300, 1e9 + 1, 5e-324, 1000.5, 100_001, -0.0]),
)
DATES = st.sampled_from(
    ["2026-02-30", "2026-13", "2026-00", "0000-01", "9999-12", "2026-1", "2026-04-15", "1e308"]
)
KEYS = st.sampled_from(
    [
        *("value", "uniform", "triangular", "normal", "lognormal", "beta", "choice"),
        *("source", "note", "low", "high", "mean", "sd", "median", "sigma", "a", "b"),
        *("values", "weights", "extends", "name", "title", "at", "when", "set", "<<"),
    ]
)
TEXT = st.text(max_size=12)  # any code point but surrogates: control characters too
SCALARS = st.one_of(NUMBERS, TEXT, DATES, st.booleans(), st.none())
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS | TEXT, inner, max_size=3),
    max_leaves=10,
)


def nested(depth: int):
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


HOSTILE_VALUES = VALUES | st.integers(60, 300).map(nested)


def key_paths(node, prefix=()):
    """Every key path of a mapping (list items by index)."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, dict | list):
            yield from key_paths(value, (*prefix, key))


def mutate(data, path: tuple, op: str, value, key) -> object:
    """`data` with the value at `path` replaced, deleted, or given an extra key."""
    data = copy.deepcopy(data)
    node = data
    for k in path[:-1]:
        node = node[k]
    last = path[-1]
    if op == "set":
        node[last] = value
    elif op == "delete":
        del node[last]
    elif isinstance(node[last], dict):
        node[last][key] = value
    else:
        node[last] = {key: value}
    return data


SWEEP = {
    "scenario": "stalled.yaml",
    "name": "production",
    "design": "grid",
    "reps": 20,
    "seed": 7,
    "set": {"horizon_years": 10},
    "product": {"arsenal.production_rate": [6, 12, 18], "arsenal.growth": "0:0.1:3"},
    "zip": [{"arsenal.initial_material": [60, 90], "arsenal.initial_warheads": [35, 50]}],
    "metrics": ["final_material", "final_warheads"],
}
#: The shipped scenarios, and a sweep file (as "sweep"), as data to mutate.
BASES = {p.name: yaml.safe_load(p.read_text()) for p in sorted(SCENARIOS.glob("*.yaml"))}
BASES["sweep"] = SWEEP
PATHS = [(name, path) for name, data in BASES.items() for path in key_paths(data)]
TEXTS = {p.name: p.read_bytes() for p in sorted(SCENARIOS.glob("*.yaml"))}
SNIPPETS = st.sampled_from(
    [
        b"&a ",
        b"*a",
        b"*nowhere",
        b"<<: *a\n",
        b"&x [*x]",
        b"!!python/object/apply:os.system ['true']",
        b"!custom ",
        b"\x00",
        b"\t",
        b"\x1b[31m",
        b"[" * 200,
        b"{" * 80,
        b"? [a]: b\n",
        b"- ",
        b": ",
        b'"\\e[2J"',
        b'"\\u202e"',
        b"\nextends: /etc/passwd\n",
        b"\nextends: nowhere.yaml\n",
        b"\nstart: 2026-02-30\n",
        b".inf",
        b".nan",
        b"1e308",
        b"9" * 5000,
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"'",
        b'"',
    ]
) | st.binary(max_size=16)


# --------------------------------------------------------------------------- properties


@FAST
@given(
    target=st.sampled_from(PATHS),
    op=st.sampled_from(["set", "delete", "add"]),
    value=HOSTILE_VALUES,
    key=KEYS | TEXT,
)
def test_mutated_files_load_or_are_refused_with_a_location(work, target, op, value, key):
    name, path = target
    case = work / ("case.sweep.yaml" if name == "sweep" else "case.yaml")
    case.write_text(yaml.safe_dump(mutate(BASES[name], path, op, value, key)))
    load = (lambda: plan_sweep(build_spec(case))) if name == "sweep" else None
    result = outcome(load or (lambda: sim.load_scenario(case)))
    if isinstance(result, ScenarioError):
        assert_located(result, work)
    elif load is None:
        assert control_character(yaml.safe_dump(result.resolved, allow_unicode=True)) is None


@FAST
@given(
    base=st.sampled_from(sorted(TEXTS)),
    edits=st.lists(st.tuples(st.floats(0, 1), SNIPPETS), min_size=1, max_size=4),
)
def test_damaged_scenario_text_loads_or_is_refused_with_a_location(work, base, edits):
    data = TEXTS[base]
    for where, snippet in sorted(edits, reverse=True):
        at = int(where * len(data))
        data = data[:at] + snippet + data[at:]
    case = work / "case.yaml"
    case.write_bytes(data)
    result = outcome(lambda: sim.load_scenario(case))
    if isinstance(result, ScenarioError):
        assert_located(result, work)


SET_PATHS = st.sampled_from(
    [
        *leaves(sim.load_scenario(SCENARIOS / "freeze.yaml")),
        *("start", "name", "title", "facts", "horizon_years", "extends", "run.seed", "arsenal"),
        *("calendar.us_offer.at", "nope.x", "", "a..b", "." * 40),
    ]
) | st.text(max_size=20)
SET_VALUES = st.sampled_from(
    [
        *("", ".inf", ".nan", "-.inf", "1e308", "1e-400", "2026-02-30", "2099-01", "[", "{a: 1}"),
        *("&a [*a]", "!!python/object:os.system ls", '"\\e[31m"', '"a\\0b"', "..", "x" * 5000),
        *("{uniform: [0, .inf]}", "{beta: [.inf, 2]}", "{uniform: [0, 1e300]}", "{normal: [0, 1]}"),
        *("{lognormal: [1e8, 10]}", "{choice: []}", "[" * 100 + "]" * 100, "/etc/passwd"),
    ]
) | st.text(max_size=20)


@FAST
@given(path=SET_PATHS, value=SET_VALUES)
def test_set_options_apply_or_are_refused_naming_the_option(work, path, value):
    result = outcome(lambda: sim.load_scenario(work / "freeze.yaml", overrides=[f"{path}={value}"]))
    if isinstance(result, ScenarioError):
        assert_located(result, work)
    else:
        again = work / "resolved.yaml"  # what ran is what the resolved data says
        again.write_text(yaml.safe_dump(result.resolved, allow_unicode=True))
        assert sim.load_scenario(again).content_hash() == result.content_hash()


SPECS = st.sampled_from(
    [
        *("0:1e300", "inf,1", "nan", "1:2:1e9", "1:2:99999999999", "triangular(1,2)", "6,12,18"),
        *("beta(inf,2)", "normal(0,1e300)", "{uniform: [0, .inf]}", "{lognormal: [1e8, 5]}"),
        *("scenario", "&a [*a]", "", ",", ":", "1:2:3:4", "uniform(", "((((", "0:0.1:3"),
        *("2026-02-30", "1e308,1", "{a: 1}", "[1, 2]", '"\\e]0;x\\a"', "0.1:0.9"),
    ]
) | st.text(max_size=16)
SWEPT = st.sampled_from(
    [
        *("arsenal.production_rate", "talks.initial_trust", "arsenal.growth", "talks.us_demand"),
        *("calendar.us_offer.probability", "start", "nope.x", "deal.relief"),
    ]
)


@FAST
@given(path=SWEPT, spec=SPECS, design=st.sampled_from(["grid", "lhs"]))
def test_param_specs_plan_or_are_refused_naming_the_option(work, path, spec, design):
    result = outcome(
        lambda: plan_sweep(
            build_spec(work / "freeze.yaml", [f"{path}={spec}"], design=design, samples=6)
        )
    )
    if isinstance(result, ScenarioError):
        assert_located(result, work)
        assert not any(p.file.startswith("--set") for p in result.problems)


@settings(FAST, max_examples=12)
@given(
    target=st.sampled_from(
        [(n, p) for n, p in PATHS if n != "sweep" and p[0] in ("arsenal", "talks", "deal")]
    ),
    value=NUMBERS | st.fixed_dictionaries({"uniform": st.tuples(NUMBERS, NUMBERS)}),
)
def test_scenarios_with_extreme_numbers_run_or_are_refused(work, target, value):
    name, path = target
    case = work / "case.yaml"
    case.write_text(yaml.safe_dump(mutate(BASES[name], path, "set", value, None)))
    result = outcome(lambda: sim.load_scenario(case))
    if isinstance(result, ScenarioError):
        assert_located(result, work)
        return
    summary = sim.run(result, reps=2, seed=1, workers=1).summary()
    assert all(m["mean"] is None or abs(m["mean"]) < 1e300 for m in summary["metrics"].values())


# --------------------------------------------------------------------------- the command line

BOMB = b"""\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*")}


def sim_cli(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    """`sim ARGS` in a fresh process, from `tmp/cwd`, within a generous time limit."""
    cwd = tmp / "cwd"
    cwd.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "120", "NO_COLOR": "1"},
    )


def test_the_command_line_refuses_hostile_files_with_exit_2_and_writes_nothing(tmp_path):
    src = tmp_path / "in"
    shutil.copytree(ROOT / "scenarios", src)
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    (src / "bomb.yaml").write_bytes(BOMB)
    (src / "bomb.sweep.yaml").write_bytes(BOMB + b"scenario: stalled.yaml\n")
    (src / "nul.yaml").write_bytes(b"extends: stalled.yaml\ntitle: a\x00b\n")
    (src / "esc.yaml").write_text('extends: stalled.yaml\ntitle: "\\e[2Jgone"\n')
    (src / "date.yaml").write_text("extends: stalled.yaml\nstart: 2026-02-30\n")
    (src / "dots.yaml").write_text("extends: stalled.yaml\nname: ..\n")
    os.mkfifo(src / "fifo.yaml")
    (tmp_path / "cwd").mkdir()
    before = snapshot(tmp_path)
    out = str(tmp_path / "out")
    cases = [
        ("validate", "bomb.yaml", "bomb.yaml:6:"),
        ("run", "bomb.yaml", "bomb.yaml:6:"),
        ("sweep", "bomb.sweep.yaml", "bomb.sweep.yaml:6:"),
        ("validate", "nul.yaml", "nul.yaml:2:9"),
        ("run", "esc.yaml", "esc.yaml:2:8: title: contains the control character U+001B"),
        ("run", "date.yaml", "date.yaml:2:1: start: day 30 does not exist in 2026-02"),
        ("run", "dots.yaml", "dots.yaml:2:1: name: '..' is not a safe folder name"),
        ("validate", "fifo.yaml", "it is not a regular file"),
    ]
    for command, name, expected in cases:
        extra = ["-o", out] if command in ("run", "sweep") else []
        result = sim_cli(tmp_path, command, str(src / name), *extra)
        output = result.stdout + result.stderr
        assert result.returncode == 2, output
        assert expected in output and "Traceback" not in output
        assert "\x1b" not in output and "\x00" not in output
    bomb_set = "title=[&a [1,1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], " + ", ".join(
        f"&{c} [" + ",".join([f"*{p}"] * 10) + "]" for p, c in zip("bcde", "cdef", strict=True)
    )
    result = sim_cli(tmp_path, "validate", str(src / "stalled.yaml"), "--set", bomb_set + "]")
    assert result.returncode == 2 and "--set title=" in result.stderr
    assert "aliases expand this to more than" in result.stderr
    assert snapshot(tmp_path) == before  # nothing written anywhere, not even --out


def test_a_plausible_but_extreme_scenario_runs_from_the_command_line(tmp_path):
    shutil.copytree(ROOT / "scenarios", tmp_path / "in")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    extreme = [
        "arsenal.growth=1",
        "arsenal.production_rate=100000",
        "talks.rounds_per_year=1000",
        "provocations.launches_per_year.confrontation=1000",
        "deal.breakdown_rate={lognormal: [1000, 2]}",
        "horizon_years=50",
    ]
    sets = [a for s in extreme for a in ("--set", s)]
    out = tmp_path / "out"
    result = sim_cli(
        tmp_path,
        "run",
        str(tmp_path / "in" / "freeze.yaml"),
        "-n",
        "2",
        "-q",
        "-w",
        "1",
        "-o",
        str(out),
        *sets,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert [p.name for p in out.iterdir()] == ["freeze"]
    assert not any((tmp_path / "cwd").iterdir())


# --------------------------------------------------------------------------- sweeps, plainly


def sweep_problem(work: Path, text: str | None = None, params=(), **options):
    source = work / "stalled.yaml"
    if text is not None:
        source = work / "plain.sweep.yaml"
        source.write_text(text)
    with pytest.raises(ScenarioError) as err:
        plan_sweep(build_spec(source, list(params), **options))
    return err.value.problems[0]


def test_a_sweep_files_set_is_located_in_the_sweep_file(work):
    text = "scenario: stalled.yaml\nset:\n  start: 2026-02-30\nproduct:\n  deal.relief: [0, 1]\n"
    p = sweep_problem(work, text)
    assert (Path(p.file).name, p.line) == ("plain.sweep.yaml", 3)
    assert "day 30 does not exist in 2026-02" in p.message


def test_param_problems_name_param_not_set(work):
    p = sweep_problem(work, params=["talks.initial_trust=0.5,1.5"])
    assert p.file == "--param" and "at point 1 (talks.initial_trust=1.5)" in p.message
    p = sweep_problem(work, params=["arsenal.production_rate=6,inf"])
    assert p.file == "--param" and "expected a number or a distribution, got 'inf'" in p.message
    p = sweep_problem(work, params=["arsenal.production_rate=0:1e300"], design="lhs")
    assert p.file == "--param" and "1e+300 is beyond any plausible value" in p.message
    p = sweep_problem(work, params=["arsenal.production_rate=0:1:1000000000"])
    assert "1,000,000,000 values; at most 10,000" in p.message


def test_a_sweep_file_point_is_located_at_its_line(work):
    text = "scenario: stalled.yaml\nproduct:\n  talks.initial_trust: [0.5, 1.5]\n"
    p = sweep_problem(work, text)
    assert (Path(p.file).name, p.line) == ("plain.sweep.yaml", 3)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("name: ..\n", 2, "'..' is not a safe folder name"),
        ("name: .hidden\n", 2, "'.hidden' is not a safe folder name"),
        ("reps: 1000000000000\n", 2, "less than or equal to 1000000000"),
    ],
)
def test_sweep_file_settings_are_bounded(work, text, line, message):
    full = "scenario: stalled.yaml\n" + text + "product:\n  deal.relief: [0, 1]\n"
    p = sweep_problem(work, full)
    assert p.line == line and message in p.message


def test_a_sweep_file_names_a_yaml_scenario_and_a_safe_name(work):
    p = sweep_problem(work, "scenario: /etc/passwd\nproduct:\n  deal.relief: [0, 1]\n")
    assert p.line == 1 and "must be a .yaml or .yml file" in p.message
    p = sweep_problem(work, params=["deal.relief=0,1"], name="../../x")
    assert p.file == "--name" and "not a safe folder name" in p.message
