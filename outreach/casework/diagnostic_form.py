"""The questions of the diagnostic (DSF), read from a data file the team extends without code
(outreach/data/diagnostic_form.json; another file with ALLERVERS_DIAGNOSTIC_FORM), and the
reading of an answer by the type of its question.

Sections and fields keep the order of the file. Labels are written in plain French in the file:
the team writes them, the team reads them. A field's `summary` role says what the case summary
takes from it (the monthly resources added up, the rent, the household's size, the causes, the
household's wish), so a new resource counts in the total as soon as it is in the file.
Answers are stored by field key: count → int, number → int or float, money → int cents,
choice → its key, multichoice → list of keys (in the file's order), yesno → "yes"/"no",
text and longtext → str. An empty answer is no answer (the key is left out).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from messages import gettext
from messages.formatting import amount
from outreach import text_input
from outreach.casework import step_kinds

DEFAULT_FILE = Path(__file__).parent.parent / "data" / "diagnostic_form.json"
ENV = "ALLERVERS_DIAGNOSTIC_FORM"
TYPES = ("count", "number", "money", "choice", "multichoice", "yesno", "text", "longtext")
# What the case summary takes from a field, and the types that can play the part.
SUMMARY_ROLES = {
    "resources": ("money",),
    "rent": ("money",),
    "charges": ("money",),
    "household": ("count",),
    "causes": ("multichoice",),
    "wish": ("choice",),
}
CHOICE_SOURCES = ("step_kinds",)
YES_NO = ("yes", "no")
DEFAULT_MAX = {"count": 99, "number": 1_000_000, "money": 100_000}  # money: euros a month
TEXT_MAX = {"text": 200, "longtext": 4000}
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_LINE_BREAK = re.compile(r"[\t\r\n]")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_MONEY = re.compile(r"^\d+(?:[.,]\d{1,2})?$")


class FormFileError(ValueError):
    """The data file is not usable; the message names the entry at fault."""


class AnswerError(ValueError):
    """An answer does not fit its question (the message says how, in French)."""


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str
    help: str = ""
    choices: tuple[Choice, ...] = ()
    maximum: int | None = None
    summary: str | None = None

    def choice_label(self, key: str) -> str:
        return next((choice.label for choice in self.choices if choice.key == key), key)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    help: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Form:
    sections: tuple[Section, ...]
    version: str  # "form-<first 12 hex digits of the SHA-256 of the file>"

    @property
    def fields(self) -> dict[str, Field]:
        return {field.key: field for section in self.sections for field in section.fields}

    def with_role(self, role: str) -> tuple[Field, ...]:
        return tuple(field for field in self.fields.values() if field.summary == role)


def load(path: Path) -> Form:
    """Read and check a form file: unique keys, known types, choices where needed."""
    try:
        raw = path.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError) as error:
        raise FormFileError(f"{path}: cannot be read as JSON ({error})") from None
    entries = data.get("sections") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise FormFileError(f"{path}: a non-empty list 'sections' is expected")
    sections: list[Section] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, 1):
        where = f"{path}: section {number}"
        if not isinstance(entry, dict):
            raise FormFileError(f"{where} is not an object")
        key = _key(entry, where)
        where = f"{path}: section {number} ({key})"
        fields = entry.get("fields")
        if not isinstance(fields, list) or not fields:
            raise FormFileError(f"{where}: a non-empty list 'fields' is expected")
        read = tuple(_field(item, f"{where}, field {n}", seen) for n, item in enumerate(fields, 1))
        sections.append(
            Section(
                key=key,
                title=_text(entry, "title", where),
                help=_text(entry, "help", where, required=False),
                fields=read,
            )
        )
    version = "form-" + hashlib.sha256(raw).hexdigest()[:12]
    return Form(sections=tuple(sections), version=version)


def _field(entry: object, where: str, seen: set[str]) -> Field:
    if not isinstance(entry, dict):
        raise FormFileError(f"{where} is not an object")
    key = _key(entry, where)
    where = f"{where} ({key})"
    if key in seen:
        raise FormFileError(f"{where}: the key {key!r} is already used")
    seen.add(key)
    kind = entry.get("type")
    if kind not in TYPES:
        raise FormFileError(f"{where}: 'type' must be one of {', '.join(TYPES)}")
    role = entry.get("summary")
    if role is not None and (role not in SUMMARY_ROLES or kind not in SUMMARY_ROLES[role]):
        raise FormFileError(f"{where}: 'summary' {role!r} does not fit a {kind} field")
    maximum = entry.get("max")
    if maximum is not None and (
        kind not in DEFAULT_MAX or not isinstance(maximum, int) or maximum < 1
    ):
        raise FormFileError(f"{where}: 'max' is a whole number above 0, for numbers only")
    return Field(
        key=key,
        label=_text(entry, "label", where),
        type=kind,
        help=_text(entry, "help", where, required=False),
        choices=_choices(entry, kind, where),
        maximum=maximum if maximum is not None else DEFAULT_MAX.get(kind),
        summary=role,
    )


def _choices(entry: dict[str, Any], kind: str, where: str) -> tuple[Choice, ...]:
    listed, source = entry.get("choices"), entry.get("choices_from")
    if kind not in ("choice", "multichoice"):
        if listed is not None or source is not None:
            raise FormFileError(f"{where}: only choice and multichoice fields have choices")
        return ()
    if source is not None:
        if source not in CHOICE_SOURCES or listed is not None:
            raise FormFileError(f"{where}: 'choices_from' must be one of {CHOICE_SOURCES}")
        return tuple(
            Choice(key=kind.key, label=step_kinds.team_label(kind.key))
            for kind in step_kinds.step_kinds()
        )
    if not isinstance(listed, list) or not listed:
        raise FormFileError(f"{where}: a non-empty list 'choices' is expected")
    choices: list[Choice] = []
    for number, item in enumerate(listed, 1):
        at = f"{where}, choice {number}"
        if not isinstance(item, dict):
            raise FormFileError(f"{at} is not an object")
        key = _key(item, at)
        if any(choice.key == key for choice in choices):
            raise FormFileError(f"{at}: the key {key!r} is already used")
        choices.append(Choice(key=key, label=_text(item, "label", at)))
    return tuple(choices)


def _key(entry: dict[str, Any], where: str) -> str:
    key = entry.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise FormFileError(f"{where}: 'key' must be lowercase letters, digits or _ (1-40)")
    return key


def _text(entry: dict[str, Any], name: str, where: str, *, required: bool = True) -> str:
    text = entry.get(name)
    if text is None and not required:
        return ""
    if not isinstance(text, str) or not text.strip() or len(text) > 300:
        raise FormFileError(f"{where}: '{name}' must be a text of 1-300 characters")
    return text.strip()


@cache
def _form(path: str) -> Form:
    return load(Path(path))


def current_form() -> Form:
    """The form in use (read once, checked when the app starts)."""
    return _form(os.environ.get(ENV) or str(DEFAULT_FILE))


def reset() -> None:
    """Forget the form read (tests point ALLERVERS_DIAGNOSTIC_FORM to another file)."""
    _form.cache_clear()


# --- answers --------------------------------------------------------------------------------


def parse(field: Field, raw: str | list[str] | None) -> Any:
    """The stored value of what was typed or ticked; None for no answer; AnswerError if wrong."""
    if field.type == "multichoice":
        picked = raw if isinstance(raw, list) else ([raw] if raw else [])
        if any(not isinstance(key, str) for key in picked):
            raise AnswerError(gettext("Choose answers from the list."))
        keys = [choice.key for choice in field.choices]
        if any(key not in keys for key in picked):
            raise AnswerError(gettext("Choose answers from the list."))
        return [key for key in keys if key in picked] or None
    if isinstance(raw, list):
        raw = raw[-1] if raw else None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = str(raw)
    if raw is not None and not isinstance(raw, str):
        raise AnswerError(gettext("This answer cannot be read."))
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if field.type in ("text", "longtext"):
        return _free_text(field, text)
    if field.type == "choice":
        if text not in {choice.key for choice in field.choices}:
            raise AnswerError(gettext("Choose an answer from the list."))
        return text
    if field.type == "yesno":
        if text not in YES_NO:
            raise AnswerError(gettext("Answer yes or no."))
        return text
    return _figure(field, text)


def _free_text(field: Field, text: str) -> str:
    limit = TEXT_MAX[field.type]
    if len(text) > limit:
        raise AnswerError(gettext("At most {limit} characters.", limit=limit))
    if field.type == "text":
        text = _LINE_BREAK.sub(" ", text)
    # The one text rule (outreach.text_input); a short text's line breaks became spaces above.
    if text_input.refused_at(text, multiline=True) is not None:
        raise AnswerError(gettext("This text holds characters that cannot be saved."))
    return text


def _figure(field: Field, text: str) -> int | float:
    """A count, a number or an amount in euros ("1 234,50 €" → 123450 cents)."""
    maximum = field.maximum or DEFAULT_MAX[field.type]
    compact = re.sub(r"[\s\u00a0\u202f€]", "", text)
    if field.type == "count":
        if not compact.isdigit() or int(compact) > maximum:
            raise AnswerError(gettext("Write a whole number from 0 to {maximum}.", maximum=maximum))
        return int(compact)
    if field.type == "money":
        if not _MONEY.match(compact) or _decimal(compact) > maximum:
            grouped = f"{maximum:,}".replace(",", " ")
            raise AnswerError(
                gettext(
                    "Write an amount in euros from 0 to {maximum}, for example 450 or 450,50.",
                    maximum=grouped,
                )
            )
        return int(_decimal(compact) * 100)
    if not _NUMBER.match(compact) or abs(_decimal(compact)) > maximum:
        raise AnswerError(gettext("Write a number, for example 12 or 12,5."))
    value = _decimal(compact)
    return int(value) if value == value.to_integral_value() else float(value)


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the patterns above let only numbers through
        return Decimal(0)


def shown(field: Field, value: Any) -> str | list[str]:
    """A stored value as the form's input shows it (money in euros with a comma)."""
    if value is None:
        return [] if field.type == "multichoice" else ""
    if field.type == "multichoice":
        return [str(key) for key in value] if isinstance(value, list) else []
    if field.type == "money" and isinstance(value, int):
        euros, cents = divmod(value, 100)
        return f"{euros},{cents:02d}" if cents else str(euros)
    if field.type == "number":
        return str(value).replace(".", ",")
    return str(value)


def readable(field: Field, value: Any) -> str:
    """A stored value as the read-only diagnostic shows it, in French."""
    if value is None or value == []:
        return ""
    if field.type == "multichoice":
        return ", ".join(field.choice_label(key) for key in value)
    if field.type == "choice":
        return field.choice_label(str(value))
    if field.type == "yesno":
        return gettext("yes") if value == "yes" else gettext("no")
    if field.type == "money" and isinstance(value, int):
        return amount(value, "fr")
    return str(shown(field, value))
