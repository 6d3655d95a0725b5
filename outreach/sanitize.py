"""Making provider input fit the database: no NUL bytes, no value longer than its column.

PostgreSQL refuses NUL in text and values longer than a VARCHAR; SQLite accepts both. A webhook
must store what it received on either, never fail (Twilio does not retry a failed webhook).
"""

from __future__ import annotations

import hashlib
from typing import Any


def clean_text(value: str) -> str:
    return value.replace("\x00", "")


def fit(value: str, length: int) -> str:
    """Text for a VARCHAR(length): NUL removed, cut to the column."""
    return clean_text(value)[:length]


def fit_id(value: str, length: int = 64) -> str:
    """A provider id for a VARCHAR(length) that still deduplicates: a longer one is hashed."""
    value = clean_text(value)
    if len(value) <= length:
        return value
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def clean_json(value: Any) -> Any:
    """The same JSON value with NUL removed from every string (keys included)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_json(key): clean_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(item) for item in value]
    return value
