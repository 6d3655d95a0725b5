"""One timeline of everything that happened on a case, newest first.

Each source reads one table and turns its rows into entries; `SOURCES` lists them all, this
module's and the conversation's (bot decisions, consent records, visits: outreach.conversation.
timeline). An entry and a source are defined in outreach.team.timeline_entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import N_, gettext, ngettext
from messages.formatting import visit_date
from outreach.casework.closing import outcome_label as closing_outcome_label
from outreach.casework.lifecycle import OUT_OF_SCOPE_REASONS
from outreach.conversation.timeline import consent_entries, decision_entries, visit_entries
from outreach.landlords.mediation import kind_label as mediation_kind_label
from outreach.letters.timeline import letter_entries
from outreach.models import (
    AuditEvent,
    Case,
    CaseNote,
    ConsentRecord,
    EngagementStep,
    Enrolment,
    ImportBatch,
    InboxItem,
    Letter,
    MediationEntry,
    Message,
    Visit,
)
from outreach.models.outbox import OutboxItem
from outreach.partners.received import kind_label as partner_kind_label
from outreach.partners.received import means_label as partner_means_label
from outreach.partners.referrals import purpose_label as referral_purpose_label
from outreach.partners.referrals import status_label as referral_status_label
from outreach.replies.voice import CHANNEL as VOICE
from outreach.replies.voice import recording_url
from outreach.sending.channels import channel_label
from outreach.sending.status import MESSAGE_STATUS_LABELS
from outreach.team.followup import step_kind_label, step_status_label
from outreach.team.inbox import kind_label
from outreach.team.outcomes import outcome_label
from outreach.team.page_reads import PageReads
from outreach.team.timeline_entry import (
    PER_SOURCE,
    TimelineContext,
    TimelineEntry,
    TimelineSource,
)

IMPORT_BATCHES = 36  # three years of monthly lists
AUDIT_ACTIONS = (
    "case.opt_out",
    "case.opt_in",
    "case.assign",
    "case.close",
    "case.reopen",
    "case.out_of_scope",
    "landlord.message",
    "landlord.contact",
    "referral.locked",
)


def build_timeline(
    session: Session, *, case: Case, reads: PageReads | None = None
) -> list[TimelineEntry]:
    """Every source's entries for the case, newest first; `reads`: what the page around it has
    read already (see PageReads)."""
    reads = reads or PageReads(session, case.id)
    users = {member_id: name for member_id, name, _active in reads.team_members()}
    context = TimelineContext(session=session, case=case, users=users, reads=reads)
    entries = [
        entry
        for source in SOURCES
        if source not in READS_TABLE or reads.holds(READS_TABLE[source])
        for entry in source(context)
    ]
    return sorted(entries, key=lambda entry: (entry.at, entry.kind, entry.key), reverse=True)


def status_label(status: str) -> str:
    return gettext(MESSAGE_STATUS_LABELS[status]) if status in MESSAGE_STATUS_LABELS else status


# --- sources ----------------------------------------------------------------------------------


def message_entries(context: TimelineContext) -> list[TimelineEntry]:
    rows = list(
        context.session.scalars(
            select(Message)
            .where(Message.case_id == context.case.id)
            .order_by(Message.id.desc())
            .limit(PER_SOURCE)
        )
    )
    waiting = any(message.status == "pending" for message in rows)
    planned = _planned_sends(context) if waiting else {}
    return [_message_entry(context, message, planned.get(message.id)) for message in rows]


def _planned_sends(context: TimelineContext) -> dict[int, datetime]:
    """When the outbox will (try to) send the case's waiting messages."""
    rows = context.session.execute(
        select(OutboxItem.message_id, OutboxItem.due_at).where(
            OutboxItem.case_id == context.case.id,
            OutboxItem.status == "pending",
            OutboxItem.message_id.is_not(None),
        )
    )
    return {message_id: due_at for message_id, due_at in rows}


def _message_entry(
    context: TimelineContext, message: Message, planned: datetime | None = None
) -> TimelineEntry:
    facts = [] if message.direction == "in" else [status_label(message.status)]
    if planned is not None and message.status == "pending":
        facts.append(gettext("will be sent {when}", when=visit_date(planned, "fr")))
    details = [channel_label(message.channel)]
    if message.direction == "in" and message.channel == VOICE:
        voicemail = recording_url(message)
        return TimelineEntry(
            at=message.created_at,
            kind="message_in",
            title=gettext("The household called the team's number"),
            facts=(gettext("voicemail left") if voicemail else gettext("no voicemail"),),
            details=tuple(details),
            tone="in",
            key=message.id,
            link=(gettext("Listen to the voicemail"), voicemail) if voicemail else None,
        )
    if message.direction == "in":
        return TimelineEntry(
            at=message.created_at,
            kind="message_in",
            title=gettext("Message from the household"),
            body=message.body,
            facts=tuple(facts),
            details=tuple(details),
            tone="in",
            key=message.id,
        )
    if message.segments:
        details.append(ngettext("{count} segment", "{count} segments", message.segments))
    if message.encoding:
        details.append(message.encoding)
    if message.error_code or message.error_kind:
        details.append(gettext("error {code}", code=message.error_code or message.error_kind))
    author = context.users.get(message.author_id) if message.author_id else None
    title = (
        gettext("Message sent by {name}", name=author)
        if author
        else gettext("Automatic message from the bot")
    )
    return TimelineEntry(
        at=message.created_at,
        kind="message_out",
        title=title,
        body=message.body,
        facts=tuple(facts),
        details=tuple(details),
        tone="out",
        key=message.id,
    )


def inbox_entries(context: TimelineContext) -> list[TimelineEntry]:
    """What the bot handed to a human (tasks, not understood, refusals…); plain replies are
    already shown as messages."""
    rows = context.session.scalars(
        select(InboxItem)
        .where(InboxItem.case_id == context.case.id, InboxItem.kind != "reply")
        .order_by(InboxItem.id.desc())
        .limit(PER_SOURCE)
    )
    entries = []
    for item in rows:
        facts = [gettext("to do")] if item.handled_at is None else [_handled(context, item)]
        if item.outcome:
            facts.insert(0, outcome_label(item.outcome))
        entries.append(
            TimelineEntry(
                at=item.created_at,
                kind="task" if item.kind == "task" else "inbox",
                title=kind_label(item.kind, item.note),
                facts=tuple(facts),
                tone="alert" if item.handled_at is None else "system",
                key=item.id,
            )
        )
    return entries


def _handled(context: TimelineContext, item: InboxItem) -> str:
    name = context.users.get(item.handled_by_id) if item.handled_by_id else None
    return gettext("handled by {name}", name=name) if name else gettext("handled")


def note_entries(context: TimelineContext) -> list[TimelineEntry]:
    rows = context.session.scalars(
        select(CaseNote)
        .where(CaseNote.case_id == context.case.id)
        .order_by(CaseNote.id.desc())
        .limit(PER_SOURCE)
    )
    return [
        TimelineEntry(
            at=note.created_at,
            kind="note",
            title=gettext(
                "Note by {name}", name=context.users.get(note.author_id or 0, gettext("someone"))
            ),
            body=note.body,
            tone="team",
            key=note.id,
        )
        for note in rows
    ]


def step_entries(context: TimelineContext) -> list[TimelineEntry]:
    rows = context.session.scalars(
        select(EngagementStep)
        .where(EngagementStep.case_id == context.case.id)
        .order_by(EngagementStep.id.desc())
        .limit(PER_SOURCE)
    )
    entries = []
    for step in rows:
        label = step_kind_label(step.kind)
        entries.append(
            TimelineEntry(
                at=step.created_at,
                kind="step",
                title=gettext("Step agreed: {step}", step=label),
                body=step.detail,
                facts=(step_status_label(step.status),),
                tone="team",
                key=step.id,
            )
        )
        if step.done_at is not None:
            entries.append(
                TimelineEntry(
                    at=step.done_at,
                    kind="step_done",
                    title=gettext("Step done: {step}", step=label),
                    tone="team",
                    key=step.id,
                )
            )
    return entries


def sequence_entries(context: TimelineContext) -> list[TimelineEntry]:
    """The bot's decisions: which sequence it started, when and why it stopped."""
    rows = context.session.scalars(
        select(Enrolment)
        .where(Enrolment.case_id == context.case.id)
        .order_by(Enrolment.id.desc())
        .limit(PER_SOURCE)
    )
    entries = []
    for enrolment in rows:
        entries.append(
            TimelineEntry(
                at=enrolment.started_at,
                kind="sequence",
                title=gettext("Automatic messages started"),
                details=(enrolment.sequence,),
                tone="system",
                key=enrolment.id,
            )
        )
        if enrolment.finished_at is not None:
            reason = enrolment.stop_reason or enrolment.status
            entries.append(
                TimelineEntry(
                    at=enrolment.finished_at,
                    kind="sequence_end",
                    title=gettext(SEQUENCE_ENDS.get(reason, SEQUENCE_ENDS["stopped"])),
                    details=(enrolment.sequence,),
                    tone="system",
                    key=enrolment.id,
                )
            )
    return entries


def import_entries(context: TimelineContext) -> list[TimelineEntry]:
    """The CCAPEX lists that created or changed the case (the changed columns, never values)."""
    case = context.case
    entries = [
        TimelineEntry(
            at=case.created_at,
            kind="import",
            title=gettext(
                "Case transferred by the CCAPEX (list of {month})", month=case.import_month
            )
            if case.import_month
            else gettext("Case created"),
            tone="system",
        )
    ]
    batches = context.session.scalars(
        select(ImportBatch).order_by(ImportBatch.id.desc()).limit(IMPORT_BATCHES)
    )
    for batch in batches:
        fields = _changed_fields(batch, case.reference)
        if fields is None or batch.finished_at is None:
            continue
        entries.append(
            TimelineEntry(
                at=batch.finished_at,
                kind="import",
                title=gettext("Updated by the import of {month}", month=batch.month),
                facts=tuple(fields),
                tone="system",
                key=batch.id,
            )
        )
    return entries


def _changed_fields(batch: ImportBatch, reference: str) -> list[str] | None:
    for change in (batch.report or {}).get("changes", []):
        if change.get("reference") == reference:
            return list(change.get("fields", []))
    return None


def mediation_entries(context: TimelineContext) -> list[TimelineEntry]:
    """The team's log of the mediation with the landlord."""
    rows = context.session.scalars(
        select(MediationEntry)
        .where(MediationEntry.case_id == context.case.id)
        .order_by(MediationEntry.id.desc())
        .limit(PER_SOURCE)
    )
    return [
        TimelineEntry(
            at=entry.created_at,
            kind="mediation",
            title=mediation_kind_label(entry.kind),
            body=entry.note,
            facts=(
                gettext("on {date}", date=entry.happened_on.strftime("%d/%m/%Y")),
                *_by(context, entry.author_id),
            ),
            tone="team",
            key=entry.id,
        )
        for entry in rows
    ]


def partner_entries(context: TimelineContext) -> list[TimelineEntry]:
    """What partners told the team about the case."""
    return [
        TimelineEntry(
            at=info.created_at,
            kind="partner",
            title=partner_kind_label(info.kind)
            + (f" · {partner.name}" if partner is not None else ""),
            body=info.summary,
            facts=(
                gettext("on {date}", date=info.received_on.strftime("%d/%m/%Y")),
                partner_means_label(info.means),
                *_by(context, info.author_id),
            ),
            tone="team",
            key=info.id,
        )
        for info, partner in context.reads.partner_infos()[:PER_SOURCE]
    ]


def _by(context: TimelineContext, user_id: int | None) -> tuple[str, ...]:
    """ "par Camille" for what a team member did; nothing when nobody is known (a member since
    removed, an import), rather than a question mark."""
    name = context.users.get(user_id or 0)
    return (gettext("by {name}", name=name),) if name else ()


def referral_entries(context: TimelineContext) -> list[TimelineEntry]:
    """Each referral: prepared, sent, opened by the partner, answered."""
    referrals = context.reads.referrals()[:PER_SOURCE]
    names = context.reads.partner_names() if referrals else {}
    entries = []
    for referral in referrals:
        partner = names.get(referral.partner_id or 0, gettext("partner removed"))
        purpose = referral_purpose_label(referral.purpose)
        by = _by(context, referral.created_by_id)
        answer = referral_status_label(referral.status)
        steps = (
            (referral.created_at, N_("Referral prepared: {partner}"), (purpose, *by), None),
            (referral.sent_at, N_("Referral sent to {partner}"), (purpose,), None),
            (referral.opened_at, N_("Referral opened by {partner}"), (purpose,), None),
            (referral.answered_at, N_("Answer from {partner}: {answer}"), (purpose,),
             referral.answer),
        )  # fmt: skip
        entries += [
            TimelineEntry(
                at=at,
                kind="referral",
                title=gettext(title, partner=partner, answer=answer),
                body=body,
                facts=facts,
                tone="team",
                key=referral.id * 4 + number,
            )
            for number, (at, title, facts, body) in enumerate(steps)
            if at is not None
        ]
    return entries


def event_entries(context: TimelineContext) -> list[TimelineEntry]:
    """Audit events that change how the team works with the household (opt-out, assignment)."""
    rows = context.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id == context.case.id, AuditEvent.action.in_(AUDIT_ACTIONS))
        .order_by(AuditEvent.id.desc())
        .limit(PER_SOURCE)
    )
    return [_event_entry(context, event) for event in rows]


# Why the automatic messages ended, in plain words (Enrolment.stop_reason, else its status).
SEQUENCE_ENDS = {
    "reply": N_("Automatic messages stopped: the household answered"),
    "opt_out": N_("Automatic messages stopped: the household asked for no more messages"),
    "opted_out": N_("Automatic messages stopped: the household asked for no more messages"),
    "reached": N_("Automatic messages stopped: the team reached the household"),
    "refused": N_("Automatic messages stopped: the household declined help"),
    "finished": N_("Automatic messages over: every message was sent"),
    "sequence_over": N_("Automatic messages over: every message was sent"),
    "stopped": N_("Automatic messages stopped"),
    "closed": N_("Automatic messages stopped: the case was closed"),
    "out_of_scope": N_("Automatic messages stopped: the case is out of scope"),
}

EVENT_TITLES = {
    "case.opt_out": N_("The household opted out (STOP): no more messages"),
    "case.opt_in": N_("The household opted back in"),
    "case.assign": N_("Case assignment changed"),
    "case.close": N_("Case closed"),
    "case.reopen": N_("Case reopened"),
    "case.out_of_scope": N_("Case set out of scope"),
    "landlord.message": N_("Message to the landlord"),
    "landlord.contact": N_("Landlord's contact details changed"),
    "referral.locked": N_("A referral link was locked after 5 wrong codes"),
}


def _event_entry(context: TimelineContext, event: AuditEvent) -> TimelineEntry:
    facts: list[str] = []
    if event.action == "case.assign":
        worker = (event.detail or {}).get("worker_id")
        facts.append(context.users.get(worker, gettext("nobody")) if worker else gettext("nobody"))
    if event.action == "case.close":
        facts.append(closing_outcome_label((event.detail or {}).get("outcome")))
    if event.action == "case.out_of_scope":
        reason = (event.detail or {}).get("reason")
        facts.append(
            gettext(OUT_OF_SCOPE_REASONS[reason]) if reason in OUT_OF_SCOPE_REASONS else ""
        )
    body = None
    if event.action == "landlord.message":
        sent = context.session.get(Message, (event.detail or {}).get("message_id") or 0)
        if sent is not None:  # what the landlord received, and how far it went
            body = sent.body
            facts.append(channel_label(sent.channel))
            facts.append(status_label(sent.status))
    facts.extend(_by(context, event.actor_id))
    return TimelineEntry(
        at=event.at,
        kind="event",
        title=gettext(EVENT_TITLES[event.action]),
        body=body,
        facts=tuple(facts),
        tone="alert" if event.action == "case.opt_out" else "system",
        key=event.id,
    )


SOURCES: tuple[TimelineSource, ...] = (
    message_entries,
    inbox_entries,
    letter_entries,
    note_entries,
    step_entries,
    sequence_entries,
    import_entries,
    event_entries,
    mediation_entries,
    partner_entries,
    referral_entries,
    decision_entries,
    consent_entries,
    visit_entries,
)
# The sources that read one of the tables PageReads.holds asks about: skipped when the case has
# no row there (partner notes and referrals ask it themselves, the panels share their reads).
READS_TABLE: dict[TimelineSource, type[Any]] = {
    inbox_entries: InboxItem,
    letter_entries: Letter,
    note_entries: CaseNote,
    step_entries: EngagementStep,
    mediation_entries: MediationEntry,
    consent_entries: ConsentRecord,
    visit_entries: Visit,
}
