"""The case history says who did what when it knows, and nothing (not "par ?") when it does not:
a referral prepared by a member since removed, or written by an import."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from outreach.clock import FrozenClock
from outreach.models import Case, Partner, Referral, TeamUser
from outreach.team.timeline import build_timeline
from tests.factories import make_case, make_user


def _referral(session: Session, case: Case, partner: Partner, author: int | None) -> None:
    now = case.created_at
    session.add(
        Referral(
            case_id=case.id, partner_id=partner.id, purpose="legal", status="draft",
            delivery="link", fields=["identity"], wrong_codes=0, send_attempts=0,
            created_by_id=author, created_at=now, updated_at=now,
        )
    )  # fmt: skip


def test_a_referral_without_a_known_author_says_nobody(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    with sessions.begin() as session:
        case = make_case(session, clock=clock, sector_code="arras")
        partner = Partner(
            name="ADIL (test)", kind="adil", sector_codes=[], confirmed=False, active=True,
            created_at=clock.now(), updated_at=clock.now(),
        )  # fmt: skip
        session.add(partner)
        session.flush()
        author, _ = make_user(session, clock=clock, role="coordinator")
        name = session.get_one(TeamUser, author).name
        _referral(session, case, partner, author)
        _referral(session, case, partner, None)
        case_id = case.id
    with sessions() as session:
        entries = build_timeline(session, case=session.get_one(Case, case_id))
    prepared = [entry.facts for entry in entries if entry.kind == "referral"]
    assert sorted(prepared, key=len) == [
        ("Conseil juridique sur la procédure (ADIL, avocat)",),
        ("Conseil juridique sur la procédure (ADIL, avocat)", f"par {name}"),
    ]
    assert not any("?" in fact for entry in entries for fact in entry.facts)
