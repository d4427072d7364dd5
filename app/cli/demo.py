"""``edumap demo``: load the bundled demo province (Nan, 55) and its reference data."""

from __future__ import annotations

import typer

from app.cli.load import run_bundled_steps


def demo(
    force: bool = typer.Option(False, help="Reload everything, even files loaded unchanged."),
) -> None:
    """Load boundaries, villages, population and offices for the demo; quick when done before."""
    run_bundled_steps(force)
