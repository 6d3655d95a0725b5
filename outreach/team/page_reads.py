"""What one render of a case page reads more than once, read once.

The case page's panels and its history show the same referrals, partner notes, partner names and
team members. And a household the team has not worked with yet has no visit, consent,
diagnostic, step, note, letter, referral...: `PageReads.holds` asks all those tables at once
whether they hold anything for the case, and the page skips reading those that hold nothing
(about half of its queries).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from outreach import models
from outreach.models import Partner, PartnerInfo, Referral, TeamUser
from outreach.partners.received import infos_of
from outreach.partners.referrals import referrals_of

T = TypeVar("T")

# The case's tables that often hold nothing for it, asked in one query.
PROBED: tuple[type[Any], ...] = (
    models.CaseNote,
    models.ConsentRecord,
    models.Diagnostic,
    models.EngagementStep,
    models.InboxItem,
    models.Letter,
    models.MediationEntry,
    models.PartnerInfo,
    models.ProcedureCheck,
    models.Referral,
    models.Visit,
)


class PageReads:
    """The reads of one render of a case. It lives for that render, in which nothing is written,
    so it never sees a stale row."""

    def __init__(self, session: Session, case_id: int) -> None:
        self._session = session
        self._case_id = case_id
        self._values: dict[str, Any] = {}

    def holds(self, model: type[Any]) -> bool:
        """Whether `model`'s table (one of PROBED) has a row for the case."""
        if model not in PROBED:  # a table never asked would read as empty, and hide its rows
            raise ValueError(f"{model.__name__} is not one of the tables PageReads asks")
        return model in self._once("held", self._held)

    def partner_infos(self) -> list[tuple[PartnerInfo, Partner | None]]:
        """What partners told the team about the case."""
        return self._once(
            "partner_infos",
            lambda: (
                infos_of(self._session, case_id=self._case_id) if self.holds(PartnerInfo) else []
            ),
        )

    def referrals(self) -> list[Referral]:
        """The case's referrals, newest first."""
        return self._once(
            "referrals",
            lambda: (
                referrals_of(self._session, case_id=self._case_id) if self.holds(Referral) else []
            ),
        )

    def partner_names(self) -> dict[int, str]:
        """Every partner's name by id."""
        return self._once(
            "partner_names",
            lambda: dict(self._session.execute(select(Partner.id, Partner.name)).all()),
        )

    def team_members(self) -> list[tuple[int, str, bool]]:
        """Every team member (id, name, active), by name: the history names who did what, the
        assignment lists who can be chosen."""
        return self._once(
            "team_members",
            lambda: [
                (member_id, name, active)
                for member_id, name, active in self._session.execute(
                    select(TeamUser.id, TeamUser.name, TeamUser.active).order_by(TeamUser.name)
                )
            ],
        )

    def _once(self, key: str, read: Callable[[], T]) -> T:
        if key not in self._values:
            self._values[key] = read()
        return self._values[key]  # type: ignore[no-any-return]

    def _held(self) -> frozenset[type[Any]]:
        checks = [
            exists().where(model.case_id == self._case_id).label(model.__tablename__)
            for model in PROBED
        ]
        row = self._session.execute(select(*checks)).one()
        return frozenset(model for model, held in zip(PROBED, row, strict=True) if held)
