"""Settings of the outreach engine (sending windows, rate limits, retries, sequences).

Read from the environment like outreach.settings; a bad value names its variable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from outreach.sending.channels import DEFAULT_RATE_LIMITS
from outreach.sending.quiet_hours import Window, WindowError
from outreach.settings import SettingsError

SEQUENCES_DIR = Path(__file__).parent.parent / "sequences"
_RATE = re.compile(r"^(?P<channel>[a-z]+)\s*[=:]\s*(?P<rate>\d+(\.\d+)?)\s*(?P<unit>seg\w*)?(/s)?$")


@dataclass(frozen=True)
class Rate:
    per_second: float
    segments: bool = False  # count SMS segments instead of messages


@dataclass(frozen=True)
class Backoff:
    """Delay before retrying a temporary failure: base * 2^(attempt-1), capped."""

    base_seconds: float = 60.0
    cap_seconds: float = 3600.0
    max_attempts: int = 8

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        exponential = self.base_seconds * 2 ** max(0, attempts - 1)
        return max(min(exponential, self.cap_seconds), retry_after or 0.0)


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class EngineConfig(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    send_window: str = Field(
        "Mon-Sat 09:00-19:00 except holidays", validation_alias=_env("ALLERVERS_SEND_WINDOW")
    )
    reply_window: str = Field(
        "Mon-Sun 08:00-21:00", validation_alias=_env("ALLERVERS_REPLY_WINDOW")
    )
    holiday_region: str = Field("FR", validation_alias=_env("ALLERVERS_HOLIDAYS"))
    # "sms=10/s, whatsapp=20/s, telegram=25/s" (the channel table's rates by default);
    # "sms=3seg/s" counts segments; "off" = no limit.
    rate_limits: str = Field(DEFAULT_RATE_LIMITS, validation_alias=_env("ALLERVERS_RATE_LIMITS"))
    # The sequence a case enters when imported; empty: imported cases enter none.
    import_sequence: str = Field(
        "first_contact", validation_alias=_env("ALLERVERS_IMPORT_SEQUENCE")
    )
    sequences_dir: Path = Field(SEQUENCES_DIR, validation_alias=_env("ALLERVERS_SEQUENCES_DIR"))
    tick_seconds: float = Field(5.0, gt=0, validation_alias=_env("ALLERVERS_TICK_SECONDS"))
    batch_size: int = Field(50, gt=0, validation_alias=_env("ALLERVERS_DISPATCH_BATCH"))
    retry_base_seconds: float = Field(60.0, gt=0, validation_alias=_env("ALLERVERS_RETRY_BASE"))
    retry_cap_seconds: float = Field(3600.0, gt=0, validation_alias=_env("ALLERVERS_RETRY_CAP"))
    retry_max_attempts: int = Field(8, gt=0, validation_alias=_env("ALLERVERS_RETRY_MAX"))
    # A claimed item older than this is from a dead process: reconciled, never blindly resent.
    claim_lease_seconds: float = Field(600.0, gt=0, validation_alias=_env("ALLERVERS_CLAIM_LEASE"))

    @field_validator("send_window", "reply_window")
    @classmethod
    def _readable_window(cls, value: str) -> str:
        try:
            Window.parse(value)
        except WindowError as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("rate_limits")
    @classmethod
    def _readable_rates(cls, value: str) -> str:
        parse_rates(value)
        return value

    @cached_property
    def windows(self) -> dict[str, Window | None]:
        region = self.holiday_region
        return {
            "send": Window.parse(self.send_window, holiday_region=region),
            "reply": Window.parse(self.reply_window, holiday_region=region),
            "none": None,
        }

    @cached_property
    def rates(self) -> dict[str, Rate]:
        return parse_rates(self.rate_limits)

    @property
    def backoff(self) -> Backoff:
        return Backoff(self.retry_base_seconds, self.retry_cap_seconds, self.retry_max_attempts)


def parse_rates(text: str) -> dict[str, Rate]:
    """Read "sms=10/s, whatsapp=3seg/s" into {channel: Rate}; "off" or "" means no limits."""
    rates: dict[str, Rate] = {}
    if text.strip().lower() in ("", "off", "none"):
        return rates
    for part in text.split(","):
        match = _RATE.match(part.strip().lower())
        if match is None or float(match["rate"]) <= 0:
            raise ValueError(f"{part.strip()!r}: expected e.g. 'sms=10/s' or 'sms=3seg/s'")
        rates[match["channel"]] = Rate(float(match["rate"]), segments=bool(match["unit"]))
    return rates


_ALIASES = {
    name: str(field.validation_alias.choices[0])  # type: ignore[union-attr]
    for name, field in EngineConfig.model_fields.items()
}


def load_engine_config(**overrides: object) -> EngineConfig:
    """Read the engine settings from the environment; SettingsError names each bad variable."""
    try:
        data = {_ALIASES.get(key, key): value for key, value in overrides.items()}
        return EngineConfig(**data)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            location = [str(part) for part in problem.get("loc", ())]
            variable = _ALIASES.get(location[0], location[0]) if location else ""
            message = str(problem.get("msg", "invalid value")).removeprefix("Value error, ")
            problems.append(f"{variable}: {message}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
