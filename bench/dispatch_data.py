"""Data for bench/dispatch.py: fictional households and outbox rows, bulk-inserted.

Phones are in the range ARCEP reserves for fiction (see fiction.py): they never reach anybody.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fiction import NOW, fiction_phone
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from outreach.db import make_engine, make_session_factory
from outreach.migrate import upgrade
from outreach.models import Case, ContactPoint, Message
from outreach.models.outbox import Enrolment, OutboxItem
from outreach.sequences.loader import SequenceStep

CHUNK = 20_000
ONE_STEP = [SequenceStep(day=0, send="reminder", channels=("sms",)).to_dict()]


def fresh_database(url: str) -> sessionmaker[Session]:
    engine = make_engine(url)
    upgrade(engine)
    return make_session_factory(engine)


def add_cases(sessions: sessionmaker[Session], count: int) -> list[int]:
    """Fictional households (06 39 98 xx xx, the range reserved for fiction), bulk-inserted."""
    with sessions.begin() as session:
        first = (session.scalar(select(func.max(Case.id))) or 0) + 1
        ids = list(range(first, first + count))
        _bulk(session, Case, [_case(case_id) for case_id in ids])
        _bulk(session, ContactPoint, [_phone(case_id) for case_id in ids])
    return ids


def _case(case_id: int) -> dict[str, object]:
    return {
        "id": case_id, "reference": f"BENCH-{case_id:07d}", "status": "contacting",
        "language": "fr", "opted_out": False, "search_text": "", "created_at": NOW,
        "updated_at": NOW,
    }  # fmt: skip


def _phone(case_id: int) -> dict[str, object]:
    return {
        "case_id": case_id, "kind": "phone", "value": fiction_phone(case_id % 10_000),
        "line_type": "mobile", "sms_capable": True, "state": "ok", "position": 0,
        "created_at": NOW,
    }  # fmt: skip


def add_future_rows(sessions: sessionmaker[Session], count: int, case_id: int) -> None:
    """`count` pending rows due between tomorrow and 60 days from now."""
    with sessions.begin() as session:
        rows = (
            _item(case_id, due_at=NOW + timedelta(days=1, seconds=n * 5 % 5_000_000))
            for n in range(count)
        )
        _bulk(session, OutboxItem, rows)


def add_due_steps(sessions: sessionmaker[Session], case_ids: list[int]) -> None:
    """One running one-step sequence per case, its SMS step due now."""
    with sessions.begin() as session:
        _bulk(session, Enrolment, [_enrolment(case_id) for case_id in case_ids])
        _bulk(
            session,
            OutboxItem,
            (
                _item(case_id, due_at=NOW, enrolment_id=case_id, step_index=0)
                for case_id in case_ids
            ),
        )


def _enrolment(case_id: int) -> dict[str, object]:
    return {
        "id": case_id, "case_id": case_id, "sequence": "bench", "version": "bench",
        "steps": ONE_STEP, "status": "active", "next_step": 0, "started_at": NOW,
        "anchor_at": NOW,
    }  # fmt: skip


def _item(case_id: int, *, due_at: datetime, **extra: object) -> dict[str, object]:
    return {
        "kind": "step", "status": "pending", "priority": 10, "send_window": "send",
        "due_at": due_at, "case_id": case_id, "skip_channels": [], "attempts": 0,
        "created_at": NOW, **extra,
    }  # fmt: skip


def _bulk(session: Session, model: type, rows: object) -> None:
    batch: list[dict[str, object]] = []
    for row in rows:  # type: ignore[attr-defined]
        batch.append(row)
        if len(batch) == CHUNK:
            session.execute(insert(model), batch)
            batch = []
    if batch:
        session.execute(insert(model), batch)


def add_pending_messages(sessions: sessionmaker[Session], case_ids: list[int]) -> list[int]:
    """The naive way's rows: pending messages, each to be sent by its own APScheduler job."""
    with sessions.begin() as session:
        first = (session.scalar(select(func.max(Message.id))) or 0) + 1
        rows = [_message(first + n, case_id) for n, case_id in enumerate(case_ids)]
        _bulk(session, Message, rows)
    return [row["id"] for row in rows]  # type: ignore[misc]


def _message(message_id: int, case_id: int) -> dict[str, object]:
    return {
        "id": message_id, "direction": "out", "channel": "sms", "case_id": case_id,
        "address": fiction_phone(case_id % 10_000), "body": "Bonjour, ceci est un essai.",
        "status": "pending", "processed": True, "created_at": NOW,
    }  # fmt: skip


def sent_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return (
            session.scalar(
                select(func.count()).where(Message.direction == "out", Message.sent_at.is_not(None))
            )
            or 0
        )
