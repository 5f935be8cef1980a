"""Public warnings: draft, approve, issue CAP messages, follow level changes and lifting.

A warning becomes public when a composer's draft is approved: the Alert is issued at once.
Later, `sync_publications` (run by the process loop) issues an Update when the warning's level
differs from the last message's, and a Cancel when the warning is lifted. Approving a revised
draft issues an Update with the new text. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.auth.principal import Principal
from forewarn.catalogue.models import Department, Region
from forewarn.common import Level
from forewarn.config import Settings
from forewarn.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from forewarn.publish.approval import Approver, check_approver
from forewarn.publish.cap import CapRef, MsgType, build_cap, references_text
from forewarn.publish.compose import AreaRegion, Issue, compose, default_text
from forewarn.publish.models import CapMessage, Publication
from forewarn.publish.schemas import PublicationDraftIn, cap_url
from forewarn.scope import ALL, Scope
from forewarn.warnings.lifecycle import FIRING, Status
from forewarn.warnings.models import Warning
from forewarn.warnings.service import get_warning
from forewarn.warnings.timeline import SYSTEM, record_event

TEXT_KEYS = ("event", "headline", "description", "instruction")


def get_publication(session: Session, warning_id: int, *, lock: bool = False) -> Publication | None:
    """The publication of a warning, if any (call after the warning's scope was checked)."""
    query = select(Publication).where(Publication.warning_id == warning_id)
    return session.scalar(query.with_for_update() if lock else query)


def messages_of(session: Session, warning_id: int) -> list[CapMessage]:
    """The CAP messages issued for a warning, oldest first."""
    query = select(CapMessage).where(CapMessage.warning_id == warning_id)
    return list(session.scalars(query.order_by(CapMessage.id)))


def _firing(warning: Warning, doing: str) -> None:
    if Status(warning.status) not in FIRING or warning.level is None:
        raise InvalidTransition(
            f"cannot {doing} a public release of a warning that is {warning.status}",
            details={"status": warning.status, "allowed": sorted(s.value for s in FIRING)},
        )


def _regions(session: Session, codes: Sequence[str], scope: Scope) -> list[Region]:
    found = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes)))}
    for i, code in enumerate(codes):
        region = found.get(code)
        if region is None or not scope.allows_region(region.path):
            raise InvalidInput(
                f"areas[{i}]: unknown region {code!r}", details={"field": f"areas[{i}]"}
            )
    return [found[c] for c in codes]


def _merge(body: PublicationDraftIn, default: dict[str, Any], areas: list[str]) -> dict[str, Any]:
    text: dict[str, Any] = {k: {**default.get(k, {}), **getattr(body, k)} for k in TEXT_KEYS}
    text["response_types"] = list(body.response_types)
    text["contact"] = body.contact
    text["areas"] = areas
    return text


def draft_publication(
    session: Session,
    warning_id: int,
    body: PublicationDraftIn,
    *,
    who: Principal,
    scope: Scope,
    now: datetime,
) -> Publication:
    """Write (or replace) the draft public text of a firing warning."""
    warning = get_warning(session, warning_id, scope=scope, lock=True)
    _firing(warning, "draft")
    areas = body.areas or ([warning.region_code] if warning.region_code else [])
    if not areas:
        raise InvalidInput(
            "areas: the warning has no region; name the areas", details={"field": "areas"}
        )
    _regions(session, areas, scope)
    level = Level(warning.level or 1)
    default = default_text(
        title=warning.title, level=level, content=warning.content or {}, message=warning.message
    )
    pub = get_publication(session, warning.id, lock=True)
    if pub is None:
        pub = Publication(warning_id=warning.id, revision=0, created_at=now)
        session.add(pub)
    elif pub.cancelled_at is not None:
        raise InvalidTransition("the public release was cancelled", details={"warning": warning.id})
    pub.draft = _merge(body, default, areas)
    pub.drafted_by, pub.drafted_at, pub.updated_at = who.name, now, now
    session.flush()
    data = {"revision": pub.revision + 1, "areas": areas, "headline": pub.draft["headline"]}
    record_event(
        session,
        warning_id=warning.id,
        kind="publication_drafted",
        actor=who.name,
        time=now,
        data=data,
    )
    return pub


def _approver(session: Session, who: Principal) -> tuple[Approver, Department | None]:
    dept = session.get(Department, who.department_id) if who.department_id is not None else None
    region = dept.region if dept is not None else None
    approver = Approver(
        name=who.name,
        is_system=who.kind == "system",
        region_path=region.path if region is not None else None,
        region_code=region.code if region is not None else None,
    )
    return approver, dept


def approve_publication(
    session: Session,
    warning_id: int,
    *,
    who: Principal,
    scope: Scope,
    now: datetime,
    settings: Settings,
) -> Publication:
    """Approve the pending draft: it becomes the text in force and a CAP message is issued."""
    warning = get_warning(session, warning_id, scope=scope, lock=True)
    pub = get_publication(session, warning.id, lock=True)
    if pub is None or pub.draft is None:
        raise Conflict("there is no draft to approve", details={"warning": warning.id})
    _firing(warning, "approve")
    areas = _regions(session, pub.draft["areas"], ALL)  # the level rule below decides
    approver, dept = _approver(session, who)
    check_approver(
        approver,
        drafted_by=pub.drafted_by,
        area_paths=[warning.region_path, *(r.path for r in areas)],
    )
    pub.approved, pub.draft = pub.draft, None
    pub.revision += 1
    pub.approved_by, pub.approved_at, pub.updated_at = who.name, now, now
    pub.approver_department_id = dept.id if dept is not None else None
    session.flush()
    data = {"revision": pub.revision, "approver_department": dept.code if dept else None}
    record_event(
        session,
        warning_id=warning.id,
        kind="publication_approved",
        actor=who.name,
        time=now,
        data=data,
    )
    first = not messages_of(session, warning.id)
    _issue(session, pub, warning, "Alert" if first else "Update", now=now, settings=settings,
           note=None if first else f"revision {pub.revision}")  # fmt: skip
    return pub


def _sender_names(session: Session, pub: Publication, settings: Settings) -> dict[str, str]:
    dept = (
        session.get(Department, pub.approver_department_id) if pub.approver_department_id else None
    )
    if dept is None:
        return {"zh-CN": settings.cap_sender_name, "en": settings.cap_sender_name}
    return {"zh-CN": dept.name, "en": dept.name_en or dept.name}


def _area_regions(session: Session, codes: Sequence[str]) -> list[AreaRegion]:
    found = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes)))}
    return [
        AreaRegion(c, found[c].name, found[c].name_en, found[c].boundary)
        for c in codes
        if c in found
    ]


def _issue(
    session: Session,
    pub: Publication,
    warning: Warning,
    msg_type: MsgType,
    *,
    now: datetime,
    settings: Settings,
    note: str | None,
) -> CapMessage:
    """Build, store and record one CAP message of a publication."""
    assert pub.approved is not None
    earlier = messages_of(session, warning.id)
    level = Level(warning.level or (earlier[-1].level if earlier else 1))
    identifier = f"{settings.cap_identifier_prefix}.{warning.id}.{len(earlier) + 1}"
    expires = now + timedelta(seconds=settings.cap_expires_s) if settings.cap_expires_s else None
    issue = Issue(
        identifier=identifier,
        sender=settings.cap_sender,
        sent=now,
        msg_type=msg_type,
        level=level,
        field=warning.field,
        text=pub.approved,
        regions=_area_regions(session, pub.approved["areas"]),
        references=tuple(CapRef(m.sender, m.identifier, m.sent) for m in earlier),
        incidents=earlier[0].identifier if earlier else identifier,
        note=note,
        onset=warning.activated_at or warning.started_at,
        expires=expires,
        sender_names=_sender_names(session, pub, settings),
        parameters=(("forewarn:level", level.roman), ("forewarn:field", warning.field)),
    )
    alert = compose(issue, max_vertices=settings.cap_max_polygon_vertices)
    tz = ZoneInfo(settings.timezone)
    xml = build_cap(alert, tz=tz)
    row = CapMessage(
        warning_id=warning.id,
        publication_id=pub.id,
        identifier=identifier,
        sender=settings.cap_sender,
        msg_type=msg_type,
        references=references_text(issue.references, tz) or None,
        sent=now,
        level=int(level),
        revision=pub.revision,
        headline=alert.texts[0].headline,
        area_desc="、".join(a.name("zh-CN") for a in alert.areas)[:500],
        xml=xml.decode("utf-8"),
    )
    session.add(row)
    session.flush()
    data = {
        "identifier": identifier,
        "msg_type": msg_type,
        "url": cap_url(settings.public_base_url, identifier),
    }
    record_event(
        session,
        warning_id=warning.id,
        kind="cap_issued",
        actor=SYSTEM,
        time=now,
        data=data,
        level=level,
    )
    return row


def sync_publications(session: Session, *, now: datetime, settings: Settings) -> list[CapMessage]:
    """Issue the Updates (level changed) and Cancels (warning lifted) that are due."""
    query = (
        select(Publication)
        .where(Publication.approved.is_not(None), Publication.cancelled_at.is_(None))
        .order_by(Publication.id)
        .with_for_update()
    )
    issued: list[CapMessage] = []
    for pub in session.scalars(query).all():
        warning = session.get(Warning, pub.warning_id)
        earlier = messages_of(session, pub.warning_id)
        if warning is None or not earlier:
            continue
        last = earlier[-1]
        if warning.status == Status.LIFTED.value:
            issued.append(
                _issue(
                    session,
                    pub,
                    warning,
                    "Cancel",
                    now=now,
                    settings=settings,
                    note=warning.end_reason,
                )
            )
            pub.cancelled_at, pub.draft, pub.updated_at = now, None, now
        elif warning.level is not None and warning.level != last.level:
            note = f"{Level(last.level).roman} -> {Level(warning.level).roman}"
            issued.append(
                _issue(session, pub, warning, "Update", now=now, settings=settings, note=note)
            )
    return issued


def latest_message(session: Session, warning_id: int, *, scope: Scope) -> CapMessage:
    """The newest CAP message of a warning visible in `scope`."""
    get_warning(session, warning_id, scope=scope)
    query = select(CapMessage).where(CapMessage.warning_id == warning_id)
    found = session.scalar(query.order_by(CapMessage.id.desc()).limit(1))
    if found is None:
        raise NotFound(f"warning {warning_id} has no CAP message", details={"warning": warning_id})
    return found


def public_message(session: Session, identifier: str) -> CapMessage:
    """An issued CAP message by identifier (every stored message was approved: public)."""
    found = session.scalar(select(CapMessage).where(CapMessage.identifier == identifier))
    if found is None:
        raise NotFound(f"no CAP message {identifier!r}", details={"identifier": identifier})
    return found
