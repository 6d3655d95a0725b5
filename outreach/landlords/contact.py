"""Telling a private landlord which guarantees they can call on (DOMAIN.md, "What a private
landlord can mobilise"), by SMS or e-mail, and hearing their replies.

What we say about the tenant depends on the tenant's consent (purpose "landlord_contact"): without
it only the general information goes out, never the fact that the household is followed.

Landlord messages are not part of the household's conversation: their rows carry no case id, so
the indicators ("contacted", "reached") and the household's last contact never count them. The
link to the case is the audit event "landlord.message" and, for a reply, the inbox item.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import gettext
from messages import landlord_texts as texts
from messages.formatting import text_language
from messages.templates import render
from outreach.clock import Clock
from outreach.landlords.mail import Mail
from outreach.models import Case, InboxItem, Landlord, LandlordOptOut, Message
from outreach.privacy.consent import has_consent
from outreach.replies.intents import is_stop_keyword
from outreach.sending.channels import SMS_CHANNELS

log = logging.getLogger(__name__)

GUARANTEES_PATH = "/garanties"
LANDLORD_PRIVACY_PATH = "/confidentialite/bailleurs"
CHANNELS = ("sms", "email")
MAX_ADDRESS = 64  # Message.address


class LandlordNotReachable(Exception):
    """No landlord, no address for that channel, the channel is off, or the landlord said STOP."""


@dataclass(frozen=True)
class LandlordText:
    template: str  # landlord_general | landlord_followed
    followed: bool  # the text says that the household is followed (tenant's consent)
    body: str
    subject: str = ""
    values: dict[str, str] = field(default_factory=dict)  # what the SMS was rendered with


def page_link(public_url: str, path: str, language: str) -> str:
    language = text_language(language)
    suffix = "" if language == "fr" else f"?lang={language}"
    return f"{public_url.rstrip('/')}{path}{suffix}"


def may_say_followed(session: Session, *, case: Case) -> bool:
    """The tenant agreed that we contact their landlord about them."""
    return has_consent(session, case_id=case.id, purpose="landlord_contact")


def compose_sms(
    session: Session, *, case: Case, public_url: str, organisation: str, language: str = "fr"
) -> LandlordText:
    """The SMS, in French, signed by the organisation (who writes, before what)."""
    followed = may_say_followed(session, case=case)
    template = "landlord_followed" if followed else "landlord_general"
    link = page_link(public_url, GUARANTEES_PATH, language)
    body = render(template, language, link=link, organisation=organisation)
    return LandlordText(
        template, followed, body, values={"organisation": organisation, "link": link}
    )


def compose_email(
    session: Session, *, case: Case, public_url: str, contact: str, language: str = "fr"
) -> LandlordText:
    followed = may_say_followed(session, case=case)

    def _(msgid: str, **values: object) -> str:
        return gettext(msgid, language, **values)

    if followed:
        place = _(texts.MAIL_PLACE, commune=case.commune) if case.commune else ""
        intro = _(texts.MAIL_INTRO_FOLLOWED, place=place)
    else:
        intro = _(texts.MAIL_INTRO_GENERAL)
    points = [f"- {_(title)} : {_(text)}" for title, text in texts.GUARANTEES]
    ending = [_(texts.MAIL_MORE, link=page_link(public_url, GUARANTEES_PATH, language))]
    if contact:
        ending.append(_(texts.MAIL_CONTACT, contact=contact))
    ending.append(_(texts.MAIL_REPLY))
    privacy = page_link(public_url, LANDLORD_PRIVACY_PATH, language)
    ending.append(_(texts.MAIL_STOP, privacy=privacy))
    body = "\n\n".join([_(texts.MAIL_GREETING), intro, "\n".join(points), *ending]) + "\n"
    template = "landlord_followed" if followed else "landlord_general"
    return LandlordText(template, followed, body, subject=_(texts.MAIL_SUBJECT))


def landlord_address(case: Case, channel: str) -> str:
    """The landlord's phone (E.164) or e-mail, or LandlordNotReachable with the reason."""
    landlord = case.landlord
    if landlord is None:
        raise LandlordNotReachable(gettext("No landlord is known for this case."))
    address = landlord.phone if channel == "sms" else landlord.email
    if not address:
        if channel == "sms":
            raise LandlordNotReachable(gettext("The landlord has no known phone number."))
        raise LandlordNotReachable(gettext("The landlord has no known e-mail address."))
    return address


def opted_out(session: Session, address: str) -> bool:
    found = session.scalar(select(LandlordOptOut.id).where(LandlordOptOut.address == address))
    return found is not None


def queue_sms(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    enabled: tuple[str, ...],
    public_url: str,
    organisation: str,
    author_id: int | None,
) -> tuple[Message, LandlordText]:
    """A pending SMS to the landlord (sent by outreach.sending.send_now.deliver after commit)."""
    address = landlord_address(case, "sms")
    if opted_out(session, address):
        raise LandlordNotReachable(
            gettext("The landlord asked to receive no more messages (STOP).")
        )
    # SMS to a landlord's phone: the real SMS channel, else the local simulator (development).
    channel = next((name for name in SMS_CHANNELS if name in enabled), None)
    if channel is None:
        raise LandlordNotReachable(gettext("The SMS channel is not enabled."))
    text = compose_sms(session, case=case, public_url=public_url, organisation=organisation)
    message = _message(clock, channel=channel, address=address, text=text, author_id=author_id)
    session.add(message)
    session.flush()
    log.info("landlord sms %s queued for case %s (%s)", message.id, case.id, text.template)
    return message, text


def record_email(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    public_url: str,
    contact: str,
    author_id: int | None,
) -> tuple[Message, Mail]:
    """A pending e-mail row and the mail to hand to mail.send_mail after commit."""
    address = landlord_address(case, "email")
    if opted_out(session, address):
        raise LandlordNotReachable(
            gettext("The landlord asked to receive no more messages (STOP).")
        )
    text = compose_email(session, case=case, public_url=public_url, contact=contact)
    stored = address if len(address) <= MAX_ADDRESS else f"landlord:{case.landlord_id}"
    message = _message(clock, channel="email", address=stored, text=text, author_id=author_id)
    session.add(message)
    session.flush()
    log.info("landlord e-mail %s recorded for case %s (%s)", message.id, case.id, text.template)
    return message, Mail(to=address, subject=text.subject, body=text.body)


def mark_email(session: Session, *, clock: Clock, message: Message, error: str | None) -> None:
    now = clock.now()
    message.status = "failed" if error else "sent"
    message.error_kind = "permanent" if error else None
    message.status_at = now
    message.sent_at = None if error else now
    log.info("landlord e-mail %s %s", message.id, message.status)


def _message(
    clock: Clock, *, channel: str, address: str, text: LandlordText, author_id: int | None
) -> Message:
    return Message(
        direction="out",
        channel=channel,
        case_id=None,  # not the household's conversation (see the module's docstring)
        address=address,
        body=text.body,
        template=text.template,
        template_values=text.values or None,
        language="fr",
        status="pending",
        author_id=author_id,
        processed=True,
        created_at=clock.now(),
    )


def attach_reply(session: Session, *, clock: Clock, message: Message) -> bool:
    """An inbound message from a landlord's phone: to the team's inbox (kind "landlord_reply"),
    for the landlord's most recent case; STOP records the landlord's objection. False when the
    sender is no known landlord."""
    if message.channel not in SMS_CHANNELS:
        return False
    landlord_ids = select(Landlord.id).where(Landlord.phone == message.address)
    case = session.scalar(
        select(Case)
        .where(Case.landlord_id.in_(landlord_ids))
        .order_by((Case.status == "closed").asc(), Case.updated_at.desc(), Case.id.desc())
        .limit(1)
    )
    if case is None:
        return False
    now = clock.now()
    note = None
    if is_stop_keyword(message.body or "") and not opted_out(session, message.address):
        session.add(LandlordOptOut(address=message.address, at=now))
        note = "landlord opt-out"
    session.add(
        InboxItem(
            kind="landlord_reply", case_id=case.id, message_id=message.id, note=note, created_at=now
        )
    )
    session.flush()
    log.info("inbound message %s is a landlord reply for case %s", message.id, case.id)
    return True
