"""Signals: what the detection engine tells the warnings layer (the contract between them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from forewarn.common import Level


class SignalState(StrEnum):
    """Where a rule stands for one subject."""

    PENDING = "pending"  # condition holds, `for` not yet reached
    FIRING = "firing"  # condition held for `for`; the warning is active at `level`
    RESOLVED = "resolved"  # condition gone (after `keep_firing_for`)


@dataclass(frozen=True)
class Signal:
    """A change of a rule's state or level for one subject (a series, or a linkage group).

    The engine emits a signal only on change: entering pending, firing, a level change while
    firing, resolving. ``fingerprint`` identifies the subject (rule + identifying labels) and is
    stable across restarts, so the warnings layer keeps one warning per fingerprint.
    """

    rule: str
    fingerprint: str
    labels: dict[str, str]
    state: SignalState
    level: Level | None
    at: datetime
    started_at: datetime
    value: float | None = None
    score: float = 0.0
    message: str = ""
    explanation: dict[str, Any] = field(default_factory=dict)
    evidence: tuple[Signal, ...] = ()
