"""The platform's own metrics in the Prometheus text format at ``/metrics``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forewarn.api.deps import SessionDep, require
from forewarn.auth.permissions import Permission
from forewarn.notify.models import Notification
from forewarn.readings.models import Reading
from forewarn.warnings.models import Warning

router = APIRouter(tags=["platform"])
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class IngestCounter:
    """An ingest listener counting the readings stored by this process."""

    def __init__(self) -> None:
        self.readings = 0
        self.batches = 0

    def __call__(self, accepted: Any) -> None:
        """Count one stored batch."""
        self.readings += len(accepted.series)
        self.batches += 1


def _label(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def family(
    name: str, kind: str, help_: str, samples: Iterable[tuple[dict[str, Any], float]]
) -> str:
    """One metric family: HELP, TYPE and its samples."""
    lines = [f"# HELP {name} {help_}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        inner = ",".join(f'{k}="{_label(v)}"' for k, v in sorted(labels.items()))
        lines.append(f"{name}{{{inner}}} {value:g}" if inner else f"{name} {value:g}")
    return "\n".join(lines)


def store_families(session: Session) -> list[str]:
    """Gauges read from the store: open warnings, outbox, stored readings."""
    warnings = session.execute(
        select(Warning.status, Warning.level, func.count())
        .where(Warning.status.in_(("pending", "active", "acknowledged")))
        .group_by(Warning.status, Warning.level)
    ).all()
    outbox = session.execute(
        select(Notification.status, func.count()).group_by(Notification.status)
    ).all()
    readings = session.scalar(select(func.count()).select_from(Reading)) or 0
    return [
        family(
            "forewarn_warnings_open",
            "gauge",
            "Open warnings by status and level.",
            (({"status": s, "level": lv or 0}, n) for s, lv, n in warnings),
        ),
        family(
            "forewarn_notifications",
            "gauge",
            "Outbox notifications by status.",
            (({"status": s}, n) for s, n in outbox),
        ),
        family("forewarn_readings_stored", "gauge", "Readings in the store.", [({}, readings)]),
    ]


def process_families(state: Any) -> list[str]:
    """Counters of this process: ingest and the runtime loop's jobs."""
    out = []
    counter: IngestCounter | None = getattr(state, "ingest_counter", None)
    if counter is not None:
        readings: list[tuple[dict[str, Any], float]] = [({}, counter.readings)]
        out.append(
            family(
                "forewarn_ingested_readings_total",
                "counter",
                "Readings stored by this process.",
                readings,
            )
        )
    runtime = getattr(state, "runtime", None)
    if runtime is not None:
        stats = runtime.job_stats.items()
        out += [
            family(
                "forewarn_job_runs_total",
                "counter",
                "Runs of each background job.",
                (({"job": n}, v[0]) for n, v in stats),
            ),
            family(
                "forewarn_job_failures_total",
                "counter",
                "Failed runs of each job.",
                (({"job": n}, v[1]) for n, v in stats),
            ),
            family(
                "forewarn_job_seconds_total",
                "counter",
                "Time spent in each job.",
                (({"job": n}, v[2]) for n, v in stats),
            ),
            family(
                "forewarn_job_last_seconds",
                "gauge",
                "Duration of each job's last run.",
                (({"job": n}, v[3]) for n, v in stats),
            ),
        ]
    return out


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    dependencies=[require(Permission.METRICS_READ)],
)
def metrics(request: Request, session: SessionDep) -> PlainTextResponse:
    """Prometheus text exposition of the platform's own metrics."""
    text = "\n".join([*store_families(session), *process_families(request.app.state)]) + "\n"
    return PlainTextResponse(text, media_type=CONTENT_TYPE)
