"""Settings of home-visit booking, read from the environment like outreach.sending.config."""

from __future__ import annotations

import os
from datetime import time, timedelta
from functools import cache

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from outreach.settings import SettingsError


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class BookingConfig(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # The soonest slot offered is on the Nth working day after today (Sundays and public
    # holidays do not count); 0 allows today. Then at least `min_notice_hours` from now.
    min_notice_days: int = Field(
        1, ge=0, le=30, validation_alias=_env("ALLERVERS_BOOKING_NOTICE_DAYS")
    )
    min_notice_hours: float = Field(
        0.0, ge=0, validation_alias=_env("ALLERVERS_BOOKING_NOTICE_HOURS")
    )
    # How far ahead slots are materialised from the availability windows.
    horizon_weeks: int = Field(4, ge=1, le=26, validation_alias=_env("ALLERVERS_BOOKING_WEEKS"))
    # A household may change or cancel by reply until this long before the visit.
    change_deadline_hours: float = Field(
        24.0, ge=0, validation_alias=_env("ALLERVERS_BOOKING_CHANGE_DEADLINE_HOURS")
    )
    # How long a slot stays held for a household that picked it (e.g. while it answers the
    # consent question) before others can have it again.
    hold_minutes: float = Field(
        120.0, gt=0, validation_alias=_env("ALLERVERS_BOOKING_HOLD_MINUTES")
    )
    # The reminder goes the working day before the visit at this Paris time.
    reminder_time: time = Field(
        time(10, 0), validation_alias=_env("ALLERVERS_BOOKING_REMINDER_TIME")
    )
    # The approximate arrival window promised for a home visit, from the slot's start.
    arrival_window_minutes: int = Field(
        60, gt=0, le=240, validation_alias=_env("ALLERVERS_BOOKING_ARRIVAL_WINDOW")
    )
    holiday_region: str = Field("FR", validation_alias=_env("ALLERVERS_HOLIDAYS"))

    @field_validator("holiday_region")
    @classmethod
    def _region(cls, value: str) -> str:
        return value.strip().upper() or "FR"

    @property
    def change_deadline(self) -> timedelta:
        return timedelta(hours=self.change_deadline_hours)

    @property
    def hold(self) -> timedelta:
        return timedelta(minutes=self.hold_minutes)

    @property
    def arrival_window(self) -> timedelta:
        return timedelta(minutes=self.arrival_window_minutes)


_ALIASES = {
    name: str(field.validation_alias.choices[0])  # type: ignore[union-attr]
    for name, field in BookingConfig.model_fields.items()
}


def current_booking_config() -> BookingConfig:
    """The booking settings of the environment as it is now: read again only when one of its
    variables changed (reading them is a pydantic model each time, and every page offering
    slots asks)."""
    return _booking_config(tuple(os.environ.get(name) for name in _ALIASES.values()))


@cache
def _booking_config(values: tuple[str | None, ...]) -> BookingConfig:
    return BookingConfig()


def load_booking_config(**overrides: object) -> BookingConfig:
    """Read the booking settings; raise SettingsError naming each bad variable."""
    try:
        data = {_ALIASES.get(key, key): value for key, value in overrides.items()}
        return BookingConfig(**data)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = [
            f"{_ALIASES.get(str(p['loc'][0]), p['loc'][0]) if p['loc'] else ''}: {p['msg']}"
            for p in error.errors()
        ]
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
