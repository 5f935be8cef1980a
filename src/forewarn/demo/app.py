"""Assemble the demo: store, history, users, the API app, the replay and the process jobs."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from forewarn.api.app import create_app
from forewarn.auth.demo import DemoUser, demo_users, ensure_demo_users
from forewarn.clock import ScaledClock, WallClock
from forewarn.config import Settings
from forewarn.db import session_scope
from forewarn.demo.duty import DemoDutyDesk
from forewarn.demo.generate import Generator
from forewarn.demo.incidents import script
from forewarn.demo.replay import Replayer
from forewarn.demo.setup import origin_datetime, prepare
from forewarn.jobs import wire_jobs
from forewarn.runtime import Runtime
from forewarn.warnings.policy import Policy, policy_from_document
from forewarn.yamlsource import read_yaml

DEMO_DEPARTMENTS = {"province": "620000-em", "city": "620100-em", "county": "620111-em"}


def all_demo_users() -> tuple[DemoUser, ...]:
    """The department users, plus the provincial leader who approves public releases."""
    leader = DemoUser("province.leader", "duty_officer", DEMO_DEPARTMENTS["province"],
                      "Provincial duty leader")  # fmt: skip
    return (*demo_users(**DEMO_DEPARTMENTS), leader)


@dataclass
class DemoInfo:
    """What the demo command prints."""

    origin: datetime
    fresh: bool
    logins: list[str] = field(default_factory=list)


def install_config(data_dir: Path) -> None:
    """Copy the demo's rules and policy into the data folder once (users may edit them)."""
    for name in ("rules.yaml", "policy.yaml"):
        target = data_dir / name
        if not target.exists():
            with resources.as_file(resources.files("forewarn.demo") / name) as source:
                shutil.copyfile(source, target)


def demo_policy(path: Path, webhook: str | None, time_zone: str) -> Policy:
    """The policy file, plus a catch-all webhook receiver when `--webhook` is given."""
    doc = read_yaml(path)
    if webhook:
        data: dict[str, Any] = doc.data
        data.setdefault("receivers", []).append(
            {"name": "demo-webhook", "targets": [{"channel": "webhook", "target": webhook}]}
        )
        data["routes"].setdefault("routes", []).insert(
            0, {"receiver": "demo-webhook", "continue": True}
        )
    return policy_from_document(doc, time_zone=time_zone)


def _logins(settings: Settings, sessions: Any, now: datetime) -> list[str]:
    with session_scope(sessions) as session:
        created = ensure_demo_users(session, settings=settings, now=now, users=all_demo_users())
    admin = next((c for c in created if c.password), None)
    if admin is not None:
        first = f"{admin.username} / {admin.password}   (generated; shown only now)"
    elif settings.admin_password is not None:
        first = "admin / the password in FOREWARN_ADMIN_PASSWORD"
    else:
        first = "admin / the password printed at the first start"
    shared = settings.demo_password.get_secret_value()
    names = ", ".join(u.username for u in all_demo_users())
    return [first, f"{names} / {shared}"]


def build_demo_app(
    settings: Settings, *, speed: float, seed: int, webhook: str | None = None
) -> tuple[FastAPI, DemoInfo]:
    """The demo's app with its replay and jobs wired to start with the server."""
    app = create_app(settings)
    sessions = app.state.sessions
    wall_now = WallClock().now()
    all_specs, origin_s, fresh = prepare(sessions, settings.data_dir, seed=seed, now=wall_now)
    install_config(settings.data_dir)
    logins = _logins(settings, sessions, wall_now)
    origin = origin_datetime(origin_s)
    clock = ScaledClock(origin=origin, speed=speed)
    app.state.clock = clock
    replayer = Replayer(
        sessions=sessions,
        directory=app.state.directory,
        generator=Generator(seed=seed, incidents=tuple(script()), origin_s=origin_s),
        specs=all_specs,
        last_s=origin_s,
        listeners=app.state.ingest_listeners,
    )
    runtime = Runtime(clock=clock, interval_s=1.0)
    runtime.add("replay", replayer)
    app.state.replayer = replayer
    policy = demo_policy(settings.data_dir / "policy.yaml", webhook, settings.timezone)
    wire_jobs(app, settings, clock=clock, runtime=runtime, policy=policy,
              policy_loader=lambda path: demo_policy(path, webhook, settings.timezone))  # fmt: skip
    runtime.add("demo-duty", DemoDutyDesk(sessions, settings))
    return app, DemoInfo(origin=origin, fresh=fresh, logins=logins)
