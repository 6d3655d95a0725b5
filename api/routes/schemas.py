"""Public shapes of the team JSON API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.routes.contract import closed_list
from outreach.casework.closing import MAX_COMMENT, OUTCOMES
from outreach.models import Sector
from outreach.text_input import FilledText, Text


class ContactPointPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    value: str
    line_type: str
    sms_capable: bool
    state: str


class PersonPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: str
    last_name: str
    first_name: str | None


class LandlordPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    phone: str | None
    email: str | None


class CasePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    status: str
    stage: str | None
    date_cdp: date | None
    date_assignation: date | None
    date_audience: date | None
    debt_cents: int | None
    address: str | None
    postcode: str | None
    commune: str | None
    sector: str | None
    assigned_worker_id: int | None
    language: str
    opted_out: bool
    import_month: str | None
    last_contact_at: datetime | None
    created_at: datetime
    updated_at: datetime
    people: list[PersonPublic]
    contact_points: list[ContactPointPublic]
    landlord: LandlordPublic | None

    @field_validator("sector", mode="before")
    @classmethod
    def _sector_code(cls, value: object) -> object:
        return sector_code(value)


class WorkerPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


class DeadlinePublic(BaseModel):
    kind: str = Field(description="cdp_payment, hearing, cql_end, truce_starts or truce_ends")
    date: date
    days_left: int
    label: str
    source: str = Field(description="the article or document the date comes from")
    assumed: bool = Field(
        description="cdp_payment only: six weeks assumed because the lease date is unknown"
    )


class ProcedurePublic(BaseModel):
    stage: str | None
    date_cdp: date | None
    date_assignation: date | None
    date_audience: date | None
    date_jugement: date | None
    date_cql: date | None
    date_cfp: date | None
    lease_signed_on: date | None
    next_deadline: DeadlinePublic | None
    deadlines: list[DeadlinePublic]


class VisitSummaryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    starts_at: datetime
    ends_at: datetime
    worker_id: int | None
    place_kind: str = Field(description="home, or nearby: a meeting place of the sector")
    place_id: int | None
    booked_by: str = Field(description="household (by its reply) or team")
    reached_by: str = Field(description="reply (the household answered a message), phone or door")


class ConsentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    purpose: str
    decision: str
    channel: str = Field(description="a channel, or visit: given in person")
    method: str | None = Field(description="in person: oral or written")
    recorded_at: datetime
    recorded_by_id: int | None


class StepSummaryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    due_date: date | None
    objective: str | None
    actor: str = Field(description="who does it: household, team or partner")
    result: str | None


class DiagnosticSummaryPublic(BaseModel):
    """The few figures of the diagnostic the case needs first (the answers stay on the page)."""

    status: Literal["draft", "submitted"]
    updated_at: datetime
    submitted_at: datetime | None
    form_version: str = Field(description="which version of the questions it was filled with")
    causes: list[str] = Field(
        description="keys of the causes of the arrears ticked (job_loss, income_drop,"
        " separation, health, bereavement, overindebtedness, landlord_dispute,"
        " indecent_housing, caf_error, other; the team can add more in its data file)"
    )
    monthly_resources_cents: int | None = Field(
        description="the household's resources a month, added up; null when none is given"
    )
    rent_cents: int | None = Field(description="the rent a month, without charges")
    charges_cents: int | None = Field(description="the rental charges a month")
    household_size: int | None = Field(description="adults and dependent children")
    wish: str | None = Field(description="stay, rehoused or undecided (keys of the data file)")


class CaseDetailPublic(CasePublic):
    """One case with what casework needs first (GET /api/cases/{id})."""

    outcome: str | None
    outcome_comment: str | None
    closed_at: datetime | None
    aside_reason: str | None
    assigned_worker: WorkerPublic | None
    procedure: ProcedurePublic
    visit: VisitSummaryPublic | None
    consents: list[ConsentPublic]
    steps: list[StepSummaryPublic]
    diagnostic: DiagnosticSummaryPublic | None = Field(
        description="the social and financial review (DSF); null when not started"
    )


class CloseCase(BaseModel):
    outcome: str = Field(description="how the case ends", json_schema_extra=closed_list(OUTCOMES))
    comment: Text = Field(default="", max_length=MAX_COMMENT)


class ReopenCase(BaseModel):
    reason: FilledText = Field(max_length=MAX_COMMENT)


class CaseListPublic(BaseModel):
    items: list[CasePublic]
    total: int
    page: int
    per_page: int


def sector_code(value: object) -> object:
    """A sector row as its code (the API names sectors by code); anything else unchanged."""
    return value.code if isinstance(value, Sector) else value
