"""Case events and the feed a team's own tools follow with a cursor (`GET /api/events`).

An event is written in the same transaction as what it records (a reply stored, a visit booked,
changed or cancelled, consent given, refused or withdrawn, an opt-out or opt-in, a task opened
or closed, a referral sent to a partner, opened by it, answered), so it exists exactly when that
happened.

The feed never shows an event twice and never skips one, even though transactions commit in
another order than they took their ids:
- SQLite has one writer at a time (BEGIN IMMEDIATE), so ids are taken in commit order; the
  cursor is the last id read.
- PostgreSQL: each event carries the id of the transaction that wrote it (`txid`). The feed
  shows only events of transactions older than every transaction still running
  (`pg_snapshot_xmin`), ordered by (txid, id): no event can appear later before one already
  shown. A transaction left open anywhere on the server (any database: the horizon is the
  server's) delays the feed; it loses nothing.
The cursor is opaque to consumers: "<txid>-<id>".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Text, cast, func, select, tuple_
from sqlalchemy.orm import Session

from outreach.cases import case_scope
from outreach.models import Case, CaseEvent, TeamUser

KINDS = (
    "reply.received",
    "visit.booked",
    "visit.changed",
    "visit.cancelled",
    "consent.given",
    "consent.refused",
    "consent.withdrawn",
    "case.opted_out",
    "case.opted_in",
    "task.opened",
    "task.closed",
    "case.status",
    "case.closed",
    "case.reopened",
    "case.assigned",
    "referral.sent",
    "referral.opened",
    "referral.answered",
)
START = "0-0"
_LARGEST = 2**63 - 1  # SQLite INTEGER, PostgreSQL bigint
_CURSOR = re.compile(r"^(\d{1,19})-(\d{1,19})$")


class CursorError(ValueError):
    """The cursor is not one the feed gave."""


@dataclass(frozen=True)
class FeedEvent:
    id: int
    cursor: str
    kind: str
    case_id: int
    case_reference: str
    at: datetime
    detail: dict[str, Any]


def record(session: Session, *, kind: str, case_id: int, at: datetime, **detail: Any) -> None:
    """Add one event to the current transaction (identifiers and dates only in `detail`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind}")
    session.add(
        CaseEvent(kind=kind, case_id=case_id, at=at, detail=detail, txid=_this_transaction(session))
    )


def _this_transaction(session: Session) -> Any:
    if session.get_bind().dialect.name != "postgresql":
        return None
    return cast(cast(func.pg_current_xact_id(), Text), BigInteger)


def parse_cursor(value: str) -> tuple[int, int]:
    """(txid, id); a number past the largest a database holds is read as that largest: such a
    cursor is after every event, not an error."""
    found = _CURSOR.fullmatch(value.strip())
    if not found:
        raise CursorError(value)
    return min(int(found.group(1)), _LARGEST), min(int(found.group(2)), _LARGEST)


def feed(
    session: Session, *, user: TeamUser, after: str = START, limit: int = 100
) -> list[FeedEvent]:
    """The events after `after` on the cases `user` may see, oldest first, at most `limit`."""
    txid, last_id = parse_cursor(after)
    order = func.coalesce(CaseEvent.txid, 0)
    query = (
        select(CaseEvent, Case.reference)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(tuple_(order, CaseEvent.id) > tuple_(txid, last_id))
        .order_by(order, CaseEvent.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        horizon = cast(cast(func.pg_snapshot_xmin(func.pg_current_snapshot()), Text), BigInteger)
        query = query.where(CaseEvent.txid < horizon)
    scope = case_scope(user)
    if scope is not None:
        query = query.where(scope)
    return [
        FeedEvent(
            id=event.id,
            cursor=f"{event.txid or 0}-{event.id}",
            kind=event.kind,
            case_id=event.case_id,
            case_reference=reference,
            at=event.at,
            detail=dict(event.detail or {}),
        )
        for event, reference in session.execute(query)
    ]
