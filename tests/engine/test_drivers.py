"""The drivers of a figure: each parameter's bins and ranks worked out once give, pair by
pair, exactly `first_order` and `spearman` of that parameter and figure."""

import numpy as np

from sim.engine import drivers as d


def one_by_one(sampled, figures, least=d.MIN_SHARE, top=d.TOP):
    """`drivers` as the definition says: `first_order` and `spearman` for every pair."""
    out = {}
    for name, y in figures.items():
        y = np.asarray(y, dtype=float)
        rows = []
        for path, x in sampled.items():
            share = d.first_order(x, y)
            if share is None or share < least:
                continue
            rho = None if x.dtype == object else d.spearman(x.astype(float), y)
            rows.append({"parameter": path, "share": share, "rho": rho})
        rows.sort(key=lambda r: (-r["share"], r["parameter"]))
        out[name] = rows[:top]
    return out


def data(n, seed=0):
    rng = np.random.default_rng(seed)
    cont = rng.normal(size=n)
    sampled = {
        "cont": cont,
        "ties": rng.integers(0, 3, n).astype(float),
        "whole": rng.integers(0, 50, n),
        "const": np.ones(n),
        "names": np.array([("a", "b", "c")[i] for i in rng.integers(0, 3, n)], dtype=object),
    }
    figures = {
        "y": 2 * cont + rng.normal(size=n),
        "event": (rng.random(n) < 0.3).astype(float),
        "flat": np.zeros(n),
        "by_name": (sampled["names"] == "b") + 0.1 * rng.normal(size=n),
    }
    return sampled, figures


def test_drivers_are_first_order_and_spearman_pair_by_pair(monkeypatch):
    for n in (15, 20, 300):
        sampled, figures = data(n)
        assert d.drivers(sampled, figures) == one_by_one(sampled, figures)
    sampled, figures = data(300)
    found = d.drivers(sampled, figures)
    assert found["y"][0]["parameter"] == "cont" and found["y"][0]["rho"] > 0.5
    assert found["by_name"][0]["parameter"] == "names" and found["by_name"][0]["rho"] is None
    assert found["flat"] == []
    monkeypatch.setattr(d, "MIN_SHARE", -1.0)  # every pair, not only the top few
    monkeypatch.setattr(d, "TOP", 100)
    for n in (20, 300):
        sampled, figures = data(n, seed=n)
        assert d.drivers(sampled, figures) == one_by_one(sampled, figures, -1.0, 100)
