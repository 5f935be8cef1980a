"""Request dependencies as ``Annotated`` aliases, so route signatures read like sentences."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from forewarn.auth.permissions import Permission
from forewarn.auth.principal import Principal
from forewarn.clock import Clock
from forewarn.config import Settings
from forewarn.db import session_scope
from forewarn.errors import PermissionDenied, Unauthenticated
from forewarn.scope import Scope


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed before the response is sent, else rolled back.

    The caller and its address go to ``session.info``, where the audit log finds them.
    """
    principal: Principal | None = getattr(request.state, "principal", None)
    with session_scope(request.app.state.sessions) as session:
        session.info["actor"] = principal.actor if principal else "anonymous"
        session.info["client"] = request.client.host if request.client else None
        yield session


def get_settings_dep(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


class PageParams:
    """``limit`` (1..1000, default 100) and ``offset`` of a list endpoint."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=1000, description="Items per page (max 1000).")] = 100,
        offset: Annotated[int, Query(ge=0, le=10**9, description="Items to skip.")] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


def get_now(request: Request) -> datetime:
    """The current time by the process's clock (simulated in the demo)."""
    clock: Clock = request.app.state.clock
    return clock.now()


def unauthenticated(message: str) -> Unauthenticated:
    """A 401 error carrying the ``WWW-Authenticate: Bearer`` challenge."""
    exc = Unauthenticated(message)
    exc.headers = {"WWW-Authenticate": "Bearer"}  # type: ignore[attr-defined]
    return exc


NowDep = Annotated[datetime, Depends(get_now)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
PageDep = Annotated[PageParams, Depends()]


# Declares the bearer scheme in the OpenAPI document; the middleware does the checking.
_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def current_principal(
    request: Request, _token: Annotated[str | None, Depends(_bearer)] = None
) -> Principal:
    """The authenticated caller (set by ``forewarn.auth.middleware``); 401 when there is none."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise unauthenticated("authentication required")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: Permission) -> Any:
    """Dependency that lets the request through only if the caller holds `permission`."""

    def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has(permission):
            raise PermissionDenied(
                f"permission {permission.value!r} required",
                details={"permission": permission.value},
            )
        return principal

    check.permission = permission.value  # type: ignore[attr-defined]  # read by the docs test
    return Depends(check)


def require_authenticated() -> Any:
    """Dependency for endpoints open to every authenticated caller (e.g. ``/auth/me``)."""

    def check(principal: CurrentPrincipal) -> Principal:
        return principal

    check.permission = "authenticated"  # type: ignore[attr-defined]
    return Depends(check)


def get_scope(principal: CurrentPrincipal) -> Scope:
    """The caller's scope (regions and fields they may see)."""
    return principal.scope


def get_write_scope(principal: CurrentPrincipal) -> Scope:
    """The scope the caller may act in: its own department's (shares are read-only)."""
    return principal.acting_scope


ScopeDep = Annotated[Scope, Depends(get_scope)]
WriteScopeDep = Annotated[Scope, Depends(get_write_scope)]
