"""Helpers for the outreach-engine tests: a recording channel and a clock-driven runner."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from outreach.clock import PARIS, FrozenClock
from outreach.engine.dispatcher import Dispatcher
from outreach.engine.tick import tick
from outreach.models.outbox import OutboxItem
from outreach.sending.channel import Channel, DeliveryError, Outgoing, SendReceipt
from outreach.sending.config import EngineConfig, load_engine_config

_ids = itertools.count(1)


class RecordingChannel:
    """Accepts every message (or raises the scripted errors first) and remembers when."""

    def __init__(
        self, name: str, clock: FrozenClock, errors: Iterable[DeliveryError | None] = ()
    ) -> None:
        self.name = name
        self.clock = clock
        self.errors = list(errors)
        self.sent: list[tuple[datetime, Outgoing]] = []
        self.calls = 0
        self.attempted_at: list[datetime] = []
        self._lock = threading.Lock()

    def send(self, outgoing: Outgoing) -> SendReceipt:
        with self._lock:
            self.calls += 1
            self.attempted_at.append(self.clock.now())
            error = self.errors.pop(0) if self.errors else None
            if error is not None:
                raise error
            self.sent.append((self.clock.now(), outgoing))
        return SendReceipt(
            provider_id=f"{self.name}-{next(_ids)}", status="sent", segments=1, encoding="GSM-7"
        )

    def times(self) -> list[str]:
        """Send times as Paris wall-clock text, e.g. "2026-04-29 Wed 10:00"."""
        return [paris(when) for when, _ in self.sent]


def paris(when: datetime) -> str:
    return when.astimezone(PARIS).strftime("%Y-%m-%d %a %H:%M")


def engine_config(**overrides: object) -> EngineConfig:
    values: dict[str, object] = {"ALLERVERS_RATE_LIMITS": "off"}
    values.update(overrides)
    return load_engine_config(**values)


def dispatcher(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    channels: Mapping[str, Channel],
    config: EngineConfig | None = None,
) -> Dispatcher:
    return Dispatcher(
        sessions=sessions, clock=clock, channels=dict(channels), config=config or engine_config()
    )


def next_due(sessions: sessionmaker[Session]) -> datetime | None:
    with sessions() as session:
        return session.scalar(
            select(func.min(OutboxItem.due_at)).where(OutboxItem.status == "pending")
        )


def run_until(engine: Dispatcher, clock: FrozenClock, end: datetime) -> int:
    """Jump the clock from one due time to the next and tick, up to `end`; return ticks."""
    ticks = 0
    while (due := next_due(engine.sessions)) is not None and due <= end:
        clock.set(max(due, clock.now()))
        tick(engine)
        ticks += 1
        assert ticks < 10_000, "the outbox never empties"
    clock.set(max(end, clock.now()))
    return ticks
