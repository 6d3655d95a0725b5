"""Attaching stored inbound messages to their cases, after the webhook has answered.

A webhook only stores the message; processing (case look-up, hooks, team inbox) runs afterwards,
in small batches: one thread at a time takes every message submitted meanwhile and processes
them in one transaction, each in its own savepoint so one failure does not undo the others. A
message whose processing failed stays `processed = False`; `process_leftovers`, run every few
seconds, picks it up. Each message is locked while processed (SELECT … FOR UPDATE on PostgreSQL;
SQLite transactions are serial), so two processors never handle it twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import timedelta

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.services import Services
from outreach.models import Message
from outreach.replies.inbound import process_inbound

log = logging.getLogger(__name__)

BATCH = 4  # small: a batch holds SQLite's write lock, and webhooks wait for it
# While webhooks keep coming, processing takes at most this share of the time: answering
# Twilio fast comes first; a reply reaching the team inbox a few seconds later is fine.
SHARE_UNDER_LOAD = 0.25
MAX_PAUSE = 0.2  # seconds
LEFTOVER_AGE = timedelta(seconds=30)  # younger ones are still on their way through a batch


class InboundProcessor:
    def __init__(self, services: Services, *, batch: int = BATCH) -> None:
        self._services = services
        self._batch = batch
        self._queue: deque[int] = deque()
        self._running = threading.Lock()
        self._arrivals = 0

    async def submit(self, message_id: int) -> None:
        """Queue a stored message; process the queue unless another task already is.

        Runs as a background task of the webhook (after the answer). Only the task that finds
        the processor idle goes to a worker thread; the others just leave their id in the queue.
        """
        self._queue.append(message_id)
        self._arrivals += 1
        while self._queue and self._running.acquire(blocking=False):
            try:
                await run_in_threadpool(self._drain)
            finally:
                self._running.release()

    def _drain(self) -> None:
        while self._queue:
            arrivals, began = self._arrivals, time.monotonic()
            ids = [self._queue.popleft() for _ in range(min(self._batch, len(self._queue)))]
            process_messages(self._services, ids)
            if self._arrivals != arrivals:  # webhooks are coming in: let them through first
                spent = time.monotonic() - began
                time.sleep(min(MAX_PAUSE, spent * (1 / SHARE_UNDER_LOAD - 1)))


def process_messages(services: Services, ids: list[int]) -> int:
    """Process these stored messages in one transaction; how many were processed."""
    done = 0
    try:
        with services.sessions.begin() as session:
            for message_id in ids:
                done += _process_one(session, services, message_id)
    except Exception as error:
        # No traceback: database errors quote the values, which are personal data.
        log.error("inbound messages %s not processed: %s", ids, type(error).__name__)
        return 0
    return done


def _process_one(session: Session, services: Services, message_id: int) -> int:
    try:
        with session.begin_nested():
            message = session.get(Message, message_id, with_for_update=True, populate_existing=True)
            if message is None or message.processed:
                return 0
            process_inbound(
                session, clock=services.clock, message=message, reply_path=services.reply_path
            )
            return 1
    except Exception as error:
        log.error("inbound message %s not processed: %s", message_id, type(error).__name__)
        return 0


def process_leftovers(services: Services, *, limit: int = 200) -> int:
    """Process inbound messages stored a while ago and still not processed (after a failure)."""
    older_than = services.clock.now() - LEFTOVER_AGE
    with services.sessions() as session:
        ids = list(
            session.scalars(
                select(Message.id)
                .where(
                    Message.direction == "in",
                    Message.processed.is_(False),
                    Message.created_at < older_than,
                )
                .order_by(Message.id)
                .limit(limit)
            )
        )
    return sum(process_messages(services, [message_id]) for message_id in ids)
