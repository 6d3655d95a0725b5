"""The partner directory: the coordinators keep it (name, kind, sectors served, the service's
secure e-mail, phone and address, what they accept). A starter file lists the kinds of partner
for the Pas-de-Calais with every contact empty: nothing is made up, the team completes it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from messages import N_, gettext
from outreach import audit
from outreach.clock import Clock
from outreach.models import Partner, TeamUser
from outreach.models.partner import PARTNER_KINDS

STARTER_FILE = Path(__file__).parent.parent / "data" / "partners_pas_de_calais.json"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KIND_LABELS = {
    "caf": N_("CAF"),
    "msa": N_("MSA"),
    "departement": N_("Département (Maison du Département Solidarité)"),
    "ccas": N_("CCAS"),
    "banque_de_france": N_("Banque de France (over-indebtedness)"),
    "adil": N_("ADIL (legal advice)"),
    "point_conseil_budget": N_("Point Conseil Budget"),
    "action_logement": N_("Action Logement"),
    "fsl": N_("FSL"),
    "siao": N_("SIAO"),
    "commissaire_de_justice": N_("Commissaire de justice"),
    "avocat": N_("Lawyer / legal aid"),
    "bailleur_social": N_("Social landlord"),
    "other": N_("Other partner"),
}


class PartnerError(ValueError):
    """The partner cannot be saved as typed; the message (French) says why, naming the field."""


@dataclass(frozen=True)
class PartnerInput:
    name: str
    kind: str
    sector_codes: tuple[str, ...] = ()
    email: str = ""
    phone: str = ""
    address: str = ""
    accepts: str = ""
    confirmed: bool = False


def kind_label(kind: str) -> str:
    return gettext(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def partners(session: Session, *, sector_code: str | None = None) -> list[Partner]:
    """The active partners, by kind then name; with a sector: those serving it (or everywhere)."""
    found = session.scalars(
        select(Partner).where(Partner.active.is_(True)).order_by(Partner.kind, Partner.name)
    )
    return [
        partner
        for partner in found
        if sector_code is None or not partner.sector_codes or sector_code in partner.sector_codes
    ]


def save(
    session: Session,
    *,
    clock: Clock,
    given: PartnerInput,
    actor: TeamUser | None,
    partner: Partner | None = None,
) -> Partner:
    """Add a partner, or change one: every field checked before anything is written."""
    name = " ".join(given.name.split())
    if not name or len(name) > 200:
        raise PartnerError(gettext("Name: give the organisation's name (200 characters at most)."))
    if given.kind not in PARTNER_KINDS:
        raise PartnerError(gettext("Kind: choose one from the list."))
    email = given.email.strip()
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        raise PartnerError(gettext("E-mail: this address is not valid."))
    phone, address, accepts = given.phone.strip(), given.address.strip(), given.accepts.strip()
    if len(phone) > 30 or len(address) > 300 or len(accepts) > 2000:
        raise PartnerError(gettext("A field is too long."))
    now = clock.now()
    if partner is None:
        partner = Partner(created_at=now, active=True)
        session.add(partner)
    partner.name, partner.kind = name, given.kind
    partner.sector_codes = sorted(set(given.sector_codes))
    partner.email, partner.phone = email or None, phone or None
    partner.address, partner.accepts = address or None, accepts or None
    partner.confirmed, partner.updated_at = given.confirmed, now
    session.flush()
    audit.record(session, clock=clock, actor=actor, action="partner.save", partner_id=partner.id)
    return partner


def remove(session: Session, *, clock: Clock, partner: Partner, actor: TeamUser | None) -> None:
    partner.active = False
    partner.updated_at = clock.now()
    audit.record(session, clock=clock, actor=actor, action="partner.remove", partner_id=partner.id)


def load_starter(
    session: Session, *, clock: Clock, path: Path = STARTER_FILE, actor: TeamUser | None = None
) -> int:
    """The starter list, unconfirmed and without contacts, into an empty directory; how many."""
    if session.scalar(select(func.count()).select_from(Partner)):
        return 0
    data = json.loads(path.read_text(encoding="utf-8"))
    count = 0
    for number, entry in enumerate(data.get("partners", []), 1):
        try:
            save(
                session,
                clock=clock,
                actor=actor,
                given=PartnerInput(
                    name=str(entry.get("name", "")),
                    kind=str(entry.get("kind", "")),
                    accepts=str(entry.get("accepts", "")),
                ),
            )
        except PartnerError as error:
            raise PartnerError(f"{path.name}, entry {number}: {error}") from None
        count += 1
    return count
