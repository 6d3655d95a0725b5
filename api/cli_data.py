"""CLI commands that load data: CCAPEX import, sector table, demo data."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the data commands to the root `allervers` app."""
    return None
