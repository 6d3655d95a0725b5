"""One entry of the case timeline, and what a source of entries reads (outreach.team.timeline)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from outreach import models
from outreach.models import Case

PER_SOURCE = 300  # the most recent rows each source reads


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # message_in, message_out, inbox, task, note, step, sequence, import, event, ...
    title: str
    body: str | None = None
    facts: tuple[str, ...] = ()  # short facts in plain words, under the title ("delivered")
    # Technical details, behind a "Détails" toggle (channel, segments, consent text version).
    details: tuple[str, ...] = ()
    tone: str = "system"  # in | out | team | alert | system: how the page shows it
    key: int = 0  # tie-breaker within one source, so equal times keep a stable order
    link: tuple[str, str] | None = None  # (label, address): a voicemail to listen to


T = TypeVar("T")


# The case's tables that often hold nothing for it: a household the team has not worked with yet
# has no visit, consent, diagnostic, step, note, letter, referral... `PageReads.holds` asks them
# all at once, and the page skips reading those that hold nothing (about half of its queries).
PROBED: tuple[type[Any], ...] = (
    models.CaseNote,
    models.ConsentRecord,
    models.Diagnostic,
    models.EngagementStep,
    models.InboxItem,
    models.Letter,
    models.MediationEntry,
    models.PartnerInfo,
    models.ProcedureCheck,
    models.Referral,
    models.Visit,
)


class PageReads:
    """What one page render of a case reads more than once, read once: the case page's panels
    and its history show the same referrals, partner notes, partner names and team members; and
    which of the case's tables hold anything for it, asked in one query.
    It lives for one render, in which nothing is written, so it never sees a stale row."""

    def __init__(self, session: Session, case_id: int) -> None:
        self._session = session
        self._case_id = case_id
        self._values: dict[str, Any] = {}

    def once(self, key: str, read: Callable[[], T]) -> T:
        if key not in self._values:
            self._values[key] = read()
        return self._values[key]  # type: ignore[no-any-return]

    def holds(self, model: type[Any]) -> bool:
        """Whether `model`'s table (one of PROBED) has a row for the case."""
        if model not in PROBED:  # a table never asked would read as empty, and hide its rows
            raise ValueError(f"{model.__name__} is not one of the tables PageReads asks")
        return model in self.once("held", self._held)

    def _held(self) -> frozenset[type[Any]]:
        checks = [
            exists().where(model.case_id == self._case_id).label(model.__tablename__)
            for model in PROBED
        ]
        row = self._session.execute(select(*checks)).one()
        return frozenset(model for model, held in zip(PROBED, row, strict=True) if held)


@dataclass(frozen=True)
class TimelineContext:
    session: Session
    case: Case
    users: dict[int, str]  # team member id -> display name
    reads: PageReads


TimelineSource = Callable[[TimelineContext], list[TimelineEntry]]
