"""Run as a separate process by test_engine_recovery: a dispatcher that dies mid-send.

The channel hands the message over (it writes a line to a file, like a provider accepting it)
and the process is killed at once, before the result can be committed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from outreach.clock import FrozenClock, parse_fixed_now
from outreach.db import make_engine, make_session_factory
from outreach.engine.dispatcher import Dispatcher, dispatch_due
from outreach.sending.channel import Outgoing, SendReceipt
from outreach.sending.config import load_engine_config


class DiesAfterSending:
    name = "sms"

    def __init__(self, log: Path) -> None:
        self.log = log

    def send(self, outgoing: Outgoing) -> SendReceipt:
        with self.log.open("a", encoding="utf-8") as handle:
            handle.write(f"{outgoing.message_id}\n")
        os._exit(17)  # the provider has it; we never hear back


def main(db_url: str, now: str, log: str) -> None:
    sessions = make_session_factory(make_engine(db_url))
    dispatcher = Dispatcher(
        sessions=sessions,
        clock=FrozenClock(parse_fixed_now(now)),
        channels={"sms": DiesAfterSending(Path(log))},
        config=load_engine_config(ALLERVERS_RATE_LIMITS="off"),
    )
    dispatch_due(dispatcher)


if __name__ == "__main__":
    main(*sys.argv[1:4])
