"""Readings wire shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ReadingIn(BaseModel):
    """One reading: a series (by id, or by site and indicator codes), a time and a value."""

    series: int | None = Field(default=None, description="Series id.")
    site: str | None = Field(default=None, description="Site code (with `indicator`).")
    indicator: str | None = Field(default=None, description="Indicator code (with `site`).")
    time: str = Field(description="ISO 8601 with an offset, e.g. 2026-05-01T08:00:00+08:00.")
    value: float = Field(description="A finite number within the indicator's physical range.")


class ReadingBatch(BaseModel):
    """A batch of readings; each is validated on its own and rejected by position."""

    # Items are checked one by one by the ingest pipeline, so that an odd one is rejected by its
    # position instead of refusing the whole batch.
    readings: list[Any] = Field(
        description="Up to `max_batch_readings` (10,000) objects shaped like ReadingIn.",
        # the shape inline: a reference would name a schema no route puts in the components
        json_schema_extra={"items": ReadingIn.model_json_schema()},
    )


class Rejection(BaseModel):
    """A record that was not stored, by its position in the batch."""

    index: int
    error: str


class IngestSummary(BaseModel):
    """Answer of an ingest: stored, already stored, and rejected records."""

    accepted: int
    duplicates: int
    rejected: list[Rejection]


class Point(BaseModel):
    """One reading of a series."""

    time: datetime
    value: float


class SeriesReadings(BaseModel):
    """Readings of a series in a range, downsampled (keeping extremes) when asked."""

    series: int
    start: datetime | None
    end: datetime | None
    count: int
    downsampled: bool
    items: list[Point]
