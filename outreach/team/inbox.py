"""The team inbox: replies and everything else that needs a human, newest first.

Items come from inbound processing (replies, unknown senders), sending (failed numbers), the
conversation (not understood, refusal, need help) and sequences (tasks). A worker sees the items
of the cases they may see; items without a case (unknown senders) go to coordinators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from messages import N_, gettext
from outreach import audit
from outreach.cases import visible_cases
from outreach.clock import Clock
from outreach.models import Case, ContactPoint, InboxItem, Message, Person, Sector, TeamUser
from outreach.team import events
from outreach.team.tasks import TASK_KIND, day_label, task_label

KIND_LABELS = {
    "reply": N_("Reply"),
    "unknown_sender": N_("Unknown sender"),
    "several_cases": N_("Number shared by several cases"),
    "not_understood": N_("Not understood"),
    "refusal": N_("Refusal"),
    "need_help": N_("Needs help"),
    "failed_number": N_("Failed number"),
    "content_filtered": N_("Message blocked by the operator"),
    "task": N_("Task"),
    "uncertain_send": N_("Message perhaps not sent (check before resending)"),
    "landlord_reply": N_("Landlord reply"),
}
# Items that are a problem to look at, not just news: shown with a warning style.
ALERT_KINDS = frozenset(
    {"unknown_sender", "several_cases", "not_understood", "refusal", "need_help", "failed_number",
     "content_filtered", "uncertain_send"}
)  # fmt: skip
EXCERPT_LENGTH = 160
UNDO_WINDOW = timedelta(seconds=30)  # "Traité" can be undone this long after
# The inbox's two tabs: what households (and landlords) wrote, and the work to do.
REPLY_KINDS = (
    "reply", "not_understood", "unknown_sender", "several_cases", "refusal", "need_help",
    "landlord_reply",
)  # fmt: skip
TASK_KINDS = ("task", "failed_number", "uncertain_send", "content_filtered")
TABS = {"replies": REPLY_KINDS, "tasks": TASK_KINDS}
# A household answered by the team: these items of its case are closed (outreach.team.messages).
ANSWERED_KINDS = ("reply", "not_understood")


@dataclass(frozen=True)
class InboxEntry:
    id: int
    kind: str
    label: str
    created_at: datetime
    case_id: int | None
    case_reference: str | None
    household: str | None
    excerpt: str | None
    channel: str | None
    alert: bool
    task: str | None = None  # a task's type (phone_call, door_knock…)
    address: str | None = None  # the household's address, for a door knock
    phones: tuple[str, ...] = ()  # the household's usable phone numbers, for a call


def kind_label(kind: str, note: str | None = None) -> str:
    if kind == TASK_KIND and note:
        return task_label(note)
    return gettext(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def visible_items(user: TeamUser) -> Select[tuple[InboxItem]]:
    """Open items `user` may see: those of visible cases; caseless ones for coordinators."""
    query = select(InboxItem).where(InboxItem.handled_at.is_(None))
    if user.is_coordinator:
        return query
    case_ids = visible_cases(user).with_only_columns(Case.id)
    return query.where(InboxItem.case_id.in_(case_ids))


def open_count(session: Session, *, user: TeamUser) -> int:
    query = visible_items(user).with_only_columns(func.count())
    return session.scalar(query) or 0


def list_open(
    session: Session,
    *,
    user: TeamUser,
    limit: int = 100,
    kind: str | None = None,
    sector: str | None = None,
    kinds: tuple[str, ...] | None = None,
    worker_id: int | None = None,
) -> list[InboxEntry]:
    """The open items newest first, with the case and the message they are about; `kind`,
    `kinds` (a tab), `sector` (a sector code) and `worker_id` (the case's worker) narrow them."""
    # Columns, not ORM objects: the inbox polls every 3 s with up to 200 items, and loading each
    # item's case with its people and phones as objects was most of a poll's CPU.
    query = _newest_open(user, limit, kind, sector, kinds, worker_id)
    items = session.execute(query.with_only_columns(*_ITEM_COLUMNS)).all()
    cases = _case_facts(session, {item.case_id for item in items if item.case_id})
    messages = _message_facts(session, {item.message_id for item in items if item.message_id})
    return [_entry(item, cases.get(item.case_id), messages.get(item.message_id)) for item in items]


def open_ids(
    session: Session,
    *,
    user: TeamUser,
    limit: int = 100,
    kind: str | None = None,
    sector: str | None = None,
    kinds: tuple[str, ...] | None = None,
    worker_id: int | None = None,
) -> list[int]:
    """The ids list_open would return, in its order, read from the inbox table alone: what a
    polling page compares before loading anything else."""
    query = _newest_open(user, limit, kind, sector, kinds, worker_id)
    return list(session.scalars(query.with_only_columns(InboxItem.id)))


def _newest_open(
    user: TeamUser,
    limit: int,
    kind: str | None,
    sector: str | None,
    kinds: tuple[str, ...] | None,
    worker_id: int | None,
) -> Select[tuple[InboxItem]]:
    query = _narrowed(
        visible_items(user), kind=kind, kinds=kinds, sector=sector, worker_id=worker_id
    )
    return query.order_by(InboxItem.created_at.desc(), InboxItem.id.desc()).limit(limit)


def tab_counts(
    session: Session, *, user: TeamUser, sector: str | None = None, worker_id: int | None = None
) -> dict[str, int]:
    """How many open items each tab holds, with the same filters (one query)."""
    query = _narrowed(visible_items(user), sector=sector, worker_id=worker_id)
    by_kind = session.execute(
        query.with_only_columns(InboxItem.kind, func.count()).group_by(InboxItem.kind)
    ).all()
    counts = dict.fromkeys(TABS, 0)
    for kind, count in by_kind:
        for tab, kinds in TABS.items():
            if kind in kinds:
                counts[tab] += count
    return counts


def _narrowed(
    query: Select[tuple[InboxItem]],
    *,
    kind: str | None = None,
    kinds: tuple[str, ...] | None = None,
    sector: str | None = None,
    worker_id: int | None = None,
) -> Select[tuple[InboxItem]]:
    if kind is not None:
        query = query.where(InboxItem.kind == kind)
    if kinds is not None:
        query = query.where(InboxItem.kind.in_(kinds))
    if sector is not None:
        in_sector = select(Case.id).join(Sector, Sector.id == Case.sector_id)
        query = query.where(InboxItem.case_id.in_(in_sector.where(Sector.code == sector)))
    if worker_id is not None:
        assigned = select(Case.id).where(Case.assigned_worker_id == worker_id)
        query = query.where(InboxItem.case_id.in_(assigned))
    return query


def visible_item(session: Session, *, user: TeamUser, item_id: int) -> InboxItem | None:
    """The open item `item_id` when `user` may see it, else None."""
    return session.scalar(visible_items(user).where(InboxItem.id == item_id))


def close(item: InboxItem, *, clock: Clock, user: TeamUser, outcome: str | None = None) -> None:
    """Mark an item handled by `user` now (with what came of it, for a call or a door knock)."""
    item.handled_at = clock.now()
    item.handled_by_id = user.id
    item.outcome = outcome


def close_answered(session: Session, *, clock: Clock, user: TeamUser, case_id: int) -> int:
    """The team answered the household: its open replies are handled; how many."""
    items = list(
        session.scalars(
            select(InboxItem).where(
                InboxItem.case_id == case_id,
                InboxItem.kind.in_(ANSWERED_KINDS),
                InboxItem.handled_at.is_(None),
            )
        )
    )
    for item in items:
        close(item, clock=clock, user=user)
    if items:
        audit.record(
            session,
            clock=clock,
            actor=user,
            action="inbox.answered",
            case_id=case_id,
            item_ids=[item.id for item in items],
        )
    return len(items)


def reopen(session: Session, *, clock: Clock, user: TeamUser, item_id: int) -> InboxItem | None:
    """Undo "Traité" within `UNDO_WINDOW`, by the member who did it; None when too late."""
    item = session.get(InboxItem, item_id)
    if (
        item is None
        or item.handled_at is None
        or item.handled_by_id != user.id
        or clock.now() - item.handled_at > UNDO_WINDOW
    ):
        return None
    item.handled_at = None
    item.handled_by_id = None
    item.outcome = None
    audit.record(
        session, clock=clock, actor=user, action="inbox.reopened", case_id=item.case_id,
        item_id=item.id,
    )  # fmt: skip
    return item


def mark_handled(
    session: Session, *, clock: Clock, user: TeamUser, item_id: int
) -> InboxItem | None:
    """Clear an item the user may see; None when it does not exist or is not theirs to see."""
    item = visible_item(session, user=user, item_id=item_id)
    if item is None:
        return None
    if item.handled_at is None:
        close(item, clock=clock, user=user)
        audit.record(
            session,
            clock=clock,
            actor=user,
            action="inbox.handled",
            case_id=item.case_id,
            item_id=item.id,
            kind=item.kind,
        )
        if item.kind == TASK_KIND and item.case_id is not None:
            events.record(
                session,
                kind="task.closed",
                case_id=item.case_id,
                at=item.handled_at,
                task=item.note,
                item_id=item.id,
            )
    return item


def item_exists(session: Session, *, item_id: int) -> bool:
    return session.get(InboxItem, item_id) is not None


_ITEM_COLUMNS = (
    InboxItem.id,
    InboxItem.kind,
    InboxItem.note,
    InboxItem.due_on,
    InboxItem.created_at,
    InboxItem.case_id,
    InboxItem.message_id,
)


@dataclass(frozen=True)
class _CaseFacts:
    reference: str
    household: str
    address: str | None
    phones: tuple[str, ...]


def _case_facts(session: Session, ids: set[int]) -> dict[int, _CaseFacts]:
    """What an inbox item shows of its case: the reference, the first tenant's name (as
    household_name gives it), the address and the usable phone numbers, in three queries."""
    if not ids:
        return {}
    wanted = sorted(ids)
    names: dict[int, str] = {}
    people = session.execute(
        select(Person.case_id, Person.first_name, Person.last_name)
        .where(Person.case_id.in_(wanted))
        .order_by(Person.case_id, Person.id)
    )
    for case_id, first_name, last_name in people:
        names.setdefault(case_id, person_name(first_name, last_name))
    phones: dict[int, list[str]] = {}
    points = session.execute(
        select(ContactPoint.case_id, ContactPoint.value)
        .where(
            ContactPoint.case_id.in_(wanted),
            ContactPoint.kind == "phone",
            ContactPoint.usable,
        )
        .order_by(ContactPoint.case_id, ContactPoint.position)
    )
    for case_id, value in points:
        phones.setdefault(case_id, []).append(value)
    rows = session.execute(
        select(Case.id, Case.reference, Case.address, Case.postcode, Case.commune).where(
            Case.id.in_(wanted)
        )
    )
    return {
        case_id: _CaseFacts(
            reference=reference,
            household=names.get(case_id, reference),
            address=_address_of(address, postcode, commune),
            phones=tuple(phones.get(case_id, ())),
        )
        for case_id, reference, address, postcode, commune in rows
    }


def _message_facts(session: Session, ids: set[int]) -> dict[int, tuple[str | None, str]]:
    """Each message's (body, channel)."""
    if not ids:
        return {}
    rows = session.execute(
        select(Message.id, Message.body, Message.channel).where(Message.id.in_(sorted(ids)))
    )
    return {message_id: (body, channel) for message_id, body, channel in rows}


def _entry(
    item: Row[Any], case: _CaseFacts | None, message: tuple[str | None, str] | None
) -> InboxEntry:
    body, channel = message if message else (None, None)
    return InboxEntry(
        id=item.id,
        kind=item.kind,
        label=day_label(kind_label(item.kind, item.note), item.due_on),
        created_at=item.created_at,
        case_id=item.case_id if case else None,
        case_reference=case.reference if case else None,
        household=case.household if case else None,
        excerpt=_excerpt(body) if body else (None if item.kind == TASK_KIND else item.note),
        channel=channel,
        alert=item.kind in ALERT_KINDS,
        task=item.note if item.kind == TASK_KIND else None,
        address=case.address if case else None,
        phones=case.phones if case else (),
    )


def _address_of(address: str | None, postcode: str | None, commune: str | None) -> str | None:
    place = " ".join(filter(None, (postcode, commune)))
    return ", ".join(filter(None, (address, place))) or None


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"


def household_name(case: Case) -> str:
    """ "Camille Exemple" (the first tenant), or the reference when nobody is named."""
    tenant = case.people[0] if case.people else None
    if tenant is None:
        return case.reference
    return person_name(tenant.first_name, tenant.last_name)


def person_name(first_name: str | None, last_name: str | None) -> str:
    """ "Camille Exemple": the first name, then the last name."""
    return " ".join(filter(None, (first_name, last_name)))
