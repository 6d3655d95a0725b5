"""Signed-in browser sessions of the team web app (server side, so logout really ends them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, BigId, UTCDateTime


class LoginSession(Base):
    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # SHA-256 of the random token in the cookie: a database leak gives no usable session.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("team_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
