"""A traceback in the logs carries no personal data: not the row PostgreSQL quotes, not the value a
driver could not read, not a phone number or an e-mail address in a provider's error."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.log_privacy import RedactTracebacks, redact
from outreach.db import make_engine

PHONE = "+33639981234"
TABLE = "CREATE TABLE IF NOT EXISTS probe_log (n INTEGER, v TEXT UNIQUE)"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactTracebacks())
    logger = logging.getLogger("tests.log_privacy")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def _fail(db_url: str, statement: str, value: str) -> DBAPIError:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(TABLE))
            connection.execute(text("INSERT INTO probe_log (n, v) VALUES (1, :v)"), {"v": value})
            connection.execute(text(statement), {"v": value})
    except DBAPIError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError("the statement did not fail")


def test_a_constraint_error_logs_no_value(db_url, captured) -> None:
    logger, stream = captured
    error = _fail(db_url, "INSERT INTO probe_log (n, v) VALUES (2, :v)", f"Lucie Fictif {PHONE}")
    try:
        raise error
    except DBAPIError:
        logger.exception("inbound message 12 not stored")
    output = stream.getvalue()
    assert "inbound message 12 not stored" in output and "Traceback" in output
    assert "Lucie" not in output and PHONE not in output


@pytest.mark.postgres
def test_an_unreadable_value_is_not_quoted(postgres_url, captured) -> None:
    logger, stream = captured
    error = _fail(postgres_url, "SELECT CAST(:v AS INTEGER)", "Lucie Fictif")
    try:
        raise error
    except DBAPIError:
        logger.exception("case 3 not read")
    assert "Lucie" not in stream.getvalue()


def test_phone_numbers_and_addresses_in_any_error_are_hidden(captured) -> None:
    logger, stream = captured
    try:
        raise RuntimeError(f"'To' 06 39 98 12 34 ({PHONE}) is not valid; bailleur@example.org")
    except RuntimeError:
        logger.exception("outbox item 7 failed unexpectedly")
    output = stream.getvalue()
    assert "39 98" not in output and PHONE not in output and "bailleur@" not in output
    assert "outbox item 7 failed unexpectedly" in output
    assert "line " in output  # the traceback is still there, line numbers included


def test_redaction_keeps_ids_times_and_codes() -> None:
    line = "message 123456 failed at 2026-11-27 10:00:00 with 30003 (status 500)"
    assert redact(line) == line
