"""The language a household is written to: from the import, or chosen by reply ("EN", "عربي").

Any language can be stored (the import keeps what the CCAPEX wrote); texts go out in it when it
has a catalog, else in French. A household can only choose a language that has a catalog.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from messages import available_languages
from messages.templates import Text, render_text
from outreach import audit
from outreach.clock import Clock
from outreach.models import Case

log = logging.getLogger(__name__)


def can_write_in(language: str | None) -> bool:
    return language in available_languages()


def set_language(session: Session, *, clock: Clock, case: Case, language: str) -> bool:
    """Write to the household in `language` from now on; False if unchanged or no catalog."""
    language = language.strip().lower()
    if not can_write_in(language) or case.language == language:
        return False
    previous = case.language
    case.language = language
    case.updated_at = clock.now()
    audit.record(
        session,
        clock=clock,
        actor=None,
        action="case.language",
        case_id=case.id,
        previous=previous,
        language=language,
    )
    session.flush()
    log.info("case %s now written to in %s", case.id, language)
    return True


def language_changed(case: Case) -> Text:
    """The confirmation of the new language, written in it."""
    return render_text("language_changed", case.language)
