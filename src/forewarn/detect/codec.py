"""Signals to and from JSON-ready dicts (snapshots, backtest output, rule tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from forewarn.common import Level
from forewarn.detect.signals import Signal, SignalState


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def signal_to_dict(sig: Signal) -> dict[str, Any]:
    """A signal as plain JSON data (evidence nested)."""
    return {
        "rule": sig.rule,
        "fingerprint": sig.fingerprint,
        "labels": dict(sig.labels),
        "state": sig.state.value,
        "level": sig.level.label if sig.level else None,
        "at": sig.at.isoformat().replace("+00:00", "Z"),
        "started_at": sig.started_at.isoformat().replace("+00:00", "Z"),
        "value": sig.value,
        "score": sig.score,
        "message": sig.message,
        "explanation": sig.explanation,
        "evidence": [signal_to_dict(e) for e in sig.evidence],
    }


def signal_from_dict(data: dict[str, Any]) -> Signal:
    """The signal ``signal_to_dict`` wrote."""
    return Signal(
        rule=data["rule"],
        fingerprint=data["fingerprint"],
        labels=dict(data["labels"]),
        state=SignalState(data["state"]),
        level=Level.parse(data["level"]) if data["level"] else None,
        at=_time(data["at"]),
        started_at=_time(data["started_at"]),
        value=data["value"],
        score=data["score"],
        message=data["message"],
        explanation=data["explanation"],
        evidence=tuple(signal_from_dict(e) for e in data["evidence"]),
    )
