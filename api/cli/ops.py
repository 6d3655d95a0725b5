"""Commands for whoever runs the server: `doctor`, `providers configure`, `backup`, `restore`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from messages import gettext

providers_app = typer.Typer(help="Twilio and Telegram settings.", no_args_is_help=True)
PASSPHRASE_ENV = "ALLERVERS_BACKUP_PASSPHRASE"
MARKS = {"ok": "[OK]", "warn": "[!]", "fail": "[FAILED]", "skip": "[–]"}  # msgids


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    app.add_typer(providers_app, name="providers")


def doctor() -> None:
    """Check this installation (database, settings, Twilio, Telegram, e-mail, clock, disk).

    Prints one line per check with what to fix; exits 1 when one fails (for monitoring)."""
    from api.ops.doctor import run_checks
    from outreach.db import make_engine
    from outreach.settings import SettingsError, load_settings

    typer.echo(gettext("Aller-Vers: checking this installation"))
    try:
        settings = load_settings()
    except SettingsError as error:
        typer.echo(f"{gettext(MARKS['fail'])} {gettext('Configuration refused')} : {error}")
        raise typer.Exit(1) from None
    engine = make_engine(settings.database_url)
    failed = 0
    try:
        for check in run_checks(settings, engine):
            line = f"{gettext(MARKS[check.status])} {check.label}"
            if check.fix:
                line += f" — {gettext('to do')} : {check.fix}"
            typer.echo(line)
            failed += check.failed
    finally:
        engine.dispose()
    if failed:
        typer.echo(gettext("{count} check(s) failed.", count=failed))
        raise typer.Exit(1)
    typer.echo(gettext("Everything is in order."))


@providers_app.command("configure")
def providers_configure(
    yes: Annotated[bool, typer.Option("--yes", help="Apply without asking.")] = False,
) -> None:
    """Point the Twilio number's SMS and voice webhooks and Telegram's webhook at this instance.

    Shows what will change and asks first (or --yes)."""
    from api.ops.providers import ProviderSetupError, apply, plan
    from outreach.settings import load_settings

    settings = load_settings()
    try:
        changes = plan(settings)
    except ProviderSetupError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    if not changes:
        typer.echo(gettext("Nothing to change: Twilio and Telegram already point here."))
        return
    typer.echo(gettext("Changes to make:"))
    for change in changes:
        typer.echo(f"  {change.provider} {change.what}: {change.before or '—'} → {change.after}")
    if not yes and not typer.confirm(gettext("Apply these changes?"), default=False):
        typer.echo(gettext("Nothing changed."))
        raise typer.Exit(1)
    try:
        apply(settings, changes)
    except ProviderSetupError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    typer.echo(gettext("Providers configured."))


PassphraseFile = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help=f"Read the encryption passphrase from this file (or set {PASSPHRASE_ENV}).",
    ),
]


def backup_command(
    file: Annotated[Path, typer.Argument(help="Where to write the backup.")],
    encrypt: Annotated[
        bool, typer.Option("--encrypt", help="Encrypt with a passphrase (asked when not given).")
    ] = False,
    passphrase_file: PassphraseFile = None,
) -> None:
    """Back up the database, the webhook spool and the imports' rejected rows into FILE.

    Safe while `allervers serve` runs (PostgreSQL: pg_dump; SQLite: online backup)."""
    from api.ops.backup import BackupError, backup
    from outreach.settings import load_settings

    passphrase = _passphrase(passphrase_file, ask=encrypt, confirm=True)
    try:
        manifest = backup(load_settings(), file, passphrase=passphrase)
    except BackupError as error:
        typer.echo(gettext("Error: {reason}", reason=error), err=True)
        raise typer.Exit(1) from None
    typer.echo(
        gettext(
            "Backup written to {file} ({database}, {files} files, encrypted: {encrypted}).",
            file=file,
            database=manifest.database,
            files=manifest.files,
            encrypted=gettext("yes") if passphrase else gettext("no"),
        )
    )


def restore_command(
    file: Annotated[Path, typer.Argument(help="The backup to restore.")],
    passphrase_file: PassphraseFile = None,
) -> None:
    """Restore FILE into the empty database of ALLERVERS_DATABASE_URL and empty folders.

    Then run `allervers db upgrade` if this version is newer than the backup's."""
    from api.ops.backup import BackupError, is_encrypted, restore
    from outreach.settings import load_settings

    settings = load_settings()
    encrypted = file.is_file() and is_encrypted(file)
    passphrase = _passphrase(passphrase_file, ask=encrypted, confirm=False)
    try:
        manifest = restore(settings, file, passphrase=passphrase)
    except BackupError as error:
        typer.echo(gettext("Error: {reason}", reason=error), err=True)
        raise typer.Exit(1) from None
    typer.echo(
        gettext(
            "Backup of {created} restored ({database}, {files} files).",
            created=manifest.created_at,
            database=manifest.database,
            files=manifest.files,
        )
    )
    typer.echo(gettext("Next: `allervers db upgrade`, then start the service."))


def _passphrase(path: Path | None, *, ask: bool, confirm: bool) -> str | None:
    if path is not None:
        return path.read_text(encoding="utf-8").rstrip("\r\n") or None
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if not ask:
        return None
    if not sys.stdin.isatty():
        typer.echo(
            gettext(
                "Give the passphrase with --passphrase-file or {variable}.",
                variable=PASSPHRASE_ENV,
            ),
            err=True,
        )
        raise typer.Exit(2)
    return str(typer.prompt(gettext("Passphrase"), hide_input=True, confirmation_prompt=confirm))
