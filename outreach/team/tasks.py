"""Team tasks a sequence creates: phone the household, knock on its door.

A task is an InboxItem of kind "task" whose note is the task type ("phone_call", "door_knock";
labels in messages/sequence_texts.TASK_LABELS). It belongs to the case, so it shows to the workers
of the case's sector, like every other item that needs a human.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import gettext
from messages.sequence_texts import TASK_LABELS
from outreach.clock import Clock
from outreach.models import InboxItem
from outreach.team import events

log = logging.getLogger(__name__)

TASK_KIND = "task"


def create_task(session: Session, *, clock: Clock, case_id: int, task: str) -> InboxItem:
    """Add one open task for the team on this case."""
    if task not in TASK_LABELS:
        raise ValueError(f"unknown task type {task!r}")
    item = InboxItem(kind=TASK_KIND, case_id=case_id, note=task, created_at=clock.now())
    session.add(item)
    session.flush()
    events.record(
        session, kind="task.opened", case_id=case_id, at=item.created_at, task=task, item_id=item.id
    )
    log.info("task %s (%s) created for case %s", item.id, task, case_id)
    return item


def open_tasks(session: Session, *, case_id: int) -> list[InboxItem]:
    return list(
        session.scalars(
            select(InboxItem)
            .where(
                InboxItem.case_id == case_id,
                InboxItem.kind == TASK_KIND,
                InboxItem.handled_at.is_(None),
            )
            .order_by(InboxItem.id)
        )
    )


def task_label(task: str, language: str = "fr") -> str:
    return gettext(TASK_LABELS[task], language) if task in TASK_LABELS else task


def day_label(label: str, due_on: date | None) -> str:
    """ "Appeler le foyer · le 12/03/2026" for a task meant for a given day; the label alone
    otherwise."""
    if due_on is None:
        return label
    return f"{label} · " + gettext("on {date}", date=due_on.strftime("%d/%m/%Y"))
