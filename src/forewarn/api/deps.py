"""Request dependencies as ``Annotated`` aliases, so route signatures read like sentences."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from forewarn.auth.permissions import Permission
from forewarn.auth.principal import SYSTEM, Principal
from forewarn.clock import Clock
from forewarn.config import Settings
from forewarn.db import session_scope
from forewarn.errors import PermissionDenied
from forewarn.scope import Scope


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed before the response is sent, else rolled back."""
    with session_scope(request.app.state.sessions) as session:
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
        offset: Annotated[int, Query(ge=0, description="Items to skip.")] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


def get_now(request: Request) -> datetime:
    """The current time by the process's clock (simulated in the demo)."""
    clock: Clock = request.app.state.clock
    return clock.now()


NowDep = Annotated[datetime, Depends(get_now)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
PageDep = Annotated[PageParams, Depends()]


def current_principal(request: Request) -> Principal:
    """The authenticated caller of this request (authentication: see forewarn.auth)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal if principal is not None else SYSTEM


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

    return Depends(check)


def get_scope(principal: CurrentPrincipal) -> Scope:
    """The caller's scope (regions and fields they may see)."""
    return principal.scope


ScopeDep = Annotated[Scope, Depends(get_scope)]
