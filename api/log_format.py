"""ALLERVERS_LOG_FORMAT=json: one JSON object per line, for journald or a log collector.

Same content as the text lines, same redaction: tracebacks are formatted (and redacted) by
api.log_privacy.RedactTracebacks before this formatter sees them.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

FORMAT_ENV = "ALLERVERS_LOG_FORMAT"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


def install(log_format: str | None = None) -> None:
    """Give every root handler the JSON formatter when asked (argument, else the environment)."""
    chosen = (log_format or os.environ.get(FORMAT_ENV) or "text").strip().lower()
    if chosen != "json":
        return
    for handler in logging.getLogger().handlers:
        handler.setFormatter(JsonFormatter())
