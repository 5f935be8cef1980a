"""Wire the clocked jobs of a running platform: detection -> warnings -> publishing -> delivery.

`forewarn serve` and `forewarn demo` both call `wire_jobs`; production can run the same jobs in
separate worker processes (each is a plain callable of `now` over a session factory).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from forewarn.clock import Clock, WallClock
from forewarn.config import Settings
from forewarn.db import session_scope
from forewarn.detect.live import DetectionJob, warm_up
from forewarn.detect.ruleset import RuleSet
from forewarn.detect.signals import Signal, SignalState
from forewarn.notify.job import DeliveryJob
from forewarn.publish.jobs import PublishJob
from forewarn.runtime import Runtime
from forewarn.timeutil import to_ms
from forewarn.warnings.desk import Desk
from forewarn.warnings.jobs import WarningsJob
from forewarn.warnings.policy import Policy, default_policy, load_policy
from forewarn.yamlsource import ConfigInvalid

log = logging.getLogger(__name__)
SNAPSHOT = "engine.snapshot"


@dataclass
class PolicyWatcher:
    """A job that reloads the policy file when it changes, keeping the last good policy."""

    path: Path
    desk: Desk
    load: Callable[[Path], Policy] = load_policy
    mtime: float = 0.0

    def __post_init__(self) -> None:
        self.mtime = self.path.stat().st_mtime

    def __call__(self, now: datetime) -> None:
        """Reload if the file changed; a policy with errors is refused and logged."""
        mtime = self.path.stat().st_mtime
        if mtime == self.mtime:
            return
        self.mtime = mtime
        try:
            self.desk.policy = self.load(self.path)
        except ConfigInvalid as exc:
            log.error("policy file %s refused; keeping the last good policy:\n%s", self.path, exc)
            return
        log.info("notification policy reloaded from %s", self.path)


@dataclass
class Wiring:
    """What `wire_jobs` built, for the caller to start, inspect or stop."""

    runtime: Runtime
    detection: DetectionJob | None
    warnings: WarningsJob
    delivery: DeliveryJob
    warm_up_signals: int = 0


def open_signals(signals: list[Signal]) -> list[Signal]:
    """The last signal of each fingerprint whose state is still open (pending or firing)."""
    last: dict[str, Signal] = {}
    for signal in signals:
        last[signal.fingerprint] = signal
    return [s for s in last.values() if s.state is not SignalState.RESOLVED]


def load_ruleset(settings: Settings, rules: Path | RuleSet | None) -> Path | RuleSet | None:
    """The rules to run: given, or from the settings; None when there are none."""
    if rules is not None:
        return rules
    path = settings.config_file("rules")
    if path is None:
        log.warning("no rules file (FOREWARN_RULES_FILE or data_dir/rules.yaml): no detection")
    return path


def load_desk(settings: Settings, policy: Policy | None) -> Desk:
    """The warnings desk with the given policy, the configured file, or the built-in one."""
    if policy is None:
        path = settings.config_file("policy")
        policy = (
            load_policy(path, time_zone=settings.timezone) if path is not None else default_policy()
        )
    return Desk(policy)


def _detection(
    app: FastAPI, settings: Settings, rules: Path | RuleSet, sink: WarningsJob, now: datetime
) -> tuple[DetectionJob, int]:
    """The detection job, restored from its snapshot or warmed up on the stored history."""
    snapshot = settings.data_dir / SNAPSHOT
    job = DetectionJob(
        app.state.sessions,
        rules,
        sink.sink,
        start=now,
        snapshot_path=snapshot,
        snapshot_every_s=30.0,
    )
    since = max(job.engine.clock_ms, 0) if snapshot.exists() else 0
    with session_scope(app.state.sessions) as session:
        signals = warm_up(job.engine, session, since_ms=since, until_ms=to_ms(now))
    still_open = open_signals(signals)
    if still_open:
        sink.sink(still_open, now)
    job.save()
    app.state.ingest_listeners.append(job.on_readings)
    app.state.rules = job.engine.rules
    app.state.detection = job  # the rules API follows the engine through rule reloads
    return job, len(signals)


def wire_jobs(
    app: FastAPI,
    settings: Settings,
    *,
    clock: Clock,
    runtime: Runtime | None = None,
    rules: Path | RuleSet | None = None,
    policy: Policy | None = None,
    policy_loader: Callable[[Path], Policy] | None = None,
) -> Wiring:
    """Add detection, warnings, publishing and delivery to the app's process loop.

    The rules file and the policy file are watched: an edit takes effect on the next tick, and a
    file with errors is refused (logged) while the last good configuration keeps running.
    """
    runtime = runtime or Runtime(clock=clock)
    now = clock.now()
    warnings = WarningsJob(app.state.sessions, load_desk(settings, policy))
    policy_path = settings.config_file("policy")
    if policy_path is not None:
        loader = policy_loader or partial(load_policy, time_zone=settings.timezone)
        runtime.add("policy", PolicyWatcher(policy_path, warnings.desk, loader))
    app.state.warnings_desk = warnings.desk  # people's acts (manual escalation) use its policy
    source = load_ruleset(settings, rules)
    detection, warmed = (None, 0)
    if source is not None:
        detection, warmed = _detection(app, settings, source, warnings, now)
        runtime.add("detect", detection)
    runtime.add("warnings", warnings)
    runtime.add("publish", PublishJob(app.state.sessions, settings))
    delivery = DeliveryJob.create(app.state.sessions, settings, clock=WallClock())
    runtime.add("deliver", delivery)
    app.state.runtime = runtime

    async def start() -> None:
        runtime.start()

    async def stop() -> None:
        runtime.stop()
        if detection is not None:
            detection.save()
        delivery.close()

    app.state.on_startup.append(start)
    app.state.on_shutdown.append(stop)
    return Wiring(runtime, detection, warnings, delivery, warmed)
