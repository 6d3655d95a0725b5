"""Two dispatchers at once on the same database: every item is sent exactly once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import datetime

from outreach.clock import PARIS, FrozenClock
from outreach.db import make_engine, make_session_factory
from outreach.engine.dispatcher import Dispatcher, dispatch_due
from outreach.sequences import enrol
from tests.engine_support import RecordingChannel, engine_config
from tests.factories import fiction_phone, make_case

HOUSEHOLDS = 300


class SlowRecordingChannel(RecordingChannel):
    """A provider that takes a moment, so the two dispatchers really overlap."""

    def send(self, outgoing):  # type: ignore[no-untyped-def]
        time.sleep(0.002)
        return super().send(outgoing)


def _run_two_dispatchers(url: str, clock: FrozenClock, channel: RecordingChannel) -> list[Counter]:
    reports: list[Counter] = [Counter(), Counter()]
    start = threading.Barrier(2)

    def work(slot: int) -> None:
        engine = make_engine(url)
        dispatcher = Dispatcher(
            sessions=make_session_factory(engine),
            clock=clock,
            channels={"sms": channel},
            config=engine_config(ALLERVERS_DISPATCH_BATCH="10"),
        )
        start.wait()
        reports[slot] = dispatch_due(dispatcher)
        engine.dispose()

    threads = [threading.Thread(target=work, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return reports


def test_two_dispatchers_send_every_item_exactly_once(db_url, sessions, clock) -> None:
    clock.set(datetime(2026, 4, 29, 10, 0, tzinfo=PARIS))
    with sessions.begin() as session:
        for number in range(HOUSEHOLDS):
            case = make_case(session, clock=clock, phones=(fiction_phone(number),))
            enrol(session, clock=clock, case=case)
    channel = SlowRecordingChannel("sms", clock)
    reports = _run_two_dispatchers(db_url, clock, channel)
    message_ids = [outgoing.message_id for _, outgoing in channel.sent]
    addresses = [outgoing.address for _, outgoing in channel.sent]
    assert len(message_ids) == HOUSEHOLDS
    assert len(set(message_ids)) == HOUSEHOLDS  # no message twice
    assert len(set(addresses)) == HOUSEHOLDS  # no household twice
    assert channel.calls == HOUSEHOLDS
    assert reports[0]["sent"] + reports[1]["sent"] == HOUSEHOLDS
    assert reports[0]["sent"] > 0 and reports[1]["sent"] > 0  # both took a share
    assert reports[0]["error"] == reports[1]["error"] == 0
