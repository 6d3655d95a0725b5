"""Deep-link tokens: random, stored as a hash, single use, expiring; redeeming links the chat."""

from __future__ import annotations

import base64
import threading
from datetime import timedelta

from sqlalchemy import select

from outreach.links import deep_link, hash_token, issue_link_token, redeem_link_token
from outreach.models import ChannelLinkToken, ContactPoint
from tests.factories import make_case

CHAT = "700000001"
OTHER_CHAT = "700000002"


def _telegram_points(session) -> list[tuple[int, str, str]]:
    rows = session.execute(
        select(ContactPoint.case_id, ContactPoint.value, ContactPoint.state).where(
            ContactPoint.kind == "telegram"
        )
    )
    return [tuple(row) for row in rows]


def test_it_issues_a_192_bit_token_and_stores_only_its_hash(session, clock) -> None:
    case = make_case(session, clock=clock)
    token = issue_link_token(session, clock=clock, case_id=case.id)
    session.commit()
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128
    row = session.scalars(select(ChannelLinkToken)).one()
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    assert row.expires_at == clock.now() + timedelta(days=30)
    assert row.used_at is None


def test_it_issues_a_different_token_each_time(session, clock) -> None:
    case = make_case(session, clock=clock)
    tokens = {issue_link_token(session, clock=clock, case_id=case.id) for _ in range(20)}
    assert len(tokens) == 20


def test_it_builds_a_deep_link_that_carries_only_the_token(session, clock) -> None:
    case = make_case(session, clock=clock, last_name="Martin", reference="CCAPEX-62-0042")
    token = issue_link_token(session, clock=clock, case_id=case.id)
    link = deep_link("@allervers_bot", token)
    assert link == f"https://t.me/allervers_bot?start={token}"
    for personal in ("Martin", "CCAPEX-62-0042", "+33"):
        assert personal not in link


def test_it_links_the_chat_to_the_case_on_first_use(session, clock) -> None:
    case = make_case(session, clock=clock)
    token = issue_link_token(session, clock=clock, case_id=case.id)
    clock.advance(hours=2)
    assert redeem_link_token(session, clock=clock, token=token, chat_id=CHAT) is case
    session.commit()
    assert _telegram_points(session) == [(case.id, CHAT, "ok")]
    assert session.scalars(select(ChannelLinkToken.used_at)).one() == clock.now()


def test_it_refuses_a_second_use_and_links_nothing(session, clock) -> None:
    case = make_case(session, clock=clock)
    token = issue_link_token(session, clock=clock, case_id=case.id)
    redeem_link_token(session, clock=clock, token=token, chat_id=CHAT)
    assert redeem_link_token(session, clock=clock, token=token, chat_id=OTHER_CHAT) is None
    session.commit()
    assert _telegram_points(session) == [(case.id, CHAT, "ok")]


def test_it_refuses_an_expired_token(session, clock) -> None:
    case = make_case(session, clock=clock)
    token = issue_link_token(session, clock=clock, case_id=case.id, ttl=timedelta(days=7))
    clock.advance(days=7)
    assert redeem_link_token(session, clock=clock, token=token, chat_id=CHAT) is None
    session.commit()
    assert _telegram_points(session) == []


def test_it_accepts_a_token_until_just_before_it_expires(session, clock) -> None:
    case = make_case(session, clock=clock)
    token = issue_link_token(session, clock=clock, case_id=case.id, ttl=timedelta(days=7))
    clock.advance(days=7, seconds=-1)
    assert redeem_link_token(session, clock=clock, token=token, chat_id=CHAT) is case


def test_it_refuses_an_unknown_token(session, clock) -> None:
    make_case(session, clock=clock)
    assert redeem_link_token(session, clock=clock, token="not-a-token", chat_id=CHAT) is None
    assert redeem_link_token(session, clock=clock, token="", chat_id=CHAT) is None


def test_linking_again_after_blocking_the_bot_makes_the_chat_usable(session, clock) -> None:
    case = make_case(session, clock=clock)
    redeem_link_token(
        session,
        clock=clock,
        token=issue_link_token(session, clock=clock, case_id=case.id),
        chat_id=CHAT,
    )
    point = session.scalars(select(ContactPoint).where(ContactPoint.kind == "telegram")).one()
    point.state, point.state_reason = "blocked", "403-blocked"
    session.flush()
    token = issue_link_token(session, clock=clock, case_id=case.id)
    assert redeem_link_token(session, clock=clock, token=token, chat_id=CHAT) is case
    session.commit()
    assert _telegram_points(session) == [(case.id, CHAT, "ok")]


def test_two_concurrent_uses_of_a_token_link_one_chat(sessions, clock) -> None:
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock).id
        token = issue_link_token(session, clock=clock, case_id=case_id)
    barrier = threading.Barrier(2)
    results: dict[str, bool] = {}

    def redeem(chat_id: str) -> None:
        barrier.wait()
        with sessions.begin() as session:
            found = redeem_link_token(session, clock=clock, token=token, chat_id=chat_id)
            results[chat_id] = found is not None

    threads = [threading.Thread(target=redeem, args=(chat,)) for chat in (CHAT, OTHER_CHAT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [False, True]
    with sessions() as session:
        assert len(_telegram_points(session)) == 1
