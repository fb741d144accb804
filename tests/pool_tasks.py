"""Tasks for the pool tests, run in spawned workers, which import them by name.

Kept apart from test_pool.py so that a worker imports only this small module.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def twice(task):
    pause, value = task
    time.sleep(pause)
    return 2 * value


def die_once(task):
    """Kill this worker the first time (a marker file remembers), then return the value."""
    marker, value = task
    if marker and not os.path.exists(marker):
        Path(marker).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return 2 * value


def die_always(task):
    if task == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    return task


def fail(task):
    raise ValueError(f"bad task {task}")


def own_pid(pause):
    time.sleep(pause)
    return os.getpid()


def run_point_or_die(base, values, key, reps, seed):
    """`sim.sweeps.run_point`, except that the point with production rate 12 kills its worker."""
    from sim.sweeps.run import run_point

    if values.get("arsenal.production_rate") == 12:
        os.kill(os.getpid(), signal.SIGKILL)
    return run_point(base, values, key, reps, seed)
