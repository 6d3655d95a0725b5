"""The case page reads only the tables that hold something for the case: one query asks the
often-empty ones (visits, consents, diagnostic, steps, notes, letters, referrals...) whether
they hold a row for it (PageReads.holds), and what they hold is still all on the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from outreach.casework import step_kinds
from outreach.models import (
    CaseNote,
    ConsentRecord,
    EngagementStep,
    InboxItem,
    Message,
    TeamUser,
)
from outreach.privacy.consent import record_consent
from outreach.team.followup import add_note, add_step
from outreach.team.page_reads import PROBED, PageReads
from outreach.team.tasks import create_task
from tests.factories import make_case
from tests.web_support import https_client, make_member, sign_in

PROBED_TABLES = {model.__tablename__ for model in PROBED}


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _reading_probed(seen: list[str]) -> list[str]:
    return [
        statement
        for statement in seen
        if any(re.search(rf"\bFROM {table}\b", statement) for table in PROBED_TABLES)
    ]


def test_a_case_nobody_worked_on_asks_the_empty_tables_once(web, sessions, clock, engine) -> None:
    member = make_member(sessions, clock, role="coordinator")
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock, sector_code="arras").id
    sign_in(web, member.email)
    with statements(engine) as seen:
        assert web.get(f"/cases/{case_id}").status_code == 200
    [probe] = _reading_probed(seen)  # one statement, however many tables it asks
    assert probe.count("EXISTS") == len(PROBED)


def test_what_the_tables_hold_is_asked_right_and_shown(web, sessions, clock, engine) -> None:
    member = make_member(sessions, clock, role="coordinator")
    with sessions.begin() as session:
        case = make_case(session, clock=clock, sector_code="arras")
        other = make_case(session, clock=clock, sector_code="arras")  # its rows are not ours
        author = session.get_one(TeamUser, member.id)
        kind = step_kinds.kind_keys()[0]
        for target in (case, other):
            add_note(session, clock=clock, case=target, author=author, body="Note de suivi fictive")
            add_step(session, clock=clock, case=target, actor=author, kind=kind, detail="Démarche")
        create_task(session, clock=clock, case_id=case.id, task="door_knock")
        record_consent(
            session, clock=clock, case=case, purpose="diagnostic", decision="given",
            text_version="v1", language="fr", channel="visit", actor=author, method="oral",
        )  # fmt: skip
        case_id, other_id = case.id, other.id
    with sessions() as session:
        reads = PageReads(session, case_id)
        held = {model for model in PROBED if reads.holds(model)}
        assert held == {CaseNote, EngagementStep, InboxItem, ConsentRecord}
        other_reads = PageReads(session, other_id)
        assert {model for model in PROBED if other_reads.holds(model)} == {
            CaseNote,
            EngagementStep,
        }
    sign_in(web, member.email)
    with statements(engine) as seen:
        page = web.get(f"/cases/{case_id}").text
    assert "Note de suivi fictive" in page  # the history's note
    assert page.count("Démarche") >= 2  # the contract panel and the history
    assert "Imprimer l&#39;avis de passage" in page  # the open task (a door knock)
    assert "à l&#39;oral, en personne" in page  # the consents panel
    # The tables asked: the probe, then only those that hold something.
    asked = {
        table
        for statement in _reading_probed(seen)
        if "EXISTS" not in statement
        for table in PROBED_TABLES
        if re.search(rf"\bFROM {table}\b", statement)
    }
    assert asked == {"case_note", "engagement_step", "inbox_item", "consent_record"}


def test_a_table_the_probe_does_not_ask_is_refused_not_read_as_empty(sessions) -> None:
    with sessions() as session, pytest.raises(ValueError, match="Message"):
        PageReads(session, 1).holds(Message)
