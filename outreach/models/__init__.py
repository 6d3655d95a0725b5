"""All SQLAlchemy models; import from here so every table is registered on Base.metadata."""

from outreach.models.audit import AuditEvent
from outreach.models.base import Base, UTCDateTime
from outreach.models.booking import (
    Absence,
    AvailabilityWindow,
    MeetingPlace,
    OneOffSlot,
    Slot,
    Visit,
)
from outreach.models.case import CASE_STATUSES, STAGES, Case, ContactPoint, Landlord, Person
from outreach.models.consent import ConsentRecord
from outreach.models.conversation import Conversation
from outreach.models.diagnostic import Diagnostic
from outreach.models.events import CaseEvent
from outreach.models.followup import CaseNote, EngagementStep
from outreach.models.imports import CcapexExpectation, ImportBatch
from outreach.models.letter import Letter
from outreach.models.login import LoginSession
from outreach.models.mediation import MediationEntry
from outreach.models.messaging import (
    FINAL_STATUSES,
    ChannelLinkToken,
    InboxItem,
    Message,
    MessageStatusEvent,
)
from outreach.models.outbox import Enrolment, OutboxItem
from outreach.models.partner import Partner, PartnerInfo
from outreach.models.privacy import Anonymisation, LandlordOptOut
from outreach.models.procedure import ProcedureCheck
from outreach.models.referral import Referral
from outreach.models.sector import Sector, SectorArea
from outreach.models.team import ROLES, TeamUser, user_sector

__all__ = [
    "CASE_STATUSES",
    "FINAL_STATUSES",
    "ROLES",
    "STAGES",
    "Absence",
    "Anonymisation",
    "AuditEvent",
    "AvailabilityWindow",
    "Base",
    "Case",
    "CaseEvent",
    "CaseNote",
    "CcapexExpectation",
    "ChannelLinkToken",
    "ConsentRecord",
    "ContactPoint",
    "Conversation",
    "Diagnostic",
    "EngagementStep",
    "Enrolment",
    "ImportBatch",
    "InboxItem",
    "Landlord",
    "LandlordOptOut",
    "Letter",
    "LoginSession",
    "MediationEntry",
    "MeetingPlace",
    "Message",
    "MessageStatusEvent",
    "OneOffSlot",
    "OutboxItem",
    "Partner",
    "PartnerInfo",
    "Person",
    "ProcedureCheck",
    "Referral",
    "Sector",
    "SectorArea",
    "Slot",
    "TeamUser",
    "UTCDateTime",
    "Visit",
    "user_sector",
]

from outreach.models.calendar import CalendarFeed

__all__ += ["CalendarFeed"]
