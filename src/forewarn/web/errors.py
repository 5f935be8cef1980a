"""Errors on web pages: the forewarn error tree rendered as an HTML page, not JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from forewarn.errors import (
    ForewarnError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from forewarn.web.format import STATUS_NAMES
from forewarn.web.i18n import N_
from forewarn.web.render import gettext, page

TITLES = {
    401: N_("Please sign in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    409: N_("Not possible now"),
    413: N_("Too large"),
    422: N_("Invalid input"),
    429: N_("Too many attempts"),
}


def back_to(request: Request) -> str | None:
    """Where "Back" leads: the referring page of this site, if any."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not referer.path.startswith("/"):
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


ACTS = {
    "ack": N_("acknowledge"),
    "assign": N_("assign"),
    "comment": N_("comment on"),
    "escalate": N_("escalate"),
    "lift": N_("lift"),
}
FIELDS = {
    "reason": N_("Reason"),
    "text": N_("Comment"),
    "comment": N_("Comment"),
    "assignee": N_("Assign to"),
}


def readable(request: Request, exc: ForewarnError) -> str | None:
    """The error in the reader's language, for the errors people meet at the console (None:
    only the service's own message, in English, says it)."""
    _: Callable[[str], str] = gettext(request)
    details = exc.details if isinstance(exc.details, dict) else {}
    if isinstance(exc, InvalidTransition) and details.get("action") in ACTS:
        status = STATUS_NAMES.get(str(details.get("status")), str(details.get("status")))
        return _("This warning is %(status)s now: you cannot %(act)s it.") % {
            "status": _(status), "act": _(ACTS[details["action"]])}  # fmt: skip
    if isinstance(exc, InvalidInput) and details.get("field") in FIELDS:
        return _("Please fill in “%(field)s” correctly.") % {"field": _(FIELDS[details["field"]])}
    if isinstance(exc, PermissionDenied):
        return _("Your role does not allow this.")
    if isinstance(exc, NotFound):
        return _("Not found, or outside your department's scope.")
    return None


def error_page(
    request: Request, status: int, message: str, *, explained: str | None = None
) -> Response:
    """The error page for `status`: the error said for people (`explained`) when known, and the
    service's own message."""
    _ = gettext(request)
    title = _(TITLES.get(status, N_("Something went wrong")))
    now = request.app.state.clock.now()
    context = {"title": title, "message": message, "explained": explained, "status": status,
               "back": back_to(request)}  # fmt: skip
    return page(request, "error.html", context, now=now, status_code=status)


def validation_message(exc: RequestValidationError) -> str:
    """The first problem of a validation error, naming its field."""
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path"))
        return f"{loc}: {err.get('msg', 'invalid')}"
    return "invalid request"


class WebRoute(APIRoute):
    """A route whose failures are pages: ForewarnError and validation errors become HTML."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the handler (dependencies included) so errors render as pages."""
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except ForewarnError as exc:
                explained = readable(request, exc)
                return error_page(request, exc.status_code, exc.message, explained=explained)
            except RequestValidationError as exc:
                return error_page(request, 422, validation_message(exc))

        return run
