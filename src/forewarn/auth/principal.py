"""Principal: who is calling (a user, a device, the system), with their roles and scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from forewarn.scope import ALL, Scope


@dataclass(frozen=True)
class Principal:
    """The caller of a request, command or job; ``name`` is the actor recorded on time lines.

    ``scope`` is what the caller may *see* (its department's region subtree and fields plus
    what was shared with the department); ``write_scope`` is what it may *act on* (shares are
    read-only), None meaning the same as ``scope``.
    """

    kind: Literal["user", "device", "system"]
    name: str
    id: int | None = None
    department_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    scope: Scope = ALL
    device_sites: frozenset[int] | None = None
    write_scope: Scope | None = None
    # Web session id when authenticated by the session cookie (binds the CSRF token).
    session_id: str | None = None

    def has(self, permission: str) -> bool:
        """Whether any of the principal's roles grants `permission`."""
        from forewarn.auth.permissions import granted

        return self.kind == "system" or permission in granted(self.roles)

    @property
    def acting_scope(self) -> Scope:
        """The scope in which the principal may change things."""
        return self.write_scope if self.write_scope is not None else self.scope

    @property
    def actor(self) -> str:
        """How the principal is named in the audit log, e.g. ``user:alice``."""
        return f"{self.kind}:{self.name}"


SYSTEM = Principal(kind="system", name="system", roles=frozenset({"administrator"}))
