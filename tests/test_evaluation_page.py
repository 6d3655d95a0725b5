"""The indicators page and exports for the State (issue #17): the key figures first with their
change, French numbers, each chart's figures folded under it, a glossary; an evaluator sees
fewer than 5 households as "< 5" on the page and in both exports, a coordinator exact figures."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from html import unescape

import pytest
from openpyxl import load_workbook

from outreach.models import Message
from tests.factories import fiction_phone, make_case
from tests.web_support import https_client, make_member, sign_in


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


@pytest.fixture
def march(sessions, clock) -> None:  # type: ignore[no-untyped-def]
    """Arras: 7 households in March 2026, 3 answered; Lens: 2 in March, none answered;
    February: 4 in Arras, 1 answered."""
    with sessions.begin() as session:
        number = 0
        for sector, month, households, answered in (
            ("arras", "2026-03", 7, 3), ("lens", "2026-03", 2, 0), ("arras", "2026-02", 4, 1)
        ):  # fmt: skip
            for index in range(households):
                number += 1
                case = make_case(
                    session, clock=clock, sector_code=sector, phones=(fiction_phone(number),)
                )
                case.import_month = month
                if index < answered:
                    session.add(
                        Message(
                            direction="in", channel="sms", case_id=case.id,
                            address="+33639980001", body="Oui", status="received",
                            processed=True, created_at=clock.now() + timedelta(hours=1),
                        )
                    )  # fmt: skip


def _main(page: str) -> str:
    return unescape(page.split("<main", 1)[1].split("</main>", 1)[0])


def _card(page: str, key: str) -> str:
    return unescape(page.split(f'id="headline-{key}"', 1)[1].split("</li>", 1)[0])


def test_the_key_figures_come_first_with_their_change(web, sessions, clock, march) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    page = web.get("/indicators?start=2026-03&end=2026-03").text
    main = _main(page)
    assert main.index("Chiffres clés") < main.index("Entonnoir")
    transferred, reached = _card(page, "transferred"), _card(page, "reached")
    assert "Ménages transmis" in transferred and ">9<" in transferred
    assert "+5 (période précédente : 4)" in transferred
    assert "33,3\u00a0%" in reached and "3 ménages" in reached  # 3 of 9
    assert "+8,3 points (période précédente : 25\u00a0%)" in reached  # 1 of 4 before
    for title in ("Issues des dossiers clos", "Délais entre les étapes, en jours",
                  "Démarches convenues, par type", "Stade de la procédure à la première réponse",
                  "Ménages non joints", "Causes de l'impayé (diagnostics)",
                  "Ce que veut dire chaque chiffre"):  # fmt: skip
        assert title in main
    assert main.count("<summary>Voir les chiffres</summary>") >= 12
    assert "0.0" not in main
    lens = web.get("/indicators?sector=lens").text
    assert ">2<" in _card(lens, "transferred")


def test_an_evaluator_sees_small_cells_as_fewer_than_five(web, sessions, clock, march) -> None:
    evaluator = make_member(sessions, clock, role="evaluator")
    sign_in(web, evaluator.email)
    page = web.get("/indicators?start=2026-03&end=2026-03").text
    reached = _card(page, "reached")
    assert "<\u00a05 ménages" in reached and "masqué" in reached  # 3: hidden, and its rate
    assert ">9<" in _card(page, "transferred")  # 9 households: shown
    assert "affichés « < 5 »" in unescape(page)
    funnel = unescape(page.split('id="sector-title"', 1)[1].split("</section>", 1)[0])
    assert '<th scope="row">Lens</th><td><\u00a05</td>' in funnel
    assert '<th scope="row">Arras</th><td>7</td><td>0 (0\u00a0%)</td>' in funnel
    assert "&lt;\u00a05" in page.split('id="chart-sector"', 1)[1].split("</svg>", 1)[0]

    exported = web.get("/indicators/export.csv?start=2026-03&end=2026-03")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert ["2026-03", "Lens", "<\u00a05", "0", "0", "0", "0", "0", "0"] in rows
    [reached_row] = [row for row in rows if row[:1] == ["Ménages joints"] and len(row) == 5]
    assert reached_row[1:3] == ["<\u00a05", "masqué"]
    book = load_workbook(io.BytesIO(web.get("/indicators/export.xlsx").content))
    funnel_rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert ["2026-03", "Arras", 7, 0, "<\u00a05", 0, 0, 0, 0] in funnel_rows
    definitions = [list(row) for row in book.worksheets[-1].iter_rows(values_only=True)]
    assert definitions[1] == ["Terme", "Définition"]
    assert any(row[0] == "Petits effectifs" for row in definitions)


def test_a_coordinator_sees_exact_small_figures(web, sessions, clock, march) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    page = web.get("/indicators?start=2026-03&end=2026-03").text
    assert "3 ménages" in _card(page, "reached")
    assert "<\u00a05" not in _main(page)
    book = load_workbook(io.BytesIO(web.get("/indicators/export.xlsx").content))
    funnel_rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert ["2026-03", "Arras", 7, 0, 3, 0, 0, 0, 0] in funnel_rows


@pytest.mark.parametrize(
    ("count", "whole", "threshold", "value", "detail"),
    [
        (0, 9, None, "0\u00a0%", "0 ménage"),  # French: 0 and 1 in the singular
        (1, 9, None, "11,1\u00a0%", "1 ménage"),
        (3, 9, None, "33,3\u00a0%", "3 ménages"),
        (3, 9, 5, "masqué", "<\u00a05 ménages"),
        (0, 3, 5, "masqué", "0 ménage"),  # none of a small group: its rate still hidden
    ],
)
def test_a_headline_share_says_how_many_households_in_good_french(
    count: int, whole: int, threshold: int | None, value: str, detail: str
) -> None:
    from api.web.indicator_views import _card
    from outreach.reports.cells import Cells
    from outreach.reports.headline import MEASURES, Figure

    reached = next(measure for measure in MEASURES if measure.key == "reached")
    card = _card(Figure(reached, count, whole, None, None), Cells(threshold))
    assert (card["value"], card["detail"]) == (value, detail)
