"""The demo's users: one administrator and department users at province, city and county level."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.auth.models import User
from forewarn.auth.security import generate_password
from forewarn.auth.service import create_user
from forewarn.config import Settings

ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class DemoUser:
    """A demo account: username, role and department code."""

    username: str
    role: str
    department: str
    display_name: str


@dataclass(frozen=True)
class CreatedUser:
    """An account that `ensure_demo_users` created; `password` is set only when generated."""

    username: str
    roles: tuple[str, ...]
    department: str | None
    password: str | None = None


def demo_users(*, province: str, city: str, county: str) -> tuple[DemoUser, ...]:
    """The default demo accounts for a provincial, a city and a county department (codes)."""
    return (
        DemoUser("province.duty", "duty_officer", province, "Provincial duty officer"),
        DemoUser("province.analyst", "analyst", province, "Provincial analyst"),
        DemoUser("city.duty", "duty_officer", city, "City duty officer"),
        DemoUser("city.responder", "responder", city, "City responder"),
        DemoUser("county.inspector", "inspector", county, "County inspector"),
        DemoUser("county.viewer", "viewer", county, "County viewer"),
    )


def ensure_demo_users(
    session: Session, *, settings: Settings, now: datetime, users: Sequence[DemoUser]
) -> list[CreatedUser]:
    """Create the administrator (when none exists) and the missing `users`; never re-password.

    The administrator's password is ``FOREWARN_ADMIN_PASSWORD``, else a generated one that is
    returned (print it once); department users share ``FOREWARN_DEMO_PASSWORD``.
    """
    created: list[CreatedUser] = []
    existing = set(session.scalars(select(User.username)))
    has_admin = any(
        "administrator" in (roles or []) for roles in session.scalars(select(User.roles))
    )
    if not has_admin and ADMIN_USERNAME not in existing:
        given = settings.admin_password.get_secret_value() if settings.admin_password else None
        password = given or generate_password()
        create_user(
            session,
            username=ADMIN_USERNAME,
            password=password,
            roles=["administrator"],
            department=None,
            now=now,
            display_name="Administrator",
        )
        created.append(
            CreatedUser(ADMIN_USERNAME, ("administrator",), None, None if given else password)
        )
    demo_password = settings.demo_password.get_secret_value()
    for spec in users:
        if spec.username in existing:
            continue
        create_user(
            session,
            username=spec.username,
            password=demo_password,
            roles=[spec.role],
            department=spec.department,
            now=now,
            display_name=spec.display_name,
        )
        created.append(CreatedUser(spec.username, (spec.role,), spec.department))
    return created
