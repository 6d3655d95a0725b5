"""The household's language: chosen by reply, confirmed in the new language."""

from __future__ import annotations

from sqlalchemy import select

from outreach.clock import FrozenClock
from outreach.models import AuditEvent
from outreach.replies.intents import Intent, understand
from outreach.replies.languages import language_changed, set_language
from tests.factories import make_case


def test_it_switches_to_the_language_the_household_asks_for(session, clock: FrozenClock) -> None:
    case = make_case(session, clock=clock)
    for reply, language in (("EN", "en"), ("عربي", "ar"), ("English please", "en")):
        understanding = understand(reply)
        assert (understanding.intent, understanding.language) == (Intent.LANGUAGE, language)
    assert set_language(session, clock=clock, case=case, language="ar") is True

    name, body, _ = language_changed(case)

    assert case.language == "ar"
    assert name == "language_changed" and "بالعربية" in body
    action = session.scalar(select(AuditEvent.action).where(AuditEvent.case_id == case.id))
    assert action == "case.language"


def test_it_keeps_the_language_when_unchanged_or_without_catalog(
    session, clock: FrozenClock
) -> None:
    case = make_case(session, clock=clock)

    assert set_language(session, clock=clock, case=case, language="fr") is False
    assert set_language(session, clock=clock, case=case, language="tr") is False
    assert case.language == "fr"
    assert language_changed(case)[1].startswith("C'est noté")
