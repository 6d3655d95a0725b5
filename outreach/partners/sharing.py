"""Sending a referral to the partner, and the partner's one-time page.

Outbox first: a referral becomes "ready" when the household agreed; `send_ready` (every minute,
and at once from the case page) claims it, e-mails the partner through the settings' SMTP server
and marks it sent. By default the e-mail carries a one-time link to /orientation/<token>, and a
second e-mail carries a 6-digit code: a misdirected e-mail alone shows nothing. Only SHA-256
hashes of the token and the code are stored. The link works once, for 7 days; 5 wrong codes lock
it (the team is told and may send a new one). Each opening and each refusal is audited.

With delivery "summary" the summary is in the e-mail itself (for a partner who cannot open links).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from messages import gettext
from messages.formatting import short_date
from outreach import audit
from outreach.clock import Clock
from outreach.landlords.mail import Mail, MailError, mail_enabled, send_mail
from outreach.models import Case, InboxItem, Partner, Referral, TeamUser
from outreach.partners.referrals import (
    ReferralError,
    has_consent,
    purpose_label,
    referral_number,
    summary_text,
)
from outreach.settings import Settings
from outreach.team import events
from outreach.team.tasks import create_task

log = logging.getLogger(__name__)

LINK_TTL = timedelta(days=7)
MAX_WRONG_CODES = 5
MAX_SEND_ATTEMPTS = 3
STUCK_AFTER = timedelta(minutes=15)  # a send interrupted half-way is tried again after this
TOKEN_BYTES = 24
PAGE_PATH = "/orientation"
TASK_NOT_SENT = "referral_not_sent"
TASK_LOCKED = "referral_locked"


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


@dataclass(frozen=True)
class Outgoing:
    referral_id: int
    mails: tuple[Mail, ...]


# --- sending ------------------------------------------------------------------------------------


def send_ready(
    sessions: sessionmaker[Session], *, clock: Clock, settings: Settings, only: int | None = None
) -> int:
    """Send every referral the household agreed to (or `only` that one); how many went."""
    if not mail_enabled(settings):
        return 0
    with sessions.begin() as session:
        _release_stuck(session, now=clock.now())
        query = select(Referral.id).where(Referral.status == "ready").order_by(Referral.id)
        if only is not None:  # the worker asked: try again even after failures
            query = query.where(Referral.id == only)
        else:
            query = query.where(Referral.send_attempts < MAX_SEND_ATTEMPTS)
        ids = list(session.scalars(query))
    return sum(1 for referral_id in ids if send_one(sessions, clock=clock, settings=settings,
                                                    referral_id=referral_id) is None)  # fmt: skip


def send_one(
    sessions: sessionmaker[Session], *, clock: Clock, settings: Settings, referral_id: int
) -> str | None:
    """Claim one ready referral and e-mail it; None when sent, else why not (no personal data)."""
    with sessions.begin() as session:
        outgoing = _claim(session, clock=clock, settings=settings, referral_id=referral_id)
    if outgoing is None:
        return "not ready"
    try:
        for mail in outgoing.mails:
            send_mail(settings, mail)
    except MailError as error:
        with sessions.begin() as session:
            _failed(session, clock=clock, referral_id=referral_id)
        log.warning("referral %s not sent: %s", referral_id, error)
        return str(error)
    with sessions.begin() as session:
        referral = session.get_one(Referral, referral_id)
        now = clock.now()
        referral.status, referral.sent_at, referral.updated_at = "sent", now, now
        audit.record(
            session, clock=clock, actor=None, action="referral.sent", case_id=referral.case_id,
            referral_id=referral.id, delivery=referral.delivery,
        )  # fmt: skip
        events.record(
            session, kind="referral.sent", case_id=referral.case_id, at=now,
            referral_id=referral.id,
        )  # fmt: skip
    log.info("referral %s sent", referral_id)
    return None


def _claim(
    session: Session, *, clock: Clock, settings: Settings, referral_id: int
) -> Outgoing | None:
    now = clock.now()
    claimed = session.execute(
        update(Referral)
        .where(Referral.id == referral_id, Referral.status == "ready")
        .values(status="sending", updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    referral = session.get_one(Referral, referral_id)
    case = session.get_one(Case, referral.case_id)
    partner = session.get(Partner, referral.partner_id) if referral.partner_id else None
    if partner is None or not partner.email or not has_consent(session, referral):
        # Nothing goes without the household's agreement and a partner's address: the team
        # completes it and sends from the case page (the job does not try again).
        referral.status, referral.send_attempts = "ready", MAX_SEND_ATTEMPTS
        _task_once(session, clock=clock, referral=referral, task=TASK_NOT_SENT)
        return None
    referral.summary = summary_text(session, case=case, referral=referral, partner=partner)
    number = referral_number(referral)
    intro = gettext(
        "Hello,\n\nThe eviction-prevention mobile team ({organisation}) refers a household to "
        "you for: {purpose}. The household agreed that this summary be sent to you.",
        organisation=settings.organisation_name,
        purpose=purpose_label(referral.purpose),
    )
    reply = gettext(
        "Please answer this e-mail to tell us whether you take the request on, quoting the "
        "referral number {number}.",
        number=number,
    )
    subject = gettext("Referral {number} from the mobile team", number=number)
    if referral.delivery == "summary":
        referral.token_hash = referral.code_hash = None
        body = f"{intro}\n\n{referral.summary}\n\n{reply}\n"
        mails: tuple[Mail, ...] = (Mail(to=partner.email, subject=subject, body=body),)
    else:
        token, code = secrets.token_urlsafe(TOKEN_BYTES), new_code()
        referral.token_hash, referral.code_hash = hash_secret(token), hash_secret(code)
        referral.wrong_codes, referral.locked_at, referral.opened_at = 0, None, None
        referral.expires_at = now + LINK_TTL
        link = f"{settings.public_url.rstrip('/')}{PAGE_PATH}/{token}"
        body = "\n\n".join(
            (
                intro,
                gettext(
                    "To read it, open this link (it works once, until {date}); the access code "
                    "comes in a second e-mail:\n{link}",
                    date=short_date(referral.expires_at),
                    link=link,
                ),
                reply,
            )
        )
        code_body = gettext(
            "Hello,\n\nThe access code for referral {number}: {code}\n\nIt works only with the "
            "link of the other e-mail. After {tries} wrong codes the link is locked.",
            number=number,
            code=code,
            tries=MAX_WRONG_CODES,
        )
        mails = (
            Mail(to=partner.email, subject=subject, body=body + "\n"),
            Mail(
                to=partner.email,
                subject=gettext("Access code for referral {number}", number=number),
                body=code_body + "\n",
            ),
        )
    referral.send_attempts += 1
    return Outgoing(referral_id=referral.id, mails=mails)


def _failed(session: Session, *, clock: Clock, referral_id: int) -> None:
    referral = session.get_one(Referral, referral_id)
    referral.status, referral.updated_at = "ready", clock.now()
    referral.token_hash = referral.code_hash = None
    if referral.send_attempts >= MAX_SEND_ATTEMPTS:
        _task_once(session, clock=clock, referral=referral, task=TASK_NOT_SENT)


def _release_stuck(session: Session, *, now: datetime) -> None:
    session.execute(
        update(Referral)
        .where(Referral.status == "sending", Referral.updated_at < now - STUCK_AFTER)
        .values(status="ready", updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _task_once(session: Session, *, clock: Clock, referral: Referral, task: str) -> None:
    """One open task for the team about the case's referrals (never two alike)."""
    exists = session.scalar(
        select(InboxItem.id).where(
            InboxItem.case_id == referral.case_id,
            InboxItem.kind == "task",
            InboxItem.note == task,
            InboxItem.handled_at.is_(None),
        )
    )
    if exists is None:
        create_task(session, clock=clock, case_id=referral.case_id, task=task)


def prepare_new_link(
    session: Session, *, clock: Clock, referral: Referral, actor: TeamUser
) -> None:
    """A link expired, locked or lost: the same referral goes again with a new link and code
    (the old ones stop working at once)."""
    if referral.status not in ("sent", "received") or referral.delivery != "link":
        raise ReferralError(gettext("Only a referral sent with a link can get a new one."))
    if not has_consent(session, referral):
        raise ReferralError(gettext("The household's agreement no longer holds."))
    referral.status, referral.token_hash, referral.code_hash = "ready", None, None
    referral.send_attempts, referral.updated_at = 0, clock.now()
    audit.record(
        session, clock=clock, actor=actor, action="referral.new_link", case_id=referral.case_id,
        referral_id=referral.id,
    )  # fmt: skip


# --- the partner's page -------------------------------------------------------------------------

# Why the page shows nothing (each a sentence for the partner, in French).
UNKNOWN, EXPIRED, LOCKED, USED, WRONG_CODE = "unknown", "expired", "locked", "used", "wrong_code"


@dataclass(frozen=True)
class Opening:
    """What the partner's page shows: the summary, or why not (and the tries left)."""

    refused: str | None
    summary: str | None = None
    number: str | None = None
    tries_left: int = MAX_WRONG_CODES


def find(session: Session, *, token: str) -> Referral | None:
    if not token or len(token) > 100:
        return None
    return session.scalar(select(Referral).where(Referral.token_hash == hash_secret(token)))


def check_link(referral: Referral | None, *, now: datetime) -> str | None:
    """Why this link shows nothing, before any code; None when a code may be tried."""
    if referral is None or referral.status not in ("sent", "received", *_ANSWERED):
        return UNKNOWN
    if referral.opened_at is not None:
        return USED
    if referral.locked_at is not None:
        return LOCKED
    if referral.expires_at is None or referral.expires_at <= now:
        return EXPIRED
    return None


_ANSWERED = ("taken", "refused", "no_answer")


def open_with_code(session: Session, *, clock: Clock, token: str, code: str) -> Opening:
    """The partner types the code: the summary once, or why not. Every try is audited."""
    now = clock.now()
    referral = find(session, token=token)
    refused = check_link(referral, now=now)
    if referral is None or refused is not None:
        if referral is not None:
            _audit_page(session, clock=clock, referral=referral, action="referral.refused",
                        reason=refused)  # fmt: skip
        return Opening(refused=refused)
    if not secrets.compare_digest(hash_secret(code.strip()), referral.code_hash or ""):
        return _wrong_code(session, clock=clock, referral=referral)
    spent = session.execute(
        update(Referral)
        .where(
            Referral.id == referral.id,
            Referral.opened_at.is_(None),
            Referral.locked_at.is_(None),
            Referral.expires_at > now,
        )
        .values(opened_at=now, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        return Opening(refused=USED)
    if referral.status == "sent":
        referral.status = "received"
    _audit_page(session, clock=clock, referral=referral, action="referral.opened")
    events.record(
        session, kind="referral.opened", case_id=referral.case_id, at=now,
        referral_id=referral.id,
    )  # fmt: skip
    return Opening(refused=None, summary=referral.summary, number=referral_number(referral))


def _wrong_code(session: Session, *, clock: Clock, referral: Referral) -> Opening:
    session.execute(
        update(Referral)
        .where(Referral.id == referral.id)
        .values(wrong_codes=Referral.wrong_codes + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(referral)
    if referral.wrong_codes >= MAX_WRONG_CODES:
        referral.locked_at = clock.now()
        _audit_page(session, clock=clock, referral=referral, action="referral.locked")
        _task_once(session, clock=clock, referral=referral, task=TASK_LOCKED)
        return Opening(refused=LOCKED, tries_left=0)
    _audit_page(session, clock=clock, referral=referral, action="referral.refused",
                reason=WRONG_CODE)  # fmt: skip
    return Opening(refused=WRONG_CODE, tries_left=MAX_WRONG_CODES - referral.wrong_codes)


def _audit_page(
    session: Session, *, clock: Clock, referral: Referral, action: str, reason: str | None = None
) -> None:
    detail: dict[str, object] = {"referral_id": referral.id}
    if reason is not None:
        detail["reason"] = reason
    audit.record(session, clock=clock, actor=None, action=action, case_id=referral.case_id,
                 **detail)  # fmt: skip
