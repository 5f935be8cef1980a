"""Silences: create, list, change and expire them, within the caller's scope.

A silence takes the scope of the person who creates it (optionally narrowed to one region
subtree or field): it mutes only warnings inside that scope, whatever its matchers say. A
caller sees the silences that reach into their scope and may change or expire only those lying
wholly inside it. Silences are never deleted; expiring one ends it now and keeps its history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.catalogue.models import Region, Site
from forewarn.catalogue.service import check_field
from forewarn.db import could_be_id
from forewarn.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from forewarn.scope import Scope
from forewarn.warnings.matchers import parse_matcher
from forewarn.warnings.models import Silence
from forewarn.warnings.muting import SilenceState, SilenceView, silence_state

MAX_DURATION = timedelta(days=366)
MAX_MATCHERS = 20


def running_silences(session: Session, now: datetime) -> list[SilenceView]:
    """Silences in force at `now`."""
    rows = session.scalars(select(Silence).where(Silence.starts_at <= now, Silence.ends_at > now))
    return [
        SilenceView.of(s.id, s.matchers, s.starts_at, s.ends_at, s.region_paths, s.fields)
        for s in rows
    ]


def _overlap(paths: Sequence[str] | None, scope: Scope) -> bool:
    if paths is None or scope.region_paths is None:
        return True
    return any(a.startswith(b) or b.startswith(a) for a in paths for b in scope.region_paths)


def visible(session: Session, silence: Silence, scope: Scope) -> bool:
    """Whether the silence reaches into `scope` (it may mute warnings the caller sees).

    A silence of an unrestricted creator keeps no region or field; its matchers on `site`,
    `region` and `field` (equality) say where it reaches instead, so that, say, an
    administrator's silence of one clinic's outbreak is not shown to every department.
    """
    paths, fields = silence.region_paths, silence.fields
    if not scope.unrestricted and (paths is None or fields is None):
        reach_paths, reach_fields = matcher_reach(session, silence.matchers)
        paths = reach_paths if paths is None else paths
        fields = reach_fields if fields is None else fields
    fields_meet = fields is None or scope.fields is None or bool(set(fields) & scope.fields)
    return _overlap(paths, scope) and fields_meet


def matcher_reach(
    session: Session, matchers: Sequence[str]
) -> tuple[list[str] | None, list[str] | None]:
    """Region paths and fields that equality matchers on `site`, `region` and `field` confine
    a silence to (None: not confined)."""
    paths: list[str] | None = None
    fields: list[str] | None = None
    for text in matchers:
        try:
            m = parse_matcher(text)
        except ValueError:
            continue
        if m.op != "=":
            continue
        if m.name == "field":
            fields = [m.value]
        elif m.name == "site":
            found = session.execute(
                select(Region.path, Site.field_code).join(Site.region).where(Site.code == m.value)
            ).first()
            paths, fields = ([found[0]], [found[1]]) if found else ([], [])
        elif m.name == "region":
            path = session.scalar(select(Region.path).where(Region.code == m.value))
            paths = [path] if path else []
    return paths, fields


def manageable(silence: Silence, scope: Scope) -> bool:
    """Whether the silence lies wholly inside `scope` (the caller may change or expire it)."""
    if scope.unrestricted:
        return True
    if scope.region_paths is not None and (
        silence.region_paths is None
        or not all(any(p.startswith(s) for s in scope.region_paths) for p in silence.region_paths)
    ):
        return False
    return scope.fields is None or (
        silence.fields is not None and set(silence.fields) <= scope.fields
    )


def _check_matchers(matchers: Sequence[str]) -> list[str]:
    if not matchers:
        raise InvalidInput("matchers: at least one is required", details={"field": "matchers"})
    if len(matchers) > MAX_MATCHERS:
        raise InvalidInput(f"matchers: at most {MAX_MATCHERS}", details={"field": "matchers"})
    for i, text in enumerate(matchers):
        try:
            parse_matcher(text)
        except ValueError as exc:
            raise InvalidInput(
                f"matchers[{i}]: {exc}", details={"field": f"matchers[{i}]"}
            ) from None
    return list(matchers)


def _check_times(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if ends_at <= now:
        raise InvalidInput("ends_at: must be in the future", details={"field": "ends_at"})
    if ends_at <= starts_at:
        raise InvalidInput("ends_at: must be after starts_at", details={"field": "ends_at"})
    if ends_at - starts_at > MAX_DURATION:
        raise InvalidInput(
            "ends_at: a silence lasts at most 366 days", details={"field": "ends_at"}
        )


def _narrow(
    session: Session, scope: Scope, region: str | None, field: str | None
) -> tuple[list[str] | None, list[str] | None]:
    paths = list(scope.region_paths) if scope.region_paths is not None else None
    fields = sorted(scope.fields) if scope.fields is not None else None
    if region is not None:
        path = session.scalar(select(Region.path).where(Region.code == region))
        inside = path is not None and (paths is None or any(path.startswith(p) for p in paths))
        if not inside:
            raise InvalidInput(
                f"region: {region!r} is not a region in your scope", details={"field": "region"}
            )
        paths = [path or ""]
    if field is not None:
        if fields is not None and field not in fields:
            raise InvalidInput(f"field: {field!r} is not in your scope", details={"field": "field"})
        fields = [check_field(session, field)]
    return paths, fields


def create_silence(
    session: Session,
    *,
    matchers: Sequence[str],
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    actor: str,
    scope: Scope,
    now: datetime,
    region: str | None = None,
    field: str | None = None,
) -> Silence:
    """A new silence limited to the caller's scope (and `region`/`field` when given)."""
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("reason: a silence needs a reason", details={"field": "reason"})
    _check_times(starts_at, ends_at, now)
    paths, fields = _narrow(session, scope, region, field)
    silence = Silence(
        matchers=_check_matchers(matchers),
        starts_at=starts_at,
        ends_at=ends_at,
        reason=text,
        created_by=actor,
        created_at=now,
        updated_at=now,
        region_paths=paths,
        fields=fields,
    )
    session.add(silence)
    session.flush()
    return silence


def get_silence(session: Session, silence_id: int, *, scope: Scope) -> Silence:
    """One silence, if it reaches into the caller's scope."""
    silence = session.get(Silence, silence_id) if could_be_id(silence_id) else None
    if silence is None or not visible(session, silence, scope):
        raise NotFound(f"silence {silence_id} not found", details={"silence": silence_id})
    return silence


def list_silences(
    session: Session,
    *,
    scope: Scope,
    now: datetime,
    state: SilenceState | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Silence], int]:
    """The silences the caller sees, newest first, optionally in one state; and their count."""
    query = select(Silence).order_by(Silence.id.desc())
    if state is SilenceState.ACTIVE:
        query = query.where(Silence.starts_at <= now, Silence.ends_at > now)
    elif state is SilenceState.PENDING:
        query = query.where(Silence.starts_at > now)
    elif state is SilenceState.EXPIRED:
        query = query.where(Silence.ends_at <= now)
    rows = [s for s in session.scalars(query) if visible(session, s, scope)]
    return rows[offset : offset + limit], len(rows)


def _own(session: Session, silence_id: int, scope: Scope) -> Silence:
    silence = get_silence(session, silence_id, scope=scope)
    if not manageable(silence, scope):
        raise PermissionDenied(
            f"silence {silence_id} reaches beyond your scope", details={"silence": silence_id}
        )
    return silence


def update_silence(
    session: Session,
    silence_id: int,
    *,
    scope: Scope,
    now: datetime,
    matchers: Sequence[str] | None = None,
    ends_at: datetime | None = None,
    reason: str | None = None,
) -> Silence:
    """Change a running or future silence's matchers, end or reason."""
    silence = _own(session, silence_id, scope)
    if silence_state(silence.starts_at, silence.ends_at, now) is SilenceState.EXPIRED:
        raise Conflict(
            "an expired silence cannot change; create a new one", details={"silence": silence_id}
        )
    if matchers is not None:
        silence.matchers = _check_matchers(matchers)
    if ends_at is not None:
        _check_times(silence.starts_at, ends_at, now)
        silence.ends_at = ends_at
    if reason is not None:
        if not reason.strip():
            raise InvalidInput("reason: a silence needs a reason", details={"field": "reason"})
        silence.reason = reason.strip()
    silence.updated_at = now
    session.flush()
    return silence


def expire_silence(
    session: Session, silence_id: int, *, scope: Scope, actor: str, now: datetime
) -> Silence:
    """End a silence now (its expiry is then recorded on the warnings it muted)."""
    silence = _own(session, silence_id, scope)
    if silence.ends_at > now:
        # a future silence is expired as it is, not moved to end at its start: it never runs
        silence.starts_at = min(silence.starts_at, now)
        silence.ends_at = now
        silence.expired_by = actor
        silence.updated_at = now
    session.flush()
    return silence
