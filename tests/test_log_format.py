"""ALLERVERS_LOG_FORMAT=json: one JSON object per line, tracebacks redacted as in text logs."""

from __future__ import annotations

import io
import json
import logging

import pytest

from api import log_format, log_privacy

PHONE = "+33639981234"


@pytest.fixture
def root_stream(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """The root logger with one handler of its own, as `allervers` sets it up."""
    stream = io.StringIO()
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [logging.StreamHandler(stream)])
    monkeypatch.setattr(root, "level", logging.INFO)
    return stream


def test_json_lines_carry_level_logger_message_and_a_redacted_traceback(
    root_stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLERVERS_LOG_FORMAT", "json")
    log_privacy.install()
    log_format.install()
    log = logging.getLogger("allervers.test")
    log.info("tick: %s", {"sent": 3})
    try:
        raise ValueError(f"provider refused {PHONE}")
    except ValueError:
        log.exception("send failed for message %d", 42)
    first, second = (json.loads(line) for line in root_stream.getvalue().splitlines())
    assert first["level"] == "INFO"
    assert first["logger"] == "allervers.test"
    assert first["message"] == "tick: {'sent': 3}"
    assert first["time"].endswith("+00:00")
    assert second["message"] == "send failed for message 42"
    assert "ValueError: provider refused [hidden]" in second["exception"]
    assert PHONE not in root_stream.getvalue()


def test_text_stays_the_default(root_stream: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALLERVERS_LOG_FORMAT", raising=False)
    log_format.install()
    logging.getLogger("allervers.test").warning("plain")
    assert root_stream.getvalue() == "plain\n"
