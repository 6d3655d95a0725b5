"""One entry of the case timeline, and what a source of entries reads (outreach.team.timeline)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from outreach.models import Case

if TYPE_CHECKING:
    from outreach.team.page_reads import PageReads

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


@dataclass(frozen=True)
class TimelineContext:
    session: Session
    case: Case
    users: dict[int, str]  # team member id -> display name
    reads: PageReads


TimelineSource = Callable[[TimelineContext], list[TimelineEntry]]
