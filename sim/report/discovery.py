"""A discovery's folder: discovery.json, report.md, a self-contained report.html, charts.

`results/discovery/<id>/` is written under a temporary name and renamed into
place (`sim.engine.folders.atomic_folder`; `save_or_rescue` if --out fails late). The
report is built once as blocks (`sim.report.blocks`) and rendered to Markdown and
HTML, so both say the same thing; the HTML embeds its charts (also saved in
`plots/`) and has no script. Charts: the trade-off (coverage against density
along each peeling trajectory, the chosen box marked) and each restricted
input's limits within its range.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from sim.analysis.discovery.prim import SIGNIFICANCE, Box, Peeling
from sim.analysis.discovery.space import Inputs
from sim.engine.folders import atomic_folder, save_or_rescue
from sim.report.blocks import to_html, to_markdown
from sim.report.discovery_plots import limits_chart, tradeoff_chart
from sim.report.html import save_images
from sim.report.rounding import fmt

#: Rows of a trajectory shown in the terminal (the chosen box is always among them).
SHOWN_STEPS = 12

READING = [
    "**coverage**: the share of all cases of interest (rows meeting the condition) that lie "
    "in the box; **density**: the share of the box's rows that are cases of interest; "
    "**mass**: the share of all rows in the box.",
    "**The trade-off.** Peeling shaves a few rows at a time off the box, keeping the cut that "
    "raises its density most; each step trades some coverage for density. A good box sits "
    "where the curve bends: density well above the base rate, most of the cases kept, few "
    "inputs restricted. Choose another step with `--box N`.",
    "**quasi-p**: the chance (one-sided binomial) of finding at least the box's cases of "
    "interest among its rows if that restriction were lifted. Small (below 0.05): the "
    "restriction matters. Large: it may be noise; read the box without it.",
    "A second box is looked for among the rows outside the first (covering); its coverage "
    "and mass are still shares of all cases and all rows.",
]


def input_json(space: Inputs, j: int) -> dict:
    values = space.values[j]
    levels = space.levels[j]
    if levels is not None:  # categorical
        return {"name": space.names[j], "kind": "categorical", "levels": list(levels)}
    return {
        "name": space.names[j],
        "kind": "numeric",
        "min": float(values.min()),
        "max": float(values.max()),
    }


def box_json(peeling: Peeling, number: int, sentence: str) -> dict:
    box = peeling.box
    return {
        "number": number,
        "step": box.step,
        "pasted": box.pasted,
        "coverage": box.coverage,
        "density": box.density,
        "mass": box.mass,
        "n": box.n,
        "k": box.k,
        "base_rate": peeling.base,
        "sentence": sentence,
        "limits": [
            {
                "input": lim.name,
                "kind": "categorical" if lim.categorical else "numeric",
                "low": lim.low,
                "high": lim.high,
                "min": lim.minimum,
                "max": lim.maximum,
                "values": None if lim.values is None else list(lim.values),
                "levels": None if lim.levels is None else list(lim.levels),
                "qp": lim.qp,
            }
            for lim in box.limits
        ],
        "trajectory": [
            {
                "step": i,
                "coverage": s.coverage,
                "density": s.density,
                "mass": s.mass,
                "n": s.n,
                "k": s.k,
                "restricted": s.restricted,
            }
            for i, s in enumerate(peeling.trajectory)
        ],
    }


def _qp(qp: float | None) -> str:
    if qp is None:
        return "–"
    return "<0.001" if qp < 0.001 else f"{qp:.3f}"


def limits_rows(box: Box) -> list[list[str]]:
    """[input, range, box, quasi-p] for each restricted input."""
    rows = []
    for lim in box.limits:
        if lim.levels is not None:  # categorical
            assert lim.values is not None, "a categorical limit keeps some of its values"
            rows.append([lim.name, ", ".join(lim.levels), ", ".join(lim.values), _qp(lim.qp)])
            continue
        low = fmt(lim.low) if lim.low is not None else f"({fmt(lim.minimum)})"
        high = fmt(lim.high) if lim.high is not None else f"({fmt(lim.maximum)})"
        rows.append([lim.name, f"{fmt(lim.minimum)} to {fmt(lim.maximum)}", f"{low} to {high}",
                     _qp(lim.qp)])  # fmt: skip
    return rows


def weak_note(box: Box) -> str | None:
    """Which restrictions may be noise (quasi-p at or above the significance level)."""
    weak = [f"{lim.name} ({_qp(lim.qp)})" for lim in box.limits if lim.qp >= SIGNIFICANCE]
    if not weak:
        return None
    return (
        f"These limits may be noise (quasi-p at or above {SIGNIFICANCE:g}): "
        f"{', '.join(weak)}; more rows would tell."
    )


def shown_steps(peeling: Peeling, every: bool = False) -> list[int]:
    """The steps of a trajectory worth a row: evenly spread, the chosen one and the last."""
    last = len(peeling.trajectory) - 1
    if every or last < SHOWN_STEPS:
        return list(range(last + 1))
    spread = {round(float(i)) for i in np.linspace(0, last, SHOWN_STEPS - 1)}
    return sorted(spread | {peeling.chosen})


def trajectory_rows(peeling: Peeling, every: bool = False) -> list[list[str]]:
    return [
        [str(i), f"{s.coverage:.3f}", f"{s.density:.3f}", f"{s.mass:.3f}", str(s.restricted),
         "chosen" if i == peeling.chosen else ""]
        for i in shown_steps(peeling, every)
        for s in [peeling.trajectory[i]]
    ]  # fmt: skip


TRAJECTORY_HEAD = ["step", "coverage", "density", "mass", "inputs restricted", ""]
LIMITS_HEAD = ["input", "range", "box", "quasi-p"]


def blocks(found, plots: dict[str, tuple]) -> list[tuple]:
    """The report as blocks (headings, paragraphs, tables, images)."""
    data = found.summary()
    unit = data["unit"]
    src = data["source"]
    out: list[tuple] = [
        ("h1", f"Scenario discovery: where {found.condition.phrase()}"),
        (
            "p",
            f"Condition `{found.condition.text}` in {src['path']} ({src['kind']}): met by "
            f"{found.cases:,} of {found.y.size:,} {unit} ({found.base_rate:.1%}). "
            f"Discovery {data['id']}.",
        ),
        ("h2", "What was found"),
        ("ul", [b["sentence"] for b in data["boxes"]]),
    ]
    for number, (box, peeling) in enumerate(zip(found.boxes, found.peelings, strict=True), 1):
        pasted = ", then pasted" if box.pasted else ""
        out += [
            ("h2", f"Box {number}"),
            (
                "p",
                f"Step {box.step} of its peeling trajectory{pasted}: coverage "
                f"{box.coverage:.3f}, density {box.density:.3f} (against {peeling.base:.3f} "
                f"among the {unit} searched), mass {box.mass:.3f}; {box.k:,} cases of "
                f"interest among {box.n:,} {unit}.",
            ),
        ]
        rows = limits_rows(box)
        out.append(("table", LIMITS_HEAD, rows) if rows else ("p", "No input is restricted."))
        note = weak_note(box)
        if note:
            out.append(("p", note))
    out.append(("h2", "Charts"))
    if plots:
        out += [("img", f"plots/{name}", caption) for name, (caption, _) in plots.items()]
    else:
        out.append(("p", "Plots are off: matplotlib is not installed (`pip install sim[plots]`)."))
    out += [("h2", "How to read this"), ("ul", READING)]
    for number, peeling in enumerate(found.peelings, 1):
        out += [
            ("h3", f"Peeling trajectory of box {number}"),
            ("table", TRAJECTORY_HEAD, trajectory_rows(peeling, every=True)),
        ]
    considered = [
        f"`{i['name']}`: " + (", ".join(i["levels"]) if i["kind"] == "categorical"
                              else f"{fmt(i['min'])} to {fmt(i['max'])}")
        for i in data["inputs"]["considered"]
    ]  # fmt: skip
    out += [("h2", "Inputs considered"), ("ul", considered)]
    if data["inputs"]["dropped"]:
        dropped = ", ".join(f"`{n}`" for n in data["inputs"]["dropped"])
        out.append(("p", f"Left out, as they take one value in every row: {dropped}."))
    settings = ", ".join(f"{k} {v}" for k, v in data["settings"].items())
    info = ", ".join(f"{k} {v}" for k, v in src.items() if v is not None and k != "path")
    out += [
        ("h2", "Settings and provenance"),
        ("ul", [f"settings: {settings}", f"source: {info}",
                f"engine {data['engine_version']}, created {data['created']}"]),
    ]  # fmt: skip
    return out


def make_charts(found) -> dict[str, tuple]:
    """{file name: (caption, PNG bytes)}; empty without matplotlib."""
    try:
        out = {
            "tradeoff.png": (
                "Coverage against density along the peeling trajectory (colour: inputs "
                "restricted); the chosen box ringed.",
                tradeoff_chart(found),
            )
        }
        if any(box.limits for box in found.boxes):
            out["limits.png"] = (
                "Each restricted input's range (grey) and the box's limits within it (colour).",
                limits_chart(found),
            )
    except ImportError:  # matplotlib, an optional extra
        return {}
    return out


def write_discovery(found, root: Path, charts: bool = True) -> Path:
    """Write root/discovery/<id>/ atomically; return its path."""
    plots = make_charts(found) if charts else {}

    def write(out: Path) -> Path:
        with atomic_folder(out, "discovery", found.id) as folder:
            tmp = folder.tmp
            found.id = folder.final.name  # `-2`, `-3`... when the name was taken
            data = found.summary()
            text = json.dumps(data, indent=1) + "\n"
            (tmp / "discovery.json").write_text(text, encoding="utf-8")
            report = blocks(found, plots)
            (tmp / "report.md").write_text(to_markdown(report), encoding="utf-8")
            images = {name: png for name, (_, png) in plots.items()}
            title = f"Scenario discovery: {found.condition.text}"
            (tmp / "report.html").write_text(to_html(report, images, title), encoding="utf-8")
            if plots:
                (tmp / "plots").mkdir()
                save_images(plots, tmp / "plots")
        return folder.final

    return save_or_rescue(write, Path(root), "the discovery folder")
