"""Checking one CCAPEX row: dates, amounts, phones, stages, languages, and why a row is refused."""

from __future__ import annotations

from datetime import date

import pytest

from outreach.ccapex.rows import RowError, parse_amount_cents, parse_date, parse_row, parse_stage
from tests.ccapex_files import row


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/03/2026", date(2026, 3, 5)),
        ("5/3/2026", date(2026, 3, 5)),
        ("05-03-2026", date(2026, 3, 5)),
        ("05.03.2026", date(2026, 3, 5)),
        ("05/03/26", date(2026, 3, 5)),
        ("2026-03-05", date(2026, 3, 5)),
        ("2026-03-05T00:00:00", date(2026, 3, 5)),
        ("2026-03-05 00:00:00", date(2026, 3, 5)),
        ("05/03/2026 00:00", date(2026, 3, 5)),
        ("", None),
    ],
)
def test_it_reads_french_and_iso_dates(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2026", "mars 2026", "2026/03", "05/13/2026"])
def test_it_refuses_impossible_or_unknown_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1 234,56 €", 123456),
        ("1\u202f234,56\u00a0€", 123456),  # narrow and ordinary no-break spaces (French Excel)
        ("1234,56", 123456),
        ("1234.56", 123456),
        ("1.234,56", 123456),
        ("1,234.56", 123456),
        ("1.234", 123400),
        ("1 234 567,8 EUR", 123456780),
        ("850 euros", 85000),
        ("€ 12", 1200),
        ("0", 0),
        ("", None),
    ],
)
def test_it_reads_amounts_in_cents(text: str, cents: int | None) -> None:
    assert parse_amount_cents(text) == cents


@pytest.mark.parametrize("text", ["-12,00", "douze", "1,234", "12,345.6.7", "1.2.3"])
def test_it_refuses_amounts_it_cannot_read_for_sure(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount_cents(text)


@pytest.mark.parametrize(
    "spelling",
    [
        "06 39 98 00 01",
        "06.39.98.00.01",
        "0639980001",
        "06-39-98-00-01",
        "+33 6 39 98 00 01",
        "+33639980001",
        "0033 6 39 98 00 01",
        "+33 (0)6 39 98 00 01",
        "+33 (0) 6 39 98 00 01",
    ],
)
def test_it_normalises_every_usual_spelling_of_a_mobile(spelling: str) -> None:
    parsed = parse_row(2, row(telephone=spelling))
    assert [(phone.e164, phone.line_type, phone.sms_capable) for phone in parsed.phones] == [
        ("+33639980001", "mobile", True)
    ]


@pytest.mark.parametrize(
    "spelling", ["06 39 98 12 34", "06.39.98.12.34", "+33 6 39 98 12 34", "0033 6 39 98 12 34"]
)
def test_it_normalises_real_mobile_ranges_with_phonenumbers(spelling: str) -> None:
    assert parse_row(2, row(telephone=spelling)).phones[0].e164 == "+33639981234"


@pytest.mark.parametrize("spelling", ["03 53 01 00 02", "01 99 00 00 02", "+33 3 53 01 00 02"])
def test_it_keeps_a_landline_but_marks_it_not_sms_capable(spelling: str) -> None:
    parsed = parse_row(2, row(telephone="", telephone2=spelling))
    assert len(parsed.phones) == 1
    assert parsed.phones[0].line_type == "landline"
    assert parsed.phones[0].sms_capable is False


def test_it_keeps_both_numbers_in_order_and_drops_a_duplicate() -> None:
    parsed = parse_row(
        2, row(telephone="06 39 98 00 01 / 03 53 01 00 02", telephone2="+33 6 39 98 00 01")
    )
    assert [phone.e164 for phone in parsed.phones] == ["+33639980001", "+33353010002"]


def test_it_imports_a_row_with_a_bad_phone_when_another_contact_exists_and_warns() -> None:
    parsed = parse_row(2, row(telephone="06 12", telephone2="03 53 01 00 02"))
    assert [phone.e164 for phone in parsed.phones] == ["+33353010002"]
    assert parsed.warnings == (
        "numéro de téléphone illisible dans la colonne telephone : à vérifier par l'équipe",
    )


def test_it_imports_a_row_with_only_a_bad_phone_when_the_address_exists() -> None:
    parsed = parse_row(2, row(telephone="n/c"))
    assert parsed.phones == ()
    assert parsed.address == "3 rue de l'Essai"
    assert len(parsed.warnings) == 1


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"reference": "  "}, "référence manquante"),
        ({"nom": ""}, "nom manquant"),
        ({"telephone": "", "adresse": ""}, "ni numéro de téléphone utilisable ni adresse"),
        ({"telephone": "06 12", "adresse": ""}, "ni numéro de téléphone utilisable ni adresse"),
        ({"etape": "Médiation"}, "étape de procédure inconnue « Médiation »"),
        ({"date_cdp": "31/02/2026"}, "date illisible dans la colonne date_cdp"),
        ({"date_audience": "bientôt"}, "date illisible dans la colonne date_audience"),
        ({"montant_dette": "beaucoup"}, "montant illisible dans la colonne montant_dette"),
        ({"reference": "R" * 65}, "colonne reference trop longue"),
    ],
)
def test_it_rejects_a_row_with_a_reason(cells: dict[str, str], reason: str) -> None:
    with pytest.raises(RowError) as error:
        parse_row(2, row(**cells))
    assert str(error.value).startswith(reason)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Impayé", "impaye"),
        ("IMPAYES", "impaye"),
        ("Signalement impayé", "impaye"),
        ("Commandement de payer", "cdp"),
        ("CDP", "cdp"),
        ("cdp délivré", "cdp"),
        ("Assignation", "assignation"),
        ("Assignation au tribunal", "assignation"),
        ("Audience", "audience"),
        ("Jugement", "jugement"),
        ("Jugement d'expulsion", "jugement"),
        ("Commandement de quitter les lieux", "cql"),
        ("CQL", "cql"),
        ("Concours de la force publique", "cfp"),
        ("Demande de concours de la force publique", "cfp"),
        ("CFP", "cfp"),
        ("", None),
    ],
)
def test_it_maps_usual_stage_spellings_to_codes(text: str, code: str | None) -> None:
    assert parse_stage(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("fr", "fr"),
        ("Français", "fr"),
        ("FRANCAIS", "fr"),
        ("anglais", "en"),
        ("English", "en"),
        ("arabe", "ar"),
        ("ar", "ar"),
        ("fr-FR", "fr"),
        ("Turc", "tr"),
        ("", None),
    ],
)
def test_it_reads_the_language(text: str, code: str | None) -> None:
    assert parse_row(2, row(langue=text)).language == code


def test_it_warns_about_an_unknown_language_and_keeps_french_by_default() -> None:
    parsed = parse_row(2, row(langue="klingon"))
    assert parsed.language is None
    assert parsed.warnings == ("langue inconnue « klingon » : le français est utilisé",)


def test_it_reads_the_whole_row() -> None:
    parsed = parse_row(
        7,
        row(
            reference=" ccx-2026-0007 ",
            etape="Audience",
            date_cdp="2025-11-03",
            date_assignation="12/01/2026",
            date_audience="16/03/2026",
            code_postal="2000",
            bailleur_telephone="06 39 98 00 09",
            bailleur_email="Bailleur@Example.ORG",
        ),
    )
    assert parsed.line == 7
    assert parsed.reference == "CCX-2026-0007"
    assert (parsed.last_name, parsed.first_name) == ("Exemple", "Camille")
    assert parsed.stage == "audience"
    assert (parsed.date_cdp, parsed.date_assignation, parsed.date_audience) == (
        date(2025, 11, 3),
        date(2026, 1, 12),
        date(2026, 3, 16),
    )
    assert parsed.postcode == "02000"
    assert parsed.debt_cents == 123456
    assert parsed.landlord is not None
    assert parsed.landlord.phone == "+33639980009"
    assert parsed.landlord.email == "bailleur@example.org"
    assert parsed.warnings == ()


def test_it_warns_about_a_bad_landlord_contact_and_postcode() -> None:
    parsed = parse_row(
        2, row(bailleur_telephone="12", bailleur_email="pas-une-adresse", code_postal="ABC")
    )
    assert parsed.landlord is not None
    assert parsed.landlord.phone is None
    assert parsed.landlord.phone_raw == "12"
    assert parsed.landlord.email is None
    assert parsed.postcode is None
    assert len(parsed.warnings) == 3
