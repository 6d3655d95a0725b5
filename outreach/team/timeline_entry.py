"""One entry of the case timeline, and what a source of entries reads (outreach.team.timeline)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

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


class PageReads:
    """What one page render reads more than once, read once: the case page's panels and its
    history show the same referrals, partner notes and partner names (four queries of ~45).
    It lives for one render, in which nothing is written, so it never sees a stale row."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def once(self, key: str, read: Callable[[], T]) -> T:
        if key not in self._values:
            self._values[key] = read()
        return self._values[key]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class TimelineContext:
    session: Session
    case: Case
    users: dict[int, str]  # team member id -> display name
    reads: PageReads = field(default_factory=PageReads)


TimelineSource = Callable[[TimelineContext], list[TimelineEntry]]
