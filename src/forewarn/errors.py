"""The forewarn exception tree, mapped to HTTP only at the edge (``forewarn.api.app``).

ForewarnError                 500  anything unexpected that we raise on purpose
├── NotFound                  404  no such object (or not visible in the caller's scope)
├── Conflict                  409  the request clashes with what is stored
│   └── InvalidTransition     409  a lifecycle action not allowed from the current status
├── InvalidInput              422  a record or field is wrong; `details` names them
├── PayloadTooLarge           413  body or batch over the documented limits
├── Unauthenticated           401  no or bad credentials
├── PermissionDenied          403  authenticated, but not allowed
└── RateLimited               429  too many requests; retry later
"""

from __future__ import annotations

from typing import Any


class ForewarnError(Exception):
    """Base of every error forewarn raises on purpose."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The wire shape ``{"error": {"code", "message", "details"}}``."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class NotFound(ForewarnError):
    """The object does not exist or is outside the caller's scope."""

    status_code = 404
    code = "not_found"


class Conflict(ForewarnError):
    """The request clashes with the stored state."""

    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    """A lifecycle action that the current status does not allow."""

    code = "invalid_transition"


class InvalidInput(ForewarnError):
    """Input that fails validation; ``details`` lists each problem with its location."""

    status_code = 422
    code = "invalid_input"


class PayloadTooLarge(ForewarnError):
    """A body or batch over the documented limits."""

    status_code = 413
    code = "payload_too_large"


class Unauthenticated(ForewarnError):
    """Missing or invalid credentials."""

    status_code = 401
    code = "unauthenticated"


class PermissionDenied(ForewarnError):
    """The caller is known but may not do this."""

    status_code = 403
    code = "permission_denied"


class RateLimited(ForewarnError):
    """Too many requests in a window."""

    status_code = 429
    code = "rate_limited"
