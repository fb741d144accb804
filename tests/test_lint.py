"""The code passes ruff (lint and import order): part of the test suite so CI checks it."""

import shutil
import subprocess
import sys

from conftest import ROOT


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff") or str(ROOT / ".venv" / "bin" / "ruff")
    result = subprocess.run(
        [ruff, "check", "sim", "tests", "benchmarks"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_is_new_enough():
    assert sys.version_info >= (3, 11)
