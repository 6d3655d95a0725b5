"""Dates and instants the API reads (query strings and bodies): ISO 8601 text only, bounded so
that no value can reach the database or the calendar arithmetic out of range (year 1 or 9999
used to end in a 500), every refusal a 422 with a French message.

Strict: a number is not a date ("0.5" used to be read as a Unix timestamp); only the shapes the
schema publishes are read: `2026-03-01` for a day, `2026-03-01T10:00:00+01:00` (or `Z`) for an
instant. An instant without a timezone is still accepted and read as Paris wall time, as
everywhere in the team's tools.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema

from messages import N_, gettext
from outreach.clock import PARIS

EARLIEST = date(2000, 1, 1)
LATEST = date(2199, 12, 31)
# The days from EARLIEST to LATEST that exist, as a pattern (a schema-valid day is a real day):
# 28 days in every month, 29 and 30 except in February, 31 in the long months, and February 29
# in leap years (2000 is one, 2100 is not).
_YEAR = "(20|21)[0-9]{2}"
_MONTH_DAY = "(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31"
_LEAP = "(20(0[048]|[2468][048]|[13579][26])|21(0[48]|[2468][048]|[13579][26]))"
_DAY = f"({_YEAR}-({_MONTH_DAY})|{_LEAP}-02-29)"
_TIME = r"T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?"
_OFFSET = "(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
DAY_PATTERN = f"^{_DAY}$"
INSTANT_PATTERN = f"^{_DAY}{_TIME}{_OFFSET}?$"

OUT_OF_RANGE = N_("A date must be between {earliest} and {latest}.")
NOT_A_DAY = N_("A date is written YYYY-MM-DD, for example 2026-03-01.")
NO_SUCH_DAY = N_("There is no day {day} in the calendar.")
NOT_AN_INSTANT = N_(
    "A date and time is written YYYY-MM-DDTHH:MM:SS, with its offset or in Paris time,"
    " for example 2026-03-01T10:00:00+01:00."
)


def _out_of_range() -> ValueError:
    return ValueError(
        gettext(OUT_OF_RANGE, earliest=EARLIEST.isoformat(), latest=LATEST.isoformat())
    )


def _shaped(value: Any, shape: re.Pattern[str], message: str) -> Any:
    if isinstance(value, date):  # already read (a default, a test calling the function)
        return value
    if not isinstance(value, str) or not shape.fullmatch(value):
        if isinstance(value, str) and re.match(r"[0-9]{4}-", value) and not re.match(_YEAR, value):
            raise _out_of_range()
        raise ValueError(gettext(message))
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError(gettext(NO_SUCH_DAY, day=value[:10])) from None
    return value


def bounded_day(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise _out_of_range()
    return value


def bounded_instant(value: datetime) -> datetime:
    if not EARLIEST <= value.date() <= LATEST:
        raise _out_of_range()
    return value if value.tzinfo is not None else value.replace(tzinfo=PARIS)


class _IsoText:
    """Pydantic metadata: only ISO text of one shape is read, then bounded; the shape and the
    range are published (`format` and `pattern`)."""

    def __init__(self, published: dict[str, str], message: str, bound: Any) -> None:
        self.published, self.message, self.bound = published, message, bound
        self.shape = re.compile(published["pattern"][1:-1])

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(
            lambda value: _shaped(value, self.shape, self.message),
            core_schema.no_info_after_validator_function(self.bound, handler(source)),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {"type": "string", **self.published}


Day = Annotated[date, _IsoText({"format": "date", "pattern": DAY_PATTERN}, NOT_A_DAY, bounded_day)]
# Not `format: date-time`: that one wants seconds and an offset, and the API also reads a Paris
# wall time without them (2026-03-01T10:00).
Instant = Annotated[
    datetime,
    _IsoText(
        {
            "pattern": INSTANT_PATTERN,
            "description": "ISO 8601 date and time; without an offset, Paris time",
        },
        NOT_AN_INSTANT,
        bounded_instant,
    ),
]
