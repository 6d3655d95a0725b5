"""Referrals to partners, end to end: the worker prepares and reviews what is shared, the
household agrees by SMS to a text naming the partner ("OUI" through the Twilio double), the
referral goes by e-mail through a real SMTP server (a one-time link, the code in a second mail),
the partner opens it with the code (audited), the status follows, the answer is recorded.
Nothing goes without consent; a link used twice, expired, locked after 5 wrong codes or of
another referral shows nothing and changes nothing; the page sends no referrer and is not cached.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.scheduler import send_referrals
from outreach.clock import FrozenClock
from outreach.conversation.state import conversation_of, move
from outreach.conversation.table import FOLLOW_UP, VISITED
from outreach.models import (
    AuditEvent,
    Case,
    CaseEvent,
    ConsentRecord,
    Conversation,
    EngagementStep,
    InboxItem,
    Message,
    Referral,
)
from outreach.partners.directory import PartnerInput, save
from outreach.partners.jobs import remind_unanswered
from outreach.privacy.consent import text_version
from outreach.privacy.retention import anonymise
from tests.doubles.twilio_double import TwilioDouble
from tests.e2e_twilio_support import TwilioPhone, twilio_settings
from tests.factories import make_case
from tests.smtp_support import Inbox, running_smtp, smtp_settings
from tests.web_support import csrf_of, https_client, make_member, sign_in

PARTNER = "CAF du Pas-de-Calais (test)"
PARTNER_EMAIL = "orientations@caf.example.org"
LINK = re.compile(r"https://allervers\.example\.org/orientation/([A-Za-z0-9_-]+)")
CODE = re.compile(r": (\d{6})")


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, Inbox]]:
    yield from running_smtp()


@pytest.fixture
def settings_overrides(smtp: tuple[Controller, Inbox], double: TwilioDouble) -> dict[str, object]:
    return {**twilio_settings(double), **smtp_settings(smtp[0].port)}


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _household(
    sessions: sessionmaker[Session], clock: FrozenClock, *, email: str | None = PARTNER_EMAIL
) -> tuple[int, int]:
    """A household seen at home (the conversation at "visited"), a partner: (case, partner)."""
    with sessions.begin() as session:
        case = make_case(
            session, clock=clock, sector_code="arras", phones=("06 39 98 20 01",),
            last_name="Martin", first_name="Lina",
        )  # fmt: skip
        case.debt_cents = 245_000
        case.address, case.postcode, case.commune = "12 rue de l'Exemple", "62000", "Arras"
        move(conversation_of(session, clock=clock, case=case), clock=clock, state=VISITED)
        partner = save(
            session,
            clock=clock,
            actor=None,
            given=PartnerInput(name=PARTNER, kind="caf", email=email or ""),
        )
        return case.id, partner.id


def _worker(web: Any, sessions: sessionmaker[Session], clock: FrozenClock) -> None:
    member = make_member(sessions, clock, sectors=("arras",))
    sign_in(web, member.email)


def _prepare(web: Any, case_id: int, partner_id: int, purpose: str = "caf") -> tuple[int, str]:
    page = web.get(f"/cases/{case_id}")
    assert "Orienter le ménage vers un partenaire" in html.unescape(page.text)
    csrf = csrf_of(page.text)
    response = web.post(
        f"/cases/{case_id}/referrals",
        data={"csrf": csrf, "partner": str(partner_id), "purpose": purpose},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]
    referral_id = int(response.headers["location"].rsplit("/", 1)[1])
    return referral_id, csrf


def _post(web: Any, case_id: int, referral_id: int, action: str, csrf: str, **data: Any) -> Any:
    return web.post(
        f"/cases/{case_id}/referrals/{referral_id}/{action}",
        data={"csrf": csrf, **data},
        follow_redirects=False,
    )


def _referral(sessions: sessionmaker[Session], referral_id: int) -> Referral:
    with sessions() as session:
        referral = session.get_one(Referral, referral_id)
        session.expunge(referral)
        return referral


def _link_and_code(mails: list[EmailMessage]) -> tuple[str, str]:
    assert len(mails) == 2
    link = LINK.search(mails[0].get_content())
    code = CODE.search(mails[1].get_content())
    assert link and code, [mail.get_content() for mail in mails]
    return link.group(1), code.group(1)


def _actions(sessions: sessionmaker[Session], referral_id: int) -> list[str]:
    with sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("referral.%")).order_by(AuditEvent.id)
        )
        return [
            event.action
            + (f":{event.detail['reason']}" if event.detail and "reason" in event.detail else "")
            for event in events
            if (event.detail or {}).get("referral_id") == referral_id
        ]


def test_consent_by_sms_then_the_partner_opens_it_with_the_code(
    web, client, services, sessions, clock, double, smtp
) -> None:
    _, inbox = smtp
    case_id, partner_id = _household(sessions, clock)
    _worker(web, sessions, clock)
    referral_id, csrf = _prepare(web, case_id, partner_id)

    page = html.unescape(web.get(f"/cases/{case_id}/referrals/{referral_id}").text)
    assert f"Orientation vers {PARTNER}" in page
    assert "2 450,00 €" in page and "12 rue de l'Exemple, 62000, Arras" in page
    assert "Le ménage reçoit exactement ce texte" in page and PARTNER in page
    # Only what the purpose needs: the landlord unticked, nothing added.
    response = _post(
        web, case_id, referral_id, "review", csrf,
        fields=["identity", "address", "debt"], delivery="link", note="Droits à vérifier",
    )  # fmt: skip
    assert response.status_code == 303
    assert _post(web, case_id, referral_id, "ask", csrf).status_code == 303

    phone = TwilioPhone(client, services, double)
    question = phone.received()
    assert question == [
        "Bonjour, c'est l'équipe mobile. Pour vos aides au logement, nous voudrions transmettre "
        f"un résumé de votre situation à {PARTNER}. Etes-vous d'accord ? Répondez OUI ou NON."
    ]
    assert inbox.received == []  # nothing leaves before the household's answer
    phone.answer("OUI")
    assert phone.received() == [
        "Merci, votre accord est enregistré. L'équipe mobile reste avec vous : répondez à ce "
        "message si vous avez besoin d'aide."
    ]
    with sessions() as session:
        consent = session.scalars(
            select(ConsentRecord).where(ConsentRecord.purpose == "referral")
        ).one()
        assert (consent.decision, consent.channel) == ("given", "sms")
        assert consent.text_version == text_version("referral", question[0])
        conversation = session.scalars(
            select(Conversation).where(Conversation.case_id == case_id)
        ).one()
        assert conversation.state == VISITED  # back where it was
    assert _referral(sessions, referral_id).status == "ready"

    assert send_referrals(services) == 1
    mails = inbox.messages()
    assert [mail["To"] for mail in mails] == [PARTNER_EMAIL, PARTNER_EMAIL]
    first = mails[0].get_content()
    assert f"O-{referral_id}" in first and "Martin" not in first and "2 450" not in first
    token, code = _link_and_code(mails)
    assert token not in mails[1].get_content() and code not in first
    assert _referral(sessions, referral_id).status == "sent"
    assert send_referrals(services) == 0  # sent once

    path = f"/orientation/{token}"
    form = client.get(path)
    assert form.status_code == 200 and "Martin" not in form.text
    wrong = "000001" if code != "000001" else "000002"
    refused = client.post(path, data={"code": wrong})
    assert refused.status_code == 403 and "Encore 4 essais." in html.unescape(refused.text)
    opened = client.post(path, data={"code": code})
    assert opened.status_code == 200
    shown = html.unescape(opened.text)
    assert "Martin" in shown and "2 450,00 €" in shown and "Droits à vérifier" in shown
    assert "Bailleur" not in shown  # unticked: not shared
    for response in (form, refused, opened):
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "no-store" in response.headers["cache-control"]
        assert "noindex" in response.headers["x-robots-tag"]
    again = client.post(path, data={"code": code})
    assert again.status_code == 410 and "Martin" not in again.text
    assert "déjà servi" in html.unescape(again.text)

    referral = _referral(sessions, referral_id)
    assert referral.status == "received" and referral.opened_at is not None
    assert _actions(sessions, referral_id)[-4:] == [
        "referral.sent",
        "referral.refused:wrong_code",
        "referral.opened",
        "referral.refused:used",
    ]
    response = _post(
        web, case_id, referral_id, "answer", csrf, status="taken", answer="Dossier ouvert"
    )
    assert response.status_code == 303
    assert _referral(sessions, referral_id).status == "taken"
    case_page = html.unescape(web.get(f"/cases/{case_id}").text)
    for entry in (
        f"Orientation préparée : {PARTNER}",
        f"Orientation envoyée à {PARTNER}",
        f"Orientation ouverte par {PARTNER}",
        f"Réponse de {PARTNER} : prise en charge par le partenaire",
    ):
        assert entry in case_page
    with sessions() as session:
        kinds = set(session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)))
    assert {"referral.sent", "referral.opened", "referral.answered"} <= kinds


def test_without_consent_nothing_is_sent(web, client, services, sessions, clock, smtp, double):  # type: ignore[no-untyped-def]
    _, inbox = smtp
    case_id, partner_id = _household(sessions, clock)
    _worker(web, sessions, clock)
    referral_id, csrf = _prepare(web, case_id, partner_id)

    refused = _post(web, case_id, referral_id, "send", csrf)
    assert refused.status_code == 422
    assert "Rien n'est envoyé sans l'accord du ménage." in html.unescape(refused.text)
    assert send_referrals(services) == 0
    # Even a referral forced to "ready" without a consent record does not go.
    with sessions.begin() as session:
        session.get_one(Referral, referral_id).status = "ready"
    assert send_referrals(services) == 0
    assert inbox.received == []
    with sessions.begin() as session:
        referral = session.get_one(Referral, referral_id)
        referral.status = "draft"
        referral.send_attempts = 0

    # The household says NO: declined, nothing sent, a person reads it.
    assert _post(web, case_id, referral_id, "ask", csrf).status_code == 303
    phone = TwilioPhone(client, services, double)
    phone.received()
    phone.answer("NON")
    assert _referral(sessions, referral_id).status == "declined"
    assert send_referrals(services) == 0
    assert inbox.received == []
    with sessions() as session:
        notes = set(session.scalars(select(InboxItem.note).where(InboxItem.case_id == case_id)))
    assert "consent referral refused" in notes


def _sent_with_link(
    web: Any, services: Any, sessions: sessionmaker[Session], clock: FrozenClock, inbox: Inbox
) -> tuple[int, int, str, str, str]:
    """A referral agreed in person and sent: (case, referral, token, code, csrf)."""
    case_id, partner_id = _household(sessions, clock)
    _worker(web, sessions, clock)
    referral_id, csrf = _prepare(web, case_id, partner_id, purpose="fsl")
    response = _post(web, case_id, referral_id, "agreed", csrf, method="written")
    assert response.status_code == 303  # sent at once
    token, code = _link_and_code(inbox.messages()[-2:])
    return case_id, referral_id, token, code, csrf


def test_a_referral_agreed_in_person_goes_at_once(web, services, sessions, clock, smtp) -> None:
    _, inbox = smtp
    case_id, referral_id, _, _, _ = _sent_with_link(web, services, sessions, clock, inbox)
    with sessions() as session:
        consent = session.scalars(
            select(ConsentRecord).where(ConsentRecord.purpose == "referral")
        ).one()
        assert (consent.channel, consent.method) == ("visit", "written")
    referral = _referral(sessions, referral_id)
    assert referral.status == "sent" and referral.consent_id == consent.id
    assert referral.expires_at == clock.now() + timedelta(days=7)
    page = html.unescape(web.get(f"/cases/{case_id}/referrals/{referral_id}").text)
    assert "Pas encore ouverte" in page


def test_an_expired_link_shows_nothing_and_changes_nothing(
    web, client, services, sessions, clock, smtp
) -> None:
    _, inbox = smtp
    _, referral_id, token, code, _ = _sent_with_link(web, services, sessions, clock, inbox)
    clock.advance(timedelta(days=7, seconds=1))
    assert client.get(f"/orientation/{token}").status_code == 410
    response = client.post(f"/orientation/{token}", data={"code": code})
    assert response.status_code == 410 and "expiré" in html.unescape(response.text)
    referral = _referral(sessions, referral_id)
    assert (referral.status, referral.opened_at, referral.wrong_codes) == ("sent", None, 0)


def test_five_wrong_codes_lock_the_link_and_the_team_can_send_a_new_one(
    web, client, services, sessions, clock, smtp
) -> None:
    _, inbox = smtp
    case_id, referral_id, token, code, csrf = _sent_with_link(web, services, sessions, clock, inbox)
    wrong = "999999" if code != "999999" else "999998"
    answers = [client.post(f"/orientation/{token}", data={"code": wrong}) for _ in range(5)]
    assert [answer.status_code for answer in answers] == [403, 403, 403, 403, 410]
    assert "bloqué" in html.unescape(answers[-1].text)
    late = client.post(f"/orientation/{token}", data={"code": code})  # the right one, too late
    assert late.status_code == 410 and "Martin" not in late.text
    referral = _referral(sessions, referral_id)
    assert referral.locked_at is not None and referral.opened_at is None
    assert "referral.locked" in _actions(sessions, referral_id)
    with sessions() as session:
        tasks = session.scalars(
            select(InboxItem.note).where(InboxItem.case_id == case_id, InboxItem.kind == "task")
        ).all()
    assert tasks == ["referral_locked"]
    assert "Lien d'orientation bloqué après 5 codes erronés" in html.unescape(
        web.get(f"/cases/{case_id}").text
    )

    assert _post(web, case_id, referral_id, "new-link", csrf).status_code == 303
    new_token, new_code = _link_and_code(inbox.messages()[-2:])
    assert client.get(f"/orientation/{token}").status_code == 410  # the old link is dead
    opened = client.post(f"/orientation/{new_token}", data={"code": new_code})
    assert opened.status_code == 200 and "Martin" in opened.text


def test_the_code_of_another_referral_does_not_open_this_one(
    web, client, services, sessions, clock, smtp
) -> None:
    _, inbox = smtp
    _, first_id, first_token, _, csrf = _sent_with_link(web, services, sessions, clock, inbox)
    with sessions.begin() as session:
        other = make_case(session, clock=clock, sector_code="arras", last_name="Autre")
        partner_id = session.get_one(Referral, first_id).partner_id
        other_id = other.id
    second_id, _ = _prepare(web, other_id, partner_id or 0, purpose="fsl")
    assert _post(web, other_id, second_id, "agreed", csrf, method="oral").status_code == 303
    _, second_code = _link_and_code(inbox.messages()[-2:])

    response = client.post(f"/orientation/{first_token}", data={"code": second_code})
    assert response.status_code == 403 and "Martin" not in response.text
    assert _referral(sessions, first_id).opened_at is None
    assert client.get("/orientation/not-a-token").status_code == 410


def test_what_is_shared_is_only_what_the_purpose_needs(web, sessions, clock, smtp) -> None:
    case_id, partner_id = _household(sessions, clock)
    _worker(web, sessions, clock)
    referral_id, csrf = _prepare(web, case_id, partner_id, purpose="budget")
    added = _post(web, case_id, referral_id, "review", csrf, fields=["identity", "landlord"])
    assert added.status_code == 422
    assert "Cet objet n'a pas besoin de cette information." in html.unescape(added.text)
    nameless = _post(web, case_id, referral_id, "review", csrf, fields=["debt"])
    assert nameless.status_code == 422
    assert _referral(sessions, referral_id).fields == ["identity", "contact", "debt", "causes"]


def test_the_summary_can_go_in_the_mail_itself(web, services, sessions, clock, smtp) -> None:
    _, inbox = smtp
    case_id, partner_id = _household(sessions, clock)
    _worker(web, sessions, clock)
    referral_id, csrf = _prepare(web, case_id, partner_id)
    _post(web, case_id, referral_id, "review", csrf, fields=["identity"], delivery="summary")
    assert _post(web, case_id, referral_id, "agreed", csrf, method="oral").status_code == 303
    (mail,) = inbox.messages()
    body = mail.get_content()
    assert "Martin" in body and "orientation/" not in body and "2 450" not in body
    assert _referral(sessions, referral_id).token_hash is None


def test_an_smtp_failure_keeps_the_referral_and_tells_the_team(
    web, services, sessions, clock, smtp
) -> None:
    _, inbox = smtp
    case_id, partner_id = _household(sessions, clock)
    _worker(web, sessions, clock)
    referral_id, csrf = _prepare(web, case_id, partner_id)
    inbox.refusing = True  # the mail server fails
    try:
        _post(web, case_id, referral_id, "agreed", csrf, method="oral")
        assert _referral(sessions, referral_id).status == "ready"
        assert send_referrals(services) == 0
        assert send_referrals(services) == 0  # the third try
        assert send_referrals(services) == 0  # no more automatic tries
        referral = _referral(sessions, referral_id)
        assert (referral.status, referral.send_attempts, referral.token_hash) == ("ready", 3, None)
        with sessions() as session:
            notes = session.scalars(
                select(InboxItem.note).where(InboxItem.case_id == case_id)
            ).all()
        assert notes.count("referral_not_sent") == 1
        failed = _post(web, case_id, referral_id, "send", csrf)
        assert failed.status_code == 502 and "n'a pas pu partir" in html.unescape(failed.text)
    finally:
        inbox.refusing = False
    assert _post(web, case_id, referral_id, "send", csrf).status_code == 303
    assert _referral(sessions, referral_id).status == "sent"
    assert len(inbox.received) == 2


def test_an_unanswered_referral_opens_one_task_after_ten_days(
    web, services, sessions, clock, smtp
) -> None:
    _, inbox = smtp
    case_id, referral_id, *_ = _sent_with_link(web, services, sessions, clock, inbox)
    clock.advance(timedelta(days=9))
    assert remind_unanswered(sessions, clock=clock) == 0
    clock.advance(timedelta(days=1))
    assert remind_unanswered(sessions, clock=clock) == 1
    assert remind_unanswered(sessions, clock=clock) == 0
    with sessions() as session:
        assert (
            session.scalar(
                select(func.count()).where(
                    InboxItem.case_id == case_id, InboxItem.note == "referral_no_answer"
                )
            )
            == 1
        )
    _worker(web, sessions, clock)  # ten days later: signed in again
    csrf = csrf_of(web.get(f"/cases/{case_id}/referrals/{referral_id}").text)
    response = _post(web, case_id, referral_id, "answer", csrf, status="no_answer")
    assert response.status_code == 303
    assert _referral(sessions, referral_id).status == "no_answer"


def test_a_step_of_the_contract_points_to_its_referral(web, services, sessions, clock, smtp):  # type: ignore[no-untyped-def]
    _, inbox = smtp
    case_id, referral_id, _, _, csrf = _sent_with_link(web, services, sessions, clock, inbox)
    with sessions.begin() as session:
        step = EngagementStep(
            case_id=case_id, kind="fsl", status="todo", created_at=clock.now(),
            updated_at=clock.now(),
        )  # fmt: skip
        session.add(step)
        session.flush()
        step_id = step.id
    assert _post(web, case_id, referral_id, "step", csrf, step=str(step_id)).status_code == 303
    with sessions() as session:
        assert session.get_one(EngagementStep, step_id).referral_id == referral_id
    page = html.unescape(web.get(f"/cases/{case_id}").text)
    assert f"/cases/{case_id}/referrals/{referral_id}" in page
    assert "Via une orientation vers un partenaire" in page


def test_asking_by_message_waits_for_a_free_conversation(web, sessions, clock, smtp) -> None:
    case_id, partner_id = _household(sessions, clock)
    with sessions.begin() as session:
        conversation = session.scalars(
            select(Conversation).where(Conversation.case_id == case_id)
        ).one()
        conversation.state = FOLLOW_UP  # the check-in question waits for its answer
    _worker(web, sessions, clock)
    referral_id, csrf = _prepare(web, case_id, partner_id)
    refused = _post(web, case_id, referral_id, "ask", csrf)
    assert refused.status_code == 422
    assert "une autre question" in html.unescape(refused.text)
    with sessions() as session:
        sent = session.scalar(
            select(func.count()).where(Message.case_id == case_id, Message.direction == "out")
        )
    assert sent == 0 and _referral(sessions, referral_id).status == "draft"


def test_anonymising_the_case_forgets_what_was_shared(web, services, sessions, clock, smtp):  # type: ignore[no-untyped-def]
    _, inbox = smtp
    case_id, referral_id, *_ = _sent_with_link(web, services, sessions, clock, inbox)
    with sessions.begin() as session:
        anonymise(session, clock=clock, case=session.get_one(Case, case_id), reason="test")
    referral = _referral(sessions, referral_id)
    assert referral.summary is None and referral.token_hash is None
