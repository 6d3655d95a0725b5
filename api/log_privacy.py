"""No personal data in the logs, even in a traceback.

Our own log lines name ids and codes only (tested with every logger at DEBUG). A traceback can
still carry data from elsewhere: PostgreSQL's DETAIL line quotes the row that broke a constraint,
a driver quotes a value it could not read, a provider's error repeats a phone number. Every
handler of the root logger gets `RedactTracebacks`, which formats the traceback itself with those
parts replaced. SQL parameters are already left out of database errors (outreach.db).
"""

from __future__ import annotations

import logging
import re
import traceback

HIDDEN = "[hidden]"
_PATTERNS = (
    # PostgreSQL: "DETAIL:  Key (phone)=(+33…) already exists." / "Failing row contains (…)."
    (re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE), rf"\1 {HIDDEN}"),
    # SQLAlchemy without hide_parameters, should an engine be made elsewhere.
    (re.compile(r"^(\s*\[parameters:).*$", re.MULTILINE), rf"\1 {HIDDEN}]"),
    # Drivers quoting the value they could not read: invalid input syntax for type x: "…".
    (re.compile(r'(invalid input (?:syntax|value) for [^:\n]*: )"[^"\n]*"'), rf"\1{HIDDEN}"),
    # Phone numbers (a provider's error message, a value in an exception): international with
    # "+" or "00", or French "06 39 98 12 34" in any spelling. ISO dates and times do not match.
    (re.compile(r"(?<![\w.+])(?:\+|00)\d(?:[ .\-]?\d){7,14}(?![\w.])"), HIDDEN),
    (re.compile(r"(?<![\w.])0[1-9](?:[ .\-]?\d{2}){4}(?![\w.])"), HIDDEN),
    # E-mail addresses (landlords).
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), HIDDEN),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactTracebacks(logging.Filter):
    """Formats a record's traceback once, redacted; handlers then print that text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            lines = traceback.format_exception(*record.exc_info)
            record.exc_text = redact("".join(lines).rstrip("\n"))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install() -> None:
    """Add the filter to every handler of the root logger (once)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(each, RedactTracebacks) for each in handler.filters):
            handler.addFilter(RedactTracebacks())
