"""The conversation in the team's views: timeline entries and funnel stages.

Timeline: every decision of the bot on a reply, consent records, visits. (Inbound and outbound
messages are already there, from outreach.team.timeline.) Funnel: consent given, visit booked, visit
held, check-in answered.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, select

from messages import N_, gettext
from messages.formatting import visit_date
from outreach.models import AuditEvent, Case, ConsentRecord, Visit
from outreach.reports import indicators
from outreach.team import timeline as case_timeline
from outreach.team.timeline import PER_SOURCE, TimelineContext, TimelineEntry, channel_label

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
                title=gettext(BOT_LABELS[bot]) if bot in BOT_LABELS else bot,
                facts=(f"{detail.get('state')} → {detail.get('then')}",),
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
            title=gettext(CONSENT_LABELS[record.decision], purpose=record.purpose),
            facts=(record.text_version, record.language, channel_label(record.channel)),
            tone="team" if record.decision == "given" else "alert",
            key=record.id,
        )
        for record in rows
    ]


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


def _consent_given() -> ColumnElement[bool]:
    return exists().where(ConsentRecord.case_id == Case.id, ConsentRecord.decision == "given")


def _visit_booked() -> ColumnElement[bool]:
    return exists().where(Visit.case_id == Case.id)


def _visit_held() -> ColumnElement[bool]:
    return exists().where(Visit.case_id == Case.id, Visit.status == "held")


def _checkin_answered() -> ColumnElement[bool]:
    return exists().where(
        AuditEvent.case_id == Case.id,
        AuditEvent.action == "conversation.decision",
        AuditEvent.detail["bot"].as_string().in_(("checkin_answer", "checkin_need_help")),
    )


STAGES = (
    indicators.Stage("consent", N_("Consent to the review given"), _consent_given),
    indicators.Stage("visit_booked", N_("Home visit booked"), _visit_booked),
    indicators.Stage("visit_held", N_("Home visit held"), _visit_held),
    indicators.Stage("checkin", N_("15-day check-in answered"), _checkin_answered),
)


def install() -> None:
    for source in (decision_entries, consent_entries, visit_entries):
        case_timeline.add_source(source)


def install_stages() -> None:
    """Add the conversation's funnel stages after "reached" (idempotent, by key)."""
    after = "reached"
    for stage in STAGES:
        indicators.add_stage(stage, after=after)
        after = stage.key
