"""Golden tests: each shipped scenario at a fixed seed gives the stored figures.

A change that moves any figure fails here. When the change is intended, refresh
the stored figures and review the diff like any other change:

    SIM_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

import json
import os

import pytest
from conftest import ROOT, shipped

import sim

GOLDEN = ROOT / "tests" / "golden"
REPS, SEED = 200, 1


def compact(summary: dict) -> dict:
    yearly = range(0, summary["scenario"]["horizon_months"] + 1, 12)
    return {
        "metrics": summary["metrics"],
        "probabilities": summary["probabilities"],
        "curves": {k: [v[m] for m in yearly] for k, v in summary["curves"].items()},
        "trajectories": {
            name: {q: [band[q][m] for m in yearly] for q in ("p5", "p50", "p95")}
            for name, band in summary["trajectories"].items()
        },
    }


@pytest.mark.parametrize("path", shipped(), ids=lambda p: p.stem)
def test_shipped_scenario_matches_its_golden_figures(path):
    res = sim.run(sim.load_scenario(path), reps=REPS, seed=SEED, workers=1)
    got = compact(res.summary())
    store = GOLDEN / f"{path.stem}.json"
    if os.environ.get("SIM_UPDATE_GOLDEN") or not store.exists():
        store.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        if not os.environ.get("SIM_UPDATE_GOLDEN"):
            pytest.fail(f"no golden figures for {path.stem}: wrote {store}; review and commit it")
    want = flat(json.loads(store.read_text()))
    got = flat(got)
    assert got.keys() == want.keys()
    changed = {k: (want[k], got[k]) for k in want if not same(got[k], want[k])}
    assert not changed, f"{len(changed)} figures changed, e.g. {list(changed.items())[:5]}"


def same(a, b) -> bool:
    if a is None or b is None or isinstance(a, str):
        return a == b
    return a == pytest.approx(b, rel=1e-9, abs=1e-12)


def flat(tree, prefix="") -> dict:
    """{'a': {'b': [1, 2]}} -> {'a.b.0': 1, 'a.b.1': 2}"""
    if isinstance(tree, dict):
        items = tree.items()
    elif isinstance(tree, list):
        items = enumerate(tree)
    else:
        return {prefix: tree}
    out = {}
    for k, v in items:
        out.update(flat(v, f"{prefix}.{k}" if prefix else str(k)))
    return out
