"""Errors on web pages: the forewarn error tree rendered as an HTML page, not JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from forewarn.errors import ForewarnError
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


def error_page(request: Request, status: int, message: str) -> Response:
    """The error page for `status` with the error's message."""
    _ = gettext(request)
    title = _(TITLES.get(status, N_("Something went wrong")))
    now = request.app.state.clock.now()
    context = {"title": title, "message": message, "status": status, "back": back_to(request)}
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
                return error_page(request, exc.status_code, exc.message)
            except RequestValidationError as exc:
                return error_page(request, 422, validation_message(exc))

        return run
