"""The console's routes and static files, mounted by ``forewarn.api.app.create_app``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from forewarn.web import (
    actions,
    desk,
    explorer,
    login,
    places,
    publishing,
    silencing,
    situation,
    warning,
)

STATIC = Path(__file__).parent / "static"

router = APIRouter(include_in_schema=False)
# The desk's fixed paths (/warnings/queue) come before the warning pages (/warnings/{id}).
for _module in (login, situation, desk, warning, actions, publishing, silencing, explorer, places):
    router.include_router(_module.router)


def mount_web(app: FastAPI) -> None:
    """Serve the pages at ``/`` and their assets at ``/static`` (all shipped in the package)."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
