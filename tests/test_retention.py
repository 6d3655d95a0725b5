"""Retention: closed cases past the limit are anonymised; the indicators do not move."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, String, Text, func, select

from outreach.ccapex.importer import import_file
from outreach.links import issue_link_token, redeem_link_token
from outreach.models import (
    Anonymisation,
    Base,
    Case,
    CaseNote,
    ChannelLinkToken,
    ConsentRecord,
    ContactPoint,
    Diagnostic,
    EngagementStep,
    ImportBatch,
    InboxItem,
    MediationEntry,
    Message,
    PartnerInfo,
    Person,
    TeamUser,
    Visit,
)
from outreach.privacy import retention
from outreach.reports.indicators import IndicatorFilters, funnel
from outreach.reports.tables import export_sections, tables
from tests.ccapex_files import row, write_list
from tests.factories import make_case


def _case_with_messages(session, clock, *, status: str) -> int:
    case = make_case(session, clock=clock, status=status, sector_code="lens", last_name="Oubliable")
    case.import_month = "2026-01"
    case.address = "1 rue Fictive"
    case.outcome_comment = "Madame Oubliable est partie chez sa soeur"
    now = clock.now()
    for direction, status_, body in (("out", "delivered", "Bonjour"), ("in", "received", "OUI")):
        session.add(
            Message(
                direction=direction,
                channel="sandbox",
                case_id=case.id,
                address=case.contact_points[0].value,
                body=body,
                status=status_,
                created_at=now,
            )
        )
    case.last_contact_at = now
    session.flush()
    return case.id


def _funnel(sessions, coordinator_id: int) -> dict[str, int]:
    with sessions() as session:
        user = session.get_one(TeamUser, coordinator_id)
        return funnel(session, user=user, filters=IndicatorFilters()).total()


def _indicators(sessions, coordinator_id: int) -> tuple[Any, ...]:
    """The funnel by sector and month, and every indicator table as exported."""
    with sessions() as session:
        user = session.get_one(TeamUser, coordinator_id)
        filters = IndicatorFilters()
        result = funnel(session, user=user, filters=filters)
        return result.cells, export_sections(tables(session, user=user, filters=filters))


def _months(clock, months: int) -> None:
    """Move the frozen clock `months` calendar months on."""
    now = clock.now()
    clock.set(retention.months_before(now, -months))


def test_it_computes_calendar_months() -> None:
    moment = datetime(2026, 3, 31, 12, tzinfo=UTC)

    assert retention.months_before(moment, 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert retention.months_before(moment, 24) == datetime(2024, 3, 31, 12, tzinfo=UTC)


def test_it_anonymises_only_closed_cases_past_the_limit_and_keeps_indicators(
    sessions, clock, coordinator
) -> None:
    with sessions.begin() as session:
        closed = _case_with_messages(session, clock, status="closed")
        active = _case_with_messages(session, clock, status="contacting")
    before = _funnel(sessions, coordinator[0])

    clock.advance(timedelta(days=365))
    early = retention.run(sessions, clock=clock, months=24)
    clock.advance(timedelta(days=400))
    report = retention.run(sessions, clock=clock, months=24)
    again = retention.run(sessions, clock=clock, months=24)

    assert (early.anonymised, report.anonymised, again.anonymised) == ([], [closed], [])
    assert _funnel(sessions, coordinator[0]) == before
    with sessions() as session:
        case = session.get_one(Case, closed)
        bodies = session.scalars(select(Message.body).where(Message.case_id == closed)).all()
        people = session.scalars(select(Person.last_name).where(Person.case_id == closed)).all()
        points = session.scalars(select(ContactPoint).where(ContactPoint.case_id == closed)).all()
        kept = session.scalars(select(Person.last_name).where(Person.case_id == active)).all()
        marker = session.get_one(Anonymisation, closed)
    assert (case.address, case.search_text, case.reference) == (None, "", f"ANON-{closed}")
    assert case.outcome_comment is None
    assert bodies == ["", ""] and people == [] and points == []
    assert kept == ["Oubliable"]
    assert marker.reason == "retention"


def test_it_honours_a_shorter_configured_period(sessions, clock) -> None:
    with sessions.begin() as session:
        closed = _case_with_messages(session, clock, status="closed")

    clock.advance(timedelta(days=200))

    assert retention.run(sessions, clock=clock, months=6).anonymised == [closed]


def test_it_runs_from_the_command_line(sessions, clock, db_url, monkeypatch, tmp_path) -> None:
    from typer.testing import CliRunner

    from api.cli.main import _register_optional_commands, app

    with sessions.begin() as session:
        _case_with_messages(session, clock, status="closed")
    rejects = tmp_path / "imports" / "batch-1.rejets.csv"  # the imports page's folder
    rejects.parent.mkdir()
    rejects.write_text("1;nom manquant;CCX-2026-0199;Fictif\n", encoding="utf-8")
    _touch(rejects, clock.now())
    monkeypatch.setenv("ALLERVERS_DATABASE_URL", db_url)
    monkeypatch.setenv("ALLERVERS_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.setenv("ALLERVERS_NOW", "2030-01-01T12:00:00+00:00")
    _register_optional_commands()

    result = CliRunner().invoke(app, ["retention", "run"])

    assert result.exit_code == 0, result.output
    assert "anonymisés : 1" in result.output
    assert "Rapports d'import nettoyés : 0 (fichiers supprimés : 1), échecs : 0." in result.output
    assert not rejects.exists()


def test_it_registers_the_daily_job(services) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    from api.scheduler import add_retention_job

    scheduler = BackgroundScheduler()
    add_retention_job(scheduler, services)

    assert [job.id for job in scheduler.get_jobs()] == ["daily:retention"]


# --- Everything else tied to a case ----------------------------------------------------------

# The text and JSON columns of the rows tied to a case that stay after anonymisation: codes,
# versions, states and the French rendering of a visit's time window, none written by a person or
# read from the household. Tables whose rows anonymise deletes are not listed. A new free-text
# column on one of these tables (a visit note, say) must be cleared by retention.anonymise and
# tested below before it goes here.
KEPT_TEXT_COLUMNS = {
    "case_file": {"reference", "status", "stage", "language", "import_month", "search_text"}
    | {"outcome", "status_before_close", "aside_reason", "next_deadline_kind"},
    "message": {"direction", "channel", "template", "language", "provider_id", "status"}
    | {"error_code", "error_kind", "encoding"},
    "inbox_item": {"kind", "outcome"},
    "engagement_step": {"kind", "status", "actor"},
    "visit": {"status", "time_window", "cancelled_by", "place_kind", "booked_by", "reached_by"},
    "visit_slot": {"status"},
    "consent_record": {"purpose", "decision", "text_version", "language", "channel", "method"},
    "conversation": {"state", "offered_slot_ids"},
    "channel_link_token": {"token_hash", "channel"},
    "sequence_enrolment": {"sequence", "version", "steps", "status", "stop_reason"},
    "outbox_item": {"kind", "status", "send_window", "channel", "skip_channels"}
    | {"last_error", "claim_token"},
    "anonymisation": {"reason"},
    "audit_event": {"actor_label", "action", "detail"},  # ids and counts only (outreach.audit)
    "case_event": {"kind", "detail"},  # ids, codes and dates only (outreach.team.events)
    "procedure_check": {"item", "verdict"},
    "mediation_entry": {"kind"},
    "partner_info": {"kind", "means"},
    # codes and the keys of the facts shared (never the facts themselves)
    "referral": {"purpose", "status", "delivery", "fields", "return_state"},
    "letter": {"kind", "template"},
}
# Cleared (or replaced) by anonymise, checked by the tests of this file.
CLEARED_TEXT_COLUMNS = {
    # reference -> ANON-<id>, search_text -> ""
    "case_file": {"address", "postcode", "commune", "outcome_comment"},
    "message": {"address", "body", "raw", "choices", "template_values"},
    "inbox_item": {"note"},
    "engagement_step": {"detail", "objective", "result"},
    "consent_record": {"document_ref"},
    "mediation_entry": {"note"},
    "partner_info": {"summary", "document_ref"},
    "referral": {"summary", "note", "answer", "token_hash", "code_hash"},  # tests/test_referrals
    "letter": {"link"},  # tests/test_letters
}
DELETED_TABLES = {"person", "contact_point", "case_note", "diagnostic"}


def test_every_text_column_tied_to_a_case_is_either_cleared_or_a_code() -> None:
    found = {
        table.name: {
            column.name for column in table.columns if isinstance(column.type, String | Text | JSON)
        }
        for table in Base.metadata.sorted_tables
        if ("case_id" in table.columns or table.name == "case_file")
        and table.name not in DELETED_TABLES
    }

    expected = {
        name: KEPT_TEXT_COLUMNS.get(name, set()) | CLEARED_TEXT_COLUMNS.get(name, set())
        for name in found
    }
    assert found == expected


def test_it_clears_the_free_text_around_the_case_and_keeps_its_visits_and_steps(
    sessions, clock, coordinator
) -> None:
    with sessions.begin() as session:
        closed = _case_with_messages(session, clock, status="closed")
        at = clock.now() + timedelta(days=3)
        session.add(
            Visit(
                case_id=closed, starts_at=at, ends_at=at + timedelta(hours=1), status="held",
                window_starts_at=at, window_ends_at=at + timedelta(minutes=30),
                time_window="entre 10 h et 10 h 30", created_at=clock.now(),
            )
        )  # fmt: skip
        session.add(
            EngagementStep(
                case_id=closed, kind="fsl", status="done", detail="Dossier FSL de Mme Oubliable",
                created_at=clock.now(), updated_at=clock.now(), done_at=clock.now(),
                objective="Payer le loyer de Mme Oubliable", result="Accordé à Mme Oubliable",
            )
        )  # fmt: skip
        session.add(
            ConsentRecord(
                case_id=closed, purpose="diagnostic", decision="given", text_version="v1",
                language="fr", channel="visit", method="written",
                document_ref="Classeur Oubliable", recorded_at=clock.now(),
            )
        )  # fmt: skip
        session.add(
            MediationEntry(
                case_id=closed, kind="call", happened_on=clock.now().date(),
                note="M. Oubliable accepte un plan", created_at=clock.now(),
            )
        )  # fmt: skip
        session.add(
            PartnerInfo(
                case_id=closed, kind="fsl_decision", means="letter",
                received_on=clock.now().date(), summary="Aide FSL accordée à Mme Oubliable",
                document_ref="Courrier Oubliable", created_at=clock.now(),
            )
        )  # fmt: skip
        session.add(
            Diagnostic(
                case_id=closed, answers='{"assessment": "Mme Oubliable"}', form_version="v1",
                status="submitted", revision=1, updated_at=clock.now(),
            )
        )  # fmt: skip
        session.add(CaseNote(case_id=closed, body="Voisine : 06 39 98 00 42", created_at=at))
        session.add(
            InboxItem(kind="reply", case_id=closed, note="Rappeler Mme Oubliable", created_at=at)
        )
        token = issue_link_token(session, clock=clock, case_id=closed, ttl=timedelta(days=4000))
        message = session.scalars(select(Message).where(Message.case_id == closed)).first()
        message.template_values = {"first_name": "Camille", "day": "mardi 17 mars"}
        message.choices = [{"reply": "1", "label": "mardi 17 mars à 10 h"}]
    before = _indicators(sessions, coordinator[0])
    with sessions() as session:
        visit_before = session.scalars(
            select(Visit.status, Visit.starts_at, Visit.time_window).where(Visit.case_id == closed)
        ).all()

    _months(clock, 25)
    assert retention.run(sessions, clock=clock, months=24).anonymised == [closed]

    assert _indicators(sessions, coordinator[0]) == before
    with sessions() as session:
        visit_after = session.scalars(
            select(Visit.status, Visit.starts_at, Visit.time_window).where(Visit.case_id == closed)
        ).all()
        step = session.scalars(select(EngagementStep).where(EngagementStep.case_id == closed)).one()
        notes = session.scalar(select(func.count()).where(CaseNote.case_id == closed))
        inbox = session.scalars(select(InboxItem.note).where(InboxItem.case_id == closed)).all()
        messages = session.scalars(select(Message).where(Message.case_id == closed)).all()
        link = session.scalars(
            select(ChannelLinkToken).where(ChannelLinkToken.case_id == closed)
        ).one()
        assert link.expires_at <= clock.now()
    assert visit_after == visit_before
    assert (step.kind, step.status, step.detail) == ("fsl", "done", None)
    assert (step.objective, step.result) == (None, None)
    with sessions() as session:
        consent = session.scalars(
            select(ConsentRecord).where(ConsentRecord.case_id == closed)
        ).one()
    assert (consent.decision, consent.method, consent.document_ref) == ("given", "written", None)
    with sessions() as session:
        assert session.scalar(select(func.count()).where(Diagnostic.case_id == closed)) == 0
        mediation = session.scalars(
            select(MediationEntry).where(MediationEntry.case_id == closed)
        ).one()
        assert (mediation.kind, mediation.note) == ("call", None)
        info = session.scalars(select(PartnerInfo).where(PartnerInfo.case_id == closed)).one()
        assert (info.kind, info.summary, info.document_ref) == ("fsl_decision", None, None)
    assert notes == 0 and inbox == [None]
    assert all(m.template_values is None and m.choices is None for m in messages)
    with sessions.begin() as session:
        assert redeem_link_token(session, clock=clock, token=token, chat_id="900001") is None


# --- Import reports --------------------------------------------------------------------------


def _import(sessions, clock, folder: Path, name: str, rows: list[dict[str, str]]) -> int:
    """Import a list the way the imports page does: its rejected rows kept as batch-<id>."""
    path = write_list(folder / name, rows)
    with sessions.begin() as session:
        report = import_file(
            session, clock=clock, path=path, rejects_path=folder / f".upload-{name}.rejets.csv"
        )
    if report.rejects_path is not None:
        kept = retention.rejects_file(folder / "imports", report.batch_id)
        kept.parent.mkdir(exist_ok=True)
        report.rejects_path.replace(kept)
        _touch(kept, clock.now())
    return report.batch_id


def _touch(path: Path, at: datetime) -> None:
    os.utime(path, (at.timestamp(), at.timestamp()))


def _reports(sessions) -> dict[int, dict[str, Any]]:
    with sessions() as session:
        return dict(session.execute(select(ImportBatch.id, ImportBatch.report)).all())


OLD_ROWS = [
    row(reference="CCX-2026-0101", nom="Fictif", prenom="Alix", telephone="06 39 98 01 01"),
    row(reference="CCX-2026-0102", nom="Fictif", etape="Dominique Imaginaire"),
    row(reference="CCX-2026-0103", nom=""),
    row(reference="CCX-2026-0104", nom="Songe", langue="Claude Inventé"),
]
PERSONAL = ("CCX-2026-01", "Fictif", "Dominique", "Imaginaire", "Claude", "Songe", "39 98")


def test_it_strips_old_import_reports_and_deletes_their_rejected_rows(
    sessions, clock, coordinator, tmp_path
) -> None:
    folder = tmp_path
    old = _import(sessions, clock, folder, "liste-mars.csv", OLD_ROWS)
    update = _import(
        sessions, clock, folder, "liste-mars-bis.csv",
        [row(reference="CCX-2026-0101", nom="Fictif", prenom="Alix", telephone="06 39 98 01 02")],
    )  # fmt: skip
    orphan = folder / "imports" / ".upload-0123abcd.rejets.csv"
    orphan.write_text("1;nom manquant;CCX-2026-0199;Fictif\n", encoding="utf-8")
    _touch(orphan, clock.now())
    _months(clock, 20)
    recent = _import(
        sessions, clock, folder, "liste-2027.csv",
        [row(reference="CCX-2027-0201", nom="Rêveur", etape="Sacha Imaginaire")],
    )  # fmt: skip
    with sessions() as session:
        counts_before = session.execute(
            select(ImportBatch.id, ImportBatch.filename, ImportBatch.month, ImportBatch.rows_read)
            .add_columns(ImportBatch.created, ImportBatch.updated, ImportBatch.rejected)
            .order_by(ImportBatch.id)
        ).all()
    reports_before = _reports(sessions)
    indicators_before = _indicators(sessions, coordinator[0])
    _months(clock, 5)

    report = retention.run(sessions, clock=clock, months=24, rejects_dir=folder / "imports")
    reports = _reports(sessions)
    again = retention.run(sessions, clock=clock, months=24, rejects_dir=folder / "imports")

    assert (report.import_reports_cleared, report.import_reports_failed) == ([old, update], [])
    assert report.rejects_files_deleted == 2  # the old batch's rows and the orphan upload
    assert not retention.rejects_file(folder / "imports", old).exists() and not orphan.exists()
    assert retention.rejects_file(folder / "imports", recent).exists()
    assert reports[recent] == reports_before[recent]
    assert "Sacha Imaginaire" in json.dumps(reports[recent], ensure_ascii=False)
    for batch in (old, update):
        text = json.dumps(reports[batch], ensure_ascii=False)
        assert not [word for word in PERSONAL if word in text], text
        assert reports[batch]["by_sector"] == reports_before[batch]["by_sector"]
        assert reports[batch]["rejects"] == reports[batch]["changes"] == []
    assert reports[old]["reject_kinds"] == {
        "missing name (nom)": 1,
        "unknown procedure stage “{stage}”": 1,
    }
    assert reports[old]["warning_kinds"] == {"unknown language “{name}”: French is used": 1}
    assert reports[update]["changed_columns"] == {"telephone": 1}
    with sessions() as session:
        counts_after = session.execute(
            select(ImportBatch.id, ImportBatch.filename, ImportBatch.month, ImportBatch.rows_read)
            .add_columns(ImportBatch.created, ImportBatch.updated, ImportBatch.rejected)
            .order_by(ImportBatch.id)
        ).all()
    assert counts_after == counts_before
    assert _indicators(sessions, coordinator[0]) == indicators_before
    assert (again.import_reports_cleared, again.rejects_files_deleted) == ([], 0)
    assert _reports(sessions) == reports


def test_it_names_nothing_but_kinds_for_a_reason_it_does_not_know() -> None:
    assert retention.reason_kind("étape de procédure inconnue « Dominique Imaginaire »") == (
        "unknown procedure stage “{stage}”"
    )
    assert retention.reason_kind("colonne inventée : Dominique Imaginaire") == "other"


def test_erasure_replaces_the_reference_in_recent_import_reports(sessions, clock, tmp_path) -> None:
    first = [row(reference="CCX-2026-0301", nom="Fictif"), row(reference="CCX-2026-0302")]
    _import(sessions, clock, tmp_path, "liste.csv", first)
    second = [
        row(reference="CCX-2026-0301", nom="Fictif", telephone="06 39 98 03 01"),
        row(reference="CCX-2026-0302", telephone="06 39 98 03 02"),
    ]
    batch = _import(sessions, clock, tmp_path, "liste-bis.csv", second)

    with sessions.begin() as session:
        case = session.scalars(select(Case).where(Case.reference == "CCX-2026-0301")).one()
        case.status = "closed"
        retention.anonymise(session, clock=clock, case=case, reason="erasure")
        erased = case.id

    changes = _reports(sessions)[batch]["changes"]
    assert [change["reference"] for change in changes] == [f"ANON-{erased}", "CCX-2026-0302"]
    assert [change["fields"] for change in changes] == [["telephone"], ["telephone"]]
