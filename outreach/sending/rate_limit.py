"""Per-channel rate limits (messages or SMS segments per second), a token bucket per channel.

Each dispatcher process has its own buckets: with two processes, give each half the provider's
limit. Time comes from a monotonic function so tests can drive it without sleeping.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from outreach.sending.config import Rate


@dataclass
class _Bucket:
    rate: Rate
    tokens: float
    at: float


class RateLimiter:
    def __init__(
        self, rates: Mapping[str, Rate], monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._monotonic = monotonic
        now = monotonic()
        # One second of burst: a full bucket holds `per_second` tokens (at least one).
        self._buckets = {
            name: _Bucket(rate, max(1.0, rate.per_second), now) for name, rate in rates.items()
        }
        self._lock = threading.Lock()

    def counts_segments(self, channel: str) -> bool:
        bucket = self._buckets.get(channel)
        return bucket is not None and bucket.rate.segments

    def try_take(self, channel: str, cost: int = 1) -> bool:
        """Take `cost` tokens (messages, or segments) if the channel has them.

        A message bigger than a full bucket goes when the bucket is full (and leaves a debt).
        Unlimited channels always have room.
        """
        with self._lock:
            bucket = self._refilled(channel)
            if bucket is None:
                return True
            if bucket.tokens < min(cost, max(1.0, bucket.rate.per_second)):
                return False
            bucket.tokens -= cost
            return True

    def settle(self, channel: str, charged: int, actual: int | None) -> None:
        """The provider counted `actual` segments where `charged` were taken: fix the bucket."""
        with self._lock:
            bucket = self._buckets.get(channel)
            if bucket is not None and bucket.rate.segments and actual:
                bucket.tokens -= actual - charged

    def room(self, channels: Iterable[str]) -> int | None:
        """How many messages these channels could take now, at most (whole tokens, summed);
        None when one of them has no limit, or when there is no channel (rows that send nothing,
        such as team tasks, still have to run)."""
        names = list(channels)
        if not names:
            return None
        with self._lock:
            total = 0
            for name in names:
                bucket = self._refilled(name)
                if bucket is None:
                    return None
                total += max(0, math.floor(bucket.tokens))
        return total

    def exhausted(self) -> set[str]:
        with self._lock:
            return {
                name
                for name in self._buckets
                if (bucket := self._refilled(name)) is not None and bucket.tokens < 1
            }

    def wait_time(self) -> float:
        """Seconds until the first exhausted channel can send again (0 if none is)."""
        with self._lock:
            waits = [
                (1 - bucket.tokens) / bucket.rate.per_second
                for name in self._buckets
                if (bucket := self._refilled(name)) is not None and bucket.tokens < 1
            ]
        return min(waits, default=0.0)

    def _refilled(self, channel: str) -> _Bucket | None:
        bucket = self._buckets.get(channel)
        if bucket is None:
            return None
        now = self._monotonic()
        capacity = max(1.0, bucket.rate.per_second)
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.at) * bucket.rate.per_second)
        bucket.at = now
        return bucket
