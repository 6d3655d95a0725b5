"""The booking texts a household receives, filled from slots and visits in its language.

Each function returns a Text (template name, body, values): the conversation stores all three on
the Message row.
"""

from __future__ import annotations

from collections.abc import Sequence

from babel.lists import format_list

from messages import gettext
from messages.formatting import BABEL_LOCALES, text_language, time_window, visit_date, visit_day
from messages.templates import ANOTHER_TIME, SOMEONE, Text, render_text
from outreach.models import Slot, Visit


def slot_options(slots: Sequence[Slot], language: str) -> str:
    """One numbered line per slot: "1) mardi 3 décembre à 10 h", then "4) Un autre moment"."""
    return "\n".join(f"{number}) {label}" for number, label in offer_choices(slots, language))


def offer_choices(slots: Sequence[Slot], language: str) -> list[tuple[str, str]]:
    """(number, label) of each option: the slots, then another time (a person arranges it)."""
    dates = [(str(n), visit_date(slot.starts_at, language)) for n, slot in enumerate(slots, 1)]
    return [*dates, (str(len(slots) + 1), gettext(ANOTHER_TIME, language))]


def option_numbers(count: int, language: str) -> str:
    """ "1, 2 ou 3", "1 or 2", "1 أو 2 أو 3"."""
    language = text_language(language)
    numbers = [str(number) for number in range(1, count + 1)]
    return format_list(numbers, style="or", locale=BABEL_LOCALES.get(language, language))


def slot_offer(slots: Sequence[Slot], language: str, *, after_taken: bool = False) -> Text:
    """The numbered offer; `after_taken` when the slot the household chose was just taken.

    With no slot at all, the "no free date" text (the team arranges the visit by phone).
    """
    if not slots:
        return render_text("no_slot", language)
    return render_text(
        "slot_taken" if after_taken else "slot_offer",
        language,
        options=slot_options(slots, language),
        numbers=option_numbers(len(slots) + 1, language),
    )


def booking_confirmation(visit: Visit, language: str) -> Text:
    """The visit confirmed: at home, or at the place nearby it was booked at."""
    place = place_text(visit)
    date = visit_date(visit.starts_at, language)
    if place:
        return render_text("booking_confirmation_place", language, date=date, place=place)
    return render_text(
        "booking_confirmation",
        language,
        date=date,
        worker=_worker(visit, language),
        window=_window(visit, language),
    )


def visit_reminder(visit: Visit, language: str) -> Text:
    place = place_text(visit)
    if place:
        date = visit_date(visit.starts_at, language)
        return render_text("visit_reminder_place", language, date=date, place=place)
    return render_text(
        "visit_reminder",
        language,
        day=visit_day(visit.starts_at, language),
        worker=_worker(visit, language),
        window=_window(visit, language),
    )


def change_confirmation(visit: Visit, language: str) -> Text:
    place = place_text(visit)
    date = visit_date(visit.starts_at, language)
    if place:
        return render_text("change_confirmation_place", language, date=date, place=place)
    return render_text("change_confirmation", language, date=date, window=_window(visit, language))


def place_text(visit: Visit) -> str | None:
    """ "Mairie de Lens, 1 place Jean Jaurès": where a visit away from home takes place; None
    at home. The address is left out when the team has not entered it."""
    if visit.place_kind != "nearby" or visit.place is None:
        return None
    return ", ".join(filter(None, (visit.place.name, visit.place.address)))


def cancel_confirmation(visit: Visit, language: str) -> Text:
    return render_text("cancel_confirmation", language, date=visit_date(visit.starts_at, language))


def too_late_to_change(language: str) -> Text:
    return render_text("too_late_to_change", language)


def _window(visit: Visit, language: str) -> str:
    return time_window(visit.window_starts_at, visit.window_ends_at, language)


def _worker(visit: Visit, language: str) -> str:
    return visit.worker.name if visit.worker is not None else gettext(SOMEONE, language)
