"""Assemble the demo: store, history, the API app, the replay and the process loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fastapi import FastAPI

from forewarn.api.app import create_app
from forewarn.clock import ScaledClock, WallClock
from forewarn.config import Settings
from forewarn.demo.generate import Generator
from forewarn.demo.incidents import script
from forewarn.demo.replay import Replayer
from forewarn.demo.setup import origin_datetime, prepare
from forewarn.runtime import Runtime


@dataclass
class DemoInfo:
    """What the demo command prints."""

    origin: datetime
    fresh: bool
    logins: list[str] = field(default_factory=list)


def build_demo_app(
    settings: Settings, *, speed: float, seed: int, webhook: str | None = None
) -> tuple[FastAPI, DemoInfo]:
    """The demo's app with its replay and jobs wired to start with the server."""
    app = create_app(settings)
    sessions = app.state.sessions
    all_specs, origin_s, fresh = prepare(
        sessions, settings.data_dir, seed=seed, now=WallClock().now()
    )
    origin = origin_datetime(origin_s)
    clock = ScaledClock(origin=origin, speed=speed)
    app.state.clock = clock
    generator = Generator(seed=seed, incidents=tuple(script()), origin_s=origin_s)
    replayer = Replayer(
        sessions=sessions,
        directory=app.state.directory,
        generator=generator,
        specs=all_specs,
        last_s=origin_s,
        listeners=app.state.ingest_listeners,
    )
    runtime = Runtime(clock=clock, interval_s=1.0)
    runtime.add("replay", replayer)
    app.state.runtime = runtime
    app.state.replayer = replayer

    async def start() -> None:
        runtime.start()

    async def stop() -> None:
        runtime.stop()

    app.state.on_startup.append(start)
    app.state.on_shutdown.append(stop)
    return app, DemoInfo(origin=origin, fresh=fresh)
