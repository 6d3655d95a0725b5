"""Entering many new cases into the import sequence at once (the CCAPEX import, demo data).

Same rules as `runner.enrol` (one enrolment per case and sequence, opted-out and closed cases
stay out, day 0 is the next opening of the sending window, only the first step is queued),
written in a few set-based statements so that a 50,000-row import stays fast.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from outreach.ccapex.store import insert_many, reserve_ids
from outreach.clock import Clock
from outreach.models import Case
from outreach.models.outbox import PRIORITY_BULK, Enrolment, OutboxItem
from outreach.sending.config import EngineConfig, load_engine_config
from outreach.sequences.loader import load_sequence
from outreach.sequences.runner import due_at

log = logging.getLogger(__name__)
CHUNK = 900  # ids per IN (...) list: under SQLite's bound-parameter limit


def enrol_new_cases(
    session: Session,
    *,
    clock: Clock,
    case_ids: Iterable[int],
    config: EngineConfig | None = None,
) -> int:
    """Enter these cases into ALLERVERS_IMPORT_SEQUENCE (if set); return how many entered."""
    config = config or load_engine_config()
    if not config.import_sequence:
        return 0
    sequence = load_sequence(config.import_sequence, config.sequences_dir)
    now = clock.now()
    window = config.windows["send"]
    anchor = window.next_opening(now) if window else now
    steps = sequence.snapshot()
    entered = 0
    ids = list(case_ids)
    for start in range(0, len(ids), CHUNK):
        eligible = _eligible(session, ids[start : start + CHUNK], sequence.name)
        if not eligible:
            continue
        enrolment_ids = reserve_ids(session, Enrolment, len(eligible))
        insert_many(
            session,
            Enrolment,
            [
                {
                    "id": enrolment_id,
                    "case_id": case_id,
                    "sequence": sequence.name,
                    "version": sequence.version,
                    "steps": steps,
                    "status": "active",
                    "next_step": 0,
                    "started_at": now,
                    "anchor_at": anchor,
                }
                for enrolment_id, case_id in zip(enrolment_ids, eligible, strict=True)
            ],
        )
        probe = Enrolment(anchor_at=anchor, steps=steps)
        first_due = due_at(probe, sequence.steps[0], window)
        insert_many(
            session,
            OutboxItem,
            [
                {
                    "kind": "step",
                    "status": "pending",
                    "priority": PRIORITY_BULK,
                    "send_window": "send",
                    "due_at": first_due,
                    "case_id": case_id,
                    "enrolment_id": enrolment_id,
                    "step_index": 0,
                    "skip_channels": [],
                    "attempts": 0,
                    "created_at": now,
                }
                for enrolment_id, case_id in zip(enrolment_ids, eligible, strict=True)
            ],
        )
        session.execute(
            update(Case)
            .where(Case.id.in_(eligible), Case.status == "new")
            .values(status="contacting", updated_at=now)
            .execution_options(synchronize_session=False)
        )
        entered += len(eligible)
    log.info("%d cases entered sequence %s (%s)", entered, sequence.name, sequence.version)
    return entered


def _eligible(session: Session, case_ids: Sequence[int], sequence: str) -> list[int]:
    already = select(Enrolment.case_id).where(
        Enrolment.case_id.in_(case_ids), Enrolment.sequence == sequence
    )
    return list(
        session.scalars(
            select(Case.id)
            .where(
                Case.id.in_(case_ids),
                Case.opted_out.is_(False),
                Case.status != "closed",
                Case.id.not_in(already),
            )
            .order_by(Case.id)
        )
    )
