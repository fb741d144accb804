"""Packaging: the license, the dependency floors that were found to matter, the pandas extra."""

import re
import tomllib

import numpy as np
import pytest
from conftest import ROOT, SCENARIOS

import sim

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def floor(requirement: str) -> tuple[int, ...]:
    """The version after `>=` in a requirement, as numbers."""
    match = re.search(r">=\s*([\d.]+)", requirement)
    assert match, requirement
    return tuple(int(part) for part in match[1].split("."))


def requirement(name: str, requirements: list[str]) -> str:
    (found,) = [r for r in requirements if re.match(rf"{name}\b", r, re.IGNORECASE)]
    return found


def test_the_license_is_an_spdx_expression_with_its_file():
    assert PROJECT["project"]["license"] == "MIT"
    assert PROJECT["project"]["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n\nCopyright (c) 2026 the sim authors\n")
    # setuptools reads SPDX license expressions and license-files from 77 on
    build = requirement("setuptools", PROJECT["build-system"]["requires"])
    assert floor(build) >= (77, 0, 3)


def test_typer_is_at_least_the_first_release_that_works_with_every_click_it_allows():
    # 0.12 to 0.15.3 allow click 8.2+, with which `sim --version` and help break
    typer = requirement("typer", PROJECT["project"]["dependencies"])
    assert floor(typer) >= (0, 15, 4)


def test_pandas_is_an_extra_included_in_all():
    extras = PROJECT["project"]["optional-dependencies"]
    assert floor(requirement("pandas", extras["pandas"])) >= (2, 2, 2)
    (everything,) = extras["all"]
    assert "pandas" in re.search(r"\[(.*)\]", everything)[1].split(",")


def test_to_pandas_gives_the_replication_table_of_kept_and_streamed_runs():
    pd = pytest.importorskip("pandas")
    scenario = sim.load_scenario(SCENARIOS / "stalled.yaml")
    kept = sim.run(scenario, reps=40, seed=2, workers=1)
    streamed = sim.run(scenario, reps=40, seed=2, workers=1, trajectories=False, stream=True)
    for frame in (kept.to_pandas(), streamed.to_pandas()):
        assert isinstance(frame, pd.DataFrame)
        assert list(frame.index) == list(range(40))
        assert np.allclose(frame["final_warheads"], kept.scalars["final_warheads"])
