"""Running one sequence step: pick a channel, render the text, write the message row."""

from __future__ import annotations

from sqlalchemy.orm import Session

from messages import gettext
from messages.sequence_texts import LINK_TEXTS, SEQUENCE_TEXTS
from messages.templates import UCS2_LANGUAGES, Text, sms_safe
from outreach.clock import Clock
from outreach.models import Case, Message
from outreach.sending.channels import stand_in
from outreach.sending.identity import Identity
from outreach.sending.send_now import NotSendable, Route, best_route, queue_message
from outreach.sequences.loader import SequenceStep


def channel_order(step: SequenceStep, enabled: tuple[str, ...], skip: list[str]) -> list[str]:
    """The step's channels that are switched on and have not failed for good on this step.

    Where only the sandbox is on (development, demos), it stands in for SMS: it is a phone.
    """
    order = []
    for named in step.channels:
        channel = stand_in(named, enabled)
        if channel in enabled and channel not in skip and channel not in order:
            order.append(channel)
    return order


def choose_route(
    case: Case, step: SequenceStep, enabled: tuple[str, ...], skip: list[str]
) -> Route | None:
    """The first of the step's channels the household can receive, or None."""
    for channel in channel_order(step, enabled, skip):
        try:
            return best_route(case, (channel,), preference=(channel,))
        except NotSendable:
            continue
    return None


def write_message(
    session: Session, *, clock: Clock, case: Case, route: Route, text: Text
) -> Message:
    """The step's message to this household on this route, as a `sending` row (the attempt).

    Not flushed: the caller's flush writes it, with the rest of its batch.
    """
    message = queue_message(
        session,
        clock=clock,
        case=case,
        route=route,
        body=text.body,
        template=text.template,
        template_values=text.values,
        flush=False,
    )
    message.status = "sending"
    message.status_at = clock.now()
    return message


def render(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    template: str,
    route: Route,
    telegram_bot: str | None,
    identity: Identity | None = None,
) -> Text:
    """The text in the household's language; with a Telegram link when one can be offered.

    The message keeps the step's template name ("reminder") with the link too, and its values
    (the link, the organisation, the phone) as template values: a WhatsApp template is sent with
    the variables its msgid has (`messages.templates.template_variables`).
    """
    link = None
    if template in LINK_TEXTS and route.channel != "telegram":
        link = telegram_link(session, clock=clock, case=case, telegram_bot=telegram_bot)
    msgid = SEQUENCE_TEXTS[template] if link is None else LINK_TEXTS[template]
    # Only the placeholders the text has: a WhatsApp template's variables are these values.
    known = (identity or Identity()).values() | ({"link": link} if link is not None else {})
    values = {
        name: value if case.language in UCS2_LANGUAGES else sms_safe(value)
        for name, value in known.items()
        if "{" + name + "}" in msgid
    }
    return Text(template, gettext(msgid, case.language, **values), values)


def telegram_link(
    session: Session, *, clock: Clock, case: Case, telegram_bot: str | None
) -> str | None:
    """A fresh deep link to the bot, unless Telegram is off or the household already uses it."""
    if not telegram_bot or any(point.kind == "telegram" for point in case.contact_points):
        return None
    from outreach.links import deep_link, issue_link_token

    token = issue_link_token(session, clock=clock, case_id=case.id)
    return deep_link(telegram_bot, token)
