"""Small builders for test data, shared by every test module.

Everything they make is fiction: invented names and phone numbers from the range ARCEP reserves
for fiction (06 39 98 00 00 - 06 39 98 99 99), which never reaches anybody.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.clock import Clock
from outreach.models import Case, ContactPoint, Person, Sector
from outreach.phones import normalise_phone
from outreach.team.users import add_user

_references = itertools.count(1)


def fiction_phone(number: int) -> str:
    """The n-th fictional mobile number, in the usual French spelling: "06 39 98 00 01"."""
    if not 0 <= number <= 9999:
        raise ValueError("the fiction range holds 10,000 numbers")
    return f"06 39 98 {number // 100:02d} {number % 100:02d}"


def get_or_make_sector(session: Session, code: str) -> Sector:
    """The sector with that code, created (named after the code) when missing."""
    sector = session.scalar(select(Sector).where(Sector.code == code))
    if sector is None:
        sector = Sector(code=code, name=code.replace("-", " ").title())
        session.add(sector)
        session.flush()
    return sector


def make_case(
    session: Session,
    *,
    clock: Clock,
    reference: str | None = None,
    phones: Iterable[str] = (fiction_phone(1),),
    sector_code: str | None = None,
    opted_out: bool = False,
    last_name: str = "Exemple",
    first_name: str = "Camille",
    status: str = "new",
) -> Case:
    """Add a case with one tenant and its phone numbers (any French spelling, stored E.164).

    The case is flushed, so `case.id` is set; the caller commits.
    """
    now = clock.now()
    case = Case(
        reference=reference or f"TEST-{next(_references):04d}",
        status=status,
        stage="cdp",
        language="fr",
        opted_out=opted_out,
        opted_out_at=now if opted_out else None,
        search_text=f"{last_name} {first_name}".lower(),
        sector=get_or_make_sector(session, sector_code) if sector_code else None,
        created_at=now,
        updated_at=now,
    )
    case.people.append(Person(role="tenant", last_name=last_name, first_name=first_name))
    for position, raw in enumerate(phones):
        phone = normalise_phone(raw)
        if phone is None:
            raise ValueError(f"not a phone number: {raw!r}")
        case.contact_points.append(
            ContactPoint(
                kind="phone",
                value=phone.e164,
                line_type=phone.line_type,
                sms_capable=phone.sms_capable,
                position=position,
                created_at=now,
            )
        )
    session.add(case)
    session.flush()
    return case


# Team members as the pages show them: French, and plainly made up.
FICTIONAL_NAMES = {"worker": "Travailleuse Fictive", "coordinator": "Coordinatrice Fictive"}


def make_user(
    session: Session,
    *,
    clock: Clock,
    role: str = "worker",
    sector_codes: tuple[str, ...] = (),
    email: str | None = None,
) -> tuple[int, dict[str, str]]:
    """A team member (sectors created when missing): (user id, bearer Authorization header)."""
    for code in sector_codes:
        get_or_make_sector(session, code)
    created = add_user(
        session,
        clock=clock,
        email=email or f"{role}-{next(_references)}@example.org",
        name=FICTIONAL_NAMES.get(role, "Membre Fictif"),
        role=role,
        sector_codes=sector_codes,
    )
    return created.user.id, {"Authorization": f"Bearer {created.token}"}
