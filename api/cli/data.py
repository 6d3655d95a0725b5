"""CLI commands that load data: CCAPEX import, sector table, demo data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from messages import gettext

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from outreach.clock import Clock
    from outreach.settings import Settings
    from outreach.simulation.demo import DemoReport


@dataclass(frozen=True)
class DataServices:
    """What a data command needs: no channel is built, so no provider credential is read."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock


@contextmanager
def data_services() -> Iterator[DataServices]:
    from api.services import clock_for
    from outreach.db import make_engine, make_session_factory
    from outreach.settings import load_settings

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        yield DataServices(settings, make_session_factory(engine), clock_for(settings))
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    """Attach the data commands to the root `allervers` app."""
    app.command("import")(import_cases)
    sectors_app = typer.Typer(
        help="Sector table: the communes of a département, or a CSV commune;code_postal;secteur.",
        no_args_is_help=True,
    )
    sectors_app.command("load")(sectors_load)
    app.add_typer(sectors_app, name="sectors")
    app.command("demo-data")(demo_data)
    app.command("ccapex-return")(ccapex_return)
    partners_app = typer.Typer(help="The partner directory.", no_args_is_help=True)
    partners_app.command("load")(partners_load)
    app.add_typer(partners_app, name="partners")


def import_cases(
    file: Annotated[Path, typer.Argument(help="The CCAPEX list (CSV export of the spreadsheet).")],
    month: Annotated[
        str | None, typer.Option(help="Month of the list, YYYY-MM (default: this month).")
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(help="Where to write the rejected rows (default: FILE.rejets.csv)."),
    ] = None,
) -> None:
    """Import the monthly CCAPEX list: create or update cases, report rejected rows."""
    from outreach.ccapex.importer import ImportRefused, import_file
    from outreach.ccapex.reading import UnreadableFile
    from outreach.ccapex.summary import summary_lines
    from outreach.db import transaction

    try:
        with data_services() as svc, transaction(svc.sessions) as session:
            report = import_file(
                session, clock=svc.clock, path=file, month=month, rejects_path=rejects
            )
    except (UnreadableFile, ImportRefused) as error:
        typer.echo(gettext("File refused, nothing was imported: {reason}", reason=error), err=True)
        raise typer.Exit(2) from None
    for line in summary_lines(report):
        typer.echo(line)


class Division(StrEnum):
    arrondissement = "arrondissement"


def sectors_load(
    file: Annotated[
        Path | None, typer.Argument(help="A team's CSV commune;code_postal;secteur.")
    ] = None,
    departement: Annotated[
        str | None,
        typer.Option(help="Every commune of this département (e.g. 62), from the shipped list."),
    ] = None,
    by: Annotated[
        Division, typer.Option(help="One sector per arrondissement.")
    ] = Division.arrondissement,
) -> None:
    """Load or update the sector table, then place the unassigned cases it now covers.

    With --departement, one sector per arrondissement with every commune the table does not place
    yet; with a CSV, the team's own sectors, which win over the arrondissements."""
    from outreach.ccapex.reading import UnreadableFile
    from outreach.db import transaction
    from outreach.sectors import DepartementUnknown, load_departement, load_sectors

    if (file is None) == (departement is None):
        typer.echo(gettext("Give either a CSV file or --departement, not both."), err=True)
        raise typer.Exit(2)
    try:
        with data_services() as svc, transaction(svc.sessions) as session:
            if file is not None:
                report = load_sectors(session, path=file)
            else:
                report = load_departement(session, departement=departement or "")
    except UnreadableFile as error:
        typer.echo(gettext("File refused, nothing was loaded: {reason}", reason=error), err=True)
        raise typer.Exit(2) from None
    except DepartementUnknown:
        typer.echo(
            gettext("No commune of département {code} in the list.", code=departement), err=True
        )
        raise typer.Exit(2) from None
    typer.echo(
        gettext(
            "Sector table: {read} rows read, {sectors} new sectors, {created} communes added, "
            "{updated} moved, {unchanged} unchanged, {rejected} rejected; "
            "{assigned} unassigned cases placed.",
            read=report.rows_read,
            sectors=report.sectors_created,
            created=report.areas_created,
            updated=report.areas_updated,
            unchanged=report.areas_unchanged,
            rejected=len(report.rejects),
            assigned=report.cases_assigned,
        )
    )
    for issue in report.rejects:
        typer.echo(
            "  " + gettext("file line {line}: {reason}", line=issue.line, reason=issue.reason)
        )


def ccapex_return(
    month: Annotated[str, typer.Option(help="The month of the CCAPEX list, YYYY-MM.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The file to write: .xlsx or .csv.")
    ],
) -> None:
    """Write the monthly return to the CCAPEX: every case of that month's list and what
    happened since (no name, phone number, address or note)."""
    from outreach import audit
    from outreach.ccapex import monthly_return
    from outreach.db import transaction

    kind = output.suffix.lower().lstrip(".")
    if kind not in ("xlsx", "csv"):
        typer.echo(gettext("The file must end in .xlsx or .csv."), err=True)
        raise typer.Exit(2)
    with data_services() as svc:
        with svc.sessions() as session:
            try:
                rows = monthly_return.rows_for_month(session, month=month)
            except monthly_return.ReturnError as error:
                typer.echo(str(error), err=True)
                raise typer.Exit(2) from None
        if kind == "xlsx":
            body = monthly_return.to_xlsx(rows, month=month)
        else:
            body = monthly_return.to_csv(rows)
        try:
            output.write_bytes(body)
        except OSError as error:
            reason = error.strerror or str(error)
            typer.echo(
                gettext("Cannot write {path}: {reason}", path=output, reason=reason), err=True
            )
            raise typer.Exit(1) from None
        with transaction(svc.sessions) as session:
            audit.record(session, clock=svc.clock, actor=None, action="ccapex.return", month=month)
    typer.echo(gettext("{count} cases written to {path}.", count=len(rows), path=output))


def partners_load(
    file: Annotated[
        Path | None, typer.Argument(help="A partners file (default: the Pas-de-Calais starter).")
    ] = None,
) -> None:
    """Load the starter list of partners into an empty directory (every contact to complete)."""
    from outreach.db import transaction
    from outreach.partners.directory import STARTER_FILE, PartnerError, load_starter

    with data_services() as svc:
        try:
            with transaction(svc.sessions) as session:
                count = load_starter(session, clock=svc.clock, path=file or STARTER_FILE)
        except (PartnerError, OSError, ValueError) as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(2) from None
    if count:
        typer.echo(
            gettext("{count} partners loaded: complete and check them in the app.", count=count)
        )
    else:
        typer.echo(gettext("The directory already has partners: nothing loaded."))


def demo_data() -> None:
    """Create fictional demo cases, sectors and team (idempotent; refused in production)."""
    from outreach.db import transaction
    from outreach.simulation.demo import load_demo_data

    with data_services() as svc:
        if svc.settings.is_production:
            typer.echo(gettext("Demo data is refused in production."), err=True)
            raise typer.Exit(2)
        with transaction(svc.sessions) as session:
            report = load_demo_data(session, clock=svc.clock)
    for line in _demo_lines(report):
        typer.echo(line)


def _demo_lines(report: DemoReport) -> list[str]:
    from outreach.simulation.demo import DEMO_PASSWORD

    if not report.changed:
        return [gettext("Demo data already present: nothing changed.")]
    lines = []
    if report.sectors is not None:
        lines.append(
            gettext(
                "Default sector table loaded ({count} communes).",
                count=report.sectors.areas_created,
            )
        )
    lines.append(
        gettext(
            "Demo cases: {created} created, {existing} already present.",
            created=report.cases_created,
            existing=report.cases_existing,
        )
    )
    if report.users:
        lines.append(
            gettext(
                "DEMO ONLY — web login at /login for every demo account, password: {password}",
                password=DEMO_PASSWORD,
            )
        )
    for user in report.users:
        lines.append(
            gettext(
                "DEMO ONLY — API token of {email} ({role}), fictional account: {token}",
                email=user.email,
                role=user.role,
                token=user.token,
            )
        )
    return lines
