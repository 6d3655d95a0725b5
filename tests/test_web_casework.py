"""The case page's casework: the procedure with its next deadline, taking a case, closing and
reopening it (outreach.casework through api/web)."""

from __future__ import annotations

import html
from datetime import date

import pytest
from sqlalchemy import select

from outreach.models import AuditEvent, Case
from tests.factories import make_case
from tests.web_support import csrf_of, https_client, make_member, sign_in


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _open(web, case_id: int) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    response = web.get(f"/cases/{case_id}")
    assert response.status_code == 200
    return html.unescape(response.text), csrf_of(response.text)


def test_the_page_counts_down_to_the_next_deadline(web, sessions, clock) -> None:
    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case = make_case(session, clock=clock, sector_code="arras")
        # Today (frozen) is 11 March 2026: six weeks after 16 February is 30 March, in 19 days.
        case.date_cdp = date(2026, 2, 16)
        case_id = case.id
    sign_in(web, worker.email)
    page, _ = _open(web, case_id)
    assert (
        "<strong>J-19</strong> · Fin du délai pour payer (commandement de payer) le 30/03/2026"
        in page
    )
    assert "Date du bail inconnue" in page and "art. 24" in page
    with sessions.begin() as session:
        session.get_one(Case, case_id).lease_signed_on = date(2020, 5, 1)
    page, _ = _open(web, case_id)
    assert (
        "<strong>J-36</strong> · Fin du délai pour payer (commandement de payer) le 16/04/2026"
        in page
    )
    assert "Date du bail inconnue" not in page


def test_a_worker_takes_the_case(web, sessions, clock) -> None:
    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock, sector_code="arras").id
    sign_in(web, worker.email)
    page, csrf = _open(web, case_id)
    assert "Personne n'est chargé de ce dossier" in page or "Personne" in page
    response = web.post(f"/cases/{case_id}/take", data={"csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303
    page, _ = _open(web, case_id)
    assert "Je prends ce dossier" not in page
    with sessions() as session:
        assert session.get_one(Case, case_id).assigned_worker_id == worker.id
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "case.assign"))


def test_a_case_is_closed_and_reopened_from_its_page(web, sessions, clock) -> None:
    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock, sector_code="arras").id
    sign_in(web, worker.email)
    page, csrf = _open(web, case_id)
    refused = web.post(f"/cases/{case_id}/close", data={"outcome": "", "csrf": csrf})
    assert refused.status_code == 409
    assert "Choisissez l'issue du dossier." in html.unescape(refused.text)
    response = web.post(
        f"/cases/{case_id}/close",
        data={"outcome": "rehoused", "comment": "Logement trouvé par le SIAO", "csrf": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page, csrf = _open(web, case_id)
    assert "Dossier clos" in page and "relogement" in page and "Logement trouvé" in page
    assert 'class="tag">clos<' in page
    response = web.post(
        f"/cases/{case_id}/reopen",
        data={"reason": "Le relogement est tombé", "csrf": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page, _ = _open(web, case_id)
    assert "Clore le dossier" in page and "Dossier rouvert : Le relogement est tombé" in page


def test_the_case_list_sorts_by_the_nearest_deadline_and_shows_it(web, sessions, clock) -> None:
    from outreach.casework.procedure import apply_dates, paris_today

    worker = make_member(sessions, clock, sectors=("arras",))
    today = paris_today(clock.now())  # 11 March 2026
    with sessions.begin() as session:
        for name, dates in (
            ("Lointain", {"date_audience": date(2026, 6, 30)}),
            ("Aucune", {}),
            ("Proche", {"date_cdp": date(2026, 2, 16)}),  # six weeks: 30 March
            ("Moyen", {"date_cql": date(2026, 2, 23)}),  # two months: 23 April
        ):
            case = make_case(session, clock=clock, sector_code="arras", last_name=name)
            for column, value in dates.items():
                setattr(case, column, value)
            apply_dates(case, today=today)
    sign_in(web, worker.email)
    page = html.unescape(web.get("/cases?sort=deadline").text)
    order = [page.index(f"Camille {name}") for name in ("Proche", "Moyen", "Lointain", "Aucune")]
    assert order == sorted(order)
    assert "J-19 · fin du délai pour payer" in page and "J-43 · expulsion possible" in page
    assert "Échéance la plus proche" in page


def test_dates_typed_in_move_the_stage_and_the_deadline(web, sessions, clock) -> None:
    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock, sector_code="arras").id
    sign_in(web, worker.email)
    page, csrf = _open(web, case_id)
    assert "Aucune date de la procédure n'est connue." in page
    form = {"csrf": csrf, "date_cdp": "2026-02-16", "lease_signed_on": "2019-10-01"}
    response = web.post(f"/cases/{case_id}/procedure", data=form, follow_redirects=False)
    assert response.status_code == 303
    page, csrf = _open(web, case_id)
    assert "<strong>J-36</strong> · Fin du délai pour payer" in page  # two months: 16 April
    with sessions() as session:
        case = session.get_one(Case, case_id)
        assert (case.stage, case.next_deadline_on) == ("cdp", date(2026, 4, 16))
    wrong = web.post(f"/cases/{case_id}/procedure", data={"csrf": csrf, "date_cql": "2062-01-01"})
    assert wrong.status_code == 422
    assert "01/01/2062 : cette date ne peut pas être juste." in html.unescape(wrong.text)
    with sessions() as session:
        assert session.get_one(Case, case_id).date_cdp == date(2026, 2, 16)  # nothing half-saved


def test_a_point_not_compliant_proposes_the_adil_or_a_lawyer(web, sessions, clock) -> None:
    from api.web.case_actions import CommandementChecks
    from outreach.casework.checks import ITEMS
    from outreach.models import EngagementStep, ProcedureCheck

    assert list(CommandementChecks.model_fields) == [f"check_{item}" for item in ITEMS]
    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case = make_case(session, clock=clock, sector_code="arras")
        case.date_cdp = date(2026, 2, 16)
        case_id = case.id
    sign_in(web, worker.email)
    page, csrf = _open(web, case_id)
    assert "Vérifier le commandement de payer" in page and "art. 24, I, 5°" in page
    form = {"csrf": csrf, "check_served": "conforme", "check_fsl": "non_conforme"}
    form["check_breakdown"] = "a_verifier"
    response = web.post(f"/cases/{case_id}/procedure/checks", data=form, follow_redirects=False)
    assert response.status_code == 303
    page, csrf = _open(web, case_id)
    assert "le commandement de payer pourrait être nul" in page
    response = web.post(
        f"/cases/{case_id}/procedure/orientation", data={"csrf": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    page, _ = _open(web, case_id)
    assert "pourrait être nul" not in page  # proposed once
    assert "Conseil juridique : ADIL ou avocat" in page
    with sessions() as session:
        checks = {c.item: c.verdict for c in session.scalars(select(ProcedureCheck))}
        step = session.scalar(select(EngagementStep))
    assert checks == {"served": "conforme", "fsl": "non_conforme", "breakdown": "a_verifier"}
    assert step is not None and step.kind == "legal_advice"
    assert step.detail is not None and "FSL" in step.detail
    bad = web.post(
        f"/cases/{case_id}/procedure/checks", data={"csrf": csrf, "check_fsl": "peut-être"}
    )
    assert bad.status_code == 422


def test_a_case_is_set_out_of_scope_with_its_reason(web, sessions, clock) -> None:
    from outreach.models import Enrolment
    from outreach.sending.config import load_engine_config
    from outreach.sequences.runner import enrol

    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case = make_case(session, clock=clock, sector_code="arras")
        enrol(session, clock=clock, case=case, config=load_engine_config())
        case_id = case.id
    sign_in(web, worker.email)
    page, csrf = _open(web, case_id)
    refused = web.post(f"/cases/{case_id}/out-of-scope", data={"csrf": csrf, "reason": ""})
    assert refused.status_code == 409
    assert "Choisissez pourquoi le dossier est hors dispositif." in html.unescape(refused.text)
    response = web.post(
        f"/cases/{case_id}/out-of-scope",
        data={"csrf": csrf, "reason": "social_service"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page, _ = _open(web, case_id)
    assert 'class="tag">hors dispositif<' in page
    assert "Dossier mis hors dispositif" in page and "déjà suivi par un service social" in page
    assert "Mettre hors dispositif" not in page
    with sessions() as session:
        assert session.scalar(select(Enrolment.status)) == "stopped"
