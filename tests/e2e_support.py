"""A household going through the whole conversation, driven through the real app.

Replies enter by the sandbox reply form (or signed Twilio webhooks); the outbox is worked by the
engine's `tick` with the frozen clock moved forward (never sleeping); the daily jobs run as the
scheduler would run them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select

from api.web.sandbox import csrf_token
from outreach.clock import FrozenClock
from outreach.conversation import jobs
from outreach.engine.dispatcher import Dispatcher
from outreach.engine.tick import tick
from outreach.models import Case, ConsentRecord, InboxItem, Message, Visit
from outreach.sequences.runner import enrol
from tests.booking_support import add_worker, paris
from tests.engine_support import engine_config
from tests.factories import make_case


@dataclass
class Phone:
    """The household's side of the sandbox: what it received, and a way to answer."""

    client: object
    services: object
    case_id: int
    seen: int = 0

    @property
    def clock(self) -> FrozenClock:
        return self.services.clock  # type: ignore[attr-defined,no-any-return]

    @property
    def dispatcher(self) -> Dispatcher:
        return Dispatcher(
            sessions=self.services.sessions,  # type: ignore[attr-defined]
            clock=self.clock,
            channels=self.services.channels,  # type: ignore[attr-defined]
            config=engine_config(),
        )

    def answer(self, text: str) -> None:
        response = self.client.post(  # type: ignore[attr-defined]
            f"/sandbox/{self.case_id}/reply",
            data={"body": text, "csrf": csrf_token(self.services.settings, self.case_id)},  # type: ignore[attr-defined]
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text

    def received(self) -> list[str]:
        """The texts delivered since the last look (the outbox is worked first)."""
        tick(self.dispatcher)
        with self.services.sessions() as session:  # type: ignore[attr-defined]
            bodies = list(
                session.scalars(
                    select(Message.body)
                    .where(
                        Message.case_id == self.case_id,
                        Message.direction == "out",
                        Message.status == "delivered",
                    )
                    .order_by(Message.sent_at, Message.id)
                )
            )
        new, self.seen = bodies[self.seen :], len(bodies)
        return new

    def at(self, when: datetime) -> None:
        self.clock.set(when)

    def daily_jobs(self) -> None:
        """What the scheduler runs each morning."""
        jobs.make_slots(self.services.sessions, clock=self.clock)  # type: ignore[attr-defined]
        enabled = tuple(self.services.channels)  # type: ignore[attr-defined]
        jobs.send_visit_reminders(self.services.sessions, clock=self.clock, enabled=enabled)  # type: ignore[attr-defined]
        jobs.run_checkins(self.services.sessions, clock=self.clock, enabled=enabled)  # type: ignore[attr-defined]


def household_in_arras(
    services: object, *, phone: str = "06 39 98 20 01", language: str = "fr", workers: int = 1
) -> tuple[int, dict[str, str]]:
    """A worker on Tuesday mornings in Arras, slots made, one household there, enrolled."""
    sessions = services.sessions  # type: ignore[attr-defined]
    clock = services.clock  # type: ignore[attr-defined]
    with sessions.begin() as session:
        worker = add_worker(session, clock=clock, sector="arras", name="Nadia")
        case = make_case(
            session, clock=clock, sector_code="arras", phones=(phone,), last_name="Martin"
        )
        case.language = language
        enrol(session, clock=clock, case=case, config=engine_config())
        case_id = case.id
    jobs.make_slots(sessions, clock=clock)
    return case_id, worker.headers


def case_of(services: object, case_id: int) -> Case:
    with services.sessions() as session:  # type: ignore[attr-defined]
        case = session.get_one(Case, case_id)
        session.expunge(case)
        return case


class HouseholdPhone(Protocol):
    """What the main path needs from a phone: the sandbox's or the Twilio double's."""

    def at(self, moment: datetime) -> None: ...
    def answer(self, text: str) -> None: ...
    def received(self) -> list[str]: ...
    def daily_jobs(self) -> None: ...


CONSENT_QUESTION = (
    "Pour vous aider, l'équipe fait avec vous un bilan de votre situation sociale et "
    "financière (budget, logement). C'est gratuit et confidentiel. Acceptez-vous ? Répondez "
    "OUI ou NON. Vos données : https://allervers.example.org/confidentialite"
)


def walk_the_main_path(
    phone: HouseholdPhone, client: Any, services: Any, case_id: int, worker: dict, channel: str
) -> None:
    """From the household's OUI to the team task of the 15-day check-in, on any channel.

    OUI → consent → slot chosen → confirmation → reminder the day before → visit held →
    check-in 15 days later → "besoin d'aide" → team task. Starts on Friday 13 March 2026.
    """
    phone.answer("OUI")
    assert phone.received() == [CONSENT_QUESTION]
    phone.answer("oui d'accord")
    assert phone.received() == [
        "Voici les prochaines dates pour la visite à domicile :\n"
        "1) mardi 17 mars à 9 h\n2) mardi 17 mars à 10 h\n3) mardi 17 mars à 11 h\n"
        "4) Un autre moment\n"
        "Répondez 1, 2, 3 ou 4"
    ]
    phone.answer("le 2 svp")
    assert phone.received() == [
        "Visite confirmée le mardi 17 mars à 10 h. Nadia, de l'équipe mobile, passera chez vous "
        "entre 10 h et 11 h. Pour changer, répondez CHANGER ; pour annuler, ANNULER."
    ]
    _assert_consent(services, case_id, channel)

    phone.at(paris(2026, 3, 16, 10, 1))  # the working day before, at the reminder time
    phone.daily_jobs()
    assert phone.received() == [
        "Rappel : Nadia, de l'équipe mobile, passera chez vous le mardi 17 mars, entre 10 h et "
        "11 h. Pour changer, répondez CHANGER ; pour annuler, ANNULER."
    ]

    phone.at(paris(2026, 3, 17, 11))
    with services.sessions() as session:
        visit_id = session.scalars(select(Visit.id).where(Visit.case_id == case_id)).one()
    assert client.post(f"/api/visits/{visit_id}/held", headers=worker).status_code == 200
    client.post(f"/api/cases/{case_id}/steps", json={"kind": "fsl"}, headers=worker)
    client.post(f"/api/cases/{case_id}/steps", json={"kind": "landlord_mediation"}, headers=worker)

    phone.at(paris(2026, 3, 31, 10, 15))  # 14 days after the reminder: not yet
    phone.daily_jobs()
    assert phone.received() == []
    phone.at(paris(2026, 4, 1, 10, 15))
    phone.daily_jobs()
    phone.daily_jobs()  # run twice (a restart): still one question
    assert phone.received() == [
        "Bonjour, c'est l'équipe mobile. Où en sont vos démarches (demande FSL, plan "
        "d'apurement) ? Répondez 1 : Ça avance, 2 : Besoin d'aide, 3 : Ma situation a changé"
    ]

    phone.answer("besoin d'aide")
    assert phone.received() == [
        "Merci, un membre de l'équipe mobile va lire votre message et vous répondre."
    ]
    with services.sessions() as session:
        tasks = session.scalars(
            select(InboxItem).where(InboxItem.case_id == case_id, InboxItem.kind == "task")
        ).all()
        assert [(task.note, task.handled_at) for task in tasks] == [("checkin_need_help", None)]


def _assert_consent(services: Any, case_id: int, channel: str) -> None:
    with services.sessions() as session:
        record = session.scalars(
            select(ConsentRecord).where(ConsentRecord.case_id == case_id)
        ).one()
        answer = session.get_one(Message, record.message_id)
        assert (record.decision, record.purpose, record.language, record.channel) == (
            "given", "diagnostic", "fr", channel,
        )  # fmt: skip
        assert record.text_version.startswith("diagnostic-v1-")
        assert (answer.direction, answer.channel, answer.body) == ("in", channel, "oui d'accord")
        assert record.recorded_at == answer.created_at
