"""Where sweep points and run chunks go: this process, local processes, or a Dask cluster.

An executor is a context manager with one method, `map(fn, tasks)`, that yields
`(task index, outcome)` as each task finishes, in whatever order they finish;
the outcome is the function's return value, or the exception that lost the task
(on local processes, `WorkerLost` for a point whose worker died on every try: a
point lost with a dead worker is first run again, see `pool`). Parallelism is
over points; each point runs its replications serially, so the numbers never
depend on the executor: the sweep puts the records back in point order before
anything is written. A `--scheduler` address is checked before anything connects.

A run's chunks (`sim.engine.chunks`) use a `DaskExecutor` through `scatter`
(the plan, sent once), `ordered` (results in task order, a bounded number in
flight) and `check_versions` (workers must run this version of `sim`).
"""

from __future__ import annotations

import socket
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sim.engine.pool import AHEAD, Pool, WorkerLost, default_workers
from sim.errors import ScenarioError
from sim.version import __version__

if TYPE_CHECKING:  # an optional extra (sim[dask]), imported when a Dask executor starts
    from distributed import Client, LocalCluster

Outcome = tuple[int, Any]


def worker_version() -> str:
    """The version of `sim` where this runs (on a Dask worker: the worker's)."""
    return __version__


def other_version(where: str, version: object) -> ScenarioError:
    """The error for a worker running another version of `sim` than this machine."""
    return ScenarioError.single(
        f"{where} runs sim {version}, this machine {__version__}: its numbers could differ",
        file="--scheduler",
        hint="install the same version of sim on every worker and on this machine",
    )


class LocalExecutor:
    """Local processes (the spawn-safe `Pool` runs use); with one worker, this process."""

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or default_workers())
        self.description = (
            "this process" if self.workers == 1 else f"{self.workers} local processes"
        )
        self.pool: Pool | None = None

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, kind, value, tb) -> None:
        if self.pool is not None:
            self.pool.close(stop=kind is not None)

    def map(self, fn: Callable, tasks: Sequence[tuple]) -> Iterator[Outcome]:
        """Outcomes as points finish; a point whose worker died is run again (see `Pool`)."""
        if not tasks:
            return
        if self.workers == 1 or len(tasks) == 1:
            for i, args in enumerate(tasks):
                yield i, fn(*args)
            return
        if self.pool is None:
            self.pool = Pool(min(self.workers, len(tasks)))
        yield from self.pool.as_completed(_call, [(fn, args) for args in tasks])


def _call(job: tuple[Callable, tuple]) -> Any:
    fn, args = job
    return fn(*args)


class DaskExecutor:
    """A Dask distributed cluster: an existing one (`scheduler`) or a local one started here.

    The workers need the same version of `sim` installed; they receive each
    point's validated scenario and read no files.
    """

    def __init__(self, scheduler: str | None = None, workers: int | None = None):
        self.scheduler = check_scheduler(scheduler) if scheduler else None
        # Workers of a cluster we start; an existing cluster has as many as it has.
        self.workers = None if scheduler else max(1, workers or default_workers())
        self.client: Client | None = None
        self.cluster: LocalCluster | None = None
        self.description = (
            f"the Dask cluster at {self.scheduler}"
            if scheduler
            else f"a local Dask cluster of {self.workers} workers"
        )

    def __enter__(self) -> DaskExecutor:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ScenarioError.single(
                "Dask is not installed",
                file="--executor",
                hint="pip install 'sim[dask]' (or run on local processes without --executor "
                "dask / --scheduler)",
            ) from None
        if self.scheduler:
            _probe(self.scheduler)
            try:
                self.client = Client(self.scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise ScenarioError.single(
                    f"cannot reach the Dask scheduler at {self.scheduler}: {exc}",
                    file="--scheduler",
                    hint="start it with `dask scheduler` and give the address it prints",
                ) from None
        else:
            with warnings.catch_warnings():  # "port 8787 in use": we asked for no dashboard
                warnings.filterwarnings("ignore", message="Port .* is already in use")
                self.cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    host="127.0.0.1",  # a cluster for this machine only listens on loopback
                    processes=True,
                    dashboard_address=None,
                )
            self.client = Client(self.cluster)
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def _client(self) -> Client:
        assert self.client is not None, "used inside `with`, which connects the client"
        return self.client

    def worker_count(self) -> int:
        """The cluster's workers now (at least 1: tasks wait for a worker to join)."""
        return max(1, len(self._client().scheduler_info().get("workers", {})))

    def check_versions(self) -> None:
        """Refuse a cluster whose workers run another version of `sim` (ScenarioError)."""
        versions = self._client().run(worker_version)
        for address, version in sorted(versions.items()):
            if version != __version__:
                raise other_version(f"the Dask worker at {address}", version)

    def scatter(self, value: Any) -> Any:
        """Send `value` to the workers once; tasks given the returned future receive it."""
        return self._client().scatter(value, broadcast=True, hash=False)

    def ordered(self, fn: Callable, tasks: Sequence[tuple]) -> Iterator[Any]:
        """`fn(*task)` for every task, yielded in task order, with at most `AHEAD` tasks a
        worker submitted and not yet yielded, so few results wait in memory.

        A task's exception is raised here; a task Dask gave up on (its workers
        kept dying) raises `WorkerLost`. Stopping early cancels what is in flight.
        """
        from distributed import as_completed

        client = self._client()
        window = AHEAD * self.worker_count()
        todo = iter(enumerate(tasks))
        index: dict[Any, int] = {}  # task index by Dask key
        waiting: dict[int, Any] = {}  # submitted and not yet yielded, by task index
        done: set[int] = set()
        flight = as_completed()

        def submit() -> None:
            for i, args in todo:
                future = client.submit(fn, *args, pure=False)
                index[future.key] = i
                waiting[i] = future
                flight.add(future)
                return

        for _ in range(window):
            submit()
        expected = 0
        try:
            for future in flight:
                done.add(index.pop(future.key))
                while expected in done:
                    done.discard(expected)
                    yield _result(waiting.pop(expected), expected)
                    expected += 1
                    submit()
        finally:
            if waiting:  # stopped early (an error, Ctrl-C, the caller stopped)
                client.cancel(list(waiting.values()))

    def map(self, fn: Callable, tasks: Sequence[tuple]) -> Iterator[Outcome]:
        from distributed import as_completed

        client = self.client
        assert client is not None, "map runs inside `with`, which connects the client"
        futures = [client.submit(fn, *args, pure=False) for args in tasks]
        index = {future.key: i for i, future in enumerate(futures)}
        try:
            for future in as_completed(futures):
                i = index[future.key]
                if future.status == "finished":
                    yield i, future.result()
                elif future.status == "error":
                    yield i, future.exception()
                else:
                    yield i, RuntimeError(f"the Dask task was {future.status}")
        except BaseException:
            client.cancel(futures)  # Ctrl-C: the cluster stops working for us
            raise


def _result(future, i: int) -> Any:
    """A finished Dask future's value; its task's exception, or `WorkerLost` if Dask gave up."""
    if future.status == "error":
        error = future.exception()
        if type(error).__name__ == "KilledWorker":  # distributed's: its workers kept dying
            raise WorkerLost(f"the Dask workers running it died: {error}", i) from None
    elif future.status != "finished":
        raise WorkerLost(f"the Dask task was {future.status}", i)
    return future.result()


#: Protocols a Dask scheduler listens on (distributed's comm backends, but in-process).
SCHEDULER_PROTOCOLS = ("tcp", "tls", "ucx", "ws", "wss")
_SCHEDULER_HINT = (
    "give the address `dask scheduler` prints, such as tcp://10.0.0.5:8786 "
    "(tcp://, tls://, ucx://, ws:// or wss://), or HOST:PORT"
)


def check_scheduler(address: str) -> str:
    """A Dask scheduler address, checked before anything connects: `tcp://HOST:PORT` or `HOST:PORT`.

    Refused with a `ScenarioError` naming `--scheduler` (an `http://` dashboard
    link, a missing host, a port that is not a number from 1 to 65535).
    """

    def bad(why: str) -> ScenarioError:
        return ScenarioError.single(
            f"{address!r} is not a Dask scheduler address: {why}",
            file="--scheduler",
            hint=_SCHEDULER_HINT,
        )

    text = address.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    if scheme.lower() not in SCHEDULER_PROTOCOLS:
        if scheme.lower() in ("http", "https"):
            raise bad(f"{scheme}:// is a web address (the dashboard's?), not the scheduler's")
        raise bad(f"unknown protocol {scheme}://")
    parts = urlsplit(f"{scheme}://{rest}")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise bad("expected HOST or HOST:PORT after the protocol")
    if port == 0:
        raise bad("the port must be a number from 1 to 65535")
    if port is None and not sep:
        raise bad("give the port (Dask's default is 8786)")
    return text


def _probe(address: str) -> None:
    """Fail in a second, not after the client's long retry, when nothing listens there."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp" or not parts.hostname:
        return  # another protocol: let Dask judge it
    try:
        socket.create_connection((parts.hostname, parts.port or 8786), timeout=5).close()
    except OSError as exc:
        raise ScenarioError.single(
            f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}",
            file="--scheduler",
            hint="start it with `dask scheduler` and give the address it prints",
        ) from None


def make_executor(kind: str = "local", workers: int | None = None, scheduler: str | None = None):
    """`local` processes by default; `dask` (a local cluster) or any `scheduler` address."""
    if scheduler or kind == "dask":
        return DaskExecutor(scheduler, workers)
    return LocalExecutor(workers)
