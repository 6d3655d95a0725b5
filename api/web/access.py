"""Server-side access checks shared by the team pages: a worker never gets another sector's case."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.web.rendering import PageError
from messages import gettext
from outreach.cases import case_exists, get_case
from outreach.models import Case, TeamUser


def visible_case(session: Session, *, user: TeamUser, case_id: int) -> Case:
    """The case if `user` may see it; 403 for another sector's case, 404 when there is none."""
    case = get_case(session, user=user, case_id=case_id)
    if case is None:
        if case_exists(session, case_id=case_id):
            raise PageError(403, gettext("This case is not in your sectors."))
        raise PageError(404, gettext("Case not found."))
    return case
