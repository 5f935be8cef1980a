"""Heartbeats: a site or a whole feed that stops sending raises its own warning.

The engine's silence detector watches each series against its rule. Heartbeats watch sources:

* a **site** is silent when none of its series has reported for ``intervals`` times its
  shortest reporting interval (at least ``min_silence``): power, link or gateway is down;
* a **feed** (the sites its matchers select, e.g. every air station of the environment
  bureau's gateway) is silent when none of its sites has reported for ``silent_after``.

Only sources that reported at least once can fall silent. The check compares the silent set
with the open heartbeat warnings in the store and emits ordinary signals (rule
``heartbeat.site`` or ``heartbeat.feed``), so heartbeat warnings are routed, grouped, muted
and escalated like any other; the default policy's ``silent_site`` rule lets a silent site
mute the value warnings of that site. A heartbeat warning lifted by a person is not raised
again until the source has reported in between.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forewarn.catalogue.models import Series, Site
from forewarn.common import Level
from forewarn.detect.signals import Signal, SignalState
from forewarn.readings.models import Reading
from forewarn.timeutil import format_duration, from_ms, to_ms
from forewarn.warnings.directory import Directory, SiteInfo
from forewarn.warnings.matchers import match_all
from forewarn.warnings.models import DETAILS, Warning
from forewarn.warnings.policy import Feed, Heartbeats

SITE_RULE = "heartbeat.site"
FEED_RULE = "heartbeat.feed"
PREFIX = "heartbeat:"


@dataclass(frozen=True)
class Source:
    """A source that must keep sending: its fingerprint, labels, last reading and tolerance."""

    fingerprint: str
    rule: str
    labels: dict[str, str]
    last_ms: int
    silent_after_s: float
    name: str


def last_readings(session: Session) -> dict[int, tuple[int, float, int | None]]:
    """Per series id: (site id, interval in s, epoch ms of its last reading or None)."""
    newest = (
        select(func.max(Reading.time_ms)).where(Reading.series_id == Series.id).scalar_subquery()
    )
    rows = session.execute(select(Series.id, Series.site_id, Series.interval_s, newest))
    return {sid: (site, interval, last) for sid, site, interval, last in rows}


def _site_labels(site: SiteInfo, directory: Directory) -> dict[str, str]:
    region = directory.regions.get(site.region)
    labels = {
        **site.labels,
        "site": site.code,
        "site_name": site.name,
        "region": site.region,
        "field": site.field,
        "kind": site.kind or "",
        "detector": "heartbeat",
    }
    if region is not None:
        labels.update(region_path=region.path, region_level=region.level)
    if site.department:
        labels["department"] = site.department
    return labels


def _common_region(directory: Directory, sites: list[SiteInfo]) -> str | None:
    paths = [directory.regions[s.region].path for s in sites if s.region in directory.regions]
    if not paths:
        return None
    parts = [p.strip("/").split("/") for p in paths]
    common = []
    for codes in zip(*parts, strict=False):
        if len(set(codes)) != 1:
            break
        common.append(codes[0])
    return common[-1] if common else None


def sources(
    directory: Directory,
    series: dict[int, tuple[int, float, int | None]],
    config: Heartbeats,
    site_codes: dict[int, str],
) -> list[Source]:
    """Every site and feed that has reported, with its last reading and tolerance."""
    per_site: dict[str, tuple[int | None, float]] = {}
    for site_id, interval, last in series.values():
        code = site_codes.get(site_id)
        if code is None:
            continue
        old_last, old_interval = per_site.get(code, (None, float("inf")))
        newest = max((v for v in (old_last, last) if v is not None), default=None)
        per_site[code] = (newest, min(old_interval, interval))
    out: list[Source] = []
    if config.sites:
        for code, (last, interval) in per_site.items():
            site = directory.sites.get(code)
            if site is None or last is None:
                continue
            tolerance = max(config.intervals * interval, config.min_silence_s)
            out.append(
                Source(
                    f"{PREFIX}site:{code}",
                    SITE_RULE,
                    _site_labels(site, directory),
                    last,
                    tolerance,
                    site.name,
                )
            )
    for feed in config.feeds:
        out.extend(_feed(directory, feed, per_site))
    return out


def _feed(
    directory: Directory, feed: Feed, per_site: dict[str, tuple[int | None, float]]
) -> Iterable[Source]:
    members = [
        s for s in directory.sites.values() if match_all(feed.matchers, _site_labels(s, directory))
    ]
    lasts = [per_site[s.code][0] for s in members if s.code in per_site]
    known = [v for v in lasts if v is not None]
    if not known:
        return []
    fields = {s.field for s in members}
    field = feed.field or (fields.pop() if len(fields) == 1 else "")
    region = _common_region(directory, members) or ""
    labels = {
        "feed": feed.name,
        "field": field,
        "region": region,
        "detector": "heartbeat",
        "sites": str(len(members)),
    }
    return [
        Source(
            f"{PREFIX}feed:{feed.name}",
            FEED_RULE,
            labels,
            max(known),
            feed.silent_after_s,
            feed.name,
        )
    ]


def _signal(src: Source, state: SignalState, level: Level | None, now: datetime) -> Signal:
    last = from_ms(src.last_ms)
    quiet = format_duration(round(src.silent_after_s))
    text = f"no reading from {src.name} since {last.isoformat()} (tolerance {quiet})"
    annotations = {
        "type": "数据中断 data source silent",
        "watch": "monitoring of this source is blind until it reports again",
        "measures": "check power, sensors and the link; inspect on site if unreachable",
    }
    return Signal(
        rule=src.rule,
        fingerprint=src.fingerprint,
        labels=src.labels,
        state=state,
        level=level,
        at=now,
        started_at=last + timedelta(seconds=src.silent_after_s),
        message=text if state is SignalState.FIRING else f"{src.name} reports again",
        explanation={
            "detector": "heartbeat",
            "last_reading": last.isoformat(),
            "tolerance_s": src.silent_after_s,
            "annotations": annotations,
        },
    )


def heartbeat_signals(
    session: Session, directory: Directory, config: Heartbeats, *, now: datetime
) -> list[Signal]:
    """Signals for sources that fell silent or came back since the warnings say."""
    site_codes = dict(_site_ids(session))
    found = sources(directory, last_readings(session), config, site_codes)
    latest = _latest_heartbeat_warnings(session)
    now_ms = to_ms(now)
    feed_levels = {f"{PREFIX}feed:{f.name}": f.level for f in config.feeds}
    out: list[Signal] = []
    by_fp = {s.fingerprint: s for s in found}
    for src in found:
        silent = now_ms - src.last_ms > src.silent_after_s * 1000
        status, ended = latest.get(src.fingerprint, (None, None))
        is_open = status in ("pending", "active", "acknowledged")
        if silent and not is_open:
            lifted_since = status == "lifted" and ended is not None and to_ms(ended) >= src.last_ms
            if not lifted_since:
                level = feed_levels.get(src.fingerprint, config.level)
                out.append(_signal(src, SignalState.FIRING, level, now))
        elif not silent and is_open:
            out.append(_signal(src, SignalState.RESOLVED, None, now))
    for fp, (status, _ended) in latest.items():
        if fp not in by_fp and status in ("pending", "active", "acknowledged"):
            gone = Source(fp, SITE_RULE if ":site:" in fp else FEED_RULE, {}, now_ms, 0.0, fp)
            out.append(_signal(gone, SignalState.RESOLVED, None, now))
    return out


def _site_ids(session: Session) -> list[tuple[int, str]]:
    return [(i, c) for i, c in session.execute(select(Site.id, Site.code))]


def _latest_heartbeat_warnings(session: Session) -> dict[str, tuple[str, datetime | None]]:
    newest = (
        select(func.max(DETAILS.c.warning_id))
        .where(DETAILS.c.fingerprint.startswith(PREFIX, autoescape=True))
        .group_by(DETAILS.c.fingerprint)
        .correlate(None)
    )
    rows = session.execute(
        select(Warning.fingerprint, Warning.status, Warning.ended_at).where(Warning.id.in_(newest))
    )
    return {fp: (status, ended) for fp, status, ended in rows}
