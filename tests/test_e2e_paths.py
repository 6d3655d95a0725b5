"""Acceptance, other paths through the sandbox: an Arabic-speaking household, a refusal, change
and cancel by reply, two households answering "1" for the same slot."""

from __future__ import annotations

from sqlalchemy import select

from outreach.models import ConsentRecord, InboxItem, Visit
from outreach.sequences.runner import enrol
from tests.booking_support import paris
from tests.e2e_support import Phone, household_in_arras
from tests.engine_support import engine_config

AR_OFFER = (
    "هذه أقرب المواعيد للزيارة المنزلية:\n1) الثلاثاء 17 مارس الساعة 9:00 ص\n"
    "2) الثلاثاء 17 مارس الساعة 10:00 ص\n3) الثلاثاء 17 مارس الساعة 11:00 ص\n"
    "4) وقت آخر\nردوا بـ 1 أو 2 أو 3 أو 4"
)


def _to_slot_offer(phone: Phone) -> None:
    phone.received()
    phone.answer("OUI")
    phone.answer("OUI")
    phone.received()


def _visits(services, case_id: int) -> list[tuple[str, int]]:
    with services.sessions() as session:
        rows = session.execute(
            select(Visit.status, Visit.slot_id).where(Visit.case_id == case_id).order_by(Visit.id)
        )
        return [(row.status, row.slot_id) for row in rows]


def test_it_takes_an_arabic_speaking_household_the_whole_way(client, services) -> None:
    case_id, _worker = household_in_arras(services)
    phone = Phone(client, services, case_id)
    phone.received()
    phone.answer("عربي")
    assert phone.received() == [
        "تم، سنراسلكم بالعربية من الآن. للغات أخرى ردوا: FR (الفرنسية) أو EN (الإنجليزية)."
    ]
    phone.answer("نعم")
    assert phone.received() == [
        "لمساعدتكم، يدرس الفريق معكم وضعكم الاجتماعي والمالي (الميزانية، السكن). هذا مجاني وسري. "
        "هل توافقون؟ ردوا بنعم أو لا. بياناتكم: "
        "https://allervers.example.org/confidentialite?lang=ar"
    ]
    phone.answer("نعم")
    assert phone.received() == [AR_OFFER]
    phone.answer("٢")
    assert phone.received() == [
        "تم تأكيد الزيارة يوم الثلاثاء 17 مارس الساعة 10:00 ص. سيأتي Nadia من الفريق المتنقل إلى "
        "منزلكم بين 10:00 ص و11:00 ص. للتغيير ردوا: تغيير، وللإلغاء: إلغاء."
    ]
    phone.at(paris(2026, 3, 16, 10, 1))
    phone.daily_jobs()
    assert phone.received() == [
        "تذكير: سيأتي Nadia من الفريق المتنقل إلى منزلكم يوم الثلاثاء 17 مارس، بين 10:00 ص "
        "و11:00 ص. للتغيير ردوا: تغيير، وللإلغاء: إلغاء."
    ]
    with services.sessions() as session:
        record = session.scalars(select(ConsentRecord)).one()
        assert (record.decision, record.language) == ("given", "ar")


def test_it_respects_a_consent_refusal_and_tells_the_team(client, services) -> None:
    case_id, _worker = household_in_arras(services)
    phone = Phone(client, services, case_id)
    phone.received()
    phone.answer("OUI")
    phone.received()
    phone.answer("non merci")
    assert phone.received() == [
        "C'est noté, nous respectons votre choix : rien ne sera fait sans votre accord. Si vous "
        "changez d'avis ou avez une question, répondez à ce message."
    ]
    with services.sessions() as session:
        record = session.scalars(select(ConsentRecord)).one()
        refusal = session.scalars(select(InboxItem).where(InboxItem.kind == "refusal")).one()
        assert (record.decision, refusal.case_id, refusal.handled_at) == ("refused", case_id, None)
    assert _visits(services, case_id) == []


def test_it_changes_then_cancels_a_visit_by_reply_until_the_deadline(client, services) -> None:
    case_id, _worker = household_in_arras(services)
    phone = Phone(client, services, case_id)
    _to_slot_offer(phone)
    phone.answer("1")
    phone.received()
    phone.answer("CHANGER")
    assert phone.received() == [
        "Voici les prochaines dates pour la visite à domicile :\n"
        "1) mardi 17 mars à 10 h\n2) mardi 17 mars à 11 h\n3) mardi 24 mars à 9 h\n"
        "4) Un autre moment\n"
        "Répondez 1, 2, 3 ou 4"
    ]
    phone.answer("3")
    [moved] = phone.received()
    assert moved.startswith("C'est noté, votre visite est déplacée au mardi 24 mars à 9 h.")
    assert [status for status, _ in _visits(services, case_id)] == ["cancelled", "booked"]

    phone.answer("ANNULER")
    assert phone.received() == [
        "Votre visite du mardi 24 mars à 9 h est annulée. Pour une nouvelle date, répondez OUI."
    ]
    phone.answer("OUI")
    phone.received()
    phone.answer("1")
    phone.received()
    phone.at(paris(2026, 3, 16, 18))  # less than 24 hours before Tuesday 9:00
    phone.answer("annuler")
    assert phone.received() == [
        "Il est trop tard pour changer la visite par message. Un membre de l'équipe mobile va "
        "vous appeler."
    ]
    assert _visits(services, case_id)[-1][0] == "booked"


def test_it_gives_a_slot_to_the_first_of_two_households_and_others_to_the_second(
    client, services
) -> None:
    first_id, _worker = household_in_arras(services)
    with services.sessions.begin() as session:
        from tests.factories import make_case

        second = make_case(
            session, clock=services.clock, sector_code="arras", phones=("06 39 98 20 02",)
        )
        enrol(session, clock=services.clock, case=second, config=engine_config())
        second_id = second.id
    first, second_phone = Phone(client, services, first_id), Phone(client, services, second_id)
    for phone in (first, second_phone):
        phone.answer("OUI")
        phone.answer("OUI")
        phone.received()
    first.answer("1")
    second_phone.answer("1")
    [taken] = second_phone.received()
    assert taken.startswith("Désolé, ce créneau n'est plus libre. Autres dates :\n")
    assert "1) mardi 17 mars à 10 h" in taken
    assert _visits(services, first_id)[0][0] == "booked"
    assert _visits(services, second_id) == []
