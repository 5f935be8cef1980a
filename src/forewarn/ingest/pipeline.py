"""Ingest pipeline: validate records -> resolve series -> range-check -> store once -> report."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from forewarn.ingest.directory import SeriesDirectory, SeriesInfo
from forewarn.readings import service as store
from forewarn.timeutil import describe_span, parse_instant, to_ms


class RecordRejected(ValueError):
    """A record that cannot be stored; the message names the field and the reason."""


@dataclass(frozen=True)
class Horizon:
    """The latest reading time accepted: the clock of the request or command plus a skew.

    A reading dated ahead of it would become its series' newest and make live detection drop
    every real reading of that series as late, so it is rejected instead.
    """

    now_ms: int
    max_ahead_ms: int

    @classmethod
    def at(cls, now: datetime, max_ahead_s: float) -> Horizon:
        """The horizon of a clock reading `now` that allows `max_ahead_s` seconds of skew."""
        return cls(now_ms=to_ms(now), max_ahead_ms=round(max_ahead_s * 1000))

    def check(self, time_ms: int, text: str) -> None:
        """Reject a time (`text` as given) further ahead of the clock than the skew allows."""
        ahead_ms = time_ms - self.now_ms
        if ahead_ms > self.max_ahead_ms:
            raise RecordRejected(
                f"time: {_clip(text)} is {describe_span(ahead_ms / 1000)} ahead of the server "
                f"clock (at most {describe_span(self.max_ahead_ms / 1000)} is accepted)"
            )


@dataclass
class Accepted:
    """Validated readings as arrays, with the input positions they came from."""

    index: list[int] = field(default_factory=list)
    series: list[int] = field(default_factory=list)
    times_ms: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def arrays(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
        """(series ids, epoch-ms times, values) as numpy arrays."""
        return (
            np.asarray(self.series, dtype=np.int64),
            np.asarray(self.times_ms, dtype=np.int64),
            np.asarray(self.values, dtype=np.float64),
        )


@dataclass
class IngestResult:
    """What happened to a batch: stored, already stored, rejected (by position)."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    readings: Accepted = field(default_factory=Accepted)

    def summary(self) -> dict[str, Any]:
        """The wire answer ``{"accepted", "duplicates", "rejected": [{"index", "error"}]}``."""
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}


def _clip(text: str, size: int = 40) -> str:
    return text if len(text) <= size else text[: size - 1] + "\u2026"


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise RecordRejected(f"value: not a number: {value[:40]!r}") from None
        else:
            raise RecordRejected("value: must be a number")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the float range (JSON allows any length)
        raise RecordRejected("value: too large a number (beyond \u00b11.8e308)") from None
    if math.isnan(number):
        raise RecordRejected("value: NaN is not a reading")
    if math.isinf(number):
        raise RecordRejected("value: infinite values are not readings")
    return number


def _check_codes(record: Mapping[str, Any], info: SeriesInfo) -> None:
    """Reject a `site` or `indicator` given beside a series id that names another series."""
    for name, actual in (("site", info.site), ("indicator", info.indicator)):
        given = record.get(name)
        if given is not None and given != "" and str(given) != actual:
            raise RecordRejected(
                f"{name}: {_clip(str(given))!r} is not the {name} of series {info.id} ({actual!r})"
            )


@dataclass(frozen=True)
class BadRecord:
    """A record its source could not read (a CSV row with more cells than its header names),
    rejected by position like any other, with the source's reason."""

    reason: str


class UnknownSeries(RecordRejected):
    """The record names no series of the catalogue."""


UNWRITABLE = "series: no series this caller may write (unknown, or outside the caller's sites)"
"""What a restricted caller hears of a series it may not write, and of one that does not exist:
the same words, so that answers do not tell which series exist outside its scope."""


def _series_id(record: Mapping[str, Any], directory: SeriesDirectory) -> int:
    ref = record.get("series")
    if ref is not None and ref != "":
        try:
            sid = int(ref)
        except (TypeError, ValueError, OverflowError):
            raise RecordRejected(f"series: not an id: {_clip(str(ref))!r}") from None
        if isinstance(ref, bool) or (isinstance(ref, float) and not ref.is_integer()):
            raise RecordRejected(f"series: not an id: {ref!r}")
        if sid not in directory.by_id:
            raise UnknownSeries(f"series: unknown series {_clip(str(sid))}")
        _check_codes(record, directory.by_id[sid])
        return sid
    site, indicator = record.get("site"), record.get("indicator")
    if not site or not indicator:
        raise RecordRejected("series: give `series` (an id) or both `site` and `indicator`")
    sid_or_none = directory.by_codes.get((str(site), str(indicator)))
    if sid_or_none is None:
        raise UnknownSeries(
            f"series: no series for site {str(site)[:64]!r} and indicator {str(indicator)[:64]!r}"
        )
    return sid_or_none


def _time_ms(record: Mapping[str, Any], horizon: Horizon | None) -> int:
    if "time" not in record:
        raise RecordRejected("time: missing")
    text = record["time"]
    try:
        time_ms = to_ms(parse_instant(text))
    except (ValueError, OverflowError) as exc:
        raise RecordRejected(f"time: {exc}") from None
    if horizon is not None:
        horizon.check(time_ms, text.strip())
    return time_ms


def validate_record(
    record: Any,
    directory: SeriesDirectory,
    horizon: Horizon | None,
    writable: frozenset[int] | None = None,
) -> tuple[int, int, float]:
    """(series id, epoch ms, value) of one record, or RecordRejected naming the field.

    `horizon` None checks no time against a clock (readings generated in simulated time);
    `writable` None lets every series be written, else only those ids (checked before anything
    is said of the series itself, such as its physical range).
    """
    if isinstance(record, BadRecord):
        raise RecordRejected(record.reason)
    if not isinstance(record, Mapping):
        raise RecordRejected("record: must be an object with series, time and value")
    try:
        sid = _series_id(record, directory)
    except UnknownSeries:
        if writable is None:
            raise
        raise RecordRejected(UNWRITABLE) from None
    if writable is not None and sid not in writable:
        raise RecordRejected(UNWRITABLE)
    time_ms = _time_ms(record, horizon)
    if "value" not in record:
        raise RecordRejected("value: missing")
    value = _number(record["value"])
    info = directory.by_id[sid]
    if info.min_value is not None and value < info.min_value:
        raise RecordRejected(
            f"value: {value:g} is below the physical minimum {info.min_value:g} of {info.indicator}"
        )
    if info.max_value is not None and value > info.max_value:
        raise RecordRejected(
            f"value: {value:g} is above the physical maximum {info.max_value:g} of {info.indicator}"
        )
    return sid, time_ms, value


def validate(
    records: Iterable[Any],
    directory: SeriesDirectory,
    *,
    horizon: Horizon,
    first_index: int = 0,
    writable: frozenset[int] | None = None,
) -> IngestResult:
    """Validate every record; the good ones are collected, the bad ones listed by position."""
    result = IngestResult()
    good = result.readings
    for index, record in enumerate(records, start=first_index):
        try:
            sid, time_ms, value = validate_record(record, directory, horizon, writable)
        except RecordRejected as exc:
            result.rejected.append({"index": index, "error": str(exc)})
            continue
        good.index.append(index)
        good.series.append(sid)
        good.times_ms.append(time_ms)
        good.values.append(value)
    return result


def ingest(
    session: Session,
    records: Iterable[Any],
    directory: SeriesDirectory,
    *,
    horizon: Horizon,
    first_index: int = 0,
) -> IngestResult:
    """Validate and store a batch; a (series, time) already stored counts as a duplicate."""
    result = validate(records, directory, horizon=horizon, first_index=first_index)
    series, times, values = result.readings.arrays()
    result.accepted = store.insert(session, series, times, values)
    result.duplicates = len(series) - result.accepted
    return result


def check_arrays(
    directory: SeriesDirectory,
    series: NDArray[np.int64],
    values: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """Vectorised checks for generated or pre-parsed readings: known series, finite, in range."""
    ids = np.clip(series, 0, directory.known.size - 1) if directory.known.size else series * 0
    ok = (series >= 0) & (series < directory.known.size)
    if directory.known.size:
        ok &= directory.known[ids] & np.isfinite(values)
        ok &= (values >= directory.low[ids]) & (values <= directory.high[ids])
    return ok


def ingest_arrays(
    session: Session,
    directory: SeriesDirectory,
    series: NDArray[np.int64],
    times_ms: NDArray[np.int64],
    values: NDArray[np.float64],
) -> IngestResult:
    """Store readings given as arrays; rejected positions are reported like any bad record.

    For readings generated in the process's own (possibly simulated) time: their times are not
    checked against a clock.
    """
    ok = check_arrays(directory, series, values)
    result = IngestResult()
    for index in np.flatnonzero(~ok).tolist():
        try:
            validate_record(
                {
                    "series": int(series[index]),
                    "time": "1970-01-01T00:00:00Z",
                    "value": float(values[index]),
                },
                directory,
                None,
            )
            reason = "invalid reading"
        except RecordRejected as exc:
            reason = str(exc)
        result.rejected.append({"index": index, "error": reason})
    good = result.readings
    keep = np.flatnonzero(ok)
    good.index = keep.tolist()
    good.series, good.times_ms, good.values = (
        series[keep].tolist(),
        times_ms[keep].tolist(),
        values[keep].tolist(),
    )
    result.accepted = store.insert(session, series[keep], times_ms[keep], values[keep])
    result.duplicates = int(keep.size) - result.accepted
    return result
