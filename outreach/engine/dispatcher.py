"""The dispatcher: claims due outbox rows and runs them, in small batches.

For each batch: (1) in one transaction, check every row still applies, pick the channels, write
the messages as `sending` (the attempts, recorded before any provider call); (2) call the
providers, outside any transaction; (3) in one transaction, record the results and queue what
comes next. A crash between (2) and (3) leaves the batch's rows `running` and their messages
`sending`: outreach.engine.reconcile flags them `uncertain` once the claim's lease has expired, and
nothing is resent blindly. The batch size (ALLERVERS_DISPATCH_BATCH) bounds how many messages one
crash can leave uncertain.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from outreach.clock import Clock
from outreach.engine.attempts import Attempt, Ready, prepare, record_failure_of
from outreach.models import Case, Message
from outreach.models.outbox import Enrolment, OutboxItem
from outreach.sending.channel import Channel, DeliveryError, SendReceipt
from outreach.sending.config import EngineConfig, load_engine_config
from outreach.sending.identity import Identity
from outreach.sending.outbox import any_due, claim_due, new_token, owned, owned_many
from outreach.sending.rate_limit import RateLimiter
from outreach.sending.send_now import call_channel
from outreach.sequences.runner import advance

log = logging.getLogger(__name__)

MIN_WAIT = 0.05  # seconds: a rate-limited pass never spins

Result = tuple[Attempt, SendReceipt | DeliveryError]


@dataclass
class Dispatcher:
    """What a dispatcher pass needs; one per process (it holds the rate-limit buckets)."""

    sessions: sessionmaker[Session]
    clock: Clock
    channels: Mapping[str, Channel]
    config: EngineConfig = field(default_factory=load_engine_config)
    telegram_bot: str | None = None  # bot username, for deep links in first messages
    identity: Identity = field(default_factory=Identity)  # who writes (named in first messages)
    # Waits for a rate limit inside a pass; None: leave the rest to the next tick (tests).
    sleep: Callable[[float], object] | None = None
    # Set when the process stops: the pass in progress ends after its current batch.
    stopping: threading.Event = field(default_factory=threading.Event)
    monotonic: Callable[[], float] = time.monotonic
    # SMS segments of a text (bot.segments, given by the composition root), for limits counted
    # in segments; without it a message costs one and the receipt's count is charged after.
    count_segments: Callable[[str], int] | None = None
    limiter: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.config.rates, self.monotonic)

    @property
    def enabled(self) -> tuple[str, ...]:
        return tuple(self.channels)

    def take(self, channel: str, body: str) -> int | None:
        """Room for this message on its channel: the cost charged, or None (over the limit)."""
        cost = 1
        if self.count_segments is not None and self.limiter.counts_segments(channel):
            cost = self.count_segments(body)
        return cost if self.limiter.try_take(channel, cost) else None


def dispatch_due(
    dispatcher: Dispatcher, *, max_items: int | None = None, max_seconds: float | None = None
) -> Counter[str]:
    """Run every due row (replies first); return how many rows ended each way.

    Under a rate limit a pass claims no more rows than the channels can take now, and when a
    whole batch had to wait for the limit it waits (or, without `sleep`, leaves the rest to the
    next tick) instead of preparing the same rows again at once.
    """
    report: Counter[str] = Counter()
    token = new_token()
    deadline = None if max_seconds is None else dispatcher.monotonic() + max_seconds
    while not dispatcher.stopping.is_set() and (
        deadline is None or dispatcher.monotonic() < deadline
    ):
        room = dispatcher.limiter.room(dispatcher.enabled)
        if room == 0:
            if _wait_for_rate(dispatcher):
                continue
            break
        batch = dispatcher.config.batch_size
        limited = dispatcher.limiter.exhausted()
        with dispatcher.sessions.begin() as session:
            ids = claim_due(
                session,
                now=dispatcher.clock.now(),
                token=token,
                limit=batch if room is None else min(batch, room),
                skip_channels=limited,
            )
        if not ids:
            if limited and _wait_for_rate(dispatcher):
                continue  # only rows of channels at their limit are due
            break
        outcomes = run_batch(dispatcher, ids, token)
        report.update(outcomes)
        if max_items is not None and report.total() >= max_items:
            break
        if set(outcomes) == {"limited"} and not _wait_for_rate(dispatcher):
            break
    return report


def _wait_for_rate(dispatcher: Dispatcher) -> bool:
    """Sleep until a channel has room again, if rows are waiting; False: end the pass."""
    if dispatcher.sleep is None or dispatcher.stopping.is_set():
        return False
    with dispatcher.sessions.begin() as session:
        if not any_due(session, now=dispatcher.clock.now()):
            return False
    dispatcher.sleep(max(MIN_WAIT, dispatcher.limiter.wait_time()))
    return True


def run_batch(dispatcher: Dispatcher, ids: list[int], token: str) -> list[str]:
    """Run rows claimed with `token`; one outcome per row ("sent", "retry", "task", ...).

    If one row breaks a batch transaction, the batch is redone row by row, so a bad row only
    holds up itself (it stays `running` until the reconciler takes it back).
    """
    try:
        outcomes, attempts = _prepare_batch(dispatcher, ids, token)
    except Exception:
        log.exception("outbox batch could not be prepared; running its rows one by one")
        return [_run_alone(dispatcher, item_id, token) for item_id in ids]
    results = [
        (attempt, call_channel(dispatcher.channels.get(attempt.channel), attempt.outgoing))
        for attempt in attempts
    ]
    try:
        with dispatcher.sessions.begin() as session:
            return outcomes + _record_batch(session, dispatcher, token, results)
    except Exception:
        log.exception("outbox batch results could not be recorded together; one by one")
        return outcomes + [_record_alone(dispatcher, token, result) for result in results]


def _prepare_batch(
    dispatcher: Dispatcher, ids: list[int], token: str
) -> tuple[list[str], list[Attempt]]:
    outcomes: list[str] = []
    ready: list[Ready] = []
    with dispatcher.sessions.begin() as session:
        items = owned_many(session, item_ids=ids, token=token)
        outcomes += ["lost"] * (len(ids) - len(items))
        for item in items:
            prepared = prepare(session, dispatcher, item)
            if isinstance(prepared, str):
                outcomes.append(prepared)
            else:
                ready.append(prepared)
        session.flush()  # the batch's messages in one go; then they have their ids
        return outcomes, [Attempt.of(each) for each in ready]


def _run_alone(dispatcher: Dispatcher, item_id: int, token: str) -> str:
    try:
        with dispatcher.sessions.begin() as session:
            item = owned(session, item_id=item_id, token=token, with_case=True)
            if item is None:
                return "lost"
            prepared = prepare(session, dispatcher, item)
            if isinstance(prepared, str):
                return prepared
            session.flush()
            attempt = Attempt.of(prepared)
    except Exception:
        # The row stays `running`; the reconciler takes it back when the lease expires.
        log.exception("outbox item %s failed unexpectedly", item_id)
        return "error"
    result = call_channel(dispatcher.channels.get(attempt.channel), attempt.outgoing)
    return _record_alone(dispatcher, token, (attempt, result))


def _record_alone(dispatcher: Dispatcher, token: str, result: Result) -> str:
    try:
        with dispatcher.sessions.begin() as session:
            return _record_batch(session, dispatcher, token, [result])[0]
    except Exception:
        # The message stays `sending`: once the lease is over it is flagged uncertain.
        log.exception("outbox item %s: result not recorded", result[0].item_id)
        return "error"


def _record_batch(
    session: Session, dispatcher: Dispatcher, token: str, results: list[Result]
) -> list[str]:
    sent = [(attempt, r) for attempt, r in results if isinstance(r, SendReceipt)]
    outcomes = _record_receipts(session, dispatcher, token, sent) if sent else []
    for attempt, result in results:
        if isinstance(result, DeliveryError):
            outcomes.append(record_failure_of(session, dispatcher, attempt, token, result))
    return outcomes


def _record_receipts(
    session: Session,
    dispatcher: Dispatcher,
    token: str,
    sent: list[tuple[Attempt, SendReceipt]],
) -> list[str]:
    """The common case in a few bulk statements: receipts, rows done, sequences moved on."""
    now = dispatcher.clock.now()
    rows = session.execute(
        select(OutboxItem.id, OutboxItem.enrolment_id)
        .where(
            OutboxItem.id.in_([attempt.item_id for attempt, _ in sent]),
            OutboxItem.status == "running",
            OutboxItem.claim_token == token,
        )
        .with_for_update()
    ).all()
    still_ours = {row.id: row.enrolment_id for row in rows}
    session.execute(update(Message), [_receipt_values(a, r, now) for a, r in sent])
    if still_ours:
        done = {"status": "done", "finished_at": now, "claim_token": None}
        session.execute(update(OutboxItem), [{"id": i, **done} for i in still_ours])
    _touch_cases(session, {a.case_id for a, _ in sent if a.case_id is not None}, now)
    _advance_enrolments(session, dispatcher, [e for e in still_ours.values() if e is not None])
    for attempt, receipt in sent:
        dispatcher.limiter.settle(attempt.channel, attempt.charged, receipt.segments)
    log.info("%d messages handed to their channels", len(sent))
    # A row no longer ours was reconciled meanwhile (a very slow provider): receipt kept only.
    return ["sent" if a.item_id in still_ours else "late" for a, _ in sent]


def _receipt_values(attempt: Attempt, receipt: SendReceipt, now: object) -> dict[str, object]:
    return {
        "id": attempt.message_id,
        "provider_id": receipt.provider_id,
        "status": receipt.status,
        "segments": receipt.segments,
        "encoding": receipt.encoding,
        "sent_at": now,
        "status_at": now,
    }


def _touch_cases(session: Session, case_ids: set[int], now: object) -> None:
    """Last contact = now, for each case (the latest contact wins)."""
    if not case_ids:
        return
    table = Case.__table__
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("case_key"),
            or_(table.c.last_contact_at.is_(None), table.c.last_contact_at < bindparam("at")),
        )
        .values(last_contact_at=bindparam("at"))
    )
    session.execute(statement, [{"case_key": case_id, "at": now} for case_id in case_ids])


def _advance_enrolments(session: Session, dispatcher: Dispatcher, ids: list[int]) -> None:
    if not ids:
        return
    now = dispatcher.clock.now()
    for enrolment in session.scalars(select(Enrolment).where(Enrolment.id.in_(ids))):
        advance(session, now=now, enrolment=enrolment, config=dispatcher.config)
