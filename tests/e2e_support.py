"""A household going through the whole conversation, driven through the real app.

Replies enter by the sandbox reply form (or signed Twilio webhooks); the outbox is worked by the
engine's `tick` with the frozen clock moved forward (never sleeping); the daily jobs run as the
scheduler would run them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from api.sandbox import csrf_token
from outreach.clock import FrozenClock
from outreach.conversation import jobs
from outreach.dispatcher import Dispatcher
from outreach.engine import tick
from outreach.models import Case, Message
from outreach.sequences.runner import enrol
from tests.booking_support import add_worker
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
