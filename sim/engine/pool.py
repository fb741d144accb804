"""One process pool for runs and sweeps: spawn-safe, and it survives its workers.

`Pool` wraps `concurrent.futures.ProcessPoolExecutor` with a start method that
never copies the parent: no thread, lock or open file of `sim`'s process (or of
a Jupyter kernel) is forked into a worker, which is what makes plain `fork`
unsafe on macOS and in notebooks. On Linux it is `forkserver`: one clean server
process imports the simulation once (`PRELOAD`) and forks every worker from
itself, so a pool starts in milliseconds after the first; elsewhere `spawn`, a
fresh interpreter per worker (as CPython 3.14 chooses). Either way task
functions must be defined at module level, tasks and results must be picklable,
shared read-only state (a run's compiled plan) goes to each worker once through
an initializer, and a script that starts a pool needs the usual
`if __name__ == "__main__":` guard, because each worker imports it.

Workers ignore SIGINT: Ctrl-C reaches the whole process group, and the parent
alone decides what to do (stop its workers, keep what finished). A worker also
exits by itself when its parent dies, so a killed `sim` leaves no orphans.

A worker that dies (`kill -9`, the out-of-memory killer) breaks a
`ProcessPoolExecutor`: every task in flight fails with `BrokenProcessPool`.
`Pool` then starts a fresh executor and runs the lost tasks again; a task's
result depends only on its arguments (chunks are seeded by replication index),
so a rerun gives the same numbers. A task lost more than `retries` times is
given up with `WorkerLost`. Nothing waits forever on a dead process.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing, suppress
from typing import Any

START_METHOD = "forkserver" if sys.platform == "linux" else "spawn"
#: What the fork server imports before forking workers: everything a task needs.
PRELOAD = ("sim.engine.runner", "sim.sweeps.run", "sim.engine.executors")
#: How many times a task lost with a dead worker is run again before it is given up.
RETRIES = 2
#: Tasks submitted ahead per worker: enough to keep every worker busy, few enough
#: that results waiting to be yielded in order stay small.
AHEAD = 4
#: About what a pool of two costs to start until its first results, in seconds:
#: the first in a process starts the fork server, which imports the simulation
#: (`PRELOAD`); later ones fork from it. Measured on 2 cores (benchmarks/README.md);
#: a guide for deciding whether a pool pays (`sim.engine.chunks.worth_a_pool`).
COLD_START = 0.5
WARM_START = 0.05


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class WorkerLost(RuntimeError):
    """A worker process died every time it ran a task (killed, or out of memory)."""

    def __init__(self, message: str, index: int = -1):
        super().__init__(message)
        self.index = index


def _watch_parent() -> None:
    """Exit when the parent process dies, instead of waiting for work forever."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)


def _start_worker(initializer: Callable | None, initargs: tuple) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    threading.Thread(target=_watch_parent, name="watch-parent", daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


_preloaded = False
_started = False  # a pool has started from the fork server that runs' pools use: it is warm


def start_seconds() -> float:
    """What starting a pool would cost now, roughly: `WARM_START` once a fork server runs."""
    return WARM_START if _started else COLD_START


def _context(method: str) -> multiprocessing.context.BaseContext:
    global _preloaded
    context = multiprocessing.get_context(method)
    if method == "forkserver" and not _preloaded:  # before the server first starts
        context.set_forkserver_preload(list(PRELOAD))
        _preloaded = True
    return context


class Pool:
    """Worker processes, started on first use and replaced when one dies.

    Use as a context manager: leaving it normally lets the workers finish and
    exit; leaving it with an exception (Ctrl-C, an error) stops them at once.
    """

    def __init__(
        self,
        workers: int,
        initializer: Callable | None = None,
        initargs: tuple = (),
        *,
        retries: int = RETRIES,
        method: str = START_METHOD,
    ):
        self.workers = max(1, int(workers))
        self.method = method
        self.initializer = initializer
        self.initargs = initargs
        self.retries = retries
        self.restarts = 0  # executors replaced after a worker died
        self.finished = 0  # tasks that came back from a worker (with a result or an error)
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, kind, value, tb) -> None:
        self.close(stop=kind is not None)

    def submit(self, fn: Callable, task: Any) -> Future:
        """`fn(task)` on a worker, started now if none runs: a plain future, not run again
        if its worker dies (its `result()` then raises `BrokenProcessPool`)."""
        return self._pool().submit(fn, task)

    def ordered(self, fn: Callable, tasks: Sequence) -> Iterator[Any]:
        """`fn(task)` for every task, yielded in task order.

        An exception raised by `fn` is raised here; a task whose worker died
        more than `retries` times raises `WorkerLost`.
        """
        waiting: dict[int, Future | WorkerLost] = {}
        expected = 0
        with closing(self._outcomes(fn, tasks)) as outcomes:
            for i, outcome in outcomes:
                waiting[i] = outcome
                while expected in waiting:
                    outcome = waiting.pop(expected)
                    if isinstance(outcome, WorkerLost):
                        raise outcome
                    yield outcome.result()
                    expected += 1

    def as_completed(self, fn: Callable, tasks: Sequence) -> Iterator[tuple[int, Any]]:
        """`(index, outcome)` as each task finishes, in whatever order they finish.

        The outcome is `fn(task)`, or the exception that lost the task: the one
        `fn` raised, or `WorkerLost` when its worker died more than `retries` times.
        """
        with closing(self._outcomes(fn, tasks)) as outcomes:
            for i, outcome in outcomes:
                if isinstance(outcome, WorkerLost):
                    yield i, outcome
                else:
                    error = outcome.exception()
                    yield i, outcome.result() if error is None else error

    def _outcomes(
        self, fn: Callable, tasks: Sequence
    ) -> Generator[tuple[int, Future | WorkerLost], None, None]:
        """Finished futures (or `WorkerLost`) by task index; lost tasks are submitted again.

        When a worker dies, every task in flight is lost with it, not only the one
        that killed it. A task on its last try therefore runs alone: if its worker
        dies then, the task is the cause, and no other task is charged for it.
        """
        todo = deque(range(len(tasks)))
        lost = dict.fromkeys(range(len(tasks)), 0)
        running: dict[Future, tuple[int, ProcessPoolExecutor]] = {}

        def last_try(i: int) -> bool:
            return 0 < lost[i] >= self.retries

        try:
            while todo or running:
                while todo and len(running) < AHEAD * self.workers:
                    i = todo[0]
                    if running and (last_try(i) or any(last_try(j) for j, _ in running.values())):
                        break  # a last try runs alone
                    executor = self._pool()
                    try:
                        future = executor.submit(fn, tasks[i])
                    except BrokenProcessPool:  # a worker died while idle
                        self._replace(executor)
                        if self._lose(i, lost):
                            todo.popleft()
                            yield i, self._given_up(i, lost)
                        continue
                    todo.popleft()
                    running[future] = (i, executor)
                if not running:
                    continue
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                again = []
                for future in sorted(done, key=lambda f: running[f][0]):
                    i, executor = running.pop(future)
                    if future.cancelled() or isinstance(future.exception(), BrokenProcessPool):
                        self._replace(executor)
                        again.append(i)
                    else:
                        self.finished += 1
                        yield i, future
                for i in reversed(again):  # back to the front of the queue, in task order
                    if self._lose(i, lost):
                        yield i, self._given_up(i, lost)
                    else:
                        todo.appendleft(i)
        finally:
            if running:  # stopped early (Ctrl-C, an error, the caller stopped): stop now
                self.close(stop=True)

    def _lose(self, i: int, lost: dict[int, int]) -> bool:
        """Count a loss of task i; True when it has been lost too often to try again."""
        lost[i] += 1
        return lost[i] > self.retries

    def _given_up(self, i: int, lost: dict[int, int]) -> WorkerLost:
        why = "killed, or out of memory"
        if not self.finished:  # no worker ever got as far as finishing a task
            why += (
                "; if sim runs from a script, put the script's code under "
                '`if __name__ == "__main__":`, since every worker process imports the script'
            )
        return WorkerLost(f"a worker process died {lost[i]} times while running it ({why})", i)

    def _pool(self) -> ProcessPoolExecutor:
        global _started
        if self._executor is None:
            _started = _started or self.method == START_METHOD == "forkserver"
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=_context(self.method),
                initializer=_start_worker,
                initargs=(self.initializer, self.initargs),
            )
        return self._executor

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """Drop a broken executor (once); the next submit starts a fresh one."""
        if broken is self._executor:
            self._executor = None
            self.restarts += 1
        _stop(broken)

    def close(self, stop: bool = False) -> None:
        """Shut the workers down: after their tasks, or (`stop`) at once."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if stop:
            _stop(executor)
        else:
            executor.shutdown(wait=True)


#: How long stopping an executor may take before its manager thread is left behind.
STOP_SECONDS = 30.0


def _stop(executor: ProcessPoolExecutor) -> None:
    """Stop an executor's workers now and wait for its manager thread, never forever.

    `ProcessPoolExecutor.shutdown(wait=True)` can wait forever after workers die
    (CPython 3.11-3.13): a worker killed while writing a result leaves half a
    message that the manager thread reads for ever, and a worker started on
    demand while the executor was breaking is never terminated, so the manager
    thread joins it for ever. Here every worker the executor has, or starts, is
    killed; our end of the result pipe is closed so that a half-written result
    reads as the end of the pipe; and the manager thread is then joined, checking
    again for new workers until it is gone (at most `STOP_SECONDS`).
    """
    thread = getattr(executor, "_executor_manager_thread", None)
    processes = getattr(executor, "_processes", None) or {}
    results = getattr(executor, "_result_queue", None)
    executor.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + STOP_SECONDS
    closed = False
    while True:
        for process in list(processes.values()):
            if process.is_alive():
                process.kill()  # workers ignore SIGINT and may be mid-task
        if thread is None or not thread.is_alive():
            return
        thread.join(0.2)
        if not thread.is_alive() or time.monotonic() > deadline:
            return
        if not closed and results is not None:  # every worker is dead: nobody else writes
            with suppress(OSError):
                results._writer.close()
            closed = True
