"""Principal: who is calling (a user, a device, the system), with their roles and scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from forewarn.scope import ALL, Scope


@dataclass(frozen=True)
class Principal:
    """The caller of a request, command or job; ``name`` is the actor recorded on time lines."""

    kind: Literal["user", "device", "system"]
    name: str
    id: int | None = None
    department_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    scope: Scope = ALL
    device_sites: frozenset[int] | None = None

    def has(self, permission: str) -> bool:
        """Whether any of the principal's roles grants `permission`."""
        from forewarn.auth.permissions import granted

        return self.kind == "system" or permission in granted(self.roles)


SYSTEM = Principal(kind="system", name="system", roles=frozenset({"administrator"}))
