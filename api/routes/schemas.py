"""Public shapes of the team JSON API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, field_validator

from outreach.models import Sector


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


class CaseListPublic(BaseModel):
    items: list[CasePublic]
    total: int
    page: int
    per_page: int


def sector_code(value: object) -> object:
    """A sector row as its code (the API names sectors by code); anything else unchanged."""
    return value.code if isinstance(value, Sector) else value
