"""CLI commands of the team web app: `allervers user password --email E`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from messages import gettext


def register(app: typer.Typer) -> None:
    """Attach `password` to the `user` group of the root `allervers` app."""
    for group in app.registered_groups:
        if group.name == "user" and group.typer_instance is not None:
            group.typer_instance.command("password")(set_password)
            return
    raise RuntimeError("the `user` command group is missing")


def set_password(
    email: Annotated[str, typer.Option(help="E-mail of the team member.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a team member's web password (typed twice, or read from standard input)."""
    from sqlalchemy import select

    from api.cli.data import data_services
    from outreach.db import transaction
    from outreach.models import TeamUser
    from outreach.team.passwords import PasswordError, check_strength
    from outreach.team.passwords import set_password as store_password

    password = _read_password(password_stdin)
    try:
        check_strength(password)
        with data_services() as svc, transaction(svc.sessions) as session:
            user = session.scalar(select(TeamUser).where(TeamUser.email == email.strip().lower()))
            if user is None:
                typer.echo(gettext("No team member with this e-mail address."), err=True)
                raise typer.Exit(2)
            store_password(session, clock=svc.clock, user=user, password=password)
            user_id = user.id
    except PasswordError as error:
        typer.echo(gettext("Password refused: {reason}", reason=error), err=True)
        raise typer.Exit(2) from None
    typer.echo(gettext("Password set for team member no. {id}.", id=user_id))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt(gettext("New password"), hide_input=True, confirmation_prompt=True))
