"""The types of sim/ check (mypy with the pydantic plugin): part of the test suite so CI checks it.

The settings are pyproject.toml's [tool.mypy]; mypy runs from this environment, so the
pydantic plugin and the stubs installed with the `test` extra are the ones it uses.
"""

import subprocess
import sys

from conftest import ROOT


def test_mypy_finds_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
