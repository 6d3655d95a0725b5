"""New cases of a CCAPEX import enter the first-contact sequence; known ones are not re-entered."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from outreach.ccapex.importer import import_file
from outreach.clock import PARIS
from outreach.db import transaction
from outreach.models import Case
from outreach.models.outbox import Enrolment, OutboxItem
from tests.ccapex_files import row, write_list


def _import(sessions, clock, path: Path) -> None:  # type: ignore[no-untyped-def]
    with transaction(sessions) as session:
        import_file(session, clock=clock, path=path)


def _rows(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_it_enrols_new_cases_once_with_day_zero_at_the_next_opening(sessions, clock, tmp_path):
    clock.set(datetime(2026, 3, 14, 20, 0, tzinfo=PARIS))  # Saturday evening, window closed
    path = write_list(
        tmp_path / "liste.csv",
        [row(reference="E-1"), row(reference="E-2", telephone="06 39 98 00 02")],
    )
    _import(sessions, clock, path)
    _import(sessions, clock, path)  # the same list again: nobody enters twice
    with sessions() as session:
        assert _rows(session, Enrolment) == 2
        items = list(session.scalars(select(OutboxItem).order_by(OutboxItem.case_id)))
        assert [(i.kind, i.step_index, i.status) for i in items] == [("step", 0, "pending")] * 2
        # Sunday is closed: day 0 is Monday 09:00 in Paris.
        assert {i.due_at for i in items} == {datetime(2026, 3, 16, 9, 0, tzinfo=PARIS)}
        statuses = set(session.scalars(select(Case.status)))
        assert statuses == {"contacting"}


def test_an_empty_import_sequence_enrols_nobody(sessions, clock, tmp_path, monkeypatch):
    monkeypatch.setenv("ALLERVERS_IMPORT_SEQUENCE", "")
    _import(sessions, clock, write_list(tmp_path / "l.csv", [row(reference="E-3")]))
    with sessions() as session:
        assert _rows(session, Enrolment) == 0
        assert session.scalar(select(Case.status)) == "new"


@pytest.mark.parametrize("status", ["closed"])
def test_a_case_that_cannot_be_written_to_is_not_enrolled(sessions, clock, tmp_path, status):
    from outreach.sequences.bulk import enrol_new_cases

    with transaction(sessions) as session:
        case = Case(reference="E-4", status=status, created_at=clock.now(), updated_at=clock.now())
        opted = Case(
            reference="E-5", opted_out=True, created_at=clock.now(), updated_at=clock.now()
        )
        session.add_all([case, opted])
        session.flush()
        assert enrol_new_cases(session, clock=clock, case_ids=[case.id, opted.id]) == 0
