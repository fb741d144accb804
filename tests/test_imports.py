"""`sim --help` and `sim validate` start without loading the simulation or plotting stacks."""

import subprocess
import sys

import pytest
from conftest import SCENARIOS

HEAVY = {"simpy", "matplotlib", "pandas", "dask", "numpy"}


@pytest.mark.parametrize(
    "args", [["--help"], ["validate", str(SCENARIOS / "stalled.yaml")], ["run", "--help"]]
)
def test_light_commands_import_no_heavy_module(args):
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sim", *args], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert not imported & HEAVY, imported & HEAVY
