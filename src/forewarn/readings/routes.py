"""Readings API: ingest a batch, read a series' readings (optionally downsampled)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request

from forewarn.api.deps import NowDep, ScopeDep, SessionDep, SettingsDep, require
from forewarn.api.schemas import ErrorResponse
from forewarn.auth.devices import ingest_as
from forewarn.auth.permissions import Permission
from forewarn.auth.principal import Principal
from forewarn.auth.ratelimit import enforce
from forewarn.catalogue import service as catalogue
from forewarn.db import on_commit
from forewarn.errors import InvalidInput, PayloadTooLarge
from forewarn.ingest.pipeline import Horizon
from forewarn.readings import service as store
from forewarn.readings.schemas import IngestSummary, Point, ReadingBatch, ReadingIn, SeriesReadings
from forewarn.timeutil import from_ms, to_ms

router = APIRouter(tags=["readings"])

MAX_POINTS_UNSAMPLED = 100_000


@router.post(
    "/readings",
    response_model=IngestSummary,
    responses={429: {"model": ErrorResponse, "description": "Too many ingest requests."}},
    openapi_extra={"x-reading-schema": ReadingIn.model_json_schema()},
)
def post_readings(
    batch: ReadingBatch,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    principal: Annotated[Principal, require(Permission.READINGS_WRITE)],
) -> IngestSummary:
    """Store good readings once each; report duplicates and rejected records by position.

    A device key writes only its listed sites, a user only its own scope: other records are
    rejected by position like any bad record. So is a reading dated more than
    `ingest_max_ahead_s` ahead of the server's clock.
    """
    enforce(request.app.state.rate_limits.ingest, principal.actor, "ingest")
    if len(batch.readings) > settings.max_batch_readings:
        raise PayloadTooLarge(
            f"batch of {len(batch.readings)} readings; at most {settings.max_batch_readings}",
            details={"limit": settings.max_batch_readings},
        )
    directory = request.app.state.directory.get(session)
    horizon = Horizon.at(now, settings.ingest_max_ahead_s)
    result = ingest_as(session, principal, batch.readings, directory, horizon)
    for listener in request.app.state.ingest_listeners:
        on_commit(session, partial(listener, result.readings))
    return IngestSummary.model_validate(result.summary())


def _instant(value: datetime | None, name: str) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidInput(f"{name}: give an offset (Z or +08:00)", details={"field": name})
    return to_ms(value)


@router.get(
    "/series/{series_id}/readings",
    response_model=SeriesReadings,
    dependencies=[require(Permission.READINGS_READ)],
)
def get_readings(
    series_id: int,
    session: SessionDep,
    scope: ScopeDep,
    start: Annotated[datetime | None, Query(description="Inclusive, ISO 8601 with offset.")] = None,
    end: Annotated[datetime | None, Query(description="Exclusive, ISO 8601 with offset.")] = None,
    max_points: Annotated[
        int | None, Query(ge=2, le=100_000, description="Downsample to at most this many points.")
    ] = None,
) -> SeriesReadings:
    """Readings of a series in [start, end); with `max_points`, each bucket's min and max."""
    catalogue.get_series(session, series_id, scope=scope)
    win = store.window(
        session, series_id, start_ms=_instant(start, "start"), end_ms=_instant(end, "end")
    )
    total = len(win)
    if max_points is None and total > MAX_POINTS_UNSAMPLED:
        raise InvalidInput(
            f"{total} readings in range; narrow it or pass max_points",
            details={"count": total, "limit": MAX_POINTS_UNSAMPLED},
        )
    shown = store.downsample(win, max_points) if max_points else win
    return SeriesReadings(
        series=series_id,
        start=start,
        end=end,
        count=total,
        downsampled=len(shown) < total,
        items=[
            Point(time=from_ms(t), value=v)
            for t, v in zip(shown.times_ms.tolist(), shown.values.tolist(), strict=True)
        ],
    )
