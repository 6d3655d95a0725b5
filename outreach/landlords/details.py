"""The landlord's contact details as the team knows them (the CCAPEX list may give a phone number
and an e-mail; the team completes or corrects them from the case page)."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from messages import gettext
from outreach import audit
from outreach.clock import Clock
from outreach.models import Case, TeamUser
from outreach.phones import normalise_phone

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_MAX = 254


class LandlordDetailsError(ValueError):
    """The details cannot be saved as typed; the message (French) says why."""


def update_contact(
    session: Session, *, clock: Clock, case: Case, phone: str, email: str, actor: TeamUser
) -> list[str]:
    """Set the landlord's phone and e-mail (empty clears one); the fields that changed."""
    landlord = case.landlord
    if landlord is None:
        raise LandlordDetailsError(gettext("No landlord is known for this case."))
    raw_phone, clean_email = phone.strip(), email.strip()
    number = None
    if raw_phone:
        found = normalise_phone(raw_phone)
        if found is None:
            raise LandlordDetailsError(gettext("This phone number is not valid."))
        number = found.e164
    if clean_email and (len(clean_email) > EMAIL_MAX or not _EMAIL.match(clean_email)):
        raise LandlordDetailsError(gettext("This e-mail address is not valid."))
    changed = []
    if number != landlord.phone:
        landlord.phone, landlord.phone_raw = number, raw_phone or None
        changed.append("phone")
    if (clean_email or None) != landlord.email:
        landlord.email = clean_email or None
        changed.append("email")
    if changed:
        audit.record(
            session,
            clock=clock,
            actor=actor,
            action="landlord.contact",
            case_id=case.id,
            fields=changed,
        )
        session.flush()
    return changed
