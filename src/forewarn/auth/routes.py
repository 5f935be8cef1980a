"""Authentication API: log in for a token, who am I, users, device keys and shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from forewarn.api.deps import (
    CurrentPrincipal,
    PageDep,
    SessionDep,
    SettingsDep,
    require,
    require_authenticated,
)
from forewarn.api.schemas import ErrorResponse, Page
from forewarn.audit.service import record
from forewarn.auth import devices, service, shares
from forewarn.auth.models import DeviceKey, ScopeShare, User
from forewarn.auth.permissions import Permission, granted
from forewarn.auth.principal import Principal
from forewarn.auth.ratelimit import client_address, enforce
from forewarn.auth.schemas import (
    DepartmentRef,
    DeviceKeyCreate,
    DeviceKeyCreated,
    DeviceKeyRead,
    MeRead,
    ScopeRead,
    ShareCreate,
    ShareRead,
    TokenRead,
    UserCreate,
    UserRead,
)
from forewarn.auth.security import issue_token
from forewarn.auth.web import app_key
from forewarn.catalogue.service import paginate
from forewarn.errors import Unauthenticated
from forewarn.scope import Scope

router = APIRouter(tags=["auth"])
P = Permission
_401: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Not authenticated."}
}
_429: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorResponse, "description": "Too many attempts; see Retry-After."}
}


def _wall() -> datetime:
    return datetime.now(UTC)  # tokens and lock-outs run on real time, also in the demo


@router.post("/auth/token", response_model=TokenRead, responses=_401 | _429)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Any:
    """Exchange username and password for a bearer token (OAuth2 password flow)."""
    enforce(request.app.state.rate_limits.login, client_address(request), "login")
    now = _wall()
    try:
        user = service.authenticate(session, form.username, form.password, now=now)
    except Unauthenticated as exc:
        known = session.scalar(service.query_users().where(User.username == form.username[:64]))
        known_id = str(known.id) if known is not None else None
        record(session, action="login_failed", entity="users", entity_id=known_id)
        return JSONResponse(
            status_code=401,
            content=exc.to_dict(),
            headers={"WWW-Authenticate": "Bearer"},
        )
    session.info["actor"] = f"user:{user.username}"
    record(session, action="login", entity="users", entity_id=str(user.id), after={"via": "api"})
    issued = issue_token(
        app_key(request.app),
        user_id=user.id,
        version=user.token_version,
        now=now,
        ttl_s=settings.token_ttl_s,
    )
    return TokenRead(
        access_token=issued.token, expires_in=settings.token_ttl_s, expires_at=issued.expires_at
    )


def scope_read(scope: Scope) -> ScopeRead:
    """API shape of a scope."""
    return ScopeRead(
        regions=service.region_codes(scope),
        fields=sorted(scope.fields) if scope.fields is not None else None,
    )


@router.get("/auth/me", response_model=MeRead, dependencies=[require_authenticated()])
def me(principal: CurrentPrincipal, session: SessionDep) -> MeRead:
    """The current caller with department, region, roles, permissions and scope."""
    out = MeRead(
        kind=principal.kind,
        username=principal.name,
        roles=sorted(principal.roles),
        permissions=sorted(p.value for p in granted(principal.roles)),
        scope=scope_read(principal.scope),
        write_scope=scope_read(principal.acting_scope),
    )
    if principal.kind == "user" and principal.id is not None:
        user = session.get(User, principal.id)
        if user is not None:
            out.display_name = user.display_name
            if user.department is not None:
                dept = user.department
                out.region = dept.region.code
                out.department = DepartmentRef(
                    code=dept.code,
                    name=dept.name,
                    region_code=dept.region.code,
                    fields=sorted(f.code for f in dept.fields),
                )
    return out


def user_read(user: User) -> UserRead:
    """API shape of a user."""
    dept = user.department
    return UserRead(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        department=dept.code if dept else None,
        region=dept.region.code if dept else None,
        roles=list(user.roles),
        active=user.active,
        locked_until=user.locked_until,
        last_login_at=user.last_login_at,
        created_at=user.created_at,
    )


@router.get("/users", response_model=Page[UserRead], dependencies=[require(P.USERS_READ)])
def list_users(
    session: SessionDep,
    page: PageDep,
    department: Annotated[str | None, Query(max_length=64)] = None,
    role: Annotated[str | None, Query(max_length=32)] = None,
    active: bool | None = None,
) -> Page[UserRead]:
    """Users, for administrators."""
    query = service.query_users(department=department, role=role, active=active)
    items, total = paginate(session, query, limit=page.limit, offset=page.offset)
    return Page(items=[user_read(u) for u in items], total=total)


@router.post(
    "/users", response_model=UserRead, status_code=201, dependencies=[require(P.USERS_WRITE)]
)
def create_user(body: UserCreate, session: SessionDep) -> UserRead:
    """Create a user (administrators)."""
    user = service.create_user(
        session,
        username=body.username,
        password=body.password,
        roles=body.roles,
        department=body.department,
        display_name=body.display_name,
        now=_wall(),
    )
    return user_read(user)


@router.post(
    "/users/{username}/disable", response_model=UserRead, dependencies=[require(P.USERS_WRITE)]
)
def disable_user(username: str, session: SessionDep) -> UserRead:
    """Disable a user: no more logins, every token revoked."""
    return user_read(service.disable_user(session, username))


@router.post(
    "/users/{username}/enable", response_model=UserRead, dependencies=[require(P.USERS_WRITE)]
)
def enable_user(username: str, session: SessionDep) -> UserRead:
    """Enable a disabled user again (and clear a lock-out)."""
    return user_read(service.enable_user(session, username))


def device_read(row: DeviceKey) -> dict[str, Any]:
    """API fields of a device key."""
    return {
        "id": row.id,
        "name": row.name,
        "prefix": row.prefix,
        "department": row.department.code if row.department else None,
        "sites": sorted(s.code for s in row.sites),
        "created_at": row.created_at,
        "created_by": row.created_by,
        "revoked_at": row.revoked_at,
    }


@router.get("/devices", response_model=Page[DeviceKeyRead], dependencies=[require(P.DEVICES_READ)])
def list_devices(session: SessionDep, page: PageDep) -> Page[DeviceKeyRead]:
    """Device keys (never their secrets)."""
    items, total = paginate(
        session, devices.query_device_keys(), limit=page.limit, offset=page.offset
    )
    return Page(items=[DeviceKeyRead(**device_read(d)) for d in items], total=total)


@router.post("/devices", response_model=DeviceKeyCreated, status_code=201)
def create_device(
    body: DeviceKeyCreate,
    session: SessionDep,
    principal: Annotated[Principal, require(P.DEVICES_WRITE)],
) -> DeviceKeyCreated:
    """Create a key for an ingest gateway; the key is in this answer only."""
    row, key = devices.create_device_key(
        session,
        name=body.name,
        sites=body.sites,
        department=body.department,
        now=_wall(),
        created_by=principal.actor,
    )
    return DeviceKeyCreated(**device_read(row), key=key)


@router.post(
    "/devices/{key_id}/revoke",
    response_model=DeviceKeyRead,
    dependencies=[require(P.DEVICES_WRITE)],
)
def revoke_device(key_id: int, session: SessionDep) -> DeviceKeyRead:
    """Revoke a device key at once."""
    return DeviceKeyRead(**device_read(devices.revoke_device_key(session, key_id, now=_wall())))


def share_read(share: ScopeShare) -> ShareRead:
    """API shape of a share."""
    return ShareRead(
        id=share.id,
        department=share.department.code,
        region=share.region.code if share.region else None,
        field=share.field_code,
        note=share.note,
        created_at=share.created_at,
        created_by=share.created_by,
    )


@router.get("/shares", response_model=Page[ShareRead], dependencies=[require(P.SHARES_READ)])
def list_shares(
    session: SessionDep,
    page: PageDep,
    department: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[ShareRead]:
    """Shares: read access granted to departments beyond their own scope."""
    query = shares.query_shares(department)
    items, total = paginate(session, query, limit=page.limit, offset=page.offset)
    return Page(items=[share_read(s) for s in items], total=total)


@router.post("/shares", response_model=ShareRead, status_code=201)
def create_share(
    body: ShareCreate,
    session: SessionDep,
    principal: Annotated[Principal, require(P.SHARES_WRITE)],
) -> ShareRead:
    """Grant a department read access to a region subtree and/or a field."""
    share = shares.create_share(
        session,
        department=body.department,
        region=body.region,
        field=body.field,
        note=body.note,
        now=_wall(),
        created_by=principal.actor,
    )
    return share_read(share)


@router.delete("/shares/{share_id}", status_code=204, dependencies=[require(P.SHARES_WRITE)])
def delete_share(share_id: int, session: SessionDep) -> Response:
    """Withdraw a share."""
    shares.delete_share(session, share_id)
    return Response(status_code=204)
