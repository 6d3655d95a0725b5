"""Writing checked CCAPEX rows to the database in batches: a few statements per thousand rows.

New cases are bulk-inserted (landlord, case, person, phones). Known references are compared
field by field with what is stored; only what differs is written, and the names of the changed
columns are returned for the report. A blank cell never erases a stored value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from outreach.casework.procedure import paris_today, procedure_fields
from outreach.ccapex.rows import CaseRow, LandlordRow
from outreach.models import Case, ContactPoint, Landlord, Person
from outreach.phones import Phone
from outreach.text import fold

# Case attribute -> the CCAPEX column named in the report when it changes.
CASE_FIELDS = {
    "stage": "etape",
    "date_cdp": "date_cdp",
    "date_assignation": "date_assignation",
    "date_audience": "date_audience",
    "debt_cents": "montant_dette",
    "address": "adresse",
    "postcode": "code_postal",
    "commune": "commune",
    "language": "langue",
    "sector_id": "secteur",
}
# Read with the row but never given by a file: what the stage and the next deadline also depend on
# (dates and the lease typed in by the team) and the stored deadline itself.
PROCEDURE_FIELDS = (
    "lease_signed_on",
    "date_jugement",
    "date_cql",
    "date_cfp",
    "next_deadline_on",
    "next_deadline_kind",
)
LANDLORD_FIELDS = {"name": "bailleur_nom", "phone": "bailleur_telephone", "email": "bailleur_email"}


@dataclass(frozen=True)
class Prepared:
    """A checked row and the sector it resolves to (None: unassigned)."""

    row: CaseRow
    sector_id: int | None


@dataclass
class Stored:
    """What the database holds for one reference, as plain values."""

    id: int
    values: dict[str, Any]
    landlord_id: int | None
    landlord: dict[str, Any] | None = None
    people: list[tuple[int, str, str, str | None]] = field(default_factory=list)  # id, role, names
    phones: list[tuple[int, str]] = field(default_factory=list)  # id, E.164, in position order


@dataclass
class Context:
    session: Session
    now: datetime
    month: str
    batch_id: int | None


def search_text(names: list[tuple[str, str | None]]) -> str:
    """Folded "name firstname" of every person of the household, for search."""
    return fold(" ".join(f"{last} {first or ''}" for last, first in names))[:400]


# --- new cases --------------------------------------------------------------------------------


def insert_cases(context: Context, items: list[Prepared]) -> list[int]:
    """Bulk-insert new cases with their landlord, person and phones; return their ids."""
    if not items:
        return []
    session = context.session
    landlord_ids = _insert_landlords(session, [item.row.landlord for item in items])
    case_ids = reserve_ids(session, Case, len(items))
    cases = [
        {"id": case_id, **_case_values(context, item, landlord_id)}
        for item, case_id, landlord_id in zip(items, case_ids, landlord_ids, strict=True)
    ]
    insert_many(session, Case, cases)
    people = [
        {
            "case_id": case_id,
            "role": "tenant",
            "last_name": item.row.last_name,
            "first_name": item.row.first_name,
        }
        for item, case_id in zip(items, case_ids, strict=True)
    ]
    insert_many(session, Person, people)
    phones = [
        _phone_values(context, case_id, phone, position)
        for item, case_id in zip(items, case_ids, strict=True)
        for position, phone in enumerate(item.row.phones)
    ]
    insert_many(session, ContactPoint, phones)
    return case_ids


def insert_many(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """One Core executemany; the ORM's bulk path sends rows without a primary key one by one."""
    if rows:
        session.execute(model.__table__.insert(), rows)


def reserve_ids(session: Session, model: type[Any], count: int) -> list[int]:
    """Primary keys for `count` rows about to be inserted into `model`'s table.

    Why: a bulk INSERT … RETURNING that must match ids to rows falls back to one statement per
    row on SQLite; with the ids known first, inserts stay batched. PostgreSQL takes them from the
    table's own sequence. SQLite continues after max(id): the transaction holds the database's
    write lock from its start (BEGIN IMMEDIATE, see outreach.db), so no one else can insert.
    """
    if count <= 0:
        return []
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql":
        reserved = session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table.name, "n": count},
        )
        return sorted(reserved)
    start = session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0
    return list(range(start + 1, start + 1 + count))


def _case_values(context: Context, item: Prepared, landlord_id: int | None) -> dict[str, Any]:
    row = item.row
    return {
        "reference": row.reference,
        "status": "new",
        **procedure_fields(row.stage, _dates(row), None, today=paris_today(context.now)),
        "date_cdp": row.date_cdp,
        "date_assignation": row.date_assignation,
        "date_audience": row.date_audience,
        "debt_cents": row.debt_cents,
        "address": row.address,
        "postcode": row.postcode,
        "commune": row.commune,
        "sector_id": item.sector_id,
        "landlord_id": landlord_id,
        "language": row.language or "fr",
        "opted_out": False,
        "import_month": context.month,
        "last_import_batch_id": context.batch_id,
        "search_text": search_text([(row.last_name, row.first_name)]),
        "created_at": context.now,
        "updated_at": context.now,
    }


def _phone_values(context: Context, case_id: int, phone: Phone, position: int) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "kind": "phone",
        "value": phone.e164,
        "line_type": phone.line_type,
        "sms_capable": phone.sms_capable,
        "state": "ok",
        "position": position,
        "created_at": context.now,
    }


def _insert_landlords(session: Session, landlords: list[LandlordRow | None]) -> list[int | None]:
    """Insert the landlords that exist; their ids in the same order (None where there is none)."""
    present = [_landlord_values(landlord) for landlord in landlords if landlord is not None]
    ids = reserve_ids(session, Landlord, len(present))
    insert_many(
        session, Landlord, [{"id": id_, **values} for id_, values in zip(ids, present, strict=True)]
    )
    remaining = iter(ids)
    return [next(remaining) if landlord is not None else None for landlord in landlords]


def _landlord_values(landlord: LandlordRow) -> dict[str, Any]:
    return {
        "name": landlord.name,
        "phone": landlord.phone,
        "phone_raw": landlord.phone_raw,
        "email": landlord.email,
    }


# --- known cases ------------------------------------------------------------------------------


def load_stored(session: Session, references: list[str]) -> dict[str, Stored]:
    """What is stored for these references, in four queries whatever their number."""
    columns = [getattr(Case, name) for name in (*CASE_FIELDS, *PROCEDURE_FIELDS)]
    rows = session.execute(
        select(Case.id, Case.reference, Case.landlord_id, *columns).where(
            Case.reference.in_(references)
        )
    ).all()
    stored = {
        row.reference: Stored(
            id=row.id,
            landlord_id=row.landlord_id,
            values={name: getattr(row, name) for name in (*CASE_FIELDS, *PROCEDURE_FIELDS)},
        )
        for row in rows
    }
    if stored:
        _load_details(session, stored)
    return stored


def _load_details(session: Session, stored: dict[str, Stored]) -> None:
    by_id = {item.id: item for item in stored.values()}
    people = session.execute(
        select(Person.case_id, Person.id, Person.role, Person.last_name, Person.first_name)
        .where(Person.case_id.in_(by_id))
        .order_by(Person.id)
    )
    for case_id, person_id, role, last_name, first_name in people:
        by_id[case_id].people.append((person_id, role, last_name, first_name))
    phones = session.execute(
        select(ContactPoint.case_id, ContactPoint.id, ContactPoint.value)
        .where(ContactPoint.case_id.in_(by_id), ContactPoint.kind == "phone")
        .order_by(ContactPoint.position, ContactPoint.id)
    )
    for case_id, contact_id, value in phones:
        by_id[case_id].phones.append((contact_id, value))
    landlord_owner = {item.landlord_id: item for item in by_id.values() if item.landlord_id}
    if landlord_owner:
        landlords = session.execute(
            select(
                Landlord.id, Landlord.name, Landlord.phone, Landlord.phone_raw, Landlord.email
            ).where(Landlord.id.in_(landlord_owner))
        )
        for landlord_id, name, phone, phone_raw, email in landlords:
            landlord_owner[landlord_id].landlord = {
                "name": name,
                "phone": phone,
                "phone_raw": phone_raw,
                "email": email,
            }


@dataclass
class Writes:
    """Updates gathered over a batch, sent as a few executemany statements."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    seen: list[dict[str, Any]] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)
    new_people: list[dict[str, Any]] = field(default_factory=list)
    landlords: list[dict[str, Any]] = field(default_factory=list)
    phone_positions: list[dict[str, Any]] = field(default_factory=list)
    dropped_phones: list[int] = field(default_factory=list)
    new_phones: list[dict[str, Any]] = field(default_factory=list)


def plan_update(context: Context, stored: Stored, item: Prepared, writes: Writes) -> list[str]:
    """Compare a row with what is stored; queue the writes; return the changed column names."""
    changed: list[str] = []
    values = _merged_case_values(stored, item, now=context.now)
    case_changes = {name: value for name, value in values.items() if value != stored.values[name]}
    changed += [CASE_FIELDS[name] for name in case_changes if name in CASE_FIELDS]
    changed += _plan_person(context, stored, item.row, case_changes, writes)
    changed += _plan_phones(context, stored, item.row.phones, writes)
    changed += _plan_landlord(context, stored, item.row.landlord, case_changes, writes)
    if changed or case_changes:  # a deadline moved with a date, or with the days
        writes.cases.append(
            {
                "id": stored.id,
                **case_changes,
                "updated_at": context.now,
                "last_import_batch_id": context.batch_id,
            }
        )
    else:
        writes.seen.append({"id": stored.id, "last_import_batch_id": context.batch_id})
    return changed


def _merged_case_values(stored: Stored, item: Prepared, *, now: datetime) -> dict[str, Any]:
    row = item.row
    given: dict[str, str | int | date | None] = {
        "stage": row.stage,
        "date_cdp": row.date_cdp,
        "date_assignation": row.date_assignation,
        "date_audience": row.date_audience,
        "debt_cents": row.debt_cents,
        "address": row.address,
        "postcode": row.postcode,
        "commune": row.commune,
        "language": row.language,
        "sector_id": item.sector_id,
    }
    merged = {
        name: stored.values[name] if value is None else value for name, value in given.items()
    }
    dates = {**stored.values, **merged}
    lease = stored.values.get("lease_signed_on")
    today = paris_today(now)
    merged.update(procedure_fields(merged["stage"], dates, lease, today=today))  # type: ignore[arg-type]
    return merged


def _dates(row: CaseRow) -> dict[str, date | None]:
    return {
        "date_cdp": row.date_cdp,
        "date_assignation": row.date_assignation,
        "date_audience": row.date_audience,
    }


def _plan_person(
    context: Context, stored: Stored, row: CaseRow, case_changes: dict[str, Any], writes: Writes
) -> list[str]:
    tenant = next((person for person in stored.people if person[1] == "tenant"), None)
    first_name = row.first_name if row.first_name is not None else (tenant[3] if tenant else None)
    names = [(last, first) for _id, _role, last, first in stored.people]
    if tenant is None:
        writes.new_people.append(
            {
                "case_id": stored.id,
                "role": "tenant",
                "last_name": row.last_name,
                "first_name": first_name,
            }
        )
        names.append((row.last_name, first_name))
        changed = ["nom"]
    else:
        changed = [
            column
            for column, old, new in (
                ("nom", tenant[2], row.last_name),
                ("prenom", tenant[3], first_name),
            )
            if old != new
        ]
        if changed:
            writes.people.append(
                {"id": tenant[0], "last_name": row.last_name, "first_name": first_name}
            )
            names[stored.people.index(tenant)] = (row.last_name, first_name)
    if changed:
        case_changes["search_text"] = search_text(names)
    return changed


def _plan_phones(
    context: Context, stored: Stored, phones: tuple[Phone, ...], writes: Writes
) -> list[str]:
    wanted = [phone.e164 for phone in phones]
    if not wanted or wanted == [value for _id, value in stored.phones]:
        return []
    existing = {value: contact_id for contact_id, value in stored.phones}
    for position, phone in enumerate(phones):
        if phone.e164 in existing:
            writes.phone_positions.append({"id": existing[phone.e164], "position": position})
        else:
            writes.new_phones.append(_phone_values(context, stored.id, phone, position))
    writes.dropped_phones += [cid for value, cid in existing.items() if value not in wanted]
    return ["telephone"]


def _plan_landlord(
    context: Context,
    stored: Stored,
    landlord: LandlordRow | None,
    case_changes: dict[str, Any],
    writes: Writes,
) -> list[str]:
    if landlord is None:
        return []
    old = stored.landlord or {"name": "", "phone": None, "phone_raw": None, "email": None}
    new = {
        "name": landlord.name or old["name"],
        "phone": landlord.phone or (old["phone"] if landlord.phone_raw is None else None),
        "phone_raw": landlord.phone_raw or old["phone_raw"],
        "email": landlord.email or old["email"],
    }
    changed = [column for name, column in LANDLORD_FIELDS.items() if new[name] != old[name]]
    if not changed:
        return []
    if stored.landlord_id is None:
        # Rare (a landlord appears on a known case): inserted on its own.
        (landlord_id,) = reserve_ids(context.session, Landlord, 1)
        insert_many(context.session, Landlord, [{"id": landlord_id, **new}])
        case_changes["landlord_id"] = landlord_id
    else:
        writes.landlords.append({"id": stored.landlord_id, **new})
    return changed


def apply_writes(session: Session, writes: Writes) -> None:
    """Send the gathered updates: one executemany per kind of write."""
    if writes.dropped_phones:
        session.execute(delete(ContactPoint).where(ContactPoint.id.in_(writes.dropped_phones)))
    for model, rows in (
        (Case, writes.cases),
        (Case, writes.seen),
        (Person, writes.people),
        (Landlord, writes.landlords),
        (ContactPoint, writes.phone_positions),
    ):
        if rows:
            session.execute(update(model), rows)
    for model, rows in ((Person, writes.new_people), (ContactPoint, writes.new_phones)):
        if rows:
            insert_many(session, model, rows)
