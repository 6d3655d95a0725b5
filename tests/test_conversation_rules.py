"""The conversation's rules: never guess, the table is whole, buttons, withdrawal, timeline."""

from __future__ import annotations

from sqlalchemy import select

from outreach.conversation.handlers import HANDLERS
from outreach.conversation.table import ANY_STATE, STATES, TABLE
from outreach.models import Case, ConsentRecord, InboxItem, Message
from outreach.sending.send_now import outgoing_for
from outreach.team.timeline import build_timeline
from tests.e2e_support import Phone, household_in_arras

NOT_UNDERSTOOD = (
    "Désolé, nous n'avons pas compris votre réponse. Merci de répondre avec le mot ou le numéro "
    "demandé."
)


def test_it_names_only_known_states_and_handlers_in_the_table() -> None:
    assert {line.state for line in TABLE} <= set(STATES)
    assert {line.then for line in TABLE} <= set(STATES)
    assert {line.bot for line in TABLE} | {bot for _, bot, _ in ANY_STATE} <= set(HANDLERS)


def _inbox(services, case_id: int) -> list[tuple[str, bool]]:
    with services.sessions() as session:
        rows = session.scalars(
            select(InboxItem).where(InboxItem.case_id == case_id).order_by(InboxItem.id)
        )
        return [(item.kind, item.handled_at is None) for item in rows]


HANDED_OVER = "Merci, un membre de l'équipe mobile va lire votre message et vous répondre."


def test_a_reply_that_says_something_the_bot_cannot_act_on_goes_to_a_person_at_once(
    client, services
) -> None:
    case_id, _ = household_in_arras(services)
    phone = Phone(client, services, case_id)
    phone.received()
    phone.answer("oui mais pas mardi")
    assert phone.received() == [HANDED_OVER]
    assert _inbox(services, case_id) == [("not_understood", True)]


def test_it_asks_again_once_only_when_a_reply_says_nothing(client, services) -> None:
    case_id, _ = household_in_arras(services)
    phone = Phone(client, services, case_id)
    phone.received()
    phone.answer("🙏")
    assert phone.received()[0].startswith("Désolé, nous n")
    phone.answer("merci")
    assert phone.received() == [HANDED_OVER]
    assert _inbox(services, case_id) == [("reply", False), ("not_understood", True)]


def test_an_understood_reply_that_says_more_is_acted_on_and_read_by_a_person(
    client, services
) -> None:
    case_id, _ = household_in_arras(services)
    phone = Phone(client, services, case_id)
    phone.answer("OUI")
    phone.answer("OUI")
    phone.received()
    phone.answer("je veux changer le rdv car je travaille")
    assert "1)" in phone.received()[0]  # other dates offered
    assert _inbox(services, case_id)[-1] == ("reply", True)


def test_it_hands_a_story_to_the_team_without_repeating_itself(client, services) -> None:
    case_id, _ = household_in_arras(services)
    phone = Phone(client, services, case_id)
    phone.received()
    phone.answer("l'huissier est passé ce matin")
    phone.answer("je veux parler à quelqu'un")
    assert len(phone.received()) == 1
    assert _inbox(services, case_id) == [("reply", True), ("reply", True)]


def test_it_offers_slots_as_buttons_on_telegram(client, services) -> None:
    case_id, _ = household_in_arras(services)
    phone = Phone(client, services, case_id)
    phone.answer("OUI")
    phone.answer("OUI")
    with services.sessions() as session:
        offer = session.scalars(select(Message).where(Message.template == "slot_offer")).one()
        choices = outgoing_for(offer).choices
    assert [(c.reply, c.label) for c in choices] == [
        ("1", "mardi 17 mars à 9 h"),
        ("2", "mardi 17 mars à 10 h"),
        ("3", "mardi 17 mars à 11 h"),
        ("4", "Un autre moment"),
    ]


def test_it_records_a_withdrawal_and_tells_the_team(client, services) -> None:
    case_id, _ = household_in_arras(services)
    phone = Phone(client, services, case_id)
    phone.answer("OUI")
    phone.answer("OUI")
    phone.received()
    phone.answer("je ne suis plus d'accord")
    assert phone.received()[0].startswith("C'est noté, votre accord est retiré")
    with services.sessions() as session:
        decisions = session.scalars(select(ConsentRecord.decision).order_by(ConsentRecord.id))
        assert list(decisions) == ["given", "withdrawn"]
    assert ("refusal", True) in _inbox(services, case_id)


def test_it_shows_every_reply_and_decision_in_the_timeline(client, services) -> None:
    case_id, _ = household_in_arras(services)
    phone = Phone(client, services, case_id)
    phone.answer("OUI")
    phone.answer("OUI")
    phone.answer("1")
    with services.sessions() as session:
        entries = build_timeline(session, case=session.get_one(Case, case_id))
    kinds = [entry.kind for entry in entries]
    assert kinds.count("message_in") == 3
    assert kinds.count("bot") == 3
    assert "consent" in kinds and "visit" in kinds


def test_it_counts_consent_visit_and_checkin_in_the_funnel(client, services, coordinator) -> None:
    from outreach.models import TeamUser
    from outreach.reports import indicators

    case_id, _ = household_in_arras(services)
    phone = Phone(client, services, case_id)
    for text in ("OUI", "OUI", "1"):
        phone.answer(text)
    with services.sessions() as session:
        user = session.get_one(TeamUser, coordinator[0])
        total = indicators.funnel(session, user=user, filters=indicators.IndicatorFilters()).total()
    assert (total["consent"], total["visit_booked"], total["visit_held"], total["checkin"]) == (
        1,
        1,
        0,
        0,
    )


def test_it_opens_visit_dates_in_every_demo_sector(session, clock) -> None:
    from outreach.booking.slots import offer_slots
    from outreach.models import Sector
    from outreach.simulation.demo import load_demo_data

    load_demo_data(session, clock=clock)
    load_demo_data(session, clock=clock)
    for sector in session.scalars(select(Sector)):
        case = Case(sector_id=sector.id)
        assert len(offer_slots(session, clock=clock, case=case)) == 3, sector.code


def test_who_are_you_is_answered_with_the_organisation_and_a_number(client, services) -> None:
    case_id, _ = household_in_arras(services)
    phone = Phone(client, services, case_id)
    phone.received()
    phone.answer("vous êtes de quelle association ?")
    (answer,) = phone.received()
    assert "(Association Exemple)" in answer and "appelez le 01 99 00 12 34" in answer
    assert "nous vous appellerons" not in answer  # no promise the flow does not keep
