"""The visit report and social diagnostic (DSF): what the worker records at the kitchen table.

A diagnostic is a draft saved again and again (the page saves it every few seconds and keeps a
copy on the phone when the network drops), then submitted. The questions come from a data file
(outreach.casework.diagnostic_form). Every save is checked whole: one wrong answer and nothing
is written. Each save carries the revision it was made from; a save from an older revision (a
late autosave, another phone) is refused, so newer work is never overwritten.

Submitting needs the household's consent to the diagnostic (RGPD): its latest answer must be
"given". A refused or withdrawn consent also stops drafts: nothing more is recorded.
The audit log keeps who started, read, submitted and reopened a diagnostic, never an answer
(each autosave is on the row itself: who saved last and when).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from messages import N_, gettext
from messages.formatting import short_date
from outreach import audit
from outreach.casework.diagnostic_form import AnswerError, Form, current_form, parse, readable
from outreach.clock import Clock
from outreach.models import Case, Diagnostic, TeamUser
from outreach.privacy.consent import current_consent

DRAFT, SUBMITTED = "draft", "submitted"
STATUS_LABELS = {DRAFT: N_("draft"), SUBMITTED: N_("submitted")}


class DiagnosticError(ValueError):
    """The diagnostic cannot be saved or submitted as asked (the message says why, in French)."""


class InvalidAnswers(DiagnosticError):
    """Some answers do not fit their questions: `errors` maps each field key to why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(gettext("Some answers cannot be saved: see the fields marked."))
        self.errors = errors


class StaleRevision(DiagnosticError):
    """The save was made from an older revision than the one stored (`current`)."""

    def __init__(self, current: int) -> None:
        super().__init__(
            gettext("This diagnostic was saved elsewhere in the meantime: reload the page.")
        )
        self.current = current


@dataclass(frozen=True)
class Shown:
    """A diagnostic as a page shows it: the answers by key and where the draft stands."""

    answers: dict[str, Any]
    revision: int
    status: str | None  # None: not started


def get(session: Session, *, case_id: int) -> Diagnostic | None:
    return session.scalar(select(Diagnostic).where(Diagnostic.case_id == case_id))


def answers_of(row: Diagnostic | None) -> dict[str, Any]:
    if row is None:
        return {}
    stored = json.loads(row.answers)
    return stored if isinstance(stored, dict) else {}


def shown(session: Session, *, case_id: int) -> Shown:
    row = get(session, case_id=case_id)
    if row is None:
        return Shown(answers={}, revision=0, status=None)
    return Shown(answers=answers_of(row), revision=row.revision, status=row.status)


def read_answers(form: Form, given: Mapping[str, Any]) -> dict[str, Any]:
    """Every question of `form` read from `given` (what is missing is no answer); keys that are
    not questions are ignored. InvalidAnswers names every wrong answer at once."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, field in form.fields.items():
        try:
            value = parse(field, given.get(key))
        except AnswerError as error:
            errors[key] = str(error)
            continue
        if value is not None:
            answers[key] = value
    if errors:
        raise InvalidAnswers(errors)
    return answers


def save_draft(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    actor: TeamUser,
    given: Mapping[str, Any],
    revision: int,
    form: Form | None = None,
) -> Diagnostic:
    """Save the answers as the draft made from `revision` (0: none yet); the caller commits."""
    form = form or current_form()
    answers = read_answers(form, given)
    _refuse_without_consent(session, case_id=case.id)
    row = get(session, case_id=case.id)
    now = clock.now()
    if row is None:
        return _start(session, clock=clock, case=case, actor=actor, answers=answers, form=form)
    if row.status == SUBMITTED:
        raise DiagnosticError(gettext('This diagnostic is submitted: choose "Edit" to change it.'))
    if row.revision != revision:
        raise StaleRevision(row.revision)
    stored = answers_of(row)
    # Answers to questions since removed from the file are kept: they were given.
    merged = {key: value for key, value in stored.items() if key not in form.fields} | answers
    if merged == stored:
        return row
    done = session.execute(
        update(Diagnostic)
        .where(Diagnostic.id == row.id, Diagnostic.revision == revision)
        .values(
            answers=json.dumps(merged, ensure_ascii=False),
            form_version=form.version,
            revision=revision + 1,
            updated_at=now,
            updated_by_id=actor.id,
        )
        .execution_options(synchronize_session="fetch")
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(row)
        raise StaleRevision(row.revision)
    return row


def _start(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    actor: TeamUser,
    answers: dict[str, Any],
    form: Form,
) -> Diagnostic:
    now = clock.now()
    row = Diagnostic(
        case_id=case.id,
        answers=json.dumps(answers, ensure_ascii=False),
        form_version=form.version,
        status=DRAFT,
        revision=1,
        updated_at=now,
        updated_by_id=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another phone started it at the same moment
        raise StaleRevision(0) from None
    audit.record(session, clock=clock, actor=actor, action="diagnostic.start", case_id=case.id)
    return row


def submit(session: Session, *, clock: Clock, case: Case, actor: TeamUser) -> Diagnostic:
    """Submit the draft; refused without the household's consent given; the caller commits."""
    row = get(session, case_id=case.id)
    if row is None or not answers_of(row):
        raise DiagnosticError(gettext("The diagnostic is empty: fill it in first."))
    if row.status == SUBMITTED:
        raise DiagnosticError(gettext("This diagnostic is already submitted."))
    consent = current_consent(session, case_id=case.id, purpose="diagnostic")
    if consent is None or consent.decision != "given":
        raise DiagnosticError(
            gettext(
                "The household's consent to the diagnostic is not recorded: record it on the "
                "case page (Consents), then submit. The draft is kept."
            )
        )
    now = clock.now()
    row.status = SUBMITTED
    row.revision += 1
    row.submitted_at = now
    row.submitted_by_id = actor.id
    case.updated_at = now
    audit.record(
        session,
        clock=clock,
        actor=actor,
        action="diagnostic.submit",
        case_id=case.id,
        form_version=row.form_version,
    )
    return row


def reopen(session: Session, *, clock: Clock, case: Case, actor: TeamUser) -> Diagnostic:
    """Make a submitted diagnostic a draft again, to correct or complete it."""
    row = get(session, case_id=case.id)
    if row is None or row.status != SUBMITTED:
        raise DiagnosticError(gettext("This diagnostic is not submitted."))
    _refuse_without_consent(session, case_id=case.id)
    now = clock.now()
    row.status = DRAFT
    row.revision += 1
    row.submitted_at = None
    row.submitted_by_id = None
    row.updated_at = now
    row.updated_by_id = actor.id
    case.updated_at = now
    audit.record(session, clock=clock, actor=actor, action="diagnostic.reopen", case_id=case.id)
    return row


def _refuse_without_consent(session: Session, *, case_id: int) -> None:
    """A refused or withdrawn consent: nothing more is recorded (none yet: a draft may start)."""
    consent = current_consent(session, case_id=case_id, purpose="diagnostic")
    if consent is not None and consent.decision != "given":
        raise DiagnosticError(
            gettext("The household refused or withdrew its consent: nothing can be recorded.")
        )


def summary(session: Session, *, case_id: int, form: Form | None = None) -> dict[str, Any] | None:
    """The few figures of the diagnostic the case needs first (GET /api/cases/{id}); None when
    no diagnostic is started. Amounts in cents a month; None when the question is unanswered."""
    row = get(session, case_id=case_id)
    if row is None:
        return None
    form = form or current_form()
    answers = answers_of(row)

    def total(role: str) -> int | None:
        values = [
            answers[f.key] for f in form.with_role(role) if isinstance(answers.get(f.key), int)
        ]
        return sum(values) if values else None

    causes = [key for f in form.with_role("causes") for key in answers.get(f.key) or []]
    wishes = [answers[f.key] for f in form.with_role("wish") if f.key in answers]
    return {
        "status": row.status,
        "updated_at": row.updated_at,
        "submitted_at": row.submitted_at,
        "form_version": row.form_version,
        "causes": causes,
        "monthly_resources_cents": total("resources"),
        "rent_cents": total("rent"),
        "charges_cents": total("charges"),
        "household_size": total("household"),
        "wish": wishes[0] if wishes else None,
    }


def panel(session: Session, *, case_id: int, form: Form | None = None) -> dict[str, str] | None:
    """What the case page says about the diagnostic, in French: where it stands, the causes
    found and the label of the link to the diagnostic page; None when it is not started."""
    row = get(session, case_id=case_id)
    if row is None:
        return None
    form = form or current_form()
    answers = answers_of(row)
    causes = "; ".join(
        readable(field, answers.get(field.key))
        for field in form.with_role("causes")
        if answers.get(field.key)
    )
    if row.status == SUBMITTED:
        status = gettext("Submitted on {date}", date=short_date(row.submitted_at))
        action = gettext("See the diagnostic")
    else:
        status = gettext("Draft, saved on {date}", date=short_date(row.updated_at))
        action = gettext("Continue the diagnostic")
    return {"status": status, "action": action, "causes": causes}


def read_only(form: Form, answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The answered questions, section by section, as text (the submitted diagnostic)."""
    sections = []
    for section in form.sections:
        rows = [
            (field.label, readable(field, answers.get(field.key)))
            for field in section.fields
            if answers.get(field.key) not in (None, [], "")
        ]
        if rows:
            sections.append({"title": section.title, "rows": rows})
    return sections
