"""The example notebook (a script of `# %%` cells) runs from start to end and prints its figures."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "notebook.py"


def test_the_example_notebook_runs_as_a_script_and_prints_its_figures(tmp_path):
    env = {**os.environ, "SIM_EXAMPLE_REPS": "40", "SIM_EXAMPLE_OUT": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "<Results: 40 replications of 'freeze', seed 7" in out
    assert re.search(r"median warheads at the horizon: \d+ \(90% of histories between \d+ and", out)
    assert re.search(r"P\(a freeze in force at the horizon\): 0\.\d\d ± 0\.\d\d", out)
    assert re.search(r"final warheads, freeze minus stalled: -\d+\.\d \[-\d+\.\d, -?\d+\.\d\]", out)
    assert "<Comparison with baseline 'stalled': 40 replications each, seed 7" in out
    assert "<Sweep 'freeze' of scenario 'freeze': grid over 2 factor(s), 6 points" in out
    assert re.search(r"A freeze collapses in \d+(\.\d)?% of histories where", out)
    if "to_xarray needs the xarray extra" not in out:
        assert "median warheads 2036-01:" in out and (tmp_path / "freeze.nc").is_file()
    saved = re.findall(r"^saved (.+)$", out, re.M)
    assert [p.split(os.sep)[-3 if "sweeps" in p else -2] for p in saved] == [
        "freeze", "compare", "sweeps", "discovery"
    ]  # fmt: skip
    for path in saved:
        assert path.startswith(str(tmp_path)) and (ROOT / path / "report.html").is_file()
