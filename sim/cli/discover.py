"""The `sim discover` command, added to `sim.cli.app`: scenario discovery with PRIM.

Option gathering and printing only; the search is `sim.api.discovery.discover`,
the folder `sim.report.discovery`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.analysis.discovery import DEFAULTS
from sim.cli.app import app
from sim.cli.common import (
    OutOption,
    SetOption,
    WorkersOption,
    guard,
    print_table,
    progress_bar,
)


@app.command()
def discover(
    source: Annotated[
        Path,
        typer.Argument(
            help="A run's result folder (results/<scenario>/<run-id>), a sweep's folder "
            "(results/sweeps/<name>/<id>), or a scenario file, run now.",
            show_default=False,
        ),
    ],
    where: Annotated[
        str,
        typer.Option(
            "--where",
            metavar="CONDITION",
            help="The outcome of interest: an event (freeze_collapsed, freeze_in_force_at_end), "
            "its negation (!deal_reached), or a comparison (final_warheads>200, "
            "months_to_deal_reached<=24; on a sweep p_freeze_collapsed>0.5).",
            show_default=False,
        ),
    ],
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            min=0.0,
            max=1.0,
            help="Choose the densest box that keeps at least this share of the cases (coverage).",
        ),
    ] = DEFAULTS["threshold"],
    alpha: Annotated[
        float,
        typer.Option("--alpha", min=0.001, max=0.49, help="Share of a box peeled at each step."),
    ] = DEFAULTS["alpha"],
    box: Annotated[
        int | None,
        typer.Option(
            "--box", min=0, help="Choose step N of the peeling trajectory for the first box."
        ),
    ] = None,
    paste: Annotated[
        bool, typer.Option("--paste", help="Widen the chosen box again where that raises density.")
    ] = DEFAULTS["paste"],
    min_mass: Annotated[
        float,
        typer.Option("--min-mass", min=0.0, max=0.9, help="The least share of all rows in a box."),
    ] = DEFAULTS["min_mass"],
    boxes: Annotated[
        int,
        typer.Option(
            "--boxes", min=1, max=10, help="Boxes to find, each among rows not yet in one."
        ),
    ] = DEFAULTS["boxes"],
    reps: Annotated[
        int | None,
        typer.Option("--reps", "-n", min=2, help="Replications, for a scenario file."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", "-s", min=0, help="Seed, for a scenario file.")
    ] = None,
    workers: WorkersOption = None,
    set_: SetOption = None,
    out: OutOption = Path("results"),
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="No progress bar or tables: the sentences and path."),
    ] = False,
) -> None:
    """Which assumptions lead to an outcome? Find boxes of the inputs where it concentrates (PRIM).

    The inputs are a run's sampled parameters (or a sweep's swept ones); each box
    limits a few of them. Coverage: the share of all histories with the outcome
    that the box holds. Density: the share of the box's histories with the
    outcome. Mass: the share of all histories in the box. Writes
    OUT/discovery/<id>/ with discovery.json, report.md and report.html.

    Examples:

        sim discover results/freeze/<run-id> --where freeze_in_force_at_end

        sim discover scenarios/freeze.yaml --where "final_warheads>200" --reps 2000

        sim discover results/sweeps/freeze/<id> --where "p_freeze_collapsed>0.5"

        sim discover results/freeze/<run-id> --where "!deal_reached" --box 12 --paste
    """
    with guard():
        from sim.api.discovery import discover as find

        with progress_bar(quiet) as progress:
            found = find(
                source, where, progress=progress,
                threshold=threshold, alpha=alpha, box=box, paste=paste, min_mass=min_mass,
                boxes=boxes, reps=reps, seed=seed, workers=workers, overrides=set_,
            )  # fmt: skip
        folder = found.save(out)
        if not quiet:
            _print(found)
        for k in range(len(found.boxes)):
            typer.echo(found.sentence(k))
        typer.echo(f"Discovery: {folder}")


def _print(found) -> None:
    from rich.console import Console
    from rich.table import Table

    from sim.report.discovery import (
        LIMITS_HEAD,
        TRAJECTORY_HEAD,
        limits_rows,
        trajectory_rows,
        weak_note,
    )

    console = Console()
    unit = found.table.unit
    considered = ", ".join(found.considered)
    console.print(
        f"[bold]{found.condition.text}[/bold]: {found.cases:,} of {found.y.size:,} {unit} "
        f"({found.base_rate:.1%}); inputs considered: {considered}"
    )
    if found.dropped:
        console.print(f"[dim]left out (one value in every row): {', '.join(found.dropped)}[/dim]")
    for k, (box, peeling) in enumerate(zip(found.boxes, found.peelings, strict=True), 1):
        steps = Table(
            title=f"Box {k}: peeling trajectory ({len(peeling.trajectory)} steps)",
            title_justify="left",
        )
        for col in TRAJECTORY_HEAD:
            steps.add_column(col, justify="left" if col in ("", "step") else "right")
        for row in trajectory_rows(peeling):
            style = "bold" if row[-1] else None
            steps.add_row(*row, style=style)
        print_table(console, steps)
        pasted = ", pasted" if box.pasted else ""
        limits = Table(
            title=f"Box {k} (step {box.step}{pasted}): coverage {box.coverage:.3f}, density "
            f"{box.density:.3f}, mass {box.mass:.3f}",
            title_justify="left",
            caption=weak_note(box),
            caption_justify="left",
        )
        for col in LIMITS_HEAD:
            limits.add_column(col, overflow="fold")
        for row in limits_rows(box):
            limits.add_row(*row)
        print_table(console, limits)
