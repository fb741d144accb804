"""The README's Python snippets run as written (at small replication counts) and say true things.

The sweep section's snippet is run by tests/sweeps/test_sweep.py; here the run, compare
and discovery sections', in one namespace, as a reader would paste them one after another.
"""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, SCENARIOS

README = (ROOT / "README.md").read_text()


def snippet(after: str) -> str:
    """The first ```python block after the text `after`."""
    section = README.split(after, 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def small(code: str) -> str:
    """The snippet with few replications, one worker and the shipped scenarios' full paths."""
    code = re.sub(r"reps=\d+", "reps=120", code).replace("workers=2", "workers=1")
    return code.replace('"scenarios/', f'"{SCENARIOS}/')


def test_the_readme_run_compare_and_discovery_snippets_run(tmp_path, monkeypatch, capsys):
    pytest.importorskip("pandas")
    pytest.importorskip("xarray")
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(small(snippet("From Python or Jupyter")), ns)
    results = ns["results"]
    assert results.replications == 120 and results.scenario.deal.relief.value == 0.3
    assert (tmp_path / ns["folder"] / "summary.json").is_file()
    assert ns["ds"].warheads.shape == (120, 121)

    exec(small(snippet("From Python, `sim.compare` takes")), ns)
    data = ns["data"]
    assert data["scenarios"]["freeze"]["vs_baseline"]["averted"]["warheads"][4]["year"] == 5
    assert (tmp_path / ns["folder"] / "comparison.json").is_file()
    assert "Talks open" in capsys.readouterr().out  # the story of replication 17

    discovery = snippet("From Python (a result folder, a sweep's folder")
    exec(small(discovery.replace("results/freeze/<run-id>", str(results.save(tmp_path)))), ns)
    found = ns["found"]
    assert found.condition.text == "!deal_reached" and found.boxes
    assert (tmp_path / ns["folder"] / "discovery.json").is_file()
