"""Faults and hostile places: nothing lost, nothing corrupted, nothing written outside --out.

Exact CSV round trips with hostile names; runs racing into one folder; SIGTERM;
a full disk (a small tmpfs, when this machine lets the test mount one); --out
that is read-only, a file or /proc; names and links that lead outside --out;
debris of killed runs; and damaged result folders given to compare and trace,
which must exit 2 with a located message, never a traceback.
"""

import copy
import csv
import errno
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import NEUTRAL, SCENARIOS, set_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import sim
from sim.analysis import compare as C
from sim.cli.app import app
from sim.engine import folders
from sim.errors import ScenarioError
from sim.report import html

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})
STALLED = SCENARIOS / "stalled.yaml"
HOST = folders.owner_tag("").split("_")[1]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def assert_clean_exit(result, codes=(0, 2)):
    """An expected exit code, and a message rather than a traceback."""
    assert result.exit_code in codes, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert "error: " in result.output


@pytest.fixture
def no_charts(monkeypatch):
    """Reports without charts: these tests read tables, and drawing takes a second a run."""
    monkeypatch.setattr(html, "images_later", lambda *a, **k: lambda: ({}, html.CHARTS_OFF))
    monkeypatch.setattr("sim.report.sweep.make_plots", lambda *a: None)


# --------------------------------------------------------------------------- exact tables

#: Names that reach table columns are keys too (engagement, vetoes), and keys may hold no
#: control character (the loader refuses them), so hostile names here are commas and quotes;
#: newlines and carriage returns in cells are tested on the writer directly (test_results).
ODD = st.text(st.sampled_from("ab ,\"'x;"), min_size=1, max_size=8).filter(str.strip)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(ODD, min_size=3, max_size=3, unique=True))
def test_tables_round_trip_names_with_commas_quotes_and_newlines(tmp_path, no_charts, names):
    """Labels of choices and keys in column names survive; compare with itself gives 0."""
    admin, successor, member = names
    data = copy.deepcopy(NEUTRAL)
    data["name"] = "odd"
    set_path(data, "talks.administration", {"choice": [admin, successor]})
    set_path(data, "talks.engagement", {admin: {"uniform": [0.5, 2]}, successor: 1.0})
    set_path(data, "talks.open_rate.denuclearization_first", 1.0)
    set_path(data, "council.vetoes", {member: {"uniform": [0, 1]}})
    with tempfile.TemporaryDirectory(dir=tmp_path) as work:
        path = Path(work, "odd.yaml")
        path.write_text(yaml.safe_dump(data))
        results = sim.run(sim.load_scenario(path), reps=25, seed=4, workers=1)
        folder = results.save(Path(work, "out"), charts=False)
        with (folder / "replications.csv").open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert [r["talks.administration"] for r in rows] == list(
            results.sampled["talks.administration"]
        )
        column = f"council.vetoes.{member}"
        assert [float(r[column]) for r in rows] == list(results.sampled[column])
        assert [float(r["final_warheads"]) for r in rows] == list(results.scalars["final_warheads"])
        runs = C.gather([folder, path], workers=1)
        vs = C.compare(runs)["scenarios"]["odd (2)"]["vs_baseline"]
        rows_ = [*vs["metrics"].values(), *vs["probabilities"].values()]
        rows_ += vs["averted"]["warheads"] + vs["averted"]["material"]
        assert all(r["diff"] in (0.0, None) for r in rows_)


def test_sweep_points_table_keeps_labels_with_commas(tmp_path, no_charts):
    labels = ['trump, second "term"', "successor, 'new'"]
    scenario = tmp_path / "s.yaml"
    data = copy.deepcopy(NEUTRAL)
    set_path(data, "talks.engagement", {labels[0]: 1.5, labels[1]: 1.0})
    set_path(data, "talks.administration", labels[1])
    scenario.write_text(yaml.safe_dump(data))
    plan = {"scenario": "s.yaml", "reps": 5, "product": {"talks.administration": labels}}
    (tmp_path / "l.sweep.yaml").write_text(yaml.safe_dump(plan))
    result = invoke("sweep", tmp_path / "l.sweep.yaml", "-w", 1, "-q", "-o", tmp_path / "out")
    assert_clean_exit(result, codes=(0,))
    folder = Path(result.output.strip().splitlines()[-1].removeprefix("Results: "))
    with (folder / "points.csv").open(newline="", encoding="utf-8") as f:
        assert [r["talks.administration"] for r in csv.DictReader(f)] == labels


# --------------------------------------------------------------------------- racing and signals


def _publish_after(barrier, out: str, i: int) -> None:
    with folders.atomic_folder(Path(out), "s", "same") as pending:
        (pending.tmp / "who").write_text(str(i))
        barrier.wait(timeout=20)  # everyone renames at once


def test_folders_racing_for_one_name_all_survive(tmp_path):
    context = multiprocessing.get_context("fork")
    for trial in range(4):
        out = tmp_path / str(trial)
        barrier = context.Barrier(4)
        procs = [
            context.Process(target=_publish_after, args=(barrier, str(out), i)) for i in range(4)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=30)
        assert [p.exitcode for p in procs] == [0] * 4
        written = sorted((out / "s").iterdir())
        assert [p.name for p in written] == ["same", "same-2", "same-3", "same-4"]
        assert sorted((p / "who").read_text() for p in written) == ["0", "1", "2", "3"]


def test_two_runs_started_together_into_one_folder_both_keep_their_results(tmp_path):
    cmd = [sys.executable, "-m", "sim", "run", str(STALLED), "-n", "40", "-s", "3", "-w", "1"]
    cmd += ["-q", "-o", str(tmp_path)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    folders_ = {Path(out.strip().removeprefix("Results: ")) for out, _ in outputs}
    assert len(folders_) == 2
    for folder in folders_:
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["provenance"]["replications"] == 40
        assert f"run {folder.name}." in (folder / "report.md").read_text()
    assert not [p for p in tmp_path.rglob(".*")]


def test_sigterm_stops_like_ctrl_c_and_leaves_no_debris(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    (tmp_path / f".sim-spool-{dead}_{HOST}_old").mkdir()  # a killed run's spool
    (tmp_path / "stalled").mkdir()
    (tmp_path / "stalled" / f".tmp-{dead}_{HOST}_x.1234").mkdir()  # and its half-written folder
    cmd = [sys.executable, "-m", "sim", "run", str(SCENARIOS / "freeze.yaml"), "-n", "300000"]
    cmd += ["-w", "2", "--no-trajectories", "-o", str(tmp_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(f".sim-spool-{proc.pid}_*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # the workers are busy
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, (out, err)
    assert "Interrupted" in err and "Traceback" not in err and "BrokenPipe" not in err
    assert [p.name for p in tmp_path.rglob("*")] == ["stalled"]  # debris of both runs gone


def test_only_debris_of_dead_processes_on_this_host_is_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    points = tmp_path / "sweeps" / "x" / "points"
    points.mkdir(parents=True)
    gone = [tmp_path / f".sim-spool-{dead}_{HOST}_a", points / f".tmp-{dead}_{HOST}_b.part"]
    kept = [
        tmp_path / f".sim-spool-{os.getpid()}_{HOST}_a",  # alive
        tmp_path / f".sim-spool-{dead}_elsewhere_a",  # another machine's, on a shared disk
        tmp_path / ".tmp-notours",
    ]
    for path in gone + kept:
        path.mkdir() if "spool" in path.name else path.write_text("x")
    folders.check_out(tmp_path)
    assert [p.exists() for p in gone + kept] == [False, False, True, True, True]


# --------------------------------------------------------------------------- where results go


def mount_tmpfs(where: Path, *options: str) -> None:
    """Mount a small tmpfs at `where`, or skip the test if this machine does not allow it."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(where)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    mount_tmpfs(disk, "size=160k")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.fixture
def read_only(tmp_path):
    folder = tmp_path / "ro"
    if os.geteuid() == 0:
        mount_tmpfs(folder, "size=64k", "ro")
        yield folder
        subprocess.run(["umount", "-l", str(folder)], check=False)
    else:
        folder.mkdir(mode=0o555)
        yield folder
        folder.chmod(0o755)


def test_a_full_disk_late_in_the_write_loses_nothing(small_disk, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "rescue"))
    (tmp_path / "rescue").mkdir()
    result = invoke("run", STALLED, "-n", 20, "-s", 2, "-w", 1, "-o", small_disk)  # charts: ~400 KB
    assert_clean_exit(result, codes=(1,))
    assert f"--out {small_disk}" in result.output and "Nothing is lost" in result.output
    assert "final_warheads" in result.output or "assembled warheads" in result.output
    (rescued,) = (tmp_path / "rescue").glob("sim-rescued-*/stalled/*")
    summary = json.loads((rescued / "summary.json").read_text())
    assert summary["provenance"]["replications"] == 20
    assert len((rescued / "replications.csv").read_text().splitlines()) == 21
    assert not [p for p in small_disk.rglob(".*")]


def test_a_disk_too_small_for_the_run_is_refused_before_running(small_disk):
    result = invoke("run", STALLED, "-n", 5000, "-w", 1, "-o", small_disk)
    assert_clean_exit(result, codes=(2,))
    assert "--out" in result.output and "need at least" in result.output


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_an_out_that_cannot_take_results_is_refused_before_running(tmp_path, read_only, command):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    args = {
        "run": ["run", STALLED, "-n", 5, "-w", 1],
        "compare": ["compare", STALLED, STALLED, "-n", 5, "-w", 1],
        "sweep": ["sweep", STALLED, "-p", "arsenal.production_rate=6,12", "-n", 5, "-w", 1],
    }[command]
    for out in (read_only, a_file, a_file / "below", "/proc", "/proc/sim"):
        result = invoke(*args, "-o", out)
        assert_clean_exit(result, codes=(2,))
        assert "error: --out:" in result.output, (out, result.output)
    assert a_file.read_text() == "not a folder"


def test_names_cannot_lead_outside_out(tmp_path):
    out = tmp_path / "deep" / "out"
    grid = ["-p", "arsenal.production_rate=6,12", "-n", 5, "-w", 1, "-o", out]
    for name in ("../../x", str(tmp_path / "abs"), "..", ".hidden", "a/b"):
        result = invoke("sweep", STALLED, "--name", name, *grid)
        assert_clean_exit(result, codes=(2,))
        assert "--name" in result.output and "not a safe folder name" in result.output
    (tmp_path / "f.sweep.yaml").write_text(
        f"scenario: {STALLED}\nname: '..'\nproduct: {{arsenal.production_rate: [6, 12]}}\n"
    )
    assert invoke("sweep", tmp_path / "f.sweep.yaml", *grid[2:]).exit_code == 2
    (tmp_path / "up.yaml").write_text(f"extends: {STALLED}\nname: '..'\n")
    result = invoke("run", tmp_path / "up.yaml", "-n", 5, "-w", 1, "-o", out)
    assert_clean_exit(result, codes=(2,))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.sweep.yaml", "up.yaml"]  # nothing made


def test_a_cache_or_sweep_folder_linked_outside_out_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_text("keep")
    grid = [STALLED, "-p", "arsenal.production_rate=6,12", "-n", 5, "-w", 1]
    for link in ("sweeps", "sweeps/stalled", "sweeps/stalled/points"):
        out = tmp_path / link.replace("/", "-")
        (out / link).parent.mkdir(parents=True, exist_ok=True)
        (out / link).symlink_to(outside)
        result = invoke("sweep", *grid, "-o", out)
        assert_clean_exit(result, codes=(2,))
        assert "outside --out" in result.output
    assert [p.name for p in outside.iterdir()] == ["precious"]


def test_a_cache_record_that_is_a_link_is_replaced_not_written_through(tmp_path):
    from sim.sweeps.store import PointStore

    target = tmp_path / "target"
    target.write_text("keep")
    store = PointStore(tmp_path / "out" / "points", tmp_path / "out")
    store.folder.mkdir(parents=True)
    (store.folder / "k.json").symlink_to(target)
    store.put({"key": "k", "status": "failed", "error": "x"})
    assert target.read_text() == "keep"
    assert not (store.folder / "k.json").is_symlink()
    got = store.get("k")
    assert {k: got[k] for k in ("key", "status", "error")} == {
        "key": "k",
        "status": "failed",
        "error": "x",
    }
    assert set(got) <= {"key", "status", "error", "finished"}


# --------------------------------------------------------------------------- damaged inputs


@pytest.fixture(scope="module")
def intact(tmp_path_factory):
    results = sim.run(sim.load_scenario(STALLED), reps=12, seed=3, workers=1)
    return results.save(tmp_path_factory.mktemp("intact"), run_id="run", charts=False)


FILES = ("summary.json", "replications.csv", "trajectories.npz")
JUNK = st.sampled_from(
    [[], {}, "x", -1, 0, 1.5, 1e308, float("inf"), None, True, "2026-13", [1, "a"]]
)


def json_paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from json_paths(v, (*prefix, k))
    elif isinstance(node, list) and node:
        yield from json_paths(node[0], (*prefix, 0))


@st.composite
def damage(draw, folder: Path):
    """A change to one file of a result folder: cut, overwritten bytes, JSON or CSV edits."""
    name = draw(st.sampled_from(FILES))
    data = (folder / name).read_bytes()
    kind = draw(st.sampled_from(["cut", "bytes", "edit"]))
    if kind == "cut":
        return name, data[: draw(st.integers(0, len(data) - 1))]
    if kind == "bytes":
        at = draw(st.integers(0, len(data) - 1))
        return name, data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at + 4 :]
    if name == "summary.json":
        doc = json.loads(data)
        path = draw(st.sampled_from(list(json_paths(doc))[1:]))
        *parents, last = path
        node = doc
        for key in parents:
            node = node[key]
        if draw(st.booleans()) and isinstance(node, dict):
            del node[last]
        else:
            node[last] = draw(JUNK)
        return name, json.dumps(doc).encode()
    if name == "replications.csv":
        rows = list(csv.reader(data.decode().splitlines()))
        r = draw(st.integers(0, len(rows) - 1))
        c = draw(st.integers(0, len(rows[r]) - 1))
        edit = draw(st.sampled_from(["cell", "drop-cell", "drop-row", "extra-row"]))
        if edit == "cell":
            rows[r][c] = draw(st.sampled_from(["", "x", "nan", "1e999", "-", '"', "1,2"]))
        elif edit == "drop-cell":
            del rows[r][c]
        elif edit == "drop-row":
            del rows[r]
        else:
            rows.insert(r, rows[r])
        text = "".join(",".join(row) + "\n" for row in rows)  # as a careless editor would
        return name, text.encode()
    with np.load(folder / name) as z:
        arrays = {k: z[k] for k in z.files}
    key = draw(st.sampled_from(sorted(arrays)))
    if draw(st.booleans()):
        del arrays[key]
    else:
        arrays[key] = draw(st.sampled_from([arrays[key][:-1], arrays[key].T, np.array(["x"])]))
    fd, name_ = tempfile.mkstemp(suffix=".npz")
    os.close(fd)
    path = Path(name_)
    np.savez(path, **arrays)
    try:
        return name, path.read_bytes()
    finally:
        path.unlink()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_damaged_result_folders_are_refused_with_a_message(intact, no_charts, tmp_path, data):
    name, content = data.draw(damage(intact))
    with tempfile.TemporaryDirectory(dir=tmp_path) as work:
        folder = Path(work, "damaged")
        shutil.copytree(intact, folder)
        (folder / name).write_bytes(content)
        result = invoke("compare", folder, intact, "-q", "-o", Path(work, "out"))
        assert_clean_exit(result)
        assert_clean_exit(invoke("trace", folder, "--pick", "median"))


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        ("summary.json", "[]", "must be a JSON object"),
        ("summary.json", '{"scenario": {"name": "x"}}', "summary.json: scenario.start"),
        ("replications.csv", "replication,final_warheads\n0\n", "replications.csv:2: a row of 1"),
        ("trajectories.npz", "PK\x03\x04", "trajectories.npz: cannot read the arrays"),
    ],
)
def test_damage_is_located_in_the_message(intact, tmp_path, file, content, message):
    folder = tmp_path / "d"
    shutil.copytree(intact, folder)
    (folder / file).write_text(content)
    result = invoke("compare", folder, intact, "-o", tmp_path / "out")
    assert_clean_exit(result, codes=(2,))
    assert message in result.output


def test_a_non_number_in_an_outcome_column_names_its_line(intact, tmp_path):
    folder = tmp_path / "d"
    shutil.copytree(intact, folder)
    lines = (folder / "replications.csv").read_text().splitlines(keepends=True)
    header = next(csv.reader(lines[:1]))
    row = next(csv.reader(lines[4:5]))
    row[header.index("final_warheads")] = "many"
    with (folder / "replications.csv").open("w", newline="") as f:
        f.writelines(lines[:4])
        csv.writer(f, lineterminator="\n").writerow(row)
        f.writelines(lines[5:])
    with pytest.raises(ScenarioError, match=r"replications.csv:5: column 'final_warheads': 'many'"):
        C.gather([folder, intact])


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_a_write_failing_late_is_rescued_for_every_command(
    tmp_path, monkeypatch, no_charts, intact, command
):
    """Whatever writes the folder, a failure inside --out rescues it rather than losing it."""
    out, rescue = tmp_path / "out", tmp_path / "rescue"
    rescue.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(rescue))
    real = Path.write_text

    def full_disk(self, *args, **kwargs):
        if out in self.parents:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full_disk)
    args = {
        "run": ["run", STALLED, "-n", 5, "-w", 1, "-q"],
        "compare": ["compare", intact, intact, "-q"],
        "sweep": ["sweep", STALLED, "-p", "arsenal.production_rate=6,12", "-n", 5, "-w", 1, "-q"],
    }[command]
    result = invoke(*args, "-o", out)
    assert_clean_exit(result, codes=(1,))
    assert "No space left on device" in result.output and "Nothing is lost" in result.output
    moved = result.output.split("mv '")[1].split("'")[0]
    assert Path(moved).is_dir() and rescue in Path(moved).parents
    assert not [p for p in out.rglob(".*")]
