"""The scheduler's pulse, for /readyz: when its tick last started, and whether a pass runs now.

Kept in memory by the serving process (cheap: two floats, no write per tick). A pass may run
for up to a minute when much is due (rate limits), and the next tick waits for it, so a pass
in progress counts as alive until it is clearly stuck.
"""

from __future__ import annotations

import threading
import time


class Heartbeat:
    def __init__(self, clock: object = time.monotonic) -> None:
        self._now = clock
        self._lock = threading.Lock()
        self._started: float | None = None
        self._running = False
        self.created = self._read()

    def _read(self) -> float:
        return float(self._now())  # type: ignore[operator]

    def started(self) -> None:
        with self._lock:
            self._started, self._running = self._read(), True

    def finished(self) -> None:
        with self._lock:
            self._running = False

    def silence(self) -> float:
        """Seconds since the last tick started (since creation when none has yet)."""
        with self._lock:
            return self._read() - (self._started if self._started is not None else self.created)

    @property
    def running(self) -> bool:
        with self._lock:
            return self._running
