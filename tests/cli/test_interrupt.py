"""Ctrl-C during a run: a clean message, exit code 130, no result folder, no spool left."""

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import SCENARIOS


@pytest.mark.parametrize("mode", [[], ["--no-trajectories"]], ids=["kept", "streamed"])
def test_ctrl_c_stops_cleanly_without_a_result_folder(tmp_path, mode):
    cmd = [
        sys.executable, "-m", "sim", "run", str(SCENARIOS / "freeze.yaml"),
        "--reps", "200000", "--workers", "2", "--out", str(tmp_path), *mode,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(4)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "Interrupted" in err and "no result folder" in err
    assert "Traceback" not in err
    written = list(tmp_path.rglob("*"))
    assert not any(p.name == "summary.json" for p in written)
    assert not any(p.name.startswith((".tmp", ".sim-spool")) for p in written)
