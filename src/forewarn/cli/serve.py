"""``forewarn serve``: run the platform (HTTP API and the engine's clocked loop) in one process."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from forewarn.api.app import create_app
from forewarn.cli.common import DataDir, console, settings_for, setup_logging
from forewarn.clock import WallClock
from forewarn.config import server_options
from forewarn.jobs import wire_jobs


def serve(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
) -> None:
    """Serve the platform: the HTTP API and web console, detection, warnings and delivery."""
    settings = settings_for(data_dir)
    updates = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = settings.model_copy(update=updates)
    setup_logging(settings)
    app = create_app(settings)
    wiring = wire_jobs(app, settings, clock=WallClock())
    if wiring.detection is not None:
        console.print(f"detection: {len(wiring.detection.engine.rules.rules)} rules")
    console.print(f"forewarn serving on http://{settings.host}:{settings.port}/", markup=False)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        **server_options(settings),
    )
