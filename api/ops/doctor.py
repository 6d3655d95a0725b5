"""`allervers doctor`: is this installation ready to serve? One line per check, with what to fix.

Each check is a small function returning a `Check`; none raises. The texts are English msgids
(French in the catalogs). A failed check makes the command exit 1, so monitoring can run it.
"""

from __future__ import annotations

import shutil
import smtplib
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from messages import gettext
from outreach.sending.channels import channels_of
from outreach.settings import DEFAULT_SECRET_KEY, MIN_SECRET_BITS, Settings, entropy_bits

Status = Literal["ok", "warn", "fail", "skip"]
MAX_CLOCK_SKEW_S = 5.0
MIN_FREE_BYTES = 1 << 30  # 1 GiB for the spool and the imports' rejected rows
TWILIO_CHANNELS = channels_of("twilio")


@dataclass(frozen=True)
class Check:
    status: Status
    label: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "fail"


def ok(label: str, **values: object) -> Check:
    return Check("ok", gettext(label, **values))


def fail(label: str, fix: str, **values: object) -> Check:
    return Check("fail", gettext(label, **values), gettext(fix, **values))


def warn(label: str, fix: str = "", **values: object) -> Check:
    return Check("warn", gettext(label, **values), gettext(fix, **values) if fix else "")


def skip(label: str, **values: object) -> Check:
    return Check("skip", gettext(label, **values))


def run_checks(settings: Settings, engine: Engine) -> Iterator[Check]:
    """Every check in the order an operator fixes things: database, settings, providers, host."""
    reachable = check_database(engine)
    yield reachable
    yield check_migrations(engine) if not reachable.failed else _skipped_database()
    yield from check_production(settings)
    yield from check_twilio(settings)
    yield from check_telegram(settings)
    yield check_smtp(settings)
    yield check_clock(engine) if not reachable.failed else _skipped_database()
    yield check_disk(settings)


def _skipped_database() -> Check:
    return skip("Not checked: the database does not answer")


# --- the database ---------------------------------------------------------------------------


def check_database(engine: Engine) -> Check:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return fail(
            "Database unreachable ({error})",
            "check ALLERVERS_DATABASE_URL and that the database server runs",
            error=type(error).__name__,
        )
    return ok("Database reachable ({kind})", kind=engine.dialect.name)


def check_migrations(engine: Engine) -> Check:
    from alembic.runtime.migration import MigrationContext

    from outreach.migrate import current_heads

    with engine.connect() as connection:
        applied = set(MigrationContext.configure(connection).get_current_heads())
    if applied == set(current_heads()):
        return ok("Database schema up to date")
    return fail("Database schema not up to date", "run `allervers db upgrade`")


def check_clock(engine: Engine) -> Check:
    """The server's clock against the database server's (due times are compared across both)."""
    if engine.dialect.name == "sqlite":
        return ok("Clock: SQLite uses this machine's clock")
    with engine.connect() as connection:
        before = time.time()
        database_now = connection.execute(text("SELECT clock_timestamp()")).scalar_one()
        after = time.time()
    ours = datetime.fromtimestamp((before + after) / 2, UTC)
    skew = abs((database_now - ours).total_seconds())
    if skew > MAX_CLOCK_SKEW_S:
        return fail(
            "Clock off by {seconds} s from the database server",
            "synchronise both clocks (systemd-timesyncd or chrony)",
            seconds=round(skew),
        )
    return ok("Clock in step with the database server")


# --- the settings ---------------------------------------------------------------------------


def check_production(settings: Settings) -> Iterator[Check]:
    if settings.is_production:
        yield ok("Production mode (ALLERVERS_ENV=production)")
    else:
        yield fail("Not in production mode", "set ALLERVERS_ENV=production")
    secret = settings.secret_key
    if secret == DEFAULT_SECRET_KEY or len(secret) < 32 or entropy_bits(secret) < MIN_SECRET_BITS:
        yield fail(
            "ALLERVERS_SECRET_KEY is weak or the development one",
            "set a random secret: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'",
        )
    else:
        yield ok("ALLERVERS_SECRET_KEY is strong")
    yield check_public_url(settings.public_url)


def check_public_url(url: str) -> Check:
    parts = urlsplit(url)
    host = parts.hostname or ""
    local = host in ("localhost", "0.0.0.0", "::1") or host.startswith("127.")
    if parts.scheme != "https" or local or parts.path not in ("", "/"):
        return fail(
            "ALLERVERS_PUBLIC_URL {url} cannot be reached by the providers",
            "set the public https address of this server, without a path "
            "(e.g. https://allervers.association.fr)",
            url=url,
        )
    return ok("ALLERVERS_PUBLIC_URL {url}", url=url)


# --- the providers --------------------------------------------------------------------------


def check_twilio(settings: Settings) -> Iterator[Check]:
    from bot.twilio_numbers import TwilioAccount, TwilioSetupError, wanted_urls

    if not any(name in settings.enabled_channels for name in TWILIO_CHANNELS):
        yield skip("Twilio: not used (no sms, whatsapp or voice channel)")
        return
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        yield fail("Twilio: credentials missing", "set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        return
    account = TwilioAccount(settings)
    try:
        status = account.check_credentials()
    except TwilioSetupError as error:
        yield _twilio_refused(error)
        return
    if status != "active":
        yield fail("Twilio: the account is {status}", "see the Twilio console", status=status)
        return
    yield ok("Twilio: credentials valid")
    if not settings.twilio_from_number:
        yield warn(
            "Twilio: no TWILIO_FROM_NUMBER, webhooks not checked",
            "set the messaging service's incoming URL in the Twilio console",
        )
        return
    try:
        number = account.number(settings.twilio_from_number)
    except TwilioSetupError as error:
        yield _twilio_refused(error)
        return
    if number is None:
        yield fail(
            "Twilio: the number {number} is not in this account",
            "check TWILIO_FROM_NUMBER (international form, +33…)",
            number=settings.twilio_from_number,
        )
        return
    yield ok("Twilio: the number {number} exists", number=number.phone_number)
    wanted = wanted_urls(settings)
    yield _webhook_line("SMS", number.sms_url, number.sms_method, wanted["sms_url"])
    if "voice_url" in wanted:
        yield _webhook_line("voice", number.voice_url, number.voice_method, wanted["voice_url"])


def _twilio_refused(error: Exception) -> Check:
    code = getattr(error, "code", None)
    if code in (20003, 20404):
        return fail(
            "Twilio: credentials refused",
            "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (Twilio console, Account Info)",
        )
    return fail(
        "Twilio: no answer ({reason})", "check the network towards Twilio", reason=str(error)
    )


def _webhook_line(kind: str, url: str, method: str, wanted: str) -> Check:
    if url == wanted and method in ("POST", ""):
        return ok("Twilio: {kind} webhook points here", kind=kind)
    return fail(
        "Twilio: {kind} webhook is {url}",
        "run `allervers providers configure` (expected POST {wanted})",
        kind=kind,
        url=url or "—",
        wanted=wanted,
    )


def check_telegram(settings: Settings) -> Iterator[Check]:
    from api.webhooks.telegram_polling import WEBHOOK_PATH, telegram_mode
    from bot.telegram import TelegramChannel
    from outreach.sending.channel import DeliveryError

    if "telegram" not in settings.enabled_channels:
        yield skip("Telegram: not used")
        return
    if not settings.telegram_bot_token:
        yield fail("Telegram: token missing", "set TELEGRAM_BOT_TOKEN (from @BotFather)")
        return
    bot = TelegramChannel(settings, read_timeout=10.0)
    try:
        yield from _telegram_lines(settings, bot, telegram_mode(settings), WEBHOOK_PATH)
    except DeliveryError as error:
        if error.code == "401":
            yield fail("Telegram: token refused", "check TELEGRAM_BOT_TOKEN (from @BotFather)")
        else:
            yield fail(
                "Telegram: no answer ({reason})",
                "check the network towards Telegram",
                reason=error.code,
            )
    finally:
        bot.close()


def _telegram_lines(
    settings: Settings, bot: object, mode: str | None, path: str
) -> Iterator[Check]:
    username = bot.username()  # type: ignore[attr-defined]
    yield ok("Telegram: token valid (@{username})", username=username)
    if mode != "webhook":
        yield warn(
            "Telegram: polling (no webhook secret or no https address)",
            "set TELEGRAM_WEBHOOK_SECRET to receive messages by webhook",
        )
        return
    info = bot.webhook_info()  # type: ignore[attr-defined]
    wanted = settings.public_url + path
    if info.get("url") != wanted:
        yield fail(
            "Telegram: webhook is {url}",
            "run `allervers providers configure` (expected {wanted})",
            url=info.get("url") or "—",
            wanted=wanted,
        )
    elif info.get("last_error_message"):
        yield fail(
            "Telegram: last delivery failed ({error})",
            "run `allervers providers configure` to set the secret again",
            error=info["last_error_message"],
        )
    else:
        yield ok("Telegram: webhook points here")


# --- the host -------------------------------------------------------------------------------


def check_smtp(settings: Settings, *, timeout: float = 10.0) -> Check:
    if not settings.smtp_host:
        return skip("E-mail: no SMTP server (ALLERVERS_SMTP_HOST)")
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as server:
            server.ehlo()
            if settings.smtp_starttls:
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password or "")
            server.noop()
    except smtplib.SMTPAuthenticationError:
        return fail(
            "E-mail: {server} refuses the login",
            "check ALLERVERS_SMTP_USER and ALLERVERS_SMTP_PASSWORD",
            server=where,
        )
    except (smtplib.SMTPException, OSError) as error:
        return fail(
            "E-mail: {server} unreachable ({reason})",
            "check ALLERVERS_SMTP_HOST, ALLERVERS_SMTP_PORT and ALLERVERS_SMTP_STARTTLS",
            server=where,
            reason=type(error).__name__,
        )
    return ok("E-mail: {server} answers", server=where)


def check_disk(settings: Settings, minimum: int | None = None) -> Check:
    minimum = MIN_FREE_BYTES if minimum is None else minimum
    folder = Path(settings.spool_dir).resolve()
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("/"))
    free = shutil.disk_usage(existing).free
    gib = round(free / (1 << 30), 1)
    if free < minimum:
        return fail(
            "Disk: {gib} GiB free for the spool ({folder})",
            "free some space (at least 1 GiB)",
            gib=gib,
            folder=folder,
        )
    return ok("Disk: {gib} GiB free for the spool", gib=gib)
