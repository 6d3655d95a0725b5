"""One row of the CCAPEX list: parse and check its cells into a `CaseRow`, or say why it is refused.

Rejection reasons and warnings are French sentences for the team, built from English msgids.
They name columns, never a person's data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale

from messages import gettext
from outreach.communes import insee_code
from outreach.phones import Phone, normalise_phone
from outreach.text import fold

# Usual spellings of the procedure stage, folded, -> code (see outreach.models.case.STAGES).
_STAGE_EXACT = {
    "impaye": "impaye",
    "impayes": "impaye",
    "signalement": "impaye",
    "signalement impaye": "impaye",
    "cdp": "cdp",
    "assignation": "assignation",
    "assigne": "assignation",
    "audience": "audience",
    "jugement": "jugement",
    "decision": "jugement",
    "resiliation du bail": "jugement",
    "cql": "cql",
    "cfp": "cfp",
    "rfp": "cfp",
    "cofp": "cfp",
}
# Checked in order on the folded text: the later stages first, since their names contain others.
_STAGE_KEYWORDS = (
    ("force publique", "cfp"),
    ("quitter les lieux", "cql"),
    ("commandement de payer", "cdp"),
    ("jugement", "jugement"),
    ("audience", "audience"),
    ("assignation", "assignation"),
    ("impaye", "impaye"),
)

_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?")
_AMOUNT_NOISE = re.compile(r"(?i)euros?|eur|€|\s|'")
_AMOUNT = re.compile(r"\d[\d.,]*")
_PHONE_SPLIT = re.compile(r"\s*(?:/|;|,|\bou\b|\bet\b)\s*", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LIMITS = {
    "reference": 64,
    "nom": 200,
    "prenom": 200,
    "adresse": 300,
    "commune": 200,
    "bailleur_nom": 200,
}


class RowError(ValueError):
    """The row cannot be imported; the message (French) says why."""


@dataclass(frozen=True)
class LandlordRow:
    name: str
    phone: str | None  # E.164
    phone_raw: str | None
    email: str | None


@dataclass(frozen=True)
class CaseRow:
    """A checked row. None means "not given": a re-import never erases a value with a blank."""

    line: int
    reference: str
    last_name: str
    first_name: str | None
    phones: tuple[Phone, ...]
    address: str | None
    postcode: str | None
    commune: str | None
    stage: str | None
    date_cdp: date | None
    date_assignation: date | None
    date_audience: date | None
    debt_cents: int | None
    landlord: LandlordRow | None
    language: str | None
    warnings: tuple[str, ...] = ()
    insee_code: str | None = None  # the commune's, to place the case in its sector


def parse_row(line: int, values: dict[str, str]) -> CaseRow:
    """Check one row's cells (canonical column -> text); raise RowError with the reason."""
    warnings: list[str] = []
    _check_lengths(values)
    reference = " ".join(values.get("reference", "").split()).upper()
    if not reference:
        raise RowError(gettext("missing reference"))
    last_name = _clean(values.get("nom"))
    if not last_name:
        raise RowError(gettext("missing name (nom)"))
    phones = _phones(values, warnings)
    address = _clean(values.get("adresse"))
    if not phones and not address:
        raise RowError(gettext("no usable phone number and no address"))
    insee = _insee(values.get("code_insee", ""), warnings)
    return CaseRow(
        line=line,
        reference=reference,
        last_name=last_name,
        first_name=_clean(values.get("prenom")),
        phones=phones,
        address=address,
        postcode=_postcode(values.get("code_postal", ""), warnings),
        commune=_clean(values.get("commune")),
        stage=parse_stage(values.get("etape", "")),
        date_cdp=_date_cell(values, "date_cdp"),
        date_assignation=_date_cell(values, "date_assignation"),
        date_audience=_date_cell(values, "date_audience"),
        debt_cents=_amount_cell(values, "montant_dette"),
        landlord=_landlord(values, warnings),
        language=_language(values.get("langue", ""), warnings),
        warnings=tuple(warnings),
        insee_code=insee,
    )


def _clean(text: str | None) -> str | None:
    cleaned = " ".join((text or "").split())
    return cleaned or None


def _check_lengths(values: dict[str, str]) -> None:
    for column, limit in _LIMITS.items():
        if len(values.get(column, "")) > limit:
            raise RowError(
                gettext(
                    "column {column} is too long (at most {limit} characters)",
                    column=column,
                    limit=limit,
                )
            )


def parse_stage(text: str) -> str | None:
    """The stage code for a usual French spelling; None when empty; RowError when unknown."""
    folded = fold(text)
    if not folded:
        return None
    if folded in _STAGE_EXACT:
        return _STAGE_EXACT[folded]
    for keyword, code in _STAGE_KEYWORDS:
        if keyword in folded:
            return code
    for word in folded.split():  # "CDP délivré", "CQL signifié"
        if word in _STAGE_EXACT:
            return _STAGE_EXACT[word]
    raise RowError(gettext("unknown procedure stage “{stage}”", stage=text.strip()[:60]))


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy (or dd-mm-yyyy, dd.mm.yy) or ISO yyyy-mm-dd; None when empty; ValueError."""
    text = text.strip()
    if not text:
        return None
    if match := _DMY.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
        return date(year + 2000 if year < 100 else year, month, day)
    if match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
        return date(year, month, day)
    raise ValueError(text)


def _date_cell(values: dict[str, str], column: str) -> date | None:
    try:
        return parse_date(values.get(column, ""))
    except ValueError:
        raise RowError(
            gettext("unreadable date in column {column} (expected dd/mm/yyyy)", column=column)
        ) from None


def parse_amount_cents(text: str) -> int | None:
    """Cents of "1 234,56 €", "1234.56", "1.234,56", "1,234.56 EUR"; None when empty.

    Raises ValueError for anything else (letters, negative amounts, more than two decimals).
    """
    compact = _AMOUNT_NOISE.sub("", text)
    if not compact:
        return None
    if not _AMOUNT.fullmatch(compact):
        raise ValueError(text)
    value = Decimal(_plain_decimal(compact))
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(text)
    return int(value * 100)


def _plain_decimal(text: str) -> str:
    """Remove thousands separators and make the decimal separator a dot."""
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        whole, _, cents = text.rpartition(decimal_mark)
        return _without_thousands(whole, thousands) + "." + cents
    for mark in (",", "."):
        if text.count(mark) > 1:
            return _without_thousands(text, mark)
        if mark in text:
            whole, _, tail = text.partition(mark)
            # "1.234" is a thousands group; "1,234" in a French file is too ambiguous to guess.
            if mark == "." and len(tail) == 3:
                return whole + tail
            return whole + "." + tail
    return text


def _without_thousands(text: str, mark: str) -> str:
    head, *groups = text.split(mark)
    if not head or not all(len(group) == 3 for group in groups):
        raise ValueError(text)
    return head + "".join(groups)


def _amount_cell(values: dict[str, str], column: str) -> int | None:
    try:
        return parse_amount_cents(values.get(column, ""))
    except (ValueError, InvalidOperation):
        raise RowError(
            gettext(
                "unreadable amount in column {column} (expected e.g. 1 234,56 €)", column=column
            )
        ) from None


def _phones(values: dict[str, str], warnings: list[str]) -> tuple[Phone, ...]:
    found: dict[str, Phone] = {}
    for column in ("telephone", "telephone2"):
        parts = [part for part in _PHONE_SPLIT.split(values.get(column, "")) if part.strip()]
        phones = [normalise_phone(part) for part in parts]
        for phone in phones:
            if phone is not None:
                found.setdefault(phone.e164, phone)
        if None in phones:
            warnings.append(gettext("unreadable phone number in column {column}", column=column))
    return tuple(found.values())


def _postcode(text: str, warnings: list[str]) -> str | None:
    digits = "".join(text.split())
    if not digits:
        return None
    if digits.isdigit() and len(digits) == 4:  # a spreadsheet dropped the leading zero
        digits = "0" + digits
    if digits.isdigit() and len(digits) == 5:
        return digits
    warnings.append(gettext("unreadable postcode: ignored"))
    return None


def _insee(text: str, warnings: list[str]) -> str | None:
    if not text.strip():
        return None
    code = insee_code(text)
    if code is None:
        warnings.append(gettext("unreadable INSEE code: ignored"))
    return code


def _landlord(values: dict[str, str], warnings: list[str]) -> LandlordRow | None:
    name = _clean(values.get("bailleur_nom")) or ""
    raw_phone = _clean(values.get("bailleur_telephone"))
    email = (values.get("bailleur_email") or "").strip().lower() or None
    if not (name or raw_phone or email):
        return None
    phone = normalise_phone(raw_phone) if raw_phone else None
    if raw_phone and phone is None:
        warnings.append(gettext("unreadable landlord phone number"))
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        warnings.append(gettext("unreadable landlord e-mail address: ignored"))
        email = None
    return LandlordRow(
        name=name, phone=phone.e164 if phone else None, phone_raw=raw_phone, email=email
    )


def _language(text: str, warnings: list[str]) -> str | None:
    folded = fold(text)
    if not folded:
        return None
    code = language_codes().get(folded) or language_codes().get(folded.split()[0])
    if code is None:
        warnings.append(
            gettext("unknown language “{name}”: French is used", name=text.strip()[:40])
        )
    return code


@lru_cache(maxsize=1)
def language_codes() -> dict[str, str]:
    """Folded language name (French or English) or ISO code -> ISO 639-1 code."""
    codes: dict[str, str] = {}
    for locale in (Locale("en"), Locale("fr")):
        for code, name in locale.languages.items():
            if len(code) == 2:
                codes.setdefault(fold(name), code)
                codes[code] = code
    codes.update({"francais": "fr", "french": "fr", "arabe": "ar", "anglais": "en"})
    return codes
