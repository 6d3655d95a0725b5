"""The yearly bilan for the préfet: the year's figures for the whole territory (key figures
against the year before, activity, funnel, outcomes, delays, causes) and the same for each
sector, counted once for the document (outreach.reports.evaluation). What it looks like is the
web layer's business (api/web/bilan.py renders it to PDF from the page's templates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.models import Case, Sector, TeamUser
from outreach.reports.evaluation import Evaluation, evaluate_sectors
from outreach.reports.indicators import Funnel, IndicatorFilters, funnel

FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class SectorPart:
    code: str
    name: str
    evaluation: Evaluation


@dataclass(frozen=True)
class Bilan:
    year: int
    counted_at: datetime
    funnel: Funnel
    evaluation: Evaluation
    sectors: list[SectorPart]  # every sector with households this year, by name


def year_filters(year: int, sector: str | None = None) -> IndicatorFilters:
    return IndicatorFilters(month_from=f"{year:04d}-01", month_to=f"{year:04d}-12", sector=sector)


def gather(session: Session, *, user: TeamUser, year: int, now: datetime) -> Bilan:
    """The year's figures for what `user` counts (an evaluator: the whole territory)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"not a year of the bilan: {year}")
    filters = year_filters(year)
    codes = session.execute(
        select(Sector.code, Sector.name)
        .where(Sector.id.in_(select(Case.sector_id).where(Case.import_month.like(f"{year}-%"))))
        .order_by(Sector.name)
    ).all()
    whole, *parts = evaluate_sectors(
        session, user=user, filters=filters, sectors=[code for code, _name in codes]
    )
    return Bilan(
        year=year,
        counted_at=now,
        funnel=funnel(session, user=user, filters=filters),
        evaluation=whole,
        sectors=[  # those `user` counts households in (a worker: their own)
            SectorPart(code, name, part)
            for (code, name), part in zip(codes, parts, strict=True)
            if part.headline[0].count
        ],
    )


def state_reader() -> TeamUser:
    """Who the command line counts for: the State's reader (every case, small cells hidden)."""
    return TeamUser(role="evaluator", name="", email="")
