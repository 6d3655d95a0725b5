"""Twilio's side of the status callbacks in bench/load.py: which report to post next.

The server's real sends (what the Twilio double accepted) come first, then the seeded messages'
reports; a message's final report (delivered, or a failure for a fragile number) follows its
"sent" after REPORT_DELAY, and a few callbacks are sent twice, as Twilio does.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque

from load_data import Report, delivery_statuses

from bot.twilio_client import MESSAGE_ID_PARAM, STATUS_PATH
from tests.doubles.twilio_double import ACCOUNT_SID, API_VERSION, SENDER, TwilioDouble

STATUS_REPLAYS = 0.03  # Twilio sometimes sends a status callback twice
REPORT_DELAY = 0.5  # seconds between a message's "sent" and its final delivery report


class Reports:
    """Delivery reports still to send: the server's real sends first, then the seeded ones.

    A feeder thread picks up what the Twilio double accepted; the second report of a message
    waits REPORT_DELAY after the first, as with the real Twilio.
    """

    def __init__(
        self, base: str, double: TwilioDouble, seeded: list[Report], fragile: set[str]
    ) -> None:
        self._base = base
        self._fragile = fragile  # numbers whose messages are never delivered
        self._double = double
        self._lock = threading.Lock()
        self._fresh: deque[Report] = deque()
        self._seeded = deque(seeded)
        self._later: deque[tuple[float, Report]] = deque()
        self._done: list[tuple[str, dict[str, str]]] = []
        self._seen = 0

    def feed(self) -> None:
        """Take the messages the double accepted since the last call."""
        accepted = self._double.sent[self._seen :]
        with self._lock:
            for message in accepted:
                statuses = delivery_statuses(message["to"] in self._fragile, self._seen)
                self._fresh.append(Report(message["sid"], message["to"], None, statuses))
                self._seen += 1

    def take(self, rng: random.Random) -> tuple[str, dict[str, str], bool] | None:
        """(url, form, replayed) of the next callback, or None when nothing is left."""
        with self._lock:
            if self._done and rng.random() < STATUS_REPLAYS:
                return (*rng.choice(self._done), True)
            report = self._next()
            if report is None:
                return (*rng.choice(self._done), True) if self._done else None
            (status, code), rest = report.statuses[0], report.statuses[1:]
            if rest:
                later = Report(report.sid, report.to, report.message_id, rest)
                self._later.append((time.monotonic() + REPORT_DELAY, later))
            url, form = self._callback(report, status, code)
            self._done.append((url, form))
            return url, form, False

    def _next(self) -> Report | None:
        if self._later and self._later[0][0] <= time.monotonic():
            return self._later.popleft()[1]
        for queue in (self._fresh, self._seeded):
            if queue:
                return queue.popleft()
        return None

    def _callback(self, report: Report, status: str, code: int | None) -> tuple[str, dict]:
        if report.message_id is None:
            return self._double.status_callback(report.sid, status, code)
        url = f"{self._base}{STATUS_PATH}?{MESSAGE_ID_PARAM}={report.message_id}"
        return url, _status_form(report, status, code)


def _status_form(report: Report, status: str, code: int | None) -> dict[str, str]:
    """The form Twilio posts to a StatusCallback (as tests/doubles/twilio_double.py builds it)."""
    form = {
        "AccountSid": ACCOUNT_SID, "ApiVersion": API_VERSION, "From": SENDER,
        "MessageSid": report.sid, "MessageStatus": status, "SmsSid": report.sid,
        "SmsStatus": status, "To": report.to, "RawDlrDoneDate": "2604291000",
    }  # fmt: skip
    if code is not None:
        form["ErrorCode"] = str(code)
    return form


def feed_reports(reports: Reports, stop: threading.Event) -> threading.Thread:
    """A thread that hands `reports` the double's new sends every 0.2 s until `stop` is set."""

    def loop() -> None:
        while not stop.wait(0.2):
            reports.feed()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread
