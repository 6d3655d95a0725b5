"""CLI commands to cut a team member off and let them back in:
`allervers user list | deactivate | reactivate | token rotate`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from messages import gettext
from messages.formatting import short_date

EmailOption = Annotated[str, typer.Option(help="E-mail of the team member.")]
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Attach the commands to the `user` group of the root `allervers` app."""
    for group in app.registered_groups:
        if group.name == "user" and group.typer_instance is not None:
            users = group.typer_instance
            users.command("list")(list_members)
            users.command("deactivate")(deactivate_member)
            users.command("reactivate")(reactivate_member)
            users.add_typer(token_app, name="token")
            return
    raise RuntimeError("the `user` command group is missing")


def list_members() -> None:
    """List the team: role, sectors, active or not, API token expiry and last use."""
    from api.cli.data import data_services
    from outreach.team.users import list_users

    headers = [
        gettext("Name"),
        gettext("E-mail"),
        gettext("Role"),
        gettext("Sectors"),
        gettext("Active"),
        gettext("Token valid until"),
        gettext("Token last used"),
    ]
    with data_services() as svc, svc.sessions() as session:
        rows = [
            [
                user.name,
                user.email,
                gettext("coordinator") if user.is_coordinator else gettext("worker"),
                ", ".join(sorted(sector.name for sector in user.sectors)) or "—",
                gettext("yes") if user.active else gettext("no"),
                short_date(user.api_token_expires_at) if user.api_token_hash else gettext("none"),
                short_date(user.api_token_last_used_at),
            ]
            for user in list_users(session)
        ]
    widths = [max(len(str(row[n])) for row in [headers, *rows]) for n in range(len(headers))]
    for row in [headers, *rows]:
        typer.echo(
            "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        )


def _change(email: str, change: Callable[..., None]) -> int:
    """Apply `change` (deactivate, reactivate) to the member with that e-mail; exit 1 with a
    French message when there is none or the change is refused."""
    from api.cli.data import data_services
    from outreach.db import transaction
    from outreach.team.users import UserError, find_user

    try:
        with data_services() as svc, transaction(svc.sessions) as session:
            user = find_user(session, email)
            change(session, clock=svc.clock, user=user, actor=None)
            return user.id
    except UserError as error:
        typer.echo(gettext("Error: {reason}", reason=error), err=True)
        raise typer.Exit(1) from None


def deactivate_member(email: EmailOption) -> None:
    """Cut a team member off: sign-in, web sessions, API token and calendar feed end now."""
    from outreach.team.users import deactivate

    user_id = _change(email, deactivate)
    typer.echo(
        gettext(
            "Team member no. {id} deactivated: sessions, API token and calendar feed ended.",
            id=user_id,
        )
    )


def reactivate_member(email: EmailOption) -> None:
    """Let a deactivated team member sign in again (their old token stays ended)."""
    from outreach.team.users import reactivate

    user_id = _change(email, reactivate)
    typer.echo(
        gettext(
            "Team member no. {id} reactivated. For API access: allervers user token rotate.",
            id=user_id,
        )
    )


@token_app.command("rotate")
def rotate(email: EmailOption) -> None:
    """Give a team member a new API token (valid one year); the old one stops working now."""
    from api.cli.data import data_services
    from outreach.db import transaction
    from outreach.team.users import UserError, find_user, rotate_token

    try:
        with data_services() as svc, transaction(svc.sessions) as session:
            user = find_user(session, email)
            if not user.active:
                raise UserError(gettext("this team member is deactivated"))
            token = rotate_token(session, clock=svc.clock, user=user, actor=None)
            expires = short_date(user.api_token_expires_at)
    except UserError as error:
        typer.echo(gettext("Error: {reason}", reason=error), err=True)
        raise typer.Exit(1) from None
    typer.echo(gettext("New API token, valid until {day} (shown only once):", day=expires))
    typer.echo(token)
