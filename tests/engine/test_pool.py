"""The process pool: order, dead workers (kill -9), Ctrl-C, orphans; `sim run` and `sim sweep`
survive a killed worker with the same numbers.

The tasks are in pool_tasks.py: spawned workers import them by name.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS
from pool_tasks import die_always, die_once, fail, own_pid, run_point_or_die, twice
from typer.testing import CliRunner

from sim.cli.app import app
from sim.engine.executors import LocalExecutor
from sim.engine.pool import Pool, WorkerLost
from sim.sweeps.files import build_spec
from sim.sweeps.plan import plan_sweep
from sim.sweeps.run import run_sweep
from sim.sweeps.store import PointStore

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})
TIMEOUT = 90  # seconds before a subprocess counts as hung


# --------------------------------------------------------------------------- finding workers


def workers_of(pid: int) -> list[int]:
    """Pool workers under process `pid`: spawned interpreters, or children of a fork server.

    (Not the fork server itself, nor multiprocessing's resource tracker.)
    """
    family = _descendants(pid)
    return [kid for kid, parent in family.items() if kid != pid and _is_worker(parent, kid)]


def _is_worker(parent: int, kid: int) -> bool:
    return "spawn_main" in _cmdline(kid) or "forkserver" in _cmdline(parent)


def _descendants(pid: int) -> dict[int, int]:
    """{process: its parent} for every process under `pid`, and `pid` itself mapped to 0."""
    try:
        import psutil
    except ImportError:
        psutil = None
    found = {pid: 0}
    if psutil is not None:
        try:
            for kid in psutil.Process(pid).children(recursive=True):
                try:
                    found[kid.pid] = kid.ppid()
                except psutil.Error:
                    continue
        except psutil.Error:
            pass
        return found
    todo = [pid]
    while todo:  # without psutil: pgrep, one generation at a time
        parent = todo.pop()
        listed = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True)
        for kid in map(int, listed.stdout.split()):
            found[kid] = parent
            todo.append(kid)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def kill_a_worker_once(proc: subprocess.Popen, started) -> int:
    """When `started()` says part of the work is done (and not all), kill -9 one worker."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        workers = workers_of(proc.pid)
        if workers and started():
            os.kill(workers[0], signal.SIGKILL)
            return workers[0]
        time.sleep(0.01)
    out, err = proc.communicate()
    pytest.fail(f"the command ended before a worker could be killed: {out} {err}")


def rows_in(pattern: str, folder: Path) -> int:
    return sum(path.read_text().count("\n") for path in folder.glob(pattern))


def finish(proc: subprocess.Popen) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the command hung after its worker was killed")


def sim_command(*args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


# --------------------------------------------------------------------------- the pool


METHODS = pytest.mark.parametrize("method", ["forkserver", "spawn"])


@METHODS
def test_ordered_yields_in_task_order_whatever_finishes_first(method):
    tasks = [(0.3, 1), (0.0, 2), (0.1, 3), (0.0, 4), (0.0, 5)]
    with Pool(2, method=method) as pool:
        assert list(pool.ordered(twice, tasks)) == [2, 4, 6, 8, 10]
        again = dict(pool.as_completed(twice, tasks))  # the same workers, reused
    assert again == {0: 2, 1: 4, 2: 6, 3: 8, 4: 10}
    assert pool.restarts == 0


@METHODS
def test_a_killed_worker_is_replaced_and_its_task_rerun(tmp_path, method):
    marker = tmp_path / "died"
    tasks = [("", 1), ("", 2), (str(marker), 3), ("", 4), ("", 5)]
    with Pool(2, method=method) as pool:
        assert list(pool.ordered(die_once, tasks)) == [2, 4, 6, 8, 10]
    assert marker.exists()  # the worker did die
    assert pool.restarts == 1


def test_a_task_that_always_kills_its_worker_is_given_up():
    tasks = ["a", "die", "b", "c"]
    with Pool(2, retries=2) as pool:
        outcomes = dict(pool.as_completed(die_always, tasks))
    assert pool.restarts == 3
    # its last try ran alone, so the tasks that shared its pool were not charged for it
    assert [outcomes[i] for i in (0, 2, 3)] == ["a", "b", "c"]
    assert isinstance(outcomes[1], WorkerLost) and outcomes[1].index == 1
    assert "died 3 times" in str(outcomes[1])
    with Pool(2, retries=1) as pool, pytest.raises(WorkerLost, match="died 2 times") as caught:
        list(pool.ordered(die_always, tasks))
    assert caught.value.index == 1


def test_an_exception_in_a_task_is_raised_in_order_or_returned_as_completed():
    with Pool(2) as pool:
        with pytest.raises(ValueError, match="bad task 0"):
            list(pool.ordered(fail, [0, 1]))
        outcomes = dict(pool.as_completed(fail, [0, 1]))  # the pool is not broken by it
    assert [str(outcomes[i]) for i in (0, 1)] == ["bad task 0", "bad task 1"]
    assert pool.restarts == 0


def test_workers_ignore_sigint_so_ctrl_c_is_the_parents_to_handle():
    with Pool(2) as pool:
        # both workers have started (and so ignore SIGINT) once each has run a task
        started = {pid for _, pid in pool.as_completed(own_pid, [0.5, 0.5])}
        assert len(started) == 2
        outcomes = pool.as_completed(own_pid, [0.0, 1.0, 1.0])
        _, first = next(outcomes)
        assert first in started
        for pid in started:
            os.kill(pid, signal.SIGINT)  # as Ctrl-C does to the whole process group
        rest = [pid for _, pid in outcomes]
    assert all(pid in started for pid in rest)  # finished on the same workers, not an error
    assert pool.restarts == 0


def test_stopping_early_stops_the_workers_at_once():
    pool = Pool(2)
    outcomes = pool.as_completed(own_pid, [0.0, 60.0, 60.0, 60.0])
    next(outcomes)
    workers = workers_of(os.getpid())
    assert len(workers) == 2
    outcomes.close()  # Ctrl-C or an error in the caller: the 60 s tasks are not waited for
    assert not any(alive(pid) for pid in workers)
    assert workers_of(os.getpid()) == []


def test_workers_exit_when_their_parent_is_killed(tmp_path):
    script = (
        "import sys, time\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from sim.engine.pool import Pool\n"
        "if __name__ == '__main__':\n"
        "    outcomes = Pool(1).as_completed(time.sleep, [0, 600])\n"
        "    print(next(outcomes), flush=True)  # the worker now sleeps in the second task\n"
        "    time.sleep(600)\n"
    )
    path = tmp_path / "parent.py"
    path.write_text(script)
    proc = subprocess.Popen(
        [sys.executable, str(path), str(ROOT)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "(0, None)"
    workers = workers_of(proc.pid)
    assert len(workers) == 1
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + TIMEOUT
    while alive(workers[0]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(workers[0]), "an orphaned worker kept running"


# --------------------------------------------------------------------------- commands


def test_sim_run_survives_a_killed_worker_with_the_same_numbers(tmp_path):
    args = ["run", SCENARIOS / "stalled.yaml", "-n", 5000, "-s", 5, "-q", "--no-trajectories"]
    proc = sim_command(*args, "-w", 2, "-o", tmp_path / "killed")
    # the first chunk of 1,000 is spooled, the other four are still to come
    kill_a_worker_once(proc, lambda: rows_in(".sim-spool-*/*.csv", tmp_path / "killed") > 1000)
    _, err = finish(proc)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    reference = runner.invoke(app, [*map(str, args), "-w", "1", "-o", str(tmp_path / "ref")])
    assert reference.exit_code == 0, reference.output
    (killed,) = (tmp_path / "killed").rglob("replications.csv")
    (ref,) = (tmp_path / "ref").rglob("replications.csv")
    assert killed.read_text() == ref.read_text()


def test_a_local_sweep_survives_a_killed_worker_with_the_same_table(tmp_path):
    args = ["sweep", SCENARIOS / "stalled.yaml", "-p", "arsenal.production_rate=6:18:6"]
    args += ["-n", 600, "-s", 3, "-m", "final_material", "-q"]
    proc = sim_command(*args, "-w", 2, "-o", tmp_path / "killed")
    points = tmp_path / "killed" / "sweeps" / "stalled" / "points"
    kill_a_worker_once(proc, lambda: 1 <= len(list(points.glob("*.json"))) < 5)
    out, err = finish(proc)
    assert proc.returncode == 0, err
    assert "6 computed, 0 cached, 0 failed" in out
    reference = runner.invoke(app, [*map(str, args), "-w", "1", "-o", str(tmp_path / "ref")])
    assert reference.exit_code == 0, reference.output
    (killed,) = (tmp_path / "killed").rglob("points.csv")
    (ref,) = (tmp_path / "ref").rglob("points.csv")
    assert killed.read_text() == ref.read_text()


def test_a_run_whose_workers_keep_dying_stops_with_a_message_and_exit_1(tmp_path, monkeypatch):
    def lost(self, seed, start, stop, size, trajectories):
        raise WorkerLost(
            "replications 0-99: a worker process died 3 times while running it "
            "(killed, or out of memory); the run was stopped"
        )
        yield

    monkeypatch.setattr("sim.engine.chunks.LocalChunks.map", lost)
    args = ["run", str(SCENARIOS / "stalled.yaml"), "-n", "100", "-w", "2", "-o", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "error: replications 0-99: a worker process died 3 times" in result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.rglob("summary.json"))


class DyingAt12(LocalExecutor):
    def map(self, fn, tasks):
        return super().map(run_point_or_die, tasks)


def test_a_sweep_point_whose_worker_keeps_dying_is_recorded_failed_with_the_reason(tmp_path):
    spec = build_spec(SCENARIOS / "stalled.yaml", ["arsenal.production_rate=6,12,18"], reps=5)
    plan = plan_sweep(spec)
    with DyingAt12(2) as executor:
        result = run_sweep(plan, PointStore(tmp_path), executor)
    status = {p.values["arsenal.production_rate"]: result.record(p) for p in plan.points}
    assert [status[v]["status"] for v in (6, 12, 18)] == ["ok", "failed", "ok"]
    assert status[12]["error"] == (
        "WorkerLost: a worker process died 3 times while running it (killed, or out of memory)"
    )
    with LocalExecutor(1) as executor:  # the others have the numbers of an undisturbed sweep
        clean = run_sweep(plan, PointStore(tmp_path / "clean"), executor)
    for p in plan.points:
        if p.values["arsenal.production_rate"] != 12:
            assert result.record(p)["metrics"] == clean.record(p)["metrics"]


def test_a_script_without_a_main_guard_is_told_to_add_one(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from sim.engine.pool import Pool\n"
        "print(list(Pool(2).ordered(abs, [-1, -2, -3])))\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 1
    (lost,) = [
        line for line in done.stderr.splitlines() if line.startswith("sim.engine.pool.WorkerLost")
    ]
    assert lost.startswith("sim.engine.pool.WorkerLost: a worker process died 3 times")
    assert 'put the script\'s code under `if __name__ == "__main__":`' in lost
