"""All SQLAlchemy models; import from here so every table is registered on Base.metadata."""

from outreach.models.audit import AuditEvent
from outreach.models.base import Base, UTCDateTime
from outreach.models.case import CASE_STATUSES, STAGES, Case, ContactPoint, Landlord, Person
from outreach.models.imports import ImportBatch
from outreach.models.messaging import (
    FINAL_STATUSES,
    ChannelLinkToken,
    InboxItem,
    Message,
    MessageStatusEvent,
)
from outreach.models.sector import Sector, SectorArea
from outreach.models.team import ROLES, TeamUser, user_sector

__all__ = [
    "CASE_STATUSES",
    "FINAL_STATUSES",
    "ROLES",
    "STAGES",
    "AuditEvent",
    "Base",
    "Case",
    "ChannelLinkToken",
    "ContactPoint",
    "ImportBatch",
    "InboxItem",
    "Landlord",
    "Message",
    "MessageStatusEvent",
    "Person",
    "Sector",
    "SectorArea",
    "TeamUser",
    "UTCDateTime",
    "user_sector",
]
