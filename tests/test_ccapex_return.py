"""The monthly return to the CCAPEX: 50 cases of one month in every state, each row checked
against a hand-written expectation; the same rows re-read from the XLSX and the CSV; the API and
the team page for coordinators only; the command line."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.ccapex import monthly_return
from outreach.clock import PARIS, FrozenClock
from outreach.models import (
    Case,
    ConsentRecord,
    EngagementStep,
    Message,
    Partner,
    Referral,
    Visit,
)
from tests.ccapex_files import cli_runner
from tests.factories import make_case
from tests.web_support import csrf_of, https_client, make_member, sign_in

MONTH = "2026-02"
D1 = datetime(2026, 2, 3, 10, 0, tzinfo=PARIS)  # first message
D2 = datetime(2026, 2, 4, 18, 30, tzinfo=PARIS)  # the household answers
D3 = datetime(2026, 2, 5, 9, 0, tzinfo=PARIS)  # diagnostic answer
D4 = datetime(2026, 2, 17, 9, 0, tzinfo=PARIS)  # the visit
D5 = datetime(2026, 3, 2, 11, 0, tzinfo=PARIS)  # closed

HEADER = [
    "Référence CCAPEX",
    "Secteur",
    "Premier message envoyé le",
    "Foyer joint le",
    "Diagnostic",
    "Réponse au diagnostic le",
    "Visite faite le",
    "Démarches convenues",
    "Démarches faites",
    "Orientations vers des partenaires",
    "Statut",
    "Issue",
    "Clos le",
    "Étape de la procédure",
]


def _message(session: Session, case: Case, direction: str, at: datetime) -> None:
    session.add(
        Message(
            direction=direction, channel="sms", case_id=case.id, body="…",
            address=case.contact_points[0].value,
            status="delivered" if direction == "out" else "received",
            created_at=at, sent_at=at if direction == "out" else None,
        )
    )  # fmt: skip


def _consent(session: Session, case: Case, decision: str, at: datetime, channel: str) -> None:
    session.add(
        ConsentRecord(
            case_id=case.id, purpose="diagnostic", decision=decision, text_version="v1",
            language="fr", channel=channel, recorded_at=at,
        )
    )  # fmt: skip


def _visit(session: Session, case: Case, at: datetime, status: str = "held") -> None:
    session.add(
        Visit(
            case_id=case.id, starts_at=at, ends_at=at + timedelta(hours=1), status=status,
            window_starts_at=at, window_ends_at=at + timedelta(hours=1),
            time_window="entre 9 h et 10 h", created_at=D1,
        )
    )  # fmt: skip


def _step(session: Session, case: Case, kind: str, status: str, actor: str) -> None:
    session.add(
        EngagementStep(
            case_id=case.id, kind=kind, status=status, actor=actor, created_at=D4, updated_at=D4,
        )
    )  # fmt: skip


def transmitted(session: Session, case: Case) -> None:
    case.status = "new"


def contacted(session: Session, case: Case) -> None:
    case.status = "contacting"
    _message(session, case, "out", D1)


def reached(session: Session, case: Case) -> None:
    contacted(session, case)
    case.status = "reached"
    _message(session, case, "in", D2)


def consented(session: Session, case: Case) -> None:
    reached(session, case)
    case.status = "consented"
    _consent(session, case, "given", D3, "sms")


def refused(session: Session, case: Case) -> None:
    reached(session, case)
    case.status = "refused"
    _consent(session, case, "refused", D3, "sms")


def met_at_the_door(session: Session, case: Case) -> None:
    """Never answered a message: reached by the worker, consent in person at the visit."""
    contacted(session, case)
    case.status = "visited"
    _visit(session, case, D4)
    _consent(session, case, "given", D4 + timedelta(minutes=10), "visit")


def supported(session: Session, case: Case) -> None:
    consented(session, case)
    case.status = "supported"
    _visit(session, case, D4)
    _step(session, case, "fsl", "done", "household")
    _step(session, case, "legal_advice", "todo", "partner")
    _step(session, case, "dls", "dropped", "team")


def closed(session: Session, case: Case) -> None:
    supported(session, case)
    case.status, case.outcome, case.closed_at = "closed", "repayment_plan", D5
    _referral(session, case, "taken")
    case.stage = "assignation"


def _referral(session: Session, case: Case, status: str) -> None:
    """A referral to the CAF, sent and answered; and one never sent (it is not told)."""
    partner = session.scalars(select(Partner).where(Partner.kind == "caf")).first()
    if partner is None:
        partner = Partner(
            name="CAF (test)", kind="caf", sector_codes=[], confirmed=False, active=True,
            created_at=D1, updated_at=D1,
        )  # fmt: skip
        session.add(partner)
        session.flush()
    for sent_at, state in ((D4, status), (None, "draft")):
        session.add(
            Referral(
                case_id=case.id, partner_id=partner.id, purpose="caf", status=state,
                delivery="link", fields=["identity"], wrong_codes=0, send_attempts=0,
                sent_at=sent_at, created_at=D4, updated_at=D4,
            )
        )  # fmt: skip


def withdrawn(session: Session, case: Case) -> None:
    consented(session, case)
    _visit(session, case, D4, status="cancelled")
    _consent(session, case, "withdrawn", D4, "sms")
    case.status = "refused"


def out_of_scope(session: Session, case: Case) -> None:
    contacted(session, case)
    case.status, case.aside_reason = "out_of_scope", "social_housing"
    case.sector = None


SCENARIOS: list[tuple[Callable[[Session, Case], None], list[object]]] = [
    (transmitted, ["Arras", None, None, "", None, None, 0, 0, "", "transmis", "", None]),
    (contacted, ["Arras", "03/02/2026", None, "", None, None, 0, 0, "", "en contact", "", None]),
    (reached, ["Arras", "03/02/2026", "04/02/2026", "", None, None, 0, 0, "", "joint", "", None]),
    (
        consented,
        ["Arras", "03/02/2026", "04/02/2026", "accepté", "05/02/2026", None, 0, 0, "",
         "accord au diagnostic", "", None],
    ),
    (
        refused,
        ["Arras", "03/02/2026", "04/02/2026", "refusé", "05/02/2026", None, 0, 0, "", "refus",
         "", None],
    ),
    (
        met_at_the_door,
        ["Arras", "03/02/2026", "17/02/2026", "accepté", "17/02/2026", "17/02/2026", 0, 0, "",
         "visite faite", "", None],
    ),
    (
        supported,
        ["Arras", "03/02/2026", "04/02/2026", "accepté", "05/02/2026", "17/02/2026", 2, 1,
         "Conseil juridique : ADIL ou avocat (aide juridictionnelle)", "accompagné", "", None],
    ),
    (
        closed,
        ["Arras", "03/02/2026", "04/02/2026", "accepté", "05/02/2026", "17/02/2026", 2, 1,
         "Conseil juridique : ADIL ou avocat (aide juridictionnelle) ; CAF : prise en charge par "
         "le partenaire", "clos",
         "plan d'apurement signé", "02/03/2026"],
    ),
    (
        withdrawn,
        ["Arras", "03/02/2026", "04/02/2026", "accepté puis retiré", "17/02/2026", None, 0, 0, "",
         "refus", "", None],
    ),
    (
        out_of_scope,
        ["", "03/02/2026", None, "", None, None, 0, 0, "", "hors dispositif", "", None],
    ),
]  # fmt: skip
STAGES = {closed: "assignation"}


def _expected(number: int, scenario, values: list[object]) -> list[object]:  # type: ignore[no-untyped-def]
    stage = STAGES.get(scenario, "commandement de payer (CDP)")
    return [f"CCAPEX-2026-02-{number:03d}", *values, stage]


@pytest.fixture
def fifty(sessions, clock: FrozenClock) -> list[list[object]]:  # type: ignore[no-untyped-def]
    """50 cases of February's list, five in each state; another month's case besides."""
    expected = []
    with sessions.begin() as session:
        for number in range(1, 51):
            scenario, values = SCENARIOS[(number - 1) % len(SCENARIOS)]
            case = make_case(
                session,
                clock=clock,
                reference=f"CCAPEX-2026-02-{number:03d}",
                sector_code="arras",
                phones=(f"06 39 98 40 {number:02d}",),
            )
            case.import_month = MONTH
            scenario(session, case)
            expected.append(_expected(number, scenario, values))
        other = make_case(
            session, clock=clock, reference="CCAPEX-2026-03-001", phones=("06 39 98 41 00",)
        )
        other.import_month = "2026-03"
    return expected


def _as_text(row: list[object]) -> list[object]:
    return ["" if value is None else str(value) for value in row]


def test_every_row_says_what_happened_to_the_case(sessions, fifty) -> None:
    with sessions() as session:
        rows = monthly_return.rows_for_month(session, month=MONTH)
    assert len(rows) == 50
    for row, expected in zip(rows, fifty, strict=True):
        cells = [
            value.strftime("%d/%m/%Y") if isinstance(value, date) else value
            for value in row.cells()
        ]
        assert cells == expected, row.reference


def test_the_xlsx_and_the_csv_hold_the_same_rows(sessions, fifty) -> None:
    with sessions() as session:
        rows = monthly_return.rows_for_month(session, month=MONTH)
    book = load_workbook(io.BytesIO(monthly_return.to_xlsx(rows, month=MONTH)))
    sheet = book.active
    read = [list(values) for values in sheet.iter_rows(values_only=True)]
    assert read[0] == HEADER
    dates = {2, 3, 5, 6, 12}
    for got, expected in zip(read[1:], fifty, strict=True):
        as_days = [
            value.strftime("%d/%m/%Y") if index in dates and value is not None else value
            for index, value in enumerate(got)
        ]
        # An empty cell reads back as None.
        assert as_days == [None if value == "" else value for value in expected]
    text = monthly_return.to_csv(rows).decode("utf-8")
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert parsed[0] == HEADER
    assert parsed[1:] == [_as_text(row) for row in fifty]


def test_no_name_phone_or_address_goes_to_the_commission(sessions, fifty) -> None:
    with sessions() as session:
        text = monthly_return.to_csv(monthly_return.rows_for_month(session, month=MONTH)).decode()
    assert "Exemple" not in text and "Camille" not in text and "+33" not in text


@pytest.mark.parametrize("month", ["2026-13", "2026-2", "février", "2026-02; DROP"])
def test_a_month_that_is_not_one_is_refused(sessions, month: str) -> None:
    with sessions() as session, pytest.raises(monthly_return.ReturnError, match="AAAA-MM"):
        monthly_return.rows_for_month(session, month=month)


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def test_coordinators_download_it_from_the_api_and_the_imports_page(
    web, sessions, clock, fifty
) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    worker = make_member(sessions, clock, sectors=("arras",))
    xlsx = web.get(f"/api/ccapex-returns/{MONTH}.xlsx", headers=coordinator.bearer)
    assert xlsx.status_code == 200
    assert (
        xlsx.headers["content-disposition"] == f'attachment; filename="retour-ccapex-{MONTH}.xlsx"'
    )
    assert len(list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows())) == 51
    assert web.get(f"/api/ccapex-returns/{MONTH}.csv", headers=worker.bearer).status_code == 403
    assert web.get("/api/ccapex-returns/2026-13.csv", headers=coordinator.bearer).status_code == 422
    sign_in(web, coordinator.email)
    page = web.get("/imports").text
    assert f'href="/imports/returns/{MONTH}.xlsx"' in page and "50 dossiers" in page
    csv_file = web.get(f"/imports/returns/{MONTH}.csv")
    assert csv_file.status_code == 200
    assert csv_file.content.decode("utf-8").count("\r\n") == 51


def test_the_command_line_writes_the_file(
    db_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch, fifty
) -> None:  # type: ignore[no-untyped-def]
    cli = cli_runner(db_url, tmp_path, monkeypatch)
    target = tmp_path / "retour.xlsx"
    result = cli(["ccapex-return", "--month", MONTH, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "50 dossiers écrits" in result.output
    assert len(list(load_workbook(target).active.iter_rows())) == 51
    wrong = cli(["ccapex-return", "--month", MONTH, "-o", str(tmp_path / "x.pdf")])
    assert wrong.exit_code == 2 and "xlsx ou .csv" in wrong.output
    month = cli(["ccapex-return", "--month", "2026-13", "-o", str(target)])
    assert month.exit_code == 2 and "AAAA-MM" in month.output


def test_the_year_volume_is_set_and_counted_month_by_month(web, sessions, clock, fifty) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    page = web.get("/imports?year=2026")
    csrf = csrf_of(page.text)
    assert "51 reçus ; le volume attendu pour l'année n'est pas saisi." in html.unescape(page.text)
    refused = web.post("/imports/expected", data={"csrf": csrf, "year": "2026", "expected": "-3"})
    assert refused.status_code == 422
    web.post("/imports/expected", data={"csrf": csrf, "year": "2026", "expected": "600"})
    page = html.unescape(web.get("/imports?year=2026").text)
    assert "51 reçus sur les 600 attendus par la CCAPEX cette année." in page
    assert '<th scope="row">février 2026</th><td>50</td>' in page
    assert '<th scope="row">mars 2026</th><td>1</td>' in page
