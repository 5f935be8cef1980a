"""The readings table: one row per (series, time), times in epoch milliseconds UTC."""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from forewarn.db import Base


class Reading(Base):
    """A value of a series at an instant; (series, time) is unique, so re-sends store once."""

    __tablename__ = "readings"
    __table_args__ = {"sqlite_with_rowid": False}

    series_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    time_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    quality: Mapped[int] = mapped_column(SmallInteger, default=0)
