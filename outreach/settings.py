"""Configuration from the environment (pydantic-settings).

A bad value stops start-up with a message that names the variable.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from outreach.sending.channels import BY_NAME, CHANNEL_NAMES
from outreach.sending.identity import DEMO_ORGANISATION, DEMO_PHONE, Identity

DEFAULT_SECRET_KEY = "dev-only-insecure-secret-change-me"


class SettingsError(Exception):
    """Configuration cannot be used; the message names the variable(s) at fault."""


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


MIN_SECRET_BITS = 128


def entropy_bits(secret: str) -> float:
    """A rough measure of how random a secret looks: its length times the Shannon entropy of its
    characters. 40 times "a" gives 0; a `secrets.token_urlsafe(32)` gives about 200."""
    if secret and secret in (secret + secret)[1:-1]:
        return 0.0  # one short unit repeated ("ab" * 20) is no more random than the unit
    counts = Counter(secret)
    return sum(count * math.log2(len(secret) / count) for count in counts.values())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=False, frozen=True)

    database_url: str = Field(
        "sqlite:///./allervers.db", validation_alias=_env("ALLERVERS_DATABASE_URL")
    )
    env: Literal["development", "production"] = Field(
        "development", validation_alias=_env("ALLERVERS_ENV")
    )
    public_url: str = Field("http://127.0.0.1:8000", validation_alias=_env("ALLERVERS_PUBLIC_URL"))
    secret_key: str = Field(DEFAULT_SECRET_KEY, validation_alias=_env("ALLERVERS_SECRET_KEY"))
    now: str | None = Field(None, validation_alias=_env("ALLERVERS_NOW"))
    channels: str = Field("sandbox", validation_alias=_env("ALLERVERS_CHANNELS"))
    spool_dir: Path = Field(Path("./var/spool"), validation_alias=_env("ALLERVERS_SPOOL_DIR"))
    log_level: str = Field("INFO", validation_alias=_env("ALLERVERS_LOG_LEVEL"))
    # "json": one JSON object per log line, for a log collector (api/log_format.py).
    log_format: Literal["text", "json"] = Field(
        "text", validation_alias=_env("ALLERVERS_LOG_FORMAT")
    )
    # GET /metrics with `Authorization: Bearer <token>`; unset: from this machine only.
    metrics_token: str | None = Field(None, validation_alias=_env("ALLERVERS_METRICS_TOKEN"))
    # Who writes to households (outreach.sending.identity): named in the first message.
    organisation_name: str = Field(
        DEMO_ORGANISATION, max_length=40, validation_alias=_env("ALLERVERS_ORGANISATION_NAME")
    )
    team_phone: str = Field(
        DEMO_PHONE, max_length=20, validation_alias=_env("ALLERVERS_TEAM_PHONE")
    )

    twilio_account_sid: str | None = Field(None, validation_alias=_env("TWILIO_ACCOUNT_SID"))
    twilio_auth_token: str | None = Field(None, validation_alias=_env("TWILIO_AUTH_TOKEN"))
    twilio_from_number: str | None = Field(None, validation_alias=_env("TWILIO_FROM_NUMBER"))
    twilio_messaging_service_sid: str | None = Field(
        None, validation_alias=_env("TWILIO_MESSAGING_SERVICE_SID")
    )
    twilio_api_base_url: str | None = Field(None, validation_alias=_env("TWILIO_API_BASE_URL"))
    twilio_whatsapp_from: str | None = Field(None, validation_alias=_env("TWILIO_WHATSAPP_FROM"))
    # Approved WhatsApp templates: "template=HX…,other_template=HX…" (Twilio Content SIDs).
    twilio_whatsapp_content_sids: str = Field(
        "", validation_alias=_env("TWILIO_WHATSAPP_CONTENT_SIDS")
    )
    telegram_bot_token: str | None = Field(None, validation_alias=_env("TELEGRAM_BOT_TOKEN"))
    telegram_webhook_secret: str | None = Field(
        None, validation_alias=_env("TELEGRAM_WEBHOOK_SECRET")
    )
    telegram_api_base_url: str | None = Field(None, validation_alias=_env("TELEGRAM_API_BASE_URL"))
    telegram_bot_username: str | None = Field(None, validation_alias=_env("TELEGRAM_BOT_USERNAME"))

    # E-mail to landlords through an SMTP server (off when the host is empty).
    smtp_host: str = Field("", validation_alias=_env("ALLERVERS_SMTP_HOST"))
    smtp_port: int = Field(587, validation_alias=_env("ALLERVERS_SMTP_PORT"))
    smtp_user: str | None = Field(None, validation_alias=_env("ALLERVERS_SMTP_USER"))
    smtp_password: str | None = Field(None, validation_alias=_env("ALLERVERS_SMTP_PASSWORD"))
    smtp_from: str = Field("", validation_alias=_env("ALLERVERS_SMTP_FROM"))
    smtp_starttls: bool = Field(True, validation_alias=_env("ALLERVERS_SMTP_STARTTLS"))
    # The team's phone or address, given to landlords and on the privacy pages.
    team_contact: str = Field("", validation_alias=_env("ALLERVERS_TEAM_CONTACT"))
    # The team's number answering calls (channel "voice"): the team's opening hours (outside them
    # the message says when the team calls back) and, optionally, a phone to ring first during
    # them (then voicemail).
    team_hours: str = Field(
        "Mon-Fri 09:00-17:00 except holidays", validation_alias=_env("ALLERVERS_TEAM_HOURS")
    )
    voice_forward_to: str = Field("", validation_alias=_env("ALLERVERS_VOICE_FORWARD_TO"))
    # Closed cases are anonymised this many months after the last contact (CNIL: 2 years).
    retention_months: int = Field(24, ge=1, validation_alias=_env("ALLERVERS_RETENTION_MONTHS"))
    # The State's readers see fewer households than this as "< 5" (outreach.reports.cells).
    small_cell_threshold: int = Field(
        5, ge=2, le=50, validation_alias=_env("ALLERVERS_SMALL_CELL_THRESHOLD")
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, value: str) -> str:
        names = [part.strip() for part in value.split(",") if part.strip()]
        unknown = sorted(set(names) - set(CHANNEL_NAMES))
        if unknown:
            raise ValueError(f"unknown channel(s): {', '.join(unknown)}")
        return ",".join(names)

    @field_validator("team_hours")
    @classmethod
    def _readable_hours(cls, value: str) -> str:
        from outreach.sending.quiet_hours import Window, WindowError

        try:
            Window.parse(value)
        except WindowError as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("voice_forward_to")
    @classmethod
    def _forward_number(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"\+[1-9]\d{6,14}", value):
            raise ValueError("a phone number in international form, e.g. +33199000000")
        return value

    @field_validator("twilio_whatsapp_content_sids")
    @classmethod
    def _content_sids(cls, value: str) -> str:
        _parse_content_sids(value)
        return value

    @field_validator("now")
    @classmethod
    def _iso_now(cls, value: str | None) -> str | None:
        if value:
            from outreach.clock import parse_fixed_now

            parse_fixed_now(value)
        return value or None

    @model_validator(mode="after")
    def _production_rules(self) -> Settings:
        if self.env != "production":
            return self
        if (
            self.secret_key == DEFAULT_SECRET_KEY
            or len(self.secret_key) < 32
            or entropy_bits(self.secret_key) < MIN_SECRET_BITS
        ):
            raise ValueError(
                "ALLERVERS_SECRET_KEY: set a random secret of at least 32 characters in production"
                " (for example the output of `python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`)"
            )
        if not self.public_url.startswith("https://"):
            raise ValueError(
                "ALLERVERS_PUBLIC_URL: must start with https:// in production (sign-in cookies "
                "and webhooks must not travel in clear)"
            )
        if self.now:
            raise ValueError("ALLERVERS_NOW: a fixed clock is refused in production")
        if self.organisation_name == DEMO_ORGANISATION or self.team_phone == DEMO_PHONE:
            raise ValueError(
                "ALLERVERS_ORGANISATION_NAME and ALLERVERS_TEAM_PHONE: set the organisation's "
                "name and the team's phone number in production (the first message names them)"
            )
        for name in self.enabled_channels:
            if BY_NAME[name].development_only:
                raise ValueError(f"ALLERVERS_CHANNELS: the {name} channel cannot run in production")
        return self

    @property
    def enabled_channels(self) -> tuple[str, ...]:
        return tuple(self.channels.split(",")) if self.channels else ()

    @property
    def identity(self) -> Identity:
        return Identity(organisation=self.organisation_name.strip(), phone=self.team_phone.strip())

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def rejects_dir(self) -> Path:
        """Where the imports page keeps each import's rejected rows (retention deletes them)."""
        return self.spool_dir.parent / "imports"

    @property
    def whatsapp_content_sids(self) -> dict[str, str]:
        return _parse_content_sids(self.twilio_whatsapp_content_sids)


def _parse_content_sids(text: str) -> dict[str, str]:
    """ "intro=HX…, reminder=HX…" -> {template: content SID}."""
    sids: dict[str, str] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        name, _, sid = (item.strip() for item in part.partition("="))
        if not name or not re.fullmatch(r"HX[0-9a-fA-F]{32}", sid):
            raise ValueError(f"{part!r}: expected template=HX followed by 32 hex digits")
        sids[name] = sid
    return sids


_ALIASES = {
    name: str(field.validation_alias.choices[0])  # type: ignore[union-attr]
    for name, field in Settings.model_fields.items()
}


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; raise SettingsError naming each bad variable."""
    try:
        data = {_ALIASES.get(key, key): value for key, value in overrides.items()}
        return Settings(**data)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        location = [str(part) for part in problem.get("loc", ()) if part != "__root__"]
        variable = _ALIASES.get(location[0], location[0]) if location else ""
        message = str(problem.get("msg", "invalid value")).removeprefix("Value error, ")
        lines.append(f"{variable}: {message}" if variable else message)
    return "invalid configuration: " + "; ".join(lines)
