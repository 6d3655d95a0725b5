"""What came of the cases, counted in households, for all, by sector and by import month: how
cases closed, the démarches agreed and done by type, how far the eviction procedure had gone
when the household first answered and when its case closed ("l'amont"), the households the team
could not reach, and the causes of the arrears the diagnostics give.

Each indicator is a measure over case facts (outreach.reports.facts); their definitions are the
glossary's (outreach.reports.glossary).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from messages import N_, gettext
from messages.formatting import PARIS
from outreach.casework import step_kinds
from outreach.casework.closing import OUTCOMES, outcome_label
from outreach.casework.diagnostic_form import current_form
from outreach.casework.procedure import STAGE_DATES, STAGE_LABELS
from outreach.models.case import STAGES
from outreach.models.partner import PARTNER_KINDS
from outreach.partners.directory import kind_label as partner_kind_label
from outreach.reports.breakdowns import Cohort, breakdown
from outreach.reports.facts import CaseFacts
from outreach.reports.headline import FAVOURABLE
from outreach.reports.tables import Table

UNKNOWN = ""


def outcome_tables(cohort: Cohort) -> list[Table]:
    return [
        closings(cohort),
        steps(cohort, done=False),
        steps(cohort, done=True),
        stages(cohort, at_close=False),
        stages(cohort, at_close=True),
        unreachable(cohort),
        causes(cohort),
        referrals_by_partner(cohort),
        referral_results(cohort),
    ]


def closings(cohort: Cohort) -> Table:
    """Cases closed, and how: the favourable outcomes first."""
    order = [*FAVOURABLE, *(key for key in OUTCOMES if key not in FAVOURABLE)]
    columns = [gettext("Cases closed"), *(outcome_label(key) for key in order)]
    table = Table("closings", N_("How cases closed"), columns, list(range(1, len(columns))))

    def measure(cases: list[CaseFacts]) -> list[int | float | None]:
        closed = [case.outcome for case in cases if case.status == "closed"]
        return [len(closed), *(closed.count(key) for key in order)]

    return breakdown(table, cohort, measure)


def steps(cohort: Cohort, *, done: bool) -> Table:
    """Households whose contract lists a démarche of each kind (agreed), or marks it done."""
    kinds = step_kinds.step_kinds()
    columns = [step_kinds.team_label(kind.key) for kind in kinds]
    if done:
        table = Table("steps_done", N_("Démarches done, by type"), columns)
    else:
        table = Table("steps_agreed", N_("Démarches agreed, by type"), columns)
    table.charted = list(range(len(columns)))

    wanted = {
        case.id: {kind for kind, status in case.steps if status == "done" or not done}
        for case in cohort
        if case.steps
    }

    def measure(cases: list[CaseFacts]) -> list[int | float | None]:
        found = Counter(kind for case in cases for kind in wanted.get(case.id, ()))
        return [found[kind.key] for kind in kinds]

    return breakdown(table, cohort, measure)


def referrals_by_partner(cohort: Cohort) -> Table:
    """Households oriented to each kind of partner (a referral sent to it)."""
    columns = [partner_kind_label(kind) for kind in PARTNER_KINDS]
    table = Table("referrals", N_("Orientations, by partner"), columns)
    table.charted = list(range(len(columns)))

    def measure(cases: list[CaseFacts]) -> list[int | float | None]:
        found = Counter(kind for case in cases for kind in {kind for kind, _ in case.referrals})
        return [found[kind] for kind in PARTNER_KINDS]

    return breakdown(table, cohort, measure)


# What came of a referral, as the team recorded it.
REFERRAL_RESULTS = ("taken", "refused", "no_answer", "waiting")


def referral_results(cohort: Cohort) -> Table:
    """Households oriented, and what came of their orientations: taken on by the partner,
    refused, no answer, or still waiting (sent or opened, not answered yet)."""
    columns = [
        gettext("Households oriented"),
        gettext("taken on by the partner"),
        gettext("refused by the partner"),
        gettext("no answer"),
        gettext("waiting for the answer"),
    ]
    table = Table("referral_results", N_("What came of the orientations"), columns)
    table.charted = list(range(1, len(columns)))

    def result(status: str) -> str:
        return status if status in ("taken", "refused", "no_answer") else "waiting"

    def measure(cases: list[CaseFacts]) -> list[int | float | None]:
        oriented = [case for case in cases if case.referrals]
        found = Counter(
            key for case in oriented for key in {result(status) for _, status in case.referrals}
        )
        return [len(oriented), *(found[key] for key in REFERRAL_RESULTS)]

    return breakdown(table, cohort, measure)


def stage_on(case: CaseFacts, day: date) -> str:
    """How far the procedure had gone on `day`: its latest act dated that day or before; before
    its first dated act, the unpaid-rent stage; with no dated act, the stage the CCAPEX gave."""
    dated = [
        stage
        for stage, column in STAGE_DATES
        if (when := case.dates.get(column)) is not None and when <= day
    ]
    if dated:
        return dated[-1]
    if any(when is not None for when in case.dates.values()):
        return "impaye"
    return case.stage if case.stage in STAGES else UNKNOWN


def _day(when: datetime) -> date:
    return when.astimezone(PARIS).date()


def stages(cohort: Cohort, *, at_close: bool) -> Table:
    """Households by the procedure's stage on the day they first answered, or their case closed."""
    keys = [*STAGES, UNKNOWN]
    columns = [gettext(STAGE_LABELS[key]) if key else gettext("stage not known") for key in keys]
    if at_close:
        table = Table("stage_close", N_("Procedure stage when the case closed"), columns)
    else:
        table = Table("stage_reply", N_("Procedure stage at the first reply"), columns)
    table.charted = list(range(len(columns)))

    def when(case: CaseFacts) -> datetime | None:
        if at_close:
            return case.closed_at if case.status == "closed" else None
        return case.first_reply_at

    found = {case.id: stage_on(case, _day(day)) for case in cohort if (day := when(case))}

    def measure(cases: list[CaseFacts]) -> list[int | float | None]:
        counted = Counter(found[case.id] for case in cases if case.id in found)
        return [counted[key] for key in keys]

    return breakdown(table, cohort, measure)


def no_usable_number(case: CaseFacts) -> bool:
    return not case.usable_number


def never_answered(case: CaseFacts) -> bool:
    return case.first_message_at is not None and case.first_reply_at is None


def unreachable(cohort: Cohort) -> Table:
    """Households with no number that works, and households messaged who never answered."""
    table = Table(
        "unreachable",
        N_("Households not reached"),
        [
            gettext("Households transferred"),
            gettext("No usable number"),
            gettext("Messaged, never answered"),
        ],
        [1, 2],
    )

    def measure(cases: list[CaseFacts]) -> list[int | float | None]:
        return [
            len(cases),
            sum(1 for case in cases if no_usable_number(case)),
            sum(1 for case in cases if never_answered(case)),
        ]

    return breakdown(table, cohort, measure)


def causes(cohort: Cohort) -> Table:
    """Households whose diagnostic gives each cause of the arrears (several per household)."""
    choices = [choice for field in current_form().with_role("causes") for choice in field.choices]
    keys = list(dict.fromkeys(choice.key for choice in choices))
    labels = {choice.key: choice.label for choice in choices}
    table = Table(
        "causes",
        N_("Causes of the arrears (diagnostics)"),
        [gettext("Diagnostics"), *(labels[key] for key in keys)],
        list(range(1, len(keys) + 1)),
    )

    def measure(cases: list[CaseFacts]) -> list[int | float | None]:
        diagnosed = [set(case.causes) for case in cases if case.diagnostic]
        return [len(diagnosed), *(sum(1 for given in diagnosed if key in given) for key in keys)]

    return breakdown(table, cohort, measure)
