"""`allervers bilan --year 2026 -o bilan-2026.pdf`: the yearly bilan for the préfet, as a PDF.

It counts for the State's reader: every case of the territory, numbers of fewer than 5
households shown as "< 5" (`--exact` gives the team's exact figures instead)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from messages import gettext


def register(app: typer.Typer) -> None:
    app.command("bilan")(bilan)


def bilan(
    year: Annotated[int, typer.Option(help="The year of the report (import months).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the PDF.")],
    exact: Annotated[
        bool, typer.Option(help="Exact figures (for the team), small numbers not hidden.")
    ] = False,
) -> None:
    """Write the yearly bilan (activity, outcomes, delays, causes, a page per sector) as a PDF."""
    from api.cli.data import data_services
    from api.web import bilan as document
    from outreach.reports.bilan import FIRST_YEAR, LAST_YEAR, gather, state_reader
    from outreach.reports.cells import Cells

    if not FIRST_YEAR <= year <= LAST_YEAR:
        typer.echo(gettext("Error: {reason}", reason=gettext("give a year such as 2026")), err=True)
        raise typer.Exit(2)
    with data_services() as svc, svc.sessions() as session:
        threshold = svc.settings.small_cell_threshold
        gathered = gather(session, user=state_reader(), year=year, now=svc.clock.now())
        html = document.html(
            gathered,
            cells=Cells(None if exact else threshold),
            threshold=threshold,
            organisation=svc.settings.organisation_name,
        )
    try:
        output.write_bytes(document.pdf(html))
    except OSError as error:
        typer.echo(gettext("Error: {reason}", reason=error.strerror or error), err=True)
        raise typer.Exit(1) from None
    households = gathered.evaluation.headline[0].count
    typer.echo(
        gettext(
            "Yearly report {year} written to {path} ({households} households, {sectors} sectors).",
            year=year,
            path=output,
            households=households,
            sectors=len(gathered.sectors),
        )
    )
