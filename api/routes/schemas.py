"""Public shapes of the team JSON API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from outreach.models import Case


class ContactPointPublic(BaseModel):
    id: int
    kind: str
    value: str
    line_type: str
    sms_capable: bool
    state: str


class PersonPublic(BaseModel):
    role: str
    last_name: str
    first_name: str | None


class LandlordPublic(BaseModel):
    name: str
    phone: str | None
    email: str | None


class CasePublic(BaseModel):
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

    @classmethod
    def of(cls, case: Case) -> CasePublic:
        return cls(
            id=case.id,
            reference=case.reference,
            status=case.status,
            stage=case.stage,
            date_cdp=case.date_cdp,
            date_assignation=case.date_assignation,
            date_audience=case.date_audience,
            debt_cents=case.debt_cents,
            address=case.address,
            postcode=case.postcode,
            commune=case.commune,
            sector=case.sector.code if case.sector else None,
            assigned_worker_id=case.assigned_worker_id,
            language=case.language,
            opted_out=case.opted_out,
            import_month=case.import_month,
            last_contact_at=case.last_contact_at,
            created_at=case.created_at,
            updated_at=case.updated_at,
            people=[
                PersonPublic(role=p.role, last_name=p.last_name, first_name=p.first_name)
                for p in case.people
            ],
            contact_points=[
                ContactPointPublic(
                    id=c.id,
                    kind=c.kind,
                    value=c.value,
                    line_type=c.line_type,
                    sms_capable=c.sms_capable,
                    state=c.state,
                )
                for c in case.contact_points
            ],
            landlord=LandlordPublic(
                name=case.landlord.name, phone=case.landlord.phone, email=case.landlord.email
            )
            if case.landlord
            else None,
        )


class CaseListPublic(BaseModel):
    items: list[CasePublic]
    total: int
    page: int
    per_page: int
