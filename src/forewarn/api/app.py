"""The HTTP application: ``create_app(settings)`` mounts every router and the error mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from forewarn import __version__
from forewarn.api.errors import install_error_handlers
from forewarn.api.limits import BodySizeLimit
from forewarn.audit import listener as audit_listener
from forewarn.audit.routes import router as audit_router
from forewarn.auth.headers import SecurityHeaders
from forewarn.auth.middleware import Authenticate
from forewarn.auth.ratelimit import RateLimits
from forewarn.auth.routes import router as auth_router
from forewarn.catalogue.routes import router as catalogue_router
from forewarn.clock import WallClock
from forewarn.config import Settings
from forewarn.db import make_engine, make_session_factory
from forewarn.detect.routes import router as rules_router
from forewarn.ingest.directory import DirectoryCache
from forewarn.metrics import IngestCounter
from forewarn.metrics import router as metrics_router
from forewarn.migrate import upgrade
from forewarn.notify.routes import router as notify_router
from forewarn.publish.routes import feeds as feeds_router
from forewarn.publish.routes import router as publish_router
from forewarn.readings.routes import router as readings_router
from forewarn.warnings.routes import router as warnings_router
from forewarn.web.routes import mount_web

API = "/api/v1"


def _health_router() -> APIRouter:
    router = APIRouter(tags=["platform"])

    @router.get("/health")
    def health() -> dict[str, str]:
        """Liveness: ``{"status": "ok"}``."""
        return {"status": "ok"}

    return router


def create_app(settings: Settings, *, migrate: bool = True, **state: Any) -> FastAPI:
    """Build the app for `settings`; extra keyword arguments are set on ``app.state``."""
    engine = make_engine(settings.effective_database_url)
    if migrate:
        upgrade(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for start in app.state.on_startup:
            await start()
        yield
        for stop in reversed(app.state.on_shutdown):
            await stop()
        engine.dispose()

    app = FastAPI(
        title="forewarn",
        version=__version__,
        description="Public-safety risk monitoring, early warning and closed-loop risk governance.",
        openapi_url=f"{API}/openapi.json",
        docs_url=f"{API}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_session_factory(engine)
    app.state.directory = DirectoryCache()
    app.state.clock = WallClock()
    app.state.ingest_counter = IngestCounter()
    app.state.ingest_listeners = [app.state.ingest_counter]
    app.state.rate_limits = RateLimits.from_settings(
        settings.login_attempts_per_min, settings.ingest_requests_per_s
    )
    app.state.on_startup = []
    app.state.on_shutdown = []
    for key, value in state.items():
        setattr(app.state, key, value)
    install_error_handlers(app)
    audit_listener.install()
    app.add_middleware(Authenticate)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    for router in (
        _health_router(),
        auth_router,
        audit_router,
        catalogue_router,
        readings_router,
        warnings_router,
        rules_router,
        publish_router,
        notify_router,
    ):
        app.include_router(router, prefix=API)
    app.include_router(feeds_router)
    app.include_router(metrics_router)
    mount_web(app)
    return app
