"""`allervers simulate`: the whole engine on a simulated clock, to preview a sequence.

The clock jumps from one due time to the next (nothing sleeps); households answer at random
(seeded) or as a file says, through the same path as real webhooks (store, process, hooks).
Run it on a throwaway copy of the data (outreach.simulation.data), never on the real database.
"""

from __future__ import annotations

import csv
import heapq
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from outreach.clock import PARIS, FrozenClock
from outreach.engine.dispatcher import Dispatcher
from outreach.engine.tick import ReplyPath, tick
from outreach.models import Case, ContactPoint, Message
from outreach.models.outbox import OutboxItem
from outreach.replies.inbound import process_inbound, store_inbound
from outreach.sending.channel import Channel, Inbound
from outreach.sending.config import EngineConfig
from outreach.sending.quiet_hours import wall_to_utc
from outreach.sequences import Sequence, enrol

# A preview runs the sequences only: STOP / START and "a reply ends the sequences", no conversation.
PREVIEW_REPLIES = ReplyPath()

# What a household answers, and how often, when replies are random.
RANDOM_ANSWERS = (("Oui", 45), ("C'est pour quoi ?", 25), ("STOP", 20), ("Merci", 10))


class ReplyFileError(ValueError):
    """The replies file cannot be read; the message names the line."""


@dataclass(frozen=True)
class ScriptedReply:
    day: int  # days after the first simulated day (0 = the first day)
    at: time  # Paris time
    reference: str  # case reference
    text: str


@dataclass
class Replies:
    """Random answers (a share of the sequence messages get one) and/or scripted ones."""

    rate: float = 0.0
    seed: int = 7
    scripted: list[ScriptedReply] = field(default_factory=list)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)


@dataclass
class _Pending:
    """Replies waiting for their time: (when, order, case id, text)."""

    heap: list[tuple[datetime, int, int, str]] = field(default_factory=list)
    count: int = 0

    def add(self, when: datetime, case_id: int, text: str) -> None:
        self.count += 1
        heapq.heappush(self.heap, (when, self.count, case_id, text))

    def next_time(self) -> datetime | None:
        return self.heap[0][0] if self.heap else None

    def pop_due(self, now: datetime) -> list[tuple[int, int, str]]:
        """(order, case id, text) of the replies whose time has come."""
        due = []
        while self.heap and self.heap[0][0] <= now:
            _, order, case_id, text = heapq.heappop(self.heap)
            due.append((order, case_id, text))
        return due


def read_replies_file(path: Path) -> list[ScriptedReply]:
    """CSV `day;time;reference;text` (a header line is allowed): e.g. `3;10:30;DEMO-0001;Oui`."""
    scripted = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter=";"), 1):
            if not row or (number == 1 and row[0].strip().lower() == "day"):
                continue
            try:
                day, at, reference, text = (cell.strip() for cell in row[:4])
                hours, minutes = (int(part) for part in at.split(":"))
                scripted.append(ScriptedReply(int(day), time(hours, minutes), reference, text))
            except ValueError:
                raise ReplyFileError(
                    f"{path.name}, line {number}: expected day;HH:MM;reference;text"
                ) from None
    return scripted


def enrol_all(
    sessions: sessionmaker[Session],
    *,
    clock: FrozenClock,
    sequence: Sequence,
    config: EngineConfig,
) -> int:
    """Enter every open case that can be written to; return how many are running."""
    with sessions.begin() as session:
        cases = session.scalars(select(Case).where(Case.status != "closed").order_by(Case.id))
        enrolled = [
            enrol(session, clock=clock, case=case, sequence=sequence, config=config)
            for case in cases
        ]
        return sum(1 for item in enrolled if item is not None)


def run(
    sessions: sessionmaker[Session],
    *,
    clock: FrozenClock,
    days: int,
    channels: Mapping[str, Channel],
    config: EngineConfig,
    replies: Replies,
    telegram_bot: str | None = None,
    on_day: Callable[[int], None] | None = None,
) -> datetime:
    """Move the clock over `days` days, running every due action; return the end time."""
    start = clock.now()
    end = start + timedelta(days=days)
    dispatcher = Dispatcher(
        sessions=sessions, clock=clock, channels=channels, config=config, telegram_bot=telegram_bot
    )
    pending = _Pending()
    _schedule_scripted(sessions, pending, start=start, scripted=replies.scripted)
    seen = _last_message_id(sessions)
    day = 0
    while (when := _next_event(sessions, pending)) is not None and when < end:
        clock.set(max(when, clock.now()))
        _write_replies(sessions, clock, pending.pop_due(clock.now()))
        tick(dispatcher)
        seen = _plan_random_replies(sessions, pending, replies, after_id=seen)
        day = _report_days(on_day, start, clock.now(), day)
    clock.set(end)
    _report_days(on_day, start, end, day)
    return end


def _next_event(sessions: sessionmaker[Session], pending: _Pending) -> datetime | None:
    with sessions() as session:
        due = session.scalar(
            select(func.min(OutboxItem.due_at)).where(OutboxItem.status == "pending")
        )
    candidates = [moment for moment in (due, pending.next_time()) if moment is not None]
    return min(candidates, default=None)


def _report_days(
    on_day: Callable[[int], None] | None, start: datetime, now: datetime, done: int
) -> int:
    reached = (now - start).days
    if on_day is not None:
        for _ in range(done, reached):
            on_day(1)
    return max(done, reached)


def _schedule_scripted(
    sessions: sessionmaker[Session],
    pending: _Pending,
    *,
    start: datetime,
    scripted: list[ScriptedReply],
) -> None:
    first_day = start.astimezone(PARIS).date()
    with sessions() as session:
        for reply in scripted:
            case_id = session.scalar(select(Case.id).where(Case.reference == reply.reference))
            if case_id is None:
                raise ReplyFileError(f"unknown case reference {reply.reference!r}")
            wall = datetime.combine(first_day + timedelta(days=reply.day), reply.at)
            pending.add(wall_to_utc(wall), case_id, reply.text)


def _last_message_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.max(Message.id))) or 0


def _plan_random_replies(
    sessions: sessionmaker[Session], pending: _Pending, replies: Replies, *, after_id: int
) -> int:
    """Some households answer some time after a sequence message reached them."""
    with sessions() as session:
        sent = session.execute(
            select(Message.id, Message.case_id, Message.sent_at, Message.template)
            .where(Message.id > after_id, Message.direction == "out", Message.sent_at.is_not(None))
            .order_by(Message.id)
        ).all()
    for message_id, case_id, sent_at, template in sent:
        after_id = max(after_id, message_id)
        if template is None or replies.rate <= 0 or replies.rng.random() >= replies.rate:
            continue
        delay = timedelta(minutes=replies.rng.uniform(10, 8 * 60))
        answers, weights = zip(*RANDOM_ANSWERS, strict=True)
        pending.add(sent_at + delay, case_id, replies.rng.choices(answers, weights)[0])
    return after_id


def _write_replies(
    sessions: sessionmaker[Session], clock: FrozenClock, due: list[tuple[int, int, str]]
) -> None:
    for order, case_id, text in due:
        with sessions.begin() as session:
            channel, address = _reply_route(session, case_id)
            if address is None:
                continue
            message, _ = store_inbound(
                session,
                clock=clock,
                inbound=Inbound(
                    channel=channel,
                    provider_id=f"SIM-{order}",
                    address=address,
                    body=text,
                    received_at=clock.now(),
                ),
            )
            process_inbound(session, clock=clock, message=message, reply_path=PREVIEW_REPLIES)


def _reply_route(session: Session, case_id: int) -> tuple[str, str | None]:
    """Households answer on the channel they were last written on."""
    last = session.execute(
        select(Message.channel, Message.address)
        .where(Message.case_id == case_id, Message.direction == "out")
        .order_by(Message.id.desc())
        .limit(1)
    ).first()
    if last is not None:
        return last[0], last[1]
    phone = session.scalar(
        select(ContactPoint.value).where(
            ContactPoint.case_id == case_id, ContactPoint.kind == "phone"
        )
    )
    return "sms", phone
