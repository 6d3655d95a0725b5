"""The fictional world of bench/load.py: a team, households, their history, visit slots.

Cases are written like a CCAPEX import; half the households were written to already (their first
SMS awaits its delivery report, the bot waits for their answer), the other half have their first
SMS due now. Names, references and phones are fiction (ARCEP's fiction range: see fiction.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time as clock_time
from datetime import timedelta

from fiction import NOW, fiction_phone
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from outreach.booking.slots import materialise_slots
from outreach.ccapex.importer import IMPORTED
from outreach.ccapex.rows import CaseRow
from outreach.ccapex.store import Context, Prepared, insert_cases, reserve_ids
from outreach.clock import PARIS, FrozenClock
from outreach.db import make_engine, make_session_factory, refresh_statistics, transaction
from outreach.models import (
    STAGES,
    AvailabilityWindow,
    Case,
    Conversation,
    Message,
    Sector,
    TeamUser,
)
from outreach.phones import normalise_phone
from outreach.sectors import SectorResolver, load_default_sectors_if_empty
from outreach.sequences.bulk import enrol_new_cases
from outreach.simulation.demo import COMMUNES
from outreach.team.passwords import set_password
from outreach.team.users import add_user

PASSWORD = "banc d'essai de la charge"
LAST_NAMES = ("Exemple", "Fictif", "Démo", "Essai", "Modèle", "Témoin", "Spécimen", "Maquette")
FIRST_NAMES = ("Camille", "Karim", "Zoé", "Jean", "Aïcha", "Théo", "Léa", "Mehdi", "Chloé")
# e-mail, name, role, sector codes (of the default Pas-de-Calais table).
TEAM = (
    ("coordination.banc@example.org", "Coordinatrice Banc", "coordinator", ()),
    ("arras-lens.banc@example.org", "Aline Banc", "worker", ("arras", "lens")),
    ("bethune.banc@example.org", "Bruno Banc", "worker", ("bethune",)),
    ("littoral.banc@example.org", "Chloé Banc", "worker", ("boulogne-sur-mer", "calais")),
)


@dataclass(frozen=True)
class Household:
    case_id: int
    reference: str
    last_name: str
    phone: str  # E.164, in the range ARCEP reserves for fiction
    sector: str  # sector code, "" when unassigned
    contacted: bool  # written to already: its first SMS awaits a delivery report
    opted_out: bool
    stopper: bool  # answers STOP
    fragile: bool  # its SMS are not delivered (undelivered / failed reports)

    @property
    def writable(self) -> bool:
        """The team can write to it all through the run (no opt-out, no dead number)."""
        return self.contacted and not (self.opted_out or self.stopper or self.fragile)


@dataclass(frozen=True)
class Member:
    email: str
    sectors: tuple[str, ...]
    token: str  # API bearer token
    case_ids: tuple[int, ...]  # the cases this member may open


@dataclass(frozen=True)
class Report:
    """A status callback still to come for a message: Twilio's sid, our id, the statuses."""

    sid: str
    to: str
    message_id: int | None  # seeded messages; None: the double knows the callback URL
    statuses: tuple[tuple[str, int | None], ...]


@dataclass(frozen=True)
class World:
    households: list[Household]
    members: list[Member]
    seeded: list[Report]
    due: int  # first SMS due now


def seed(url: str, cases: int, due: int) -> World:
    """Sectors, team, households, their history and the due first SMS (on a migrated schema)."""
    engine = make_engine(url)
    clock = FrozenClock(NOW)
    with transaction(make_session_factory(engine)) as session:
        load_default_sectors_if_empty(session)
        tokens = _add_team(session, clock)
        households = _add_households(session, cases, due)
        seeded = _add_history(session, [h for h in households if h.contacted])
        waiting = [h.case_id for h in households if not h.contacted and not h.opted_out]
        entered = enrol_new_cases(session, clock=clock, case_ids=waiting)
        _add_availability(session, clock)
        # What the import does after a list (outreach.ccapex.importer), and autovacuum did long
        # ago for the history: without it, PostgreSQL plans the first minute's lists blind.
        refresh_statistics(session, (*IMPORTED, Message, Conversation))
    engine.dispose()
    members = [_member(email, codes, tokens[email], households) for email, *_, codes in TEAM]
    return World(households, members, seeded, entered)


def _add_team(session: Session, clock: FrozenClock) -> dict[str, str]:
    tokens = {}
    for email, name, role, codes in TEAM:
        new = add_user(session, clock=clock, email=email, name=name, role=role, sector_codes=codes)
        set_password(session, clock=clock, user=new.user, password=PASSWORD)
        tokens[email] = new.token
    return tokens


def _member(email: str, codes: tuple[str, ...], token: str, households: list[Household]) -> Member:
    visible = [h.case_id for h in households if not codes or h.sector in codes]
    return Member(email, codes, token, tuple(visible))


def _add_households(session: Session, count: int, due: int) -> list[Household]:
    """Cases written like a CCAPEX import: person, phone, sector, search text."""
    resolver = SectorResolver.load(session)
    rows = [_row(index) for index in range(count)]
    prepared = [Prepared(row, resolver.resolve(row.commune, row.postcode)) for row in rows]
    ids = insert_cases(Context(session, NOW, "2026-04", None), prepared)
    households = [
        _household(index, case_id, item, resolver.code(item.sector_id), contacted=index >= due)
        for index, (case_id, item) in enumerate(zip(ids, prepared, strict=True))
    ]
    contacted = [h.case_id for h in households if h.contacted]
    session.execute(update(Case).where(Case.id.in_(contacted)).values(status="contacting"))
    opted = [h.case_id for h in households if h.opted_out]
    session.execute(update(Case).where(Case.id.in_(opted)).values(opted_out=True))
    return households


def _row(index: int) -> CaseRow:
    commune, postcode = COMMUNES[index % len(COMMUNES)]
    phone = normalise_phone(fiction_phone(index))
    assert phone is not None
    return CaseRow(
        line=index + 2,
        reference=f"BANC-{index + 1:05d}",
        last_name=LAST_NAMES[index % len(LAST_NAMES)],
        first_name=FIRST_NAMES[index // len(LAST_NAMES) % len(FIRST_NAMES)],
        phones=(phone,),
        address=f"{index % 40 + 1} rue de l'Exemple",
        postcode=postcode,
        commune=commune,
        stage=STAGES[index % len(STAGES)],
        date_cdp=None,
        date_assignation=None,
        date_audience=None,
        debt_cents=(500 + 37 * index % 4000) * 100,
        landlord=None,
        language="fr",
    )


def _household(
    index: int, case_id: int, item: Prepared, sector: str, *, contacted: bool
) -> Household:
    return Household(
        case_id=case_id,
        reference=item.row.reference,
        last_name=item.row.last_name,
        phone=item.row.phones[0].e164,
        sector="" if sector == "unassigned" else sector,
        contacted=contacted,
        opted_out=index % 40 == 7,
        stopper=index % 97 == 5,
        fragile=index % 23 == 3,
    )


def _add_history(session: Session, households: list[Household]) -> list[Report]:
    """The bot wrote to these households (intro, then reminder); no delivery report yet."""
    pairs = [(h, template) for h in households for template in ("intro", "reminder")]
    ids = reserve_ids(session, Message, len(pairs))
    sent = NOW - timedelta(minutes=20)
    rows = [
        {
            "id": message_id, "direction": "out", "channel": "sms", "case_id": h.case_id,
            "address": h.phone, "body": "Bonjour, ceci est un message de l'équipe (essai).",
            "template": template, "language": "fr", "provider_id": _seeded_sid(message_id),
            "status": "queued", "segments": 1, "processed": True, "created_at": sent,
            "sent_at": sent,
        }
        for message_id, (h, template) in zip(ids, pairs, strict=True)
    ]  # fmt: skip
    session.execute(Message.__table__.insert(), rows)
    conversations = [
        {"case_id": h.case_id, "state": "first_contact", "asked_again": False,
         "offered_slot_ids": [], "updated_at": sent}
        for h in households
    ]  # fmt: skip
    session.execute(Conversation.__table__.insert(), conversations)
    return [
        Report(
            _seeded_sid(message_id), h.phone, message_id, delivery_statuses(h.fragile, message_id)
        )
        for message_id, (h, _) in zip(ids, pairs, strict=True)
    ]


def _seeded_sid(message_id: int) -> str:
    return f"SM{0xF << 124 | message_id:032x}"  # never one of the double's (it counts from 1)


def delivery_statuses(fragile: bool, serial: int) -> tuple[tuple[str, int | None], ...]:
    """What Twilio reports: sent, then delivered, or (fragile numbers) a failure."""
    if not fragile:
        return (("sent", None), ("delivered", None))
    final = ("undelivered", 30003) if serial % 2 else ("failed", 30005)
    return (("sent", None), final)


def _add_availability(session: Session, clock: FrozenClock) -> None:
    """Visit windows for each worker in each sector, and their slots: the bot can offer dates."""
    sectors = {sector.code: sector.id for sector in session.scalars(select(Sector))}
    for email, _, role, codes in TEAM:
        if role != "worker":
            continue
        worker_id = session.scalar(select(TeamUser.id).where(TeamUser.email == email))
        for weekday, code in enumerate(codes, start=1):
            for start, end in ((clock_time(9), clock_time(12)), (clock_time(14), clock_time(17))):
                session.add(
                    AvailabilityWindow(
                        sector_id=sectors[code], worker_id=worker_id, weekday=weekday * 2 - 1,
                        start_time=start, end_time=end, slot_minutes=60,
                        valid_from=NOW.astimezone(PARIS).date(), created_at=NOW,
                    )
                )  # fmt: skip
    session.flush()
    materialise_slots(session, clock=clock)
