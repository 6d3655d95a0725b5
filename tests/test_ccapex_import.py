"""The CCAPEX import end to end on SQLite and PostgreSQL: what is stored, rejected, updated, and
that a failure half-way leaves the database as it was."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from outreach.ccapex.importer import BATCH_ROWS, ImportRefused, import_file
from outreach.ccapex.reading import UnreadableFile
from outreach.clock import FrozenClock
from outreach.db import transaction
from outreach.models import (
    AuditEvent,
    Case,
    ContactPoint,
    ImportBatch,
    Landlord,
    Person,
    Sector,
    SectorArea,
)
from outreach.text import commune_key
from tests.ccapex_files import CANONICAL, row, write_list


def _sectors(session: Session) -> None:
    """A small sector table: Arras and Calais."""
    for code, name, communes in (
        ("arras", "Arras", (("Arras", "62000"), ("Achicourt", "62217"))),
        ("calais", "Calais", (("Calais", "62100"), ("Marck", "62730"))),
    ):
        sector = Sector(code=code, name=name)
        session.add(sector)
        session.flush()
        for commune, postcode in communes:
            session.add(
                SectorArea(
                    sector_id=sector.id,
                    commune=commune,
                    commune_key=commune_key(commune),
                    postcode=postcode,
                )
            )
    session.commit()


def _import(sessions: sessionmaker[Session], clock: FrozenClock, path: Path, **options: Any) -> Any:
    with transaction(sessions) as session:
        return import_file(session, clock=clock, path=path, **options)


def _case(session: Session, reference: str) -> Case:
    case = session.scalar(select(Case).where(Case.reference == reference))
    assert case is not None
    return case


def _count(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an import writes, to compare before and after."""
    snapshot = {}
    for model in (Case, Person, ContactPoint, Landlord, ImportBatch, AuditEvent):
        table = model.__table__
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        snapshot[table.name] = [tuple(row) for row in rows]
    session.rollback()
    return snapshot


def test_it_imports_a_full_row_with_everything_in_its_place(
    sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    with sessions() as session:
        _sectors(session)
    path = write_list(
        tmp_path / "liste.csv",
        [
            row(
                telephone="+33 (0)6 39 98 00 01",
                telephone2="03 53 01 00 02",
                etape="Assignation",
                date_assignation="2026-02-20",
                date_audience="16/04/2026",
                langue="arabe",
            )
        ],
        encoding="cp1252",
        newline="\r\n",
    )
    report = _import(sessions, clock, path, month="2026-03")
    assert (report.rows_read, report.created, report.rejected) == (1, 1, 0)
    with sessions() as session:
        case = _case(session, "CCX-2026-0001")
        assert case.stage == "assignation"
        assert (case.date_cdp, case.date_assignation, case.date_audience) == (
            date(2026, 1, 15),
            date(2026, 2, 20),
            date(2026, 4, 16),
        )
        # Today is 11 March: the CDP's six weeks (15 January, lease date unknown) ended on
        # 26 February; the hearing of 16 April is the next deadline.
        assert (case.next_deadline_on, case.next_deadline_kind) == (date(2026, 4, 16), "hearing")
        assert case.debt_cents == 123456
        assert (case.address, case.postcode, case.commune) == ("3 rue de l'Essai", "62000", "Arras")
        assert case.sector is not None and case.sector.code == "arras"
        assert case.language == "ar"
        assert case.status == "contacting"  # it entered the first-contact sequence
        assert case.import_month == "2026-03"
        assert case.last_import_batch_id == report.batch_id
        assert case.search_text == "exemple camille"
        assert case.created_at == clock.now() and case.created_at.tzinfo is not None
        assert [(p.role, p.last_name, p.first_name) for p in case.people] == [
            ("tenant", "Exemple", "Camille")
        ]
        assert [
            (c.kind, c.value, c.line_type, c.sms_capable, c.position) for c in case.contact_points
        ] == [
            ("phone", "+33639980001", "mobile", True, 0),
            ("phone", "+33353010002", "landline", False, 1),
        ]
        assert case.landlord is not None
        assert (case.landlord.name, case.landlord.phone, case.landlord.email) == (
            "SCI Fictive",
            "+33353010001",
            "bailleur@example.org",
        )


def test_it_takes_the_month_from_the_clock_in_paris(
    sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    from datetime import datetime

    from outreach.clock import PARIS

    clock.set(datetime(2026, 4, 1, 0, 30, tzinfo=PARIS))  # still March in UTC
    report = _import(sessions, clock, write_list(tmp_path / "l.csv", [row()]))
    assert report.month == "2026-04"
    with sessions() as session:
        assert _case(session, "CCX-2026-0001").import_month == "2026-04"
        assert session.get(ImportBatch, report.batch_id).month == "2026-04"  # type: ignore[union-attr]


def test_it_refuses_a_badly_written_month_before_touching_anything(
    sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    with pytest.raises(ImportRefused, match="AAAA-MM"):
        _import(sessions, clock, write_list(tmp_path / "l.csv", [row()]), month="03/2026")
    with sessions() as session:
        assert _count(session, ImportBatch) == 0


@pytest.mark.parametrize(
    ("encoding", "delimiter", "newline"),
    [
        ("utf-8", ";", "\n"),
        ("utf-8-sig", ";", "\r\n"),
        ("cp1252", ";", "\r\n"),
        ("latin-1", ",", "\n"),
        ("utf-8", "\t", "\r\n"),
        ("utf-16", "\t", "\r\n"),
    ],
)
def test_it_imports_the_same_cases_whatever_the_export_format(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    tmp_path: Path,
    encoding: str,
    delimiter: str,
    newline: str,
) -> None:
    rows = [
        row(reference="A-1", nom="Lefèvre", prenom="Zoé", montant_dette="1 234,56"),
        row(reference="A-2", nom="Dupré", telephone="0033 6 39 98 00 02", montant_dette="80.5"),
    ]
    path = write_list(
        tmp_path / "liste.csv", rows, encoding=encoding, delimiter=delimiter, newline=newline
    )
    report = _import(sessions, clock, path)
    assert (report.created, report.rejected) == (2, 0)
    with sessions() as session:
        first, second = _case(session, "A-1"), _case(session, "A-2")
        assert first.people[0].last_name == "Lefèvre"
        assert first.search_text == "lefevre zoe"
        assert (first.debt_cents, second.debt_cents) == (123456, 8050)
        assert second.contact_points[0].value == "+33639980002"


def test_it_rejects_bad_rows_with_line_and_reason_and_imports_the_others(
    sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    rows = [
        row(reference="OK-1"),
        row(reference="", nom="Sans-Référence"),
        row(reference="OK-2", telephone="06 12", telephone2="03 53 01 00 09"),
        row(reference="KO-3", etape="Médiation"),
        row(reference="KO-4", telephone="", adresse=""),
        row(reference="OK-1", nom="Doublon"),
    ]
    path = write_list(tmp_path / "liste.csv", rows)
    report = _import(sessions, clock, path)
    assert (report.rows_read, report.created, report.rejected) == (6, 2, 4)
    assert [(issue.line, issue.reason) for issue in report.rejects] == [
        (3, "référence manquante"),
        (5, "étape de procédure inconnue « Médiation »"),
        (6, "ni numéro de téléphone utilisable ni adresse"),
        (7, "référence déjà présente ligne 2 de ce fichier"),
    ]
    assert [(issue.line, issue.reason) for issue in report.warnings] == [
        (4, "numéro de téléphone illisible dans la colonne telephone : à vérifier par l'équipe")
    ]
    assert report.rejects_path == tmp_path / "liste.rejets.csv"
    with report.rejects_path.open(encoding="utf-8-sig", newline="") as handle:
        written = list(csv.reader(handle, delimiter=";"))
    assert written[0] == ["ligne", "motif", *CANONICAL]
    assert [(line, reason, cells[0]) for line, reason, *cells in written[1:]] == [
        ("3", "référence manquante", ""),
        ("5", "étape de procédure inconnue « Médiation »", "KO-3"),
        ("6", "ni numéro de téléphone utilisable ni adresse", "KO-4"),
        ("7", "référence déjà présente ligne 2 de ce fichier", "OK-1"),
    ]
    with sessions() as session:
        assert sorted(session.scalars(select(Case.reference))) == ["OK-1", "OK-2"]
        batch = session.get(ImportBatch, report.batch_id)
        assert batch is not None
        assert (batch.status, batch.rows_read, batch.created, batch.rejected) == ("done", 6, 2, 4)
        assert batch.report["rejects"][0] == {
            "line": 3,
            "reason": "référence manquante",
            "name": "Camille Sans-Référence",  # to find the row in the file; cleared by retention
        }


def test_it_writes_rejects_where_asked_and_no_file_when_nothing_is_rejected(
    sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    path = write_list(tmp_path / "liste.csv", [row(reference="")])
    target = tmp_path / "out" / "rejets.csv"
    report = _import(sessions, clock, path, rejects_path=target)
    assert report.rejects_path == target and target.exists()
    clean = write_list(tmp_path / "propre.csv", [row()])
    assert _import(sessions, clock, clean).rejects_path is None
    assert not (tmp_path / "propre.rejets.csv").exists()


def test_it_rejects_a_row_with_more_cells_than_the_header(
    sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    path = write_list(tmp_path / "liste.csv", [row(reference="A"), row(reference="B")])
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace("3 rue de l'Essai", "3;rue de l'Essai")  # an unquoted delimiter
    path.write_text("\n".join(lines) + "\n")
    report = _import(sessions, clock, path)
    assert [issue.line for issue in report.rejects] == [2]
    assert "vérifiez le séparateur" in report.rejects[0].reason
    assert report.created == 1


def test_it_refuses_an_unreadable_file_and_changes_nothing(
    sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    _import(sessions, clock, write_list(tmp_path / "avant.csv", [row()]))
    with sessions() as session:
        before = _snapshot(session)
    spreadsheet = tmp_path / "liste.xlsx"
    spreadsheet.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(UnreadableFile, match="CSV"):
        _import(sessions, clock, spreadsheet)
    with sessions() as session:
        assert _snapshot(session) == before
    assert not (tmp_path / "liste.rejets.csv").exists()


def test_it_refuses_a_file_broken_half_way_and_rolls_everything_back(
    sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    rows = [row(reference=f"R-{i}") for i in range(BATCH_ROWS + 10)]
    path = write_list(tmp_path / "liste.csv", rows)
    import csv as csv_module

    limit = csv_module.field_size_limit()
    # An unclosed quote near the end swallows the rest of the file into one enormous cell.
    path.write_text(path.read_text() + 'R-X;"Exemple' + ("x" * (limit + 10)) + "\nR-Y;Exemple\n")
    with pytest.raises(UnreadableFile):
        _import(sessions, clock, path)
    with sessions() as session:
        assert _count(session, Case) == 0
        assert _count(session, ImportBatch) == 0


def test_it_updates_a_known_reference_says_what_changed_and_never_duplicates(
    sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    with sessions() as session:
        _sectors(session)
    first = write_list(tmp_path / "mars.csv", [row(reference="A"), row(reference="B")])
    _import(sessions, clock, first, month="2026-03")
    clock.advance(days=30)
    second = write_list(
        tmp_path / "avril.csv",
        [
            row(
                reference="a",  # references are compared in upper case
                etape="Assignation",
                date_assignation="01/04/2026",
                montant_dette="1 500,00 €",
                telephone="06 39 98 00 05",
                telephone2="06.39.98.00.01",
                commune="Calais",
                code_postal="62100",
                prenom="",  # a blank cell never erases what is stored
                bailleur_email="",
            ),
            row(reference="B"),
            row(reference="C"),
        ],
    )
    report = _import(sessions, clock, second, month="2026-04")
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert [(change.reference, change.fields) for change in report.changes] == [
        (
            "A",
            [
                "etape",
                "date_assignation",
                "montant_dette",
                "code_postal",
                "commune",
                "secteur",
                "telephone",
            ],
        )
    ]
    assert report.by_sector["calais"].updated == 1
    assert report.by_sector["arras"].unchanged == 1
    assert report.by_sector["arras"].created == 1
    with sessions() as session:
        assert _count(session, Case) == 3
        assert _count(session, Person) == 3
        assert _count(session, Landlord) == 3
        case = _case(session, "A")
        assert (case.stage, case.debt_cents, case.sector.code) == ("assignation", 150000, "calais")  # type: ignore[union-attr]
        assert case.date_cdp == date(2026, 1, 15)
        assert case.import_month == "2026-03"  # the month the case came in
        assert case.updated_at == clock.now()
        assert case.people[0].first_name == "Camille"
        assert case.landlord is not None and case.landlord.email == "bailleur@example.org"
        assert [(c.value, c.position) for c in case.contact_points] == [
            ("+33639980005", 0),
            ("+33639980001", 1),
        ]
        untouched = _case(session, "B")
        assert untouched.updated_at < clock.now()
        assert untouched.last_import_batch_id == report.batch_id
        batch = session.get(ImportBatch, report.batch_id)
        assert batch is not None and batch.report["changes"][0]["reference"] == "A"


def test_it_reports_landlord_and_name_changes_by_column_only(
    sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    _import(
        sessions,
        clock,
        write_list(
            tmp_path / "a.csv", [row(bailleur_nom="", bailleur_telephone="", bailleur_email="")]
        ),
    )
    report = _import(
        sessions,
        clock,
        write_list(tmp_path / "b.csv", [row(nom="Exemple-Essai", bailleur_nom="SCI Nouvelle")]),
    )
    assert report.changes[0].fields == [
        "nom",
        "bailleur_nom",
        "bailleur_telephone",
        "bailleur_email",
    ]
    with sessions() as session:
        case = _case(session, "CCX-2026-0001")
        assert case.search_text == "exemple essai camille"
        assert case.landlord is not None and case.landlord.name == "SCI Nouvelle"


def test_it_reimports_the_same_file_without_any_change(
    sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    path = write_list(tmp_path / "liste.csv", [row(reference=f"R{i}") for i in range(5)])
    _import(sessions, clock, path)
    with sessions() as session:
        before = _snapshot(session)["case_file"]
    report = _import(sessions, clock, path)
    assert (report.created, report.updated, report.unchanged, report.changes) == (0, 0, 5, [])
    with sessions() as session:
        after = _snapshot(session)["case_file"]
    assert len(after) == 5
    batch_column = Case.__table__.columns.keys().index("last_import_batch_id")
    strip = [tuple(v for i, v in enumerate(r) if i != batch_column) for r in before]
    assert strip == [tuple(v for i, v in enumerate(r) if i != batch_column) for r in after]


def test_it_leaves_postgresql_planner_statistics_of_what_it_imported(
    sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    """On PostgreSQL the import refreshes the statistics of the tables it filled (the case list
    is planned for the new rows at once, not a minute later by autovacuum); SQLite is left
    without statistics (its plans are chosen without them)."""
    path = write_list(tmp_path / "liste.csv", [row(reference=f"S{i}") for i in range(137)])
    with sessions() as session:
        dialect = session.get_bind().dialect.name
        cases_before = _count(session, Case)
    _import(sessions, clock, path)
    with sessions() as session:
        cases = _count(session, Case)
        assert cases == cases_before + 137
        if dialect == "postgresql":
            estimated = {
                model.__table__.name: session.scalar(
                    text("SELECT reltuples FROM pg_class WHERE relname = :name"),
                    {"name": model.__table__.name},
                )
                for model in (Case, Person, ContactPoint)
            }
            assert estimated == {
                "case_file": cases,
                Person.__table__.name: _count(session, Person),
                ContactPoint.__table__.name: _count(session, ContactPoint),
            }
        else:
            assert not session.scalar(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            )


def test_it_counts_cases_by_sector_and_leaves_unknown_communes_unassigned(
    sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    with sessions() as session:
        _sectors(session)
    rows = [
        row(reference="1", commune="ARRAS", code_postal="62000"),
        row(reference="2", commune="Achicourt", code_postal=""),
        row(reference="3", commune="", code_postal="62730"),
        row(reference="4", commune="Lille", code_postal="59000"),
        row(reference="5", commune="Calais", code_postal="62100", nom=""),
    ]
    report = _import(sessions, clock, write_list(tmp_path / "l.csv", rows))
    counts = {code: vars(counts) for code, counts in report.by_sector.items()}
    assert counts == {
        "arras": {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0},
        "calais": {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1},
        "unassigned": {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0},
    }
    with sessions() as session:
        assert _case(session, "4").sector_id is None


def test_it_writes_one_audit_event_with_counts_only(
    sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    report = _import(sessions, clock, write_list(tmp_path / "l.csv", [row(), row(reference="")]))
    with sessions() as session:
        events = list(session.scalars(select(AuditEvent)))
    assert [(e.action, e.actor_label, e.case_id) for e in events] == [
        ("import.run", "system", None)
    ]
    assert events[0].detail == {
        "batch_id": report.batch_id,
        "rows_read": 2,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }


# --- the transaction guarantee -----------------------------------------------------------------

_REFUSED_NAME = "Refus-Base"


def _make_database_refuse_a_person(engine: Engine) -> None:
    """A trigger that makes the database itself refuse to store one person, as a full disk would."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_person BEFORE INSERT ON person "
                    f"WHEN NEW.last_name = '{_REFUSED_NAME}' "
                    "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE FUNCTION refuse_person() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.last_name = '{_REFUSED_NAME}' THEN "
                    "RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$ "
                    "LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_person BEFORE INSERT ON person "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_person()"
                )
            )


def _drop_refusal(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "DROP TRIGGER IF EXISTS refuse_person"
                + ("" if engine.dialect.name == "sqlite" else " ON person")
            )
        )
        if engine.dialect.name != "sqlite":
            connection.execute(text("DROP FUNCTION IF EXISTS refuse_person()"))


def test_it_leaves_the_database_as_it_was_when_a_write_fails_half_way(
    engine: Engine, sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    with sessions() as session:
        _sectors(session)
    _import(
        sessions,
        clock,
        write_list(tmp_path / "mars.csv", [row(reference=f"R-{i}") for i in range(20)]),
    )
    with sessions() as session:
        before = _snapshot(session)
    # Updates of known cases and a full first batch of new ones go in before the refused row.
    rows = [row(reference=f"R-{i}", etape="Audience") for i in range(20)]
    rows += [row(reference=f"N-{i}") for i in range(BATCH_ROWS + 200)]
    rows[BATCH_ROWS + 100]["nom"] = _REFUSED_NAME
    path = write_list(tmp_path / "avril.csv", rows)
    _make_database_refuse_a_person(engine)
    try:
        with pytest.raises(DBAPIError, match="refused by the test"):
            _import(sessions, clock, path, month="2026-04")
    finally:
        _drop_refusal(engine)
    with sessions() as session:
        assert _snapshot(session) == before
    assert not (tmp_path / "avril.rejets.csv").exists()


def test_it_leaves_the_id_sequences_ready_for_ordinary_inserts(
    sessions: sessionmaker[Session], clock: FrozenClock, tmp_path: Path
) -> None:
    _import(
        sessions, clock, write_list(tmp_path / "l.csv", [row(reference=f"R{i}") for i in range(3)])
    )
    with sessions.begin() as session:
        case = Case(reference="MANUEL", created_at=clock.now(), updated_at=clock.now())
        case.landlord = Landlord(name="SCI Manuelle")
        session.add(case)
    with sessions() as session:
        assert _count(session, Case) == 4
        assert _count(session, Landlord) == 4
