"""The `allervers` command line: database, team, import, demo data, serve."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from api import log_format, log_privacy
from api.services import Services, build_services
from messages import gettext
from outreach.settings import SettingsError, load_settings

app = typer.Typer(
    help="Aller-Vers: outreach for eviction-prevention mobile teams.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Team members.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")


def services() -> Services:
    """Settings, database and clock for one command; a bad setting stops here, named."""
    return build_services(load_settings())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version."""
    from outreach.migrate import upgrade

    svc = services()
    upgrade(svc.engine)
    typer.echo(gettext("Database up to date."))


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Option(help="E-mail address (the login).")],
    name: Annotated[str, typer.Option(help="Name shown to the team.")],
    role: Annotated[str, typer.Option(help="coordinator or worker.")],
    sector: Annotated[list[str] | None, typer.Option(help="Sector code (repeatable).")] = None,
) -> None:
    """Add a team member and print their API token (shown only once)."""
    from outreach.db import transaction
    from outreach.team.users import UserError, add_user

    svc = services()
    try:
        with transaction(svc.sessions) as session:
            created = add_user(
                session,
                clock=svc.clock,
                email=email,
                name=name,
                role=role,
                sector_codes=tuple(sector or ()),
            )
            user_id = created.user.id
    except UserError as error:
        typer.echo(gettext("Error: {reason}", reason=error), err=True)
        raise typer.Exit(2) from None
    typer.echo(gettext("Team member no. {id} created ({role}).", id=user_id, role=role))
    typer.echo(gettext("API token (shown only once, keep it safe):"))
    typer.echo(created.token)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
) -> None:
    """Serve the team UI, the API, the webhooks and the scheduler.

    Without ALLERVERS_PUBLIC_URL, the links the app writes (in SMS, landlord pages, the calendar
    feed) point at this host and port, so `make run PORT=8080` gives working links."""
    import os

    import uvicorn

    from api import heap
    from api.app import create_app
    from api.webhooks import telegram_polling

    if "ALLERVERS_PUBLIC_URL" not in os.environ:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        os.environ["ALLERVERS_PUBLIC_URL"] = f"http://{shown}:{port}"
    svc = services()
    polling = telegram_polling.start(svc)  # Telegram: webhook registration or polling thread
    try:
        served = create_app(services=svc, run_scheduler=True)
        heap.settle()  # what start-up made stays out of the garbage collector's pauses
        # No access log: query strings can hold a searched name or phone number.
        uvicorn.run(
            served,
            host=host,
            port=port,
            log_level="info",
            access_log=False,
            server_header=False,  # no `server: uvicorn` banner
            # uvicorn's loggers go through the root handler, its traceback filter included.
            log_config=None,
        )
    finally:
        telegram_polling.stop(polling)


def _register_optional_commands() -> None:
    # Commands that live with their own concept register themselves here.
    from api.cli import bilan as cli_bilan
    from api.cli import data as cli_data
    from api.cli import engine as cli_engine
    from api.cli import ops as cli_ops
    from api.cli import privacy as cli_privacy
    from api.cli import team as cli_team
    from api.cli import web as cli_web

    cli_data.register(app)
    cli_privacy.register(app)
    cli_engine.register(app)
    cli_web.register(app)
    cli_team.register(app)
    cli_ops.register(app)
    cli_bilan.register(app)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    log_privacy.install()
    log_format.install()  # ALLERVERS_LOG_FORMAT=json
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # One line per scheduler tick every few seconds would drown everything else.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    _register_optional_commands()
    try:
        app()
    except SettingsError as error:
        typer.echo(str(error), err=True)
        sys.exit(2)
