"""Permissions and the roles that grant them; each endpoint declares the permission it needs.

Roles only say *what* a caller may do; *where* (regions and fields) is the caller's scope
(``forewarn.scope``), applied by the services. ``docs/security.md`` has the table of roles.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    """Everything an endpoint or command may require."""

    CATALOGUE_READ = "catalogue:read"
    CATALOGUE_WRITE = "catalogue:write"
    READINGS_READ = "readings:read"
    READINGS_WRITE = "readings:write"
    RULES_READ = "rules:read"
    WARNINGS_READ = "warnings:read"
    WARNINGS_ACK = "warnings:ack"
    WARNINGS_ASSIGN = "warnings:assign"
    WARNINGS_COMMENT = "warnings:comment"
    WARNINGS_ESCALATE = "warnings:escalate"
    WARNINGS_LIFT = "warnings:lift"
    WARNINGS_PUBLISH_DRAFT = "warnings:publish-draft"
    WARNINGS_PUBLISH_APPROVE = "warnings:publish-approve"
    SILENCES_READ = "silences:read"
    SILENCES_WRITE = "silences:write"
    USERS_READ = "users:read"
    USERS_WRITE = "users:write"
    AUDIT_READ = "audit:read"
    METRICS_READ = "metrics:read"
    DEVICES_READ = "devices:read"
    DEVICES_WRITE = "devices:write"
    SHARES_READ = "shares:read"
    SHARES_WRITE = "shares:write"


P = Permission
_READ = {P.CATALOGUE_READ, P.READINGS_READ, P.RULES_READ, P.WARNINGS_READ, P.SILENCES_READ}

ROLES: dict[str, frozenset[Permission]] = {
    "administrator": frozenset(P),
    "duty_officer": frozenset(
        _READ
        | {
            P.WARNINGS_ACK,
            P.WARNINGS_ASSIGN,
            P.WARNINGS_COMMENT,
            P.WARNINGS_ESCALATE,
            P.WARNINGS_LIFT,
            P.WARNINGS_PUBLISH_DRAFT,
            P.WARNINGS_PUBLISH_APPROVE,
            P.SILENCES_WRITE,
            P.READINGS_WRITE,  # manual readings (a gauge read by eye), within its own scope
        }
    ),
    "responder": frozenset(_READ | {P.WARNINGS_ACK, P.WARNINGS_COMMENT}),
    "inspector": frozenset(_READ | {P.WARNINGS_COMMENT}),
    "analyst": frozenset(_READ | {P.WARNINGS_COMMENT, P.WARNINGS_PUBLISH_DRAFT}),
    "viewer": frozenset({P.CATALOGUE_READ, P.READINGS_READ, P.WARNINGS_READ}),
    "device": frozenset({P.READINGS_WRITE}),
}


def granted(roles: frozenset[str] | set[str]) -> frozenset[Permission]:
    """Union of the permissions of `roles` (unknown roles grant nothing)."""
    out: set[Permission] = set()
    for role in roles:
        out |= ROLES.get(role, frozenset())
    return frozenset(out)


USER_ROLES = tuple(role for role in ROLES if role != "device")
"""Roles a user may hold; ``device`` belongs to device keys only."""
