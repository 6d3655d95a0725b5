"""The conversation in the case timeline: every decision of the bot on a reply, consent records,
visits. outreach.team.timeline lists these sources beside its own (messages, tasks, notes…).
"""

from __future__ import annotations

from sqlalchemy import select

from messages import N_, gettext
from messages.formatting import visit_date
from outreach.models import AuditEvent, ConsentRecord, Visit
from outreach.sending.channels import channel_label
from outreach.team.timeline_entry import PER_SOURCE, TimelineContext, TimelineEntry

BOT_LABELS = {
    "ask_again": N_("Bot: reply not understood, asked again"),
    "hand_over": N_("Bot: reply handed over to the team"),
    "ask_consent": N_("Bot: asked for consent to the social review"),
    "record_consent": N_("Bot: consent recorded, dates offered"),
    "record_refusal": N_("Bot: refusal recorded"),
    "withdraw_consent": N_("Bot: consent withdrawal recorded"),
    "respect_refusal": N_("Bot: the household declined help"),
    "offer_slots": N_("Bot: dates offered"),
    "offer_other_slots": N_("Bot: other dates offered"),
    "book_slot": N_("Bot: date chosen by the household"),
    "offer_change": N_("Bot: the household asked to change the visit"),
    "cancel_visit": N_("Bot: the household cancelled the visit"),
    "checkin_answer": N_("Bot: check-in answered"),
    "checkin_need_help": N_("Bot: the household needs help (task created)"),
    "explain": N_("Bot: explained who we are"),
    "change_language": N_("Bot: language changed"),
}
CONSENT_LABELS = {
    "given": N_("Consent given ({purpose})"),
    "refused": N_("Consent refused ({purpose})"),
    "withdrawn": N_("Consent withdrawn ({purpose})"),
}
PURPOSES = {
    "diagnostic": N_("the social review"),
    "landlord_contact": N_("contacting the landlord"),
    "contract": N_("the engagement contract"),
}
VISIT_LABELS = {
    "booked": N_("Visit booked on {date}"),
    "reminded": N_("Visit booked on {date} (reminder sent)"),
    "held": N_("Visit held on {date}"),
    "no_show": N_("Nobody home at the visit on {date}"),
    "cancelled": N_("Visit on {date} cancelled"),
}


def decision_entries(context: TimelineContext) -> list[TimelineEntry]:
    rows = context.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id == context.case.id, AuditEvent.action == "conversation.decision")
        .order_by(AuditEvent.id.desc())
        .limit(PER_SOURCE)
    )
    entries = []
    for event in rows:
        detail = event.detail or {}
        bot = str(detail.get("bot", ""))
        entries.append(
            TimelineEntry(
                at=event.at,
                kind="bot",
                title=gettext(BOT_LABELS[bot])
                if bot in BOT_LABELS
                else gettext(BOT_LABELS["hand_over"]),
                tone="alert" if bot == "hand_over" else "system",
                key=event.id,
            )
        )
    return entries


def consent_entries(context: TimelineContext) -> list[TimelineEntry]:
    rows = context.session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.case_id == context.case.id)
        .order_by(ConsentRecord.id.desc())
        .limit(PER_SOURCE)
    )
    return [
        TimelineEntry(
            at=record.recorded_at,
            kind="consent",
            title=gettext(
                CONSENT_LABELS[record.decision],
                purpose=gettext(PURPOSES.get(record.purpose, record.purpose)),
            ),
            details=(record.text_version, record.language, channel_label(record.channel)),
            tone="team" if record.decision == "given" else "alert",
            key=record.id,
        )
        for record in rows
    ]


def _purpose(code: str) -> str:
    return gettext(PURPOSES[code]) if code in PURPOSES else code


def visit_entries(context: TimelineContext) -> list[TimelineEntry]:
    rows = context.session.scalars(
        select(Visit)
        .where(Visit.case_id == context.case.id)
        .order_by(Visit.id.desc())
        .limit(PER_SOURCE)
    )
    return [
        TimelineEntry(
            at=visit.cancelled_at or visit.created_at,
            kind="visit",
            title=gettext(
                VISIT_LABELS.get(visit.status, VISIT_LABELS["booked"]),
                date=visit_date(visit.starts_at, "fr"),
            ),
            facts=(visit.time_window,) if visit.time_window else (),
            tone="team",
            key=visit.id,
        )
        for visit in rows
    ]
