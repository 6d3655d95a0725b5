"""The indicators' figures are kept a few minutes per scope, and the page says when they were
counted; the scheduler recounts them in the background."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outreach.models import TeamUser
from outreach.reports.figures import MAX_AGE, FiguresCache, scope_key
from outreach.reports.indicators import IndicatorFilters
from tests.factories import make_case, make_user
from tests.web_support import https_client, make_member, sign_in


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _transferred(page: str) -> int:
    """The first cell of the overall table: households transferred."""
    marker = '<th scope="row">Tous les dossiers</th><td>'
    start = page.index(marker) + len(marker)
    return int(page[start : page.index("<", start)])


def test_the_page_says_when_it_counted_and_counts_again_after_a_few_minutes(
    web, sessions, clock
) -> None:
    member = make_member(sessions, clock, role="coordinator")
    with sessions.begin() as session:
        make_case(session, clock=clock, sector_code="arras")
    sign_in(web, member.email)
    first = web.get("/indicators")
    assert "Chiffres comptés à 10 h" in first.text
    assert _transferred(first.text) == 1
    with sessions.begin() as session:
        make_case(session, clock=clock, sector_code="arras")
    clock.advance(MAX_AGE - timedelta(seconds=1))
    assert _transferred(web.get("/indicators").text) == 1  # kept
    clock.advance(timedelta(seconds=1))
    again = web.get("/indicators")
    assert _transferred(again.text) == 2
    assert "Chiffres comptés à 10 h 05" in again.text
    export = web.get("/indicators/export.csv")
    assert export.status_code == 200


def test_members_who_see_the_same_cases_share_figures(session, clock) -> None:
    arras_id, _ = make_user(session, clock=clock, sector_codes=("arras",))
    lens_id, _ = make_user(session, clock=clock, sector_codes=("lens",))
    boss_id, _ = make_user(session, clock=clock, role="coordinator")
    other_boss_id, _ = make_user(session, clock=clock, role="coordinator")
    keys = {
        user_id: scope_key(session.get_one(TeamUser, user_id))
        for user_id in (arras_id, lens_id, boss_id, other_boss_id)
    }
    assert keys[boss_id] == keys[other_boss_id]
    assert len({keys[arras_id], keys[lens_id], keys[boss_id]}) == 3


def test_the_background_count_fills_every_scope(sessions, clock) -> None:
    with sessions.begin() as session:
        make_user(session, clock=clock, sector_codes=("arras",))
        boss_id, _ = make_user(session, clock=clock, role="coordinator")
        make_user(session, clock=clock, role="coordinator")
        make_case(session, clock=clock, sector_code="arras")
    cache = FiguresCache(clock)
    assert cache.refresh(sessions) == 2
    with sessions.begin() as session:
        make_case(session, clock=clock, sector_code="arras")
    with sessions() as session:
        boss = session.get_one(TeamUser, boss_id)
        kept = cache.get(session, user=boss, filters=IndicatorFilters())
    assert kept.funnel.total()["transferred"] == 1  # counted by refresh, not now
