"""One rule for the text people type, wherever it comes in: the JSON API (bodies and query
parameters), the team's forms and the CCAPEX import.

Control characters are refused, on every database alike: PostgreSQL cannot store NUL at all (a
500 there, silently kept by SQLite), and the others (escape, backspace, bell…) are never typed on
purpose but break CSV exports, SMS and the pages. Tab and line breaks are text in a field of
several lines (a note, a message), never in a one-line field (a name, a search). A lone UTF-16
surrogate (JSON can spell one) cannot be encoded for the database either.

The webhooks do not refuse: a provider does not retry a refused message, so they store what they
received, cleaned (outreach.sanitize).

`Line` and `Text` are the annotated types for pydantic models and FastAPI parameters: the rule is
checked with a French message and published in the schema as a `pattern`, so that clients (and
the fuzzer) know it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

from messages import N_, gettext

# C0 and C1 control characters (Unicode category Cc); a multi-line field keeps tab, LF and CR.
_CONTROLS = r"\x00-\x1f\x7f-\x9f"
_MULTILINE_CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_SURROGATES = "\ud800-\udfff"
# What str.strip() removes and ECMA-262's \s matches, spelled out so that the schema's pattern
# (read by JavaScript-like engines) and this code agree on what a blank text is.
_BLANKS = r"\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

_REFUSED_LINE = re.compile(f"[{_CONTROLS}{_SURROGATES}]")
_REFUSED_TEXT = re.compile(f"[{_MULTILINE_CONTROLS}{_SURROGATES}]")
_VISIBLE = re.compile(f"[^{_BLANKS}{_CONTROLS}]")

CONTROL_REFUSED = N_("The text contains a control character (position {position}): remove it.")
BLANK_REFUSED = N_("The text is empty.")


def refused_at(value: str, *, multiline: bool = False) -> int | None:
    """The position (from 1) of the first character the rule refuses, or None."""
    found = (_REFUSED_TEXT if multiline else _REFUSED_LINE).search(value)
    return found.start() + 1 if found else None


def check(value: str, *, multiline: bool = False, required: bool = False) -> str:
    """The text unchanged, or ValueError with the French reason (a control character; with
    `required`, a text of blanks only)."""
    position = refused_at(value, multiline=multiline)
    if position is not None:
        raise ValueError(gettext(CONTROL_REFUSED, position=position))
    if required and not _VISIBLE.search(value):
        raise ValueError(gettext(BLANK_REFUSED))
    return value


def pattern(*, multiline: bool = False, required: bool = False) -> str:
    """The rule as a JSON Schema `pattern` (ECMA-262; surrogates cannot be written there)."""
    allowed = f"[^{_MULTILINE_CONTROLS if multiline else _CONTROLS}]"
    if not required:
        return f"^{allowed}*$"
    visible = f"[^{_BLANKS}{_CONTROLS}]"
    return f"^{allowed}*{visible}{allowed}*$"


@dataclass(frozen=True)
class TextRule:
    """Pydantic metadata: check the rule after the string is read, publish it as a pattern."""

    multiline: bool = False
    required: bool = False

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        published = handler(schema)
        published["pattern"] = pattern(multiline=self.multiline, required=self.required)
        return published

    def _check(self, value: str) -> str:
        try:
            return check(value, multiline=self.multiline, required=self.required)
        except ValueError as error:  # the French reason alone, without pydantic's prefix
            raise PydanticCustomError("text_refused", str(error)) from None


Line = Annotated[str, TextRule()]
"""One line: a name, a search, a code. No control character at all."""
Text = Annotated[str, TextRule(multiline=True)]
"""Several lines: a note, a message. Tab and line breaks allowed."""
FilledLine = Annotated[str, TextRule(required=True)]
FilledText = Annotated[str, TextRule(multiline=True, required=True)]
"""The same, with at least one visible character."""
