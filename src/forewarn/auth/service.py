"""Users: create, disable, reset password, log in with lock-out, and resolve to a Principal."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, String, cast, delete, select
from sqlalchemy.orm import Session, selectinload

from forewarn.auth.models import EndedSession, ScopeShare, User
from forewarn.auth.permissions import USER_ROLES
from forewarn.auth.principal import Principal
from forewarn.auth.security import TokenClaims, hash_password, verify_password
from forewarn.catalogue.models import Department, Region
from forewarn.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from forewarn.scope import ALL, Scope

LOCKOUT_THRESHOLD = 5
"""Consecutive failed logins that lock an account."""
LOCKOUT_DURATION = timedelta(minutes=15)
"""How long a locked account refuses every login, even with the right password."""
MIN_PASSWORD_CHARS = 8
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
LOGIN_REFUSED = "invalid username or password (or the account is locked or disabled)"


def _check_username(username: str) -> None:
    if not USERNAME.fullmatch(username):
        raise InvalidInput(
            "username: 2-64 characters: lower-case letters, digits, '.', '_' or '-'",
            details={"field": "username"},
        )


def check_password(password: str) -> None:
    """Refuse passwords that are too short or too long (the message never echoes them)."""
    if not MIN_PASSWORD_CHARS <= len(password) <= 1024:
        raise InvalidInput(
            f"password: between {MIN_PASSWORD_CHARS} and 1024 characters",
            details={"field": "password"},
        )


def check_roles(roles: Sequence[str]) -> list[str]:
    """The roles, validated and sorted; at least one."""
    unknown = sorted(set(roles) - set(USER_ROLES))
    if unknown or not roles:
        raise InvalidInput(
            f"roles: give one or more of {', '.join(USER_ROLES)}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else ""),
            details={"field": "roles"},
        )
    return sorted(set(roles))


def department_by_code(session: Session, code: str) -> Department:
    """The department with `code`."""
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        raise NotFound(f"department {code!r} not found", details={"department": code})
    return dept


def get_user(session: Session, username: str) -> User:
    """The user named `username`."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"user {username!r} not found", details={"user": username})
    return user


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    roles: Sequence[str],
    department: str | None,
    now: datetime,
    display_name: str | None = None,
) -> User:
    """A new active user; every role but administrator needs a department."""
    _check_username(username)
    check_password(password)
    role_list = check_roles(roles)
    dept = department_by_code(session, department) if department else None
    if dept is None and "administrator" not in role_list:
        raise InvalidInput("department: required for every role but administrator")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} already exists", details={"user": username})
    user = User(
        username=username,
        display_name=display_name,
        department=dept,
        roles=role_list,
        password_hash=hash_password(password),
        active=True,
        failed_logins=0,
        token_version=0,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def disable_user(session: Session, username: str) -> User:
    """Refuse every further login and revoke every token of the user."""
    user = get_user(session, username)
    user.active = False
    user.token_version += 1
    session.flush()
    return user


def enable_user(session: Session, username: str) -> User:
    """Let a disabled user log in again (old tokens stay revoked)."""
    user = get_user(session, username)
    user.active = True
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return user


def reset_password(session: Session, username: str, password: str) -> User:
    """Set a new password, unlock the account and revoke the user's tokens."""
    check_password(password)
    user = get_user(session, username)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.token_version += 1
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str, *, now: datetime) -> User:
    """The user if the password is right and the account usable; counts failures and locks.

    The caller commits even when this raises, so that failures are counted.
    """
    user = session.scalar(select(User).where(User.username == username[:64]))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        raise Unauthenticated(LOGIN_REFUSED)
    if user.locked_until is not None and user.locked_until > now:
        raise Unauthenticated(LOGIN_REFUSED)
    if not ok:
        user.failed_logins += 1
        if user.failed_logins >= LOCKOUT_THRESHOLD:
            user.locked_until = now + LOCKOUT_DURATION
            user.failed_logins = 0
        session.flush()
        raise Unauthenticated(LOGIN_REFUSED)
    if not user.active:
        raise Unauthenticated(LOGIN_REFUSED)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now  # written with the caller's commit, under the user's name
    return user


def end_session(session: Session, claims: TokenClaims, *, now: datetime) -> None:
    """Refuse the token of session `claims` from now on (logout); forget ended sessions that
    have expired anyway."""
    session.execute(delete(EndedSession).where(EndedSession.expires_at <= now))
    if session.get(EndedSession, claims.session_id) is None:
        session.add(
            EndedSession(
                session_id=claims.session_id,
                user_id=claims.user_id,
                ended_at=now,
                expires_at=datetime.fromtimestamp(claims.expires_at, UTC),
            )
        )


def session_ended(session: Session, session_id: str) -> bool:
    """Whether the signed session `session_id` was ended before it expired."""
    return session.get(EndedSession, session_id) is not None


def query_users(
    *, department: str | None = None, role: str | None = None, active: bool | None = None
) -> Select[User]:
    """Users ordered by username, filtered."""
    query = (
        select(User)
        .options(selectinload(User.department).selectinload(Department.region))
        .order_by(User.username)
    )
    if department is not None:
        query = query.where(User.department.has(Department.code == department))
    if active is not None:
        query = query.where(User.active == active)
    if role is not None:
        # Roles are a JSON list of names from a fixed set, so the quoted name is unambiguous.
        query = query.where(cast(User.roles, String).contains(f'"{role}"', autoescape=True))
    return query


def user_scopes(session: Session, user: User) -> tuple[Scope, Scope]:
    """(read scope, write scope) of a user; see docs/security.md for the rules."""
    if "administrator" in user.roles:
        return ALL, ALL
    dept = user.department
    if dept is None:
        nothing = Scope(region_paths=(), fields=frozenset())
        return nothing, nothing
    fields = frozenset(f.code for f in dept.fields) or None
    own = Scope(region_paths=(dept.region.path,), fields=fields)
    shares = session.scalars(
        select(ScopeShare)
        .options(selectinload(ScopeShare.region))
        .where(ScopeShare.department_id == dept.id)
    ).all()
    return widen(own, shares), own


def widen(own: Scope, shares: Sequence[ScopeShare]) -> Scope:
    """`own` widened by shares: their regions added to the subtrees, their fields to the fields."""
    paths = list(own.region_paths or ())
    fields = set(own.fields) if own.fields is not None else None
    for share in shares:
        if share.region is not None and share.region.path not in paths:
            paths.append(share.region.path)
        if share.field_code is not None and fields is not None:
            fields.add(share.field_code)
    return Scope(
        region_paths=tuple(paths),
        fields=frozenset(fields) if fields is not None else None,
    )


def principal_for(session: Session, user: User, *, session_id: str | None = None) -> Principal:
    """The Principal acting for `user`."""
    read, write = user_scopes(session, user)
    return Principal(
        kind="user",
        name=user.username,
        id=user.id,
        department_id=user.department_id,
        roles=frozenset(user.roles),
        scope=read,
        write_scope=write,
        session_id=session_id,
    )


def region_codes(scope: Scope) -> list[str] | None:
    """Codes of the regions heading the scope's subtrees (None: everywhere)."""
    if scope.region_paths is None:
        return None
    return [p.strip("/").rsplit("/", 1)[-1] for p in scope.region_paths if p.strip("/")]


def region_of(session: Session, code: str) -> Region:
    """The region with `code`."""
    region = session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise NotFound(f"region {code!r} not found", details={"region": code})
    return region
