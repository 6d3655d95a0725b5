"""Server-rendered pages: one Jinja2 environment, French words from the gettext catalogs.

Templates call `_("English msgid")` and `ngettext(singular, plural, count)`; the translations live
in messages/locale/<lang>/LC_MESSAGES/allervers.po like every other word a person reads.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

from messages import DEFAULT_LANGUAGE, gettext, ngettext
from messages.formatting import month_name, short_date
from outreach.clock import PARIS

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
STATIC_DIR = Path(__file__).parent.parent / "static"
STATIC_PREFIX = "/static"


def _translate(message: str, **values: object) -> str:
    return gettext(message, DEFAULT_LANGUAGE, **values)


def _translate_plural(singular: str, plural: str, count: int, **values: object) -> str:
    return ngettext(singular, plural, count, DEFAULT_LANGUAGE, **values)


def paris_time(value: datetime | None) -> str:
    """Europe/Paris "11/03 10:05": stored times are UTC, people read local time."""
    return value.astimezone(PARIS).strftime("%d/%m %H:%M") if value else ""


def static_url(path: str) -> str:
    return f"{STATIC_PREFIX}/{path.lstrip('/')}"


templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals.update(
    _=_translate, ngettext=_translate_plural, static_url=static_url, lang=DEFAULT_LANGUAGE
)
templates.env.filters["paris_time"] = paris_time
templates.env.filters["short_date"] = short_date
templates.env.filters["month_name"] = month_name
