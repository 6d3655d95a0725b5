"""Sectors of the département and the communes / postcodes that map to them."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, BigId


class Sector(Base):
    __tablename__ = "sector"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    areas: Mapped[list[SectorArea]] = relationship(back_populates="sector")


class SectorArea(Base):
    """One commune (by normalised name) and postcode belonging to a sector; its INSEE code when
    the list of communes (outreach.communes) knows it."""

    __tablename__ = "sector_area"
    __table_args__ = (UniqueConstraint("commune_key", "postcode"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sector_id: Mapped[int] = mapped_column(ForeignKey("sector.id", ondelete="CASCADE"), index=True)
    commune: Mapped[str] = mapped_column(String(200))
    commune_key: Mapped[str] = mapped_column(String(200), index=True)
    postcode: Mapped[str] = mapped_column(String(5), index=True)
    insee_code: Mapped[str | None] = mapped_column(String(5), index=True)

    sector: Mapped[Sector] = relationship(back_populates="areas")
