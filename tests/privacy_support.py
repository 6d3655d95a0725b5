"""Shared builders for the landlord and privacy tests."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from outreach.clock import Clock
from outreach.models import Landlord
from outreach.phones import normalise_phone
from tests.factories import fiction_phone, make_case

LANDLORD_PHONE = fiction_phone(9001)
LANDLORD_E164 = normalise_phone(LANDLORD_PHONE).e164  # type: ignore[union-attr]
LANDLORD_EMAIL = "sci.fictive@example.org"


def case_with_landlord(
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    phone: str | None = LANDLORD_PHONE,
    email: str | None = LANDLORD_EMAIL,
    status: str = "new",
    tenant_phone: str = fiction_phone(1),
) -> int:
    with sessions.begin() as session:
        case = make_case(
            session,
            clock=clock,
            last_name="Fictivenom",
            first_name="Aurore",
            status=status,
            phones=(tenant_phone,),
        )
        case.commune = "Arras"
        e164 = normalise_phone(phone).e164 if phone else None  # type: ignore[union-attr]
        case.landlord = Landlord(name="SCI Fictive", phone=e164, phone_raw=phone, email=email)
        session.flush()
        return case.id
