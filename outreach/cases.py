"""Reading cases: filtered, searched, paginated lists in a stable order, and one case."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Exists, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from outreach.models import Case, ContactPoint, Sector, TeamUser
from outreach.phones import normalise_phone
from outreach.text import fold


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    sector: str | None = None  # sector code, or "unassigned"
    stage: str | None = None
    month: str | None = None  # import month YYYY-MM
    q: str | None = None  # reference, name or phone in any spelling
    opted_out: bool | None = None
    worker: str | None = None  # team member id, or "none" for cases nobody is assigned to
    reachable: bool | None = None  # has (or has not) a contact point we can write to


# Sort keys of the case list -> ORDER BY; each ends with the id so pages never overlap.
SORTS = {
    "newest": (Case.id.desc(),),
    "oldest": (Case.id.asc(),),
    "reference": (Case.reference.asc(), Case.id.asc()),
    "name": (Case.search_text.asc(), Case.id.asc()),
    "month": (Case.import_month.desc(), Case.id.desc()),
    "updated": (Case.updated_at.desc(), Case.id.desc()),
    "last_contact": (Case.last_contact_at.desc().nulls_last(), Case.id.desc()),
    # The procedure's nearest deadline first (outreach.casework.procedure keeps it on the case).
    "deadline": (Case.next_deadline_on.asc().nulls_last(), Case.id.asc()),
}
DEFAULT_SORT = "newest"


@dataclass(frozen=True)
class CasePage:
    items: list[Case]
    total: int
    page: int
    per_page: int


def case_scope(user: TeamUser) -> ColumnElement[bool] | None:
    """Who may see a case, as a condition on Case: the one rule every per-case check uses
    (the case list, the case page, its visits, the agenda, the API). Coordinators see every case
    (None: no condition); a worker sees the cases of their sectors, as the case's sector is now
    (after a re-import moved it, the old sector no longer sees it), and the cases assigned to them.
    """
    if user.is_coordinator:
        return None
    if user.is_evaluator:
        return false()  # figures only (`counted_cases`), never a case
    sector_ids = [sector.id for sector in user.sectors]
    return or_(Case.sector_id.in_(sector_ids), Case.assigned_worker_id == user.id)


def may_see_case(user: TeamUser, case: Case) -> bool:
    """`case_scope` for one loaded case."""
    if user.is_coordinator:
        return True
    if user.is_evaluator:
        return False
    return case.assigned_worker_id == user.id or case.sector_id in {s.id for s in user.sectors}


def counted_cases(user: TeamUser) -> Select[tuple[Case]]:
    """The cases counted in `user`'s indicators: what they may see, and every case for an
    evaluator, who sees the figures of the whole territory and no case."""
    return select(Case) if user.is_evaluator else visible_cases(user)


def visible_cases(user: TeamUser) -> Select[tuple[Case]]:
    """The cases `user` may see (see `case_scope`)."""
    scope = case_scope(user)
    return select(Case) if scope is None else select(Case).where(scope)


def list_cases(
    session: Session,
    *,
    user: TeamUser,
    filters: CaseFilters,
    page: int = 1,
    per_page: int = 50,
    sort: str = DEFAULT_SORT,
) -> CasePage:
    """One page of the cases `user` may see, in `sort` order (newest first by default)."""
    query = _apply_filters(visible_cases(user), filters)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(
        query.options(
            selectinload(Case.people),
            selectinload(Case.contact_points),
            selectinload(Case.sector),
        )
        .order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return CasePage(items=list(rows), total=total, page=page, per_page=per_page)


def get_case(session: Session, *, user: TeamUser, case_id: int) -> Case | None:
    """The case if it exists and `user` may see it."""
    return session.scalar(visible_cases(user).where(Case.id == case_id))


def case_exists(session: Session, *, case_id: int) -> bool:
    return session.get(Case, case_id) is not None


def _apply_filters(query: Select[tuple[Case]], filters: CaseFilters) -> Select[tuple[Case]]:
    if filters.status:
        query = query.where(Case.status == filters.status)
    if filters.stage:
        query = query.where(Case.stage == filters.stage)
    if filters.month:
        query = query.where(Case.import_month == filters.month)
    if filters.opted_out is not None:
        query = query.where(Case.opted_out.is_(filters.opted_out))
    if filters.sector == "unassigned":
        query = query.where(Case.sector_id.is_(None))
    elif filters.sector:
        query = query.join(Sector, Case.sector_id == Sector.id).where(Sector.code == filters.sector)
    if filters.worker == "none":
        query = query.where(Case.assigned_worker_id.is_(None))
    elif filters.worker and filters.worker.isdigit():
        query = query.where(Case.assigned_worker_id == int(filters.worker))
    if filters.reachable is not None:
        query = query.where(reachable() if filters.reachable else ~reachable())
    if filters.q and filters.q.strip():
        query = query.where(_search(filters.q.strip()))
    return query


def reachable() -> Exists:
    """The case has a contact point we can write to (a working mobile, Telegram, WhatsApp)."""
    return (
        select(ContactPoint.id)
        .where(
            ContactPoint.case_id == Case.id,
            ContactPoint.usable,
            or_(ContactPoint.kind != "phone", ContactPoint.sms_capable.is_(True)),
        )
        .exists()
    )


def _search(text: str):  # type: ignore[no-untyped-def]
    conditions = [Case.reference == text.upper(), Case.reference == text]
    words = fold(text).split()[:6]
    if words:  # every word, in any order: "francoise dubois" finds "DUBOIS Françoise"
        conditions.append(
            and_(*(Case.search_text.contains(word, autoescape=True) for word in words))
        )
    phone = normalise_phone(text)
    if phone is not None:
        conditions.append(
            Case.id.in_(select(ContactPoint.case_id).where(ContactPoint.value == phone.e164))
        )
    return or_(*conditions)
