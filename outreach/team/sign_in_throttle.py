"""Slowing down guessers: failed sign-ins counted per network address and per e-mail.

The account lock (`outreach.team.sign_in`) stops guessing one known account. This throttle also
stops one address trying many accounts, and treats an unknown e-mail exactly like a known one
(after as many failures, the same 429), so the answers never say which e-mails exist. Only
failures count: a team behind one office address signs in freely.

It lives in the process's memory (one process serves a team); a restart forgets it, which the
database lock does not.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from outreach.clock import Clock

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ADDRESS = 30
MAX_FAILURES_PER_ACCOUNT = 10
MAX_KEYS = 50_000  # memory bound: the oldest keys are forgotten first


@dataclass(frozen=True)
class Limits:
    window: timedelta = WINDOW
    per_address: int = MAX_FAILURES_PER_ADDRESS
    per_account: int = MAX_FAILURES_PER_ACCOUNT
    max_keys: int = MAX_KEYS


class SignInThrottle:
    """Thread-safe sliding windows of recent failures."""

    def __init__(self, clock: Clock, limits: Limits | None = None) -> None:
        self._clock = clock
        self._limits = limits or Limits()
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, *, address: str, email: str) -> int | None:
        """Seconds to wait before trying again, or None when this attempt may go on."""
        now = self._clock.now()
        waits = [
            self._wait(key, limit, now)
            for key, limit in (
                (_address_key(address), self._limits.per_address),
                (_account_key(email), self._limits.per_account),
            )
        ]
        return max((wait for wait in waits if wait is not None), default=None)

    def failed(self, *, address: str, email: str) -> None:
        now = self._clock.now()
        with self._lock:
            for key in (_address_key(address), _account_key(email)):
                times = self._failures.pop(key, None) or deque()
                times.append(now)
                self._failures[key] = times  # most recent last
            while len(self._failures) > self._limits.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, *, email: str) -> None:
        with self._lock:
            self._failures.pop(_account_key(email), None)

    def _wait(self, key: str, limit: int, now: datetime) -> int | None:
        with self._lock:
            times = self._failures.get(key)
            if not times:
                return None
            while times and times[0] <= now - self._limits.window:
                times.popleft()
            if len(times) < limit:
                return None
            free_at = times[len(times) - limit] + self._limits.window
            return max(1, math.ceil((free_at - now).total_seconds()))


def _address_key(address: str) -> str:
    return "address:" + address


def _account_key(email: str) -> str:
    # Hashed: the throttle's memory holds no e-mail address.
    folded = email.strip().lower().encode()
    return "account:" + hashlib.sha256(folded).hexdigest()
