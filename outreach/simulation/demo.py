"""Demo data for `make run`: fictional households over every sector, a coordinator and workers.

Everything is fiction: names that say so, mobiles in the range ARCEP reserves for fiction
(06 39 98 xx xx), landlines in 03 65 71 xx xx and 01 99 00 xx xx, e-mails at example.org.
Idempotent: what already exists (by reference or e-mail) is left alone, so a second run changes
nothing. Cases go through the same writer as the CCAPEX import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import audit
from outreach.ccapex.importer import current_month
from outreach.ccapex.rows import CaseRow, LandlordRow
from outreach.ccapex.store import Context, Prepared, insert_cases
from outreach.clock import PARIS, Clock
from outreach.models import (
    STAGES,
    AvailabilityWindow,
    Case,
    Conversation,
    MeetingPlace,
    Sector,
    TeamUser,
)
from outreach.partners.directory import load_starter
from outreach.phones import Phone, normalise_phone
from outreach.sectors import SectorLoadReport, SectorResolver, load_default_sectors_if_empty
from outreach.sequences.bulk import enrol_new_cases
from outreach.team.passwords import set_password
from outreach.team.users import add_user

DEMO_PASSWORD = "demo-allervers"

REFERENCE_PREFIX = "DEMO-"

# (commune, postcode) per sector; the last one is outside the table on purpose (unassigned queue).
COMMUNES = (
    ("Arras", "62000"),
    ("Achicourt", "62217"),
    ("Saint-Laurent-Blangy", "62223"),
    ("Bapaume", "62450"),
    ("Saint-Pol-sur-Ternoise", "62130"),
    ("Béthune", "62400"),
    ("Bruay-la-Buissière", "62700"),
    ("Auchel", "62260"),
    ("Lillers", "62190"),
    ("Noeux-les-Mines", "62290"),
    ("Boulogne-sur-Mer", "62200"),
    ("Outreau", "62230"),
    ("Le Portel", "62480"),
    ("Desvres", "62240"),
    ("Marquise", "62250"),
    ("Calais", "62100"),
    ("Coulogne", "62137"),
    ("Marck", "62730"),
    ("Guînes", "62340"),
    ("Audruicq", "62370"),
    ("Lens", "62300"),
    ("Liévin", "62800"),
    ("Hénin-Beaumont", "62110"),
    ("Carvin", "62220"),
    ("Avion", "62210"),
    ("Montreuil-sur-Mer", "62170"),
    ("Berck", "62600"),
    ("Étaples", "62630"),
    ("Hesdin", "62140"),
    ("Fruges", "62310"),
    ("Saint-Omer", "62500"),
    ("Arques", "62510"),
    ("Longuenesse", "62219"),
    ("Aire-sur-la-Lys", "62120"),
    ("Lumbres", "62380"),
    ("Lille", "59000"),
)
LAST_NAMES = (
    "Exemple",
    "Fictif",
    "Démo",
    "Essai",
    "Modèle",
    "Témoin",
    "Spécimen",
    "Maquette",
    "Prototype",
    "Simulé",
    "Imaginaire",
)
FIRST_NAMES = (
    "Camille",
    "Karim",
    "Marie",
    "Kevin",
    "Fatima",
    "Jean",
    "Sophie",
    "Mehdi",
    "Lucie",
    "Thomas",
    "Aïcha",
    "Nathalie",
    "Dylan",
)
STREETS = (
    "rue de l'Exemple",
    "allée des Essais",
    "place de la Démo",
    "chemin Fictif",
    "impasse du Modèle",
    "avenue de la Simulation",
)
LANDLORDS = ("SCI Exemple Immobilier", "M. Bailleur Fictif", "Mme Propriétaire Démo")

# e-mail, display name, role, sector codes: one worker for one or two sectors.
TEAM = (
    ("coordination.demo@example.org", "Coordinatrice Démo", "coordinator", ()),
    ("travailleuse.arras-lens@example.org", "Aline Démo", "worker", ("arras", "lens")),
    ("travailleur.bethune@example.org", "Bruno Démo", "worker", ("bethune",)),
    (
        "travailleuse.littoral@example.org",
        "Chloé Démo",
        "worker",
        ("boulogne-sur-mer", "montreuil"),
    ),
    ("travailleur.calaisis@example.org", "David Démo", "worker", ("calais", "saint-omer")),
)


@dataclass(frozen=True)
class DemoUser:
    email: str
    role: str
    token: str  # demo only: printed once by the CLI, labelled as such


@dataclass
class DemoReport:
    sectors: SectorLoadReport | None = None
    cases_created: int = 0
    cases_existing: int = 0
    users: list[DemoUser] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.sectors or self.cases_created or self.users)


def load_demo_data(session: Session, *, clock: Clock) -> DemoReport:
    """Create what is missing of the demo data; a second run finds everything and does nothing."""
    report = DemoReport(sectors=load_default_sectors_if_empty(session))
    report.users = _add_team(session, clock)
    _add_availability(session, clock)
    _add_meeting_places(session, clock)
    load_starter(session, clock=clock)  # the partner kinds, every contact "à compléter"
    rows = demo_rows(clock.now().astimezone(PARIS).date())
    known = set(
        session.scalars(select(Case.reference).where(Case.reference.startswith(REFERENCE_PREFIX)))
    )
    missing = [row for row in rows if row.reference not in known]
    resolver = SectorResolver.load(session)
    context = Context(session, clock.now(), current_month(clock), None)
    created_ids = insert_cases(
        context, [Prepared(row, resolver.resolve(row.commune, row.postcode)) for row in missing]
    )
    # Like an import: the demo households enter the first-contact sequence (sandbox only).
    enrol_new_cases(session, clock=clock, case_ids=created_ids)
    report.cases_created = len(missing)
    _open_conversations(session, clock)
    report.cases_existing = len(rows) - len(missing)
    if report.changed:
        audit.record(
            session,
            clock=clock,
            actor=None,
            action="demo.load",
            cases_created=report.cases_created,
            users_created=len(report.users),
        )
        session.flush()
    return report


def _add_meeting_places(session: Session, clock: Clock) -> None:
    """One meeting place per sector of the demo team, so "lieu proche" can be tried. No address
    is made up: it shows as "à compléter" until the team enters the real one."""
    workers = session.scalars(select(TeamUser).where(TeamUser.email.in_([t[0] for t in TEAM])))
    sectors = {sector.id: sector for worker in workers for sector in worker.sectors}
    for sector in sectors.values():
        if session.scalar(select(MeetingPlace.id).where(MeetingPlace.sector_id == sector.id)):
            continue
        session.add(
            MeetingPlace(
                sector_id=sector.id,
                name=f"Mairie ({sector.name})"[:36],
                address=None,
                active=True,
                created_at=clock.now(),
            )
        )
    session.flush()


# When a demo worker visits their first and their second sector: weekday (0 is Monday), start,
# end (Paris). Different days, since a worker is in one place at a time.
DEMO_WINDOWS = (
    ((1, time(9), time(12)), (3, time(14), time(17))),
    ((2, time(9), time(12)), (4, time(14), time(17))),
)


def _add_availability(session: Session, clock: Clock) -> None:
    """Visit windows for every demo worker in each of their sectors, then the slots, so a
    visitor can book a visit in /sandbox; windows already there are left alone."""
    from outreach.booking.slots import materialise_slots

    workers = session.scalars(select(TeamUser).where(TeamUser.email.in_([t[0] for t in TEAM])))
    for worker in workers:
        for index, sector in enumerate(sorted(worker.sectors, key=lambda s: s.code)[:2]):
            exists = session.scalar(
                select(AvailabilityWindow.id).where(
                    AvailabilityWindow.worker_id == worker.id,
                    AvailabilityWindow.sector_id == sector.id,
                )
            )
            if exists is None:
                session.add_all(_windows(worker.id, sector.id, clock, DEMO_WINDOWS[index]))
    session.flush()
    materialise_slots(session, clock=clock)


def _open_conversations(session: Session, clock: Clock) -> None:
    """The bot answers households it wrote to: demo households count as written to, so a
    visitor's OUI in /sandbox starts the conversation (consent, dates, booking)."""
    talking = select(Conversation.case_id)
    for case_id in session.scalars(
        select(Case.id).where(Case.reference.startswith(REFERENCE_PREFIX), Case.id.not_in(talking))
    ):
        session.add(
            Conversation(
                case_id=case_id,
                state="first_contact",
                asked_again=False,
                offered_slot_ids=[],
                updated_at=clock.now(),
            )
        )
    session.flush()


def _windows(
    worker_id: int, sector_id: int, clock: Clock, windows: tuple[tuple[int, time, time], ...]
) -> list[AvailabilityWindow]:
    start = clock.now().astimezone(PARIS).date()
    return [
        AvailabilityWindow(
            sector_id=sector_id,
            worker_id=worker_id,
            weekday=weekday,
            start_time=begin,
            end_time=end,
            slot_minutes=60,
            valid_from=start,
            created_at=clock.now(),
        )
        for weekday, begin, end in windows
    ]


def _add_team(session: Session, clock: Clock) -> list[DemoUser]:
    existing = set(session.scalars(select(TeamUser.email)))
    sector_codes = set(session.scalars(select(Sector.code)))
    created = []
    for email, name, role, codes in TEAM:
        if email in existing:
            continue
        new = add_user(
            session,
            clock=clock,
            email=email,
            name=name,
            role=role,
            sector_codes=tuple(code for code in codes if code in sector_codes),
        )
        # A shared, published password is acceptable only because demo data is refused in
        # production and every demo account is fictional.
        set_password(session, clock=clock, user=new.user, password=DEMO_PASSWORD)
        created.append(DemoUser(email=email, role=role, token=new.token))
    return created


def demo_rows(today: date) -> list[CaseRow]:
    """The demo households, the same every day (only their dates follow today)."""
    return [
        _row(index, commune, postcode, today) for index, (commune, postcode) in enumerate(COMMUNES)
    ]


def _row(index: int, commune: str, postcode: str, today: date) -> CaseRow:
    stage = STAGES[index % len(STAGES)]
    return CaseRow(
        line=0,
        reference=f"{REFERENCE_PREFIX}{index + 1:04d}",
        last_name=LAST_NAMES[index % len(LAST_NAMES)],
        first_name=FIRST_NAMES[index % len(FIRST_NAMES)],
        phones=_phones(index),
        address=f"{index % 40 + 1} {STREETS[index % len(STREETS)]}",
        postcode=postcode,
        commune=commune,
        stage=stage,
        **_dates(STAGES.index(stage), index, today),
        debt_cents=(800 + 137 * index) * 100 + (index * 37) % 100,
        landlord=LandlordRow(
            name=LANDLORDS[index % len(LANDLORDS)],
            phone=_phone(f"03 65 71 10 {index:02d}").e164,
            phone_raw=f"03 65 71 10 {index:02d}",
            email=f"bailleur{index + 1}@example.org",
        ),
        language="ar" if index % 9 == 4 else "en" if index % 11 == 5 else "fr",
    )


def _phones(index: int) -> tuple[Phone, ...]:
    """Mostly a fictional mobile; every sixth household has only a landline (a human calls)."""
    if index % 6 == 5:
        return (_phone(f"03 65 71 00 {index:02d}"),)
    mobile = _phone(f"06 39 98 01 {index:02d}")
    if index % 4 == 1:
        return (mobile, _phone(f"01 99 00 00 {index:02d}"))
    return (mobile,)


def _phone(text: str) -> Phone:
    phone = normalise_phone(text)
    if phone is None:  # pragma: no cover - the fiction ranges are fixed
        raise ValueError("demo phone numbers must be valid")
    return phone


def _dates(stage_rank: int, index: int, today: date) -> dict[str, date | None]:
    """Procedure dates consistent with the stage: the CDP first, then summons, then hearing."""
    cdp = today - timedelta(days=40 + 11 * index) if stage_rank >= 1 else None
    assignation = cdp + timedelta(days=45) if cdp and stage_rank >= 2 else None
    audience = assignation + timedelta(days=60) if assignation and stage_rank >= 3 else None
    return {"date_cdp": cdp, "date_assignation": assignation, "date_audience": audience}
