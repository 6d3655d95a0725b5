"""What partners tell the team about a case (an e-mail, a call, a meeting, a letter; a CAF, FSL
or Banque de France decision), logged on the case with who, what, when and how. A document is
kept by reference only (where the team filed it), never in the database; the summary and the
reference are cleared when the case is anonymised (outreach.privacy.retention)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import N_, gettext
from outreach import audit
from outreach.casework.procedure import paris_today
from outreach.clock import Clock
from outreach.models import Case, Partner, PartnerInfo, TeamUser
from outreach.models.partner import INFO_KINDS, INFO_MEANS

SUMMARY_MAX = 2000
REFERENCE_MAX = 120
KIND_LABELS = {
    "information": N_("Information"),
    "caf_decision": N_("CAF decision"),
    "fsl_decision": N_("FSL decision"),
    "bdf_decision": N_("Banque de France decision (over-indebtedness)"),
    "other_decision": N_("Other decision"),
}
MEANS_LABELS = {
    "email": N_("by e-mail"),
    "phone": N_("on the phone"),
    "meeting": N_("at a meeting"),
    "letter": N_("by letter"),
}


class PartnerInfoError(ValueError):
    """The information cannot be logged as typed; the message (French) says why."""


def kind_label(kind: str) -> str:
    return gettext(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def means_label(means: str) -> str:
    return gettext(MEANS_LABELS[means]) if means in MEANS_LABELS else means


def log_info(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    partner_id: int | None,
    kind: str,
    means: str,
    received_on: date | None,
    summary: str,
    document_ref: str,
    actor: TeamUser,
) -> PartnerInfo:
    if kind not in INFO_KINDS:
        raise PartnerInfoError(gettext("Choose what the partner sent."))
    if means not in INFO_MEANS:
        raise PartnerInfoError(gettext("Choose how it came."))
    if received_on is None or received_on > paris_today(clock.now()):
        raise PartnerInfoError(gettext("Give the day it came (not in the future)."))
    if partner_id is not None:
        partner = session.get(Partner, partner_id)
        if partner is None or not partner.active:
            raise PartnerInfoError(gettext("Partner not found."))
    text, reference = summary.strip(), " ".join(document_ref.split())
    if len(text) > SUMMARY_MAX or len(reference) > REFERENCE_MAX:
        raise PartnerInfoError(gettext("A field is too long."))
    info = PartnerInfo(
        case_id=case.id,
        partner_id=partner_id,
        kind=kind,
        means=means,
        received_on=received_on,
        summary=text or None,
        document_ref=reference or None,
        author_id=actor.id,
        created_at=clock.now(),
    )
    session.add(info)
    session.flush()
    audit.record(
        session, clock=clock, actor=actor, action="partner.info", case_id=case.id, kind=kind
    )
    return info


def infos_of(session: Session, *, case_id: int) -> list[tuple[PartnerInfo, Partner | None]]:
    rows = session.execute(
        select(PartnerInfo, Partner)
        .outerjoin(Partner, Partner.id == PartnerInfo.partner_id)
        .where(PartnerInfo.case_id == case_id)
        .order_by(PartnerInfo.received_on.desc(), PartnerInfo.id.desc())
    )
    return [(info, partner) for info, partner in rows]
