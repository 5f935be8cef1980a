"""Warnings and silences API (thin: parse, call the service, shape the answer)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from forewarn.api.deps import (
    NowDep,
    PageDep,
    ScopeDep,
    SessionDep,
    WriteScopeDep,
    require,
)
from forewarn.api.schemas import Page
from forewarn.auth.permissions import Permission
from forewarn.auth.principal import Principal
from forewarn.catalogue.service import paginate
from forewarn.config import Settings
from forewarn.errors import InvalidInput
from forewarn.warnings import service, silences
from forewarn.warnings.desk import Desk
from forewarn.warnings.muting import SilenceState
from forewarn.warnings.policy import default_policy, load_policy
from forewarn.warnings.schemas import (
    AckIn,
    AssignIn,
    CommentIn,
    EscalateIn,
    LiftIn,
    SilenceIn,
    SilencePatch,
    SilenceRead,
    WarningDetail,
    WarningRead,
)

router = APIRouter(tags=["warnings"])
P = Permission


def desk_for(settings: Settings) -> Desk:
    """A desk with the configured policy file (or the built-in policy)."""
    path = settings.config_file("policy")
    if path is None:
        return Desk(default_policy())
    return Desk(load_policy(path, time_zone=settings.timezone))


def app_desk(request: Request) -> Desk:
    """The process's warnings desk (the running job's, else one made once from the settings)."""
    state = request.app.state
    desk: Desk | None = getattr(state, "warnings_desk", None)
    if desk is None:
        desk = state.warnings_desk = desk_for(state.settings)
    return desk


DeskDep = Annotated[Desk, Depends(app_desk)]


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput(f"{name}: give an offset (Z or +08:00)", details={"field": name})
    try:
        return value.astimezone(UTC) if value is not None else None
    except OverflowError:  # year 9999 behind UTC, or year 1 ahead of it
        raise InvalidInput(f"{name}: out of range", details={"field": name}) from None


def _detail(session: SessionDep, warning_id: int, scope: ScopeDep) -> WarningDetail:
    warning = service.get_warning(session, warning_id, scope=scope)
    return WarningDetail.build(warning, service.timeline(session, warning.id))


@router.get("/warnings", response_model=Page[WarningRead], dependencies=[require(P.WARNINGS_READ)])
def list_warnings(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    status: Annotated[
        list[str],
        Query(description="pending, active, acknowledged, resolved, lifted (repeatable)."),
    ] = [],  # noqa: B006
    level: Annotated[str | None, Query(description="Exactly this level (red, II...).")] = None,
    min_level: Annotated[str | None, Query(description="This level or higher.")] = None,
    field: Annotated[str | None, Query(description="Field code.")] = None,
    within: Annotated[str | None, Query(description="Region code: its subtree only.")] = None,
    rule: Annotated[str | None, Query(max_length=200)] = None,
    site: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[datetime | None, Query(description="Alive at or after this time.")] = None,
    end: Annotated[datetime | None, Query(description="Started at or before this time.")] = None,
    sort: Annotated[str, Query(pattern="^(newest|level)$")] = "newest",
) -> Page[WarningRead]:
    """Warnings in the caller's scope, newest first (or by level), filtered."""
    query = service.query_warnings(
        session,
        scope=scope,
        status=status,
        level=level,
        min_level=min_level,
        field=field,
        within=within,
        rule=rule,
        site=site,
        start=_aware(start, "start"),
        end=_aware(end, "end"),
        sort=sort,
    )
    items, total = paginate(session, query, limit=page.limit, offset=page.offset)
    return Page(items=[WarningRead.of(w) for w in items], total=total)


@router.get(
    "/warnings/{warning_id}", response_model=WarningDetail, dependencies=[require(P.WARNINGS_READ)]
)
def get_warning(warning_id: int, session: SessionDep, scope: ScopeDep) -> WarningDetail:
    """One warning with its explanation, release content, routing and time line."""
    return _detail(session, warning_id, scope)


@router.post("/warnings/{warning_id}/ack", response_model=WarningDetail)
def acknowledge(
    warning_id: int,
    session: SessionDep,
    scope: WriteScopeDep,
    now: NowDep,
    who: Annotated[Principal, require(P.WARNINGS_ACK)],
    body: AckIn | None = None,
) -> WarningDetail:
    """Acknowledge an active warning (its escalation stops)."""
    service.acknowledge(
        session,
        warning_id,
        scope=scope,
        actor=who.name,
        now=now,
        comment=body.comment if body else None,
    )
    return _detail(session, warning_id, scope)


@router.post("/warnings/{warning_id}/assign", response_model=WarningDetail)
def assign(
    warning_id: int,
    body: AssignIn,
    session: SessionDep,
    scope: WriteScopeDep,
    now: NowDep,
    who: Annotated[Principal, require(P.WARNINGS_ASSIGN)],
) -> WarningDetail:
    """Assign an open warning to a person."""
    service.assign(
        session, warning_id, scope=scope, actor=who.name, now=now, assignee=body.assignee
    )
    return _detail(session, warning_id, scope)


@router.post("/warnings/{warning_id}/comment", response_model=WarningDetail)
def comment(
    warning_id: int,
    body: CommentIn,
    session: SessionDep,
    scope: WriteScopeDep,
    now: NowDep,
    who: Annotated[Principal, require(P.WARNINGS_COMMENT)],
) -> WarningDetail:
    """Add a comment to the time line."""
    service.comment(session, warning_id, scope=scope, actor=who.name, now=now, text=body.text)
    return _detail(session, warning_id, scope)


@router.post("/warnings/{warning_id}/escalate", response_model=WarningDetail)
def escalate(
    warning_id: int,
    body: EscalateIn,
    session: SessionDep,
    scope: WriteScopeDep,
    now: NowDep,
    desk: DeskDep,
    who: Annotated[Principal, require(P.WARNINGS_ESCALATE)],
) -> WarningDetail:
    """Take the next step of the warning's escalation chain now, with a reason."""
    service.escalate(
        session, warning_id, scope=scope, actor=who.name, now=now, reason=body.reason, desk=desk
    )
    return _detail(session, warning_id, scope)


@router.post("/warnings/{warning_id}/lift", response_model=WarningDetail)
def lift(
    warning_id: int,
    body: LiftIn,
    session: SessionDep,
    scope: WriteScopeDep,
    now: NowDep,
    who: Annotated[Principal, require(P.WARNINGS_LIFT)],
) -> WarningDetail:
    """Lift (end) a warning, with a reason; its receivers are told."""
    service.lift(session, warning_id, scope=scope, actor=who.name, now=now, reason=body.reason)
    return _detail(session, warning_id, scope)


@router.get("/silences", response_model=Page[SilenceRead], dependencies=[require(P.SILENCES_READ)])
def list_silences(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    now: NowDep,
    state: Annotated[SilenceState | None, Query(description="pending, active or expired.")] = None,
) -> Page[SilenceRead]:
    """Silences that reach into the caller's scope, newest first."""
    items, total = silences.list_silences(
        session, scope=scope, now=now, state=state, limit=page.limit, offset=page.offset
    )
    return Page(items=[SilenceRead.of(s, now) for s in items], total=total)


@router.post("/silences", response_model=SilenceRead, status_code=201)
def create_silence(
    body: SilenceIn,
    session: SessionDep,
    scope: WriteScopeDep,
    now: NowDep,
    who: Annotated[Principal, require(P.SILENCES_WRITE)],
) -> SilenceRead:
    """Create a silence limited to the caller's scope (a reason is required)."""
    silence = silences.create_silence(
        session,
        matchers=body.matchers,
        starts_at=(body.starts_at or now).astimezone(UTC),
        ends_at=body.ends_at.astimezone(UTC),
        reason=body.reason,
        actor=who.name,
        scope=scope,
        now=now,
        region=body.region,
        field=body.field,
    )
    return SilenceRead.of(silence, now)


@router.get(
    "/silences/{silence_id}", response_model=SilenceRead, dependencies=[require(P.SILENCES_READ)]
)
def get_silence(silence_id: int, session: SessionDep, scope: ScopeDep, now: NowDep) -> SilenceRead:
    """One silence."""
    return SilenceRead.of(silences.get_silence(session, silence_id, scope=scope), now)


@router.patch(
    "/silences/{silence_id}", response_model=SilenceRead, dependencies=[require(P.SILENCES_WRITE)]
)
def update_silence(
    silence_id: int, body: SilencePatch, session: SessionDep, scope: WriteScopeDep, now: NowDep
) -> SilenceRead:
    """Change a running or future silence's matchers, end or reason."""
    silence = silences.update_silence(
        session,
        silence_id,
        scope=scope,
        now=now,
        matchers=body.matchers,
        ends_at=body.ends_at.astimezone(UTC) if body.ends_at else None,
        reason=body.reason,
    )
    return SilenceRead.of(silence, now)


@router.delete("/silences/{silence_id}", response_model=SilenceRead)
def expire_silence(
    silence_id: int,
    session: SessionDep,
    scope: WriteScopeDep,
    now: NowDep,
    who: Annotated[Principal, require(P.SILENCES_WRITE)],
) -> SilenceRead:
    """Expire a silence now (it is kept, with who ended it)."""
    silence = silences.expire_silence(session, silence_id, scope=scope, actor=who.name, now=now)
    return SilenceRead.of(silence, now)
