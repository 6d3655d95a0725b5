"""What /metrics tells Prometheus, counted from the database at each scrape.

The database is the truth, so the figures are read from it (a few indexed counts per scrape,
every 15 s or more): they agree across processes and restarts. Only the webhooks' latency is
measured in this process, by a small ASGI middleware, into the app's own registry (never the
global one: each app, and each test, has its own).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.heartbeat import Heartbeat
from api.services import Services
from outreach.models import ImportBatch, InboxItem, OutboxItem
from outreach.models import Message as MessageRow

FAILED = ("failed", "undelivered")
NOT_SENT = ("pending", "uncertain", "canceled", *FAILED)
WEBHOOK_PREFIX = "/webhooks/"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0)


class DatabaseFigures(Collector):
    def __init__(self, services: Services, heartbeat: Any = None) -> None:
        self.services = services
        self.heartbeat = heartbeat  # a callable giving the app's Heartbeat, or None

    def collect(self) -> Iterator[Any]:
        try:
            figures, up = list(self._from_database()), 1.0
        except SQLAlchemyError:  # the scrape still says so, and what the disk holds
            figures, up = [], 0.0
        yield _gauge("allervers_database_up", "1 when the database answered this scrape.", up)
        yield from figures
        yield from _spool(Path(self.services.settings.spool_dir))
        heartbeat: Heartbeat | None = self.heartbeat() if self.heartbeat else None
        if heartbeat is not None:
            yield _gauge(
                "allervers_scheduler_last_tick_age_seconds",
                "Seconds since the scheduler's last tick started in this process.",
                heartbeat.silence(),
            )

    def _from_database(self) -> Iterator[Any]:
        services = self.services
        now = services.clock.now()
        with services.sessions() as session:
            yield from _messages(session)
            backlog, oldest = session.execute(
                select(func.count(), func.min(OutboxItem.due_at)).where(
                    OutboxItem.status == "pending", OutboxItem.due_at <= now
                )
            ).one()
            inbox = session.scalar(
                select(func.count()).select_from(InboxItem).where(InboxItem.handled_at.is_(None))
            )
            last_import = session.scalar(
                select(func.max(ImportBatch.finished_at)).where(ImportBatch.status == "done")
            )
        yield _gauge("allervers_outbox_backlog", "Outbox items due and not yet run.", backlog)
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        yield _gauge(
            "allervers_outbox_oldest_due_age_seconds",
            "How long the oldest due outbox item has waited (0 when none is due).",
            max(0.0, age),
        )
        yield _gauge("allervers_inbox_open", "Inbox items no one has handled yet.", inbox)
        if last_import is not None:
            yield _gauge(
                "allervers_ccapex_last_import_timestamp_seconds",
                "When the last CCAPEX list import finished (Unix time).",
                last_import.timestamp(),
            )


def _messages(session: Any) -> Iterator[Any]:
    sent = CounterMetricFamily(
        "allervers_messages_sent", "Messages handed to a provider, by channel.", labels=["channel"]
    )
    failed = CounterMetricFamily(
        "allervers_messages_failed", "Messages that failed, by channel.", labels=["channel"]
    )
    rows = session.execute(
        select(MessageRow.channel, MessageRow.status, func.count())
        .where(MessageRow.direction == "out")
        .group_by(MessageRow.channel, MessageRow.status)
    ).all()
    totals: dict[tuple[str, str], int] = {}
    for channel, status, count in rows:
        kind = "failed" if status in FAILED else "sent" if status not in NOT_SENT else None
        if kind:
            totals[(kind, channel)] = totals.get((kind, channel), 0) + count
    for (kind, channel), count in sorted(totals.items()):
        (sent if kind == "sent" else failed).add_metric([channel], count)
    yield sent
    yield failed


def _spool(root: Path) -> Iterator[Any]:
    files = GaugeMetricFamily(
        "allervers_spool_files",
        "Webhook requests waiting on disk (the database was down), by kind.",
        labels=["kind"],
    )
    size = GaugeMetricFamily("allervers_spool_bytes", "Size of the spool on disk.")
    total = 0
    if root.is_dir():
        for folder in sorted(path for path in root.iterdir() if path.is_dir()):
            found = [path for path in folder.rglob("*.json") if path.is_file()]
            files.add_metric([folder.name], len(found))
            total += sum(_size(path) for path in found)
    size.add_metric([], total)
    yield files
    yield size


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # replayed meanwhile
        return 0


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=float(value))


class Metrics:
    """The app's registry: the database figures and the webhooks' latency histogram."""

    def __init__(self, services: Services, heartbeat: Any = None) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(DatabaseFigures(services, heartbeat))
        self.webhook_seconds = Histogram(
            "allervers_webhook_duration_seconds",
            "Time to answer a provider's webhook, by route.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )


class WebhookTimer:
    """Times each request under /webhooks/ (a plain ASGI middleware: webhooks stay fast)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(WEBHOOK_PREFIX):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answered: dict[str, float] = {}

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered["at"] = time.perf_counter()
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            route = getattr(scope.get("route"), "path", None) or "(unmatched)"
            ended = answered.get("at", time.perf_counter())
            metrics: Metrics = scope["app"].state.metrics
            metrics.webhook_seconds.labels(route).observe(ended - started)
