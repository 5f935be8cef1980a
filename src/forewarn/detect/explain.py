"""Turn level-machine events into signals that explain themselves.

Each signal carries the rule, the detector and its parameters, the reading's value, the measure,
the baseline and scale (or expected count and upper bound) it was compared with, the threshold
of its level, the cause of the transition, when the episode started, the rendered message and
the rendered annotations (what to watch, measures to take). NaN becomes null (JSON-safe).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from forewarn.common import Level
from forewarn.detect import levels as lm
from forewarn.detect.runtime import RawEvents, RuleRuntime
from forewarn.detect.signals import Signal, SignalState
from forewarn.detect.templates import render
from forewarn.timeutil import format_duration, from_ms

LEVEL_ZH = {1: "蓝色", 2: "黄色", 3: "橙色", 4: "红色"}
TRANSITION = {
    lm.EV_PENDING: "pending",
    lm.EV_FIRING: "firing",
    lm.EV_LEVEL: "level",
    lm.EV_RESOLVED: "resolved",
}
STATE = {
    lm.EV_PENDING: SignalState.PENDING,
    lm.EV_FIRING: SignalState.FIRING,
    lm.EV_LEVEL: SignalState.FIRING,
    lm.EV_RESOLVED: SignalState.RESOLVED,
}
CAUSE = {
    lm.CAUSE_READING: "reading",
    lm.CAUSE_FOR: "for",
    lm.CAUSE_KEEP: "keep_firing_for",
    lm.CAUSE_MISSING: "missing_data",
    lm.CAUSE_SILENCE: "silence",
    lm.CAUSE_RETIRED: "rule_removed",
}
PREVIOUS = {lm.NORMAL: "normal", lm.PENDING: "pending", lm.FIRING: "firing"}


def clean(value: float) -> float | None:
    """A float for JSON: NaN and infinities become None."""
    return float(value) if math.isfinite(value) else None


def iso(at: datetime) -> str:
    """ISO 8601 with ``Z``."""
    return at.isoformat().replace("+00:00", "Z")


def level_values(level: Level | None) -> dict[str, str]:
    """Template variables describing a level."""
    if level is None:
        return {"level": "", "level_roman": "", "level_zh": "", "level_name": ""}
    return {
        "level": level.label,
        "level_roman": level.roman,
        "level_zh": LEVEL_ZH[int(level)],
        "level_name": level.label.capitalize(),
    }


def render_all(
    message: str, annotations: dict[str, str], values: dict[str, Any], labels: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """The rendered message and annotations."""
    rendered = {k: render(v, values, labels) for k, v in annotations.items()}
    return render(message, values, labels), rendered


def _threshold(rt: RuleRuntime, row: int, level: int) -> dict[str, Any] | None:
    rule = next((lr for lr in rt.rule.levels if int(lr.level) == level), None)
    if rule is None:
        return None
    thr = rt.thr[row if rt.per_row else 0, level - 1]
    return {
        "level": rule.level.label,
        "enter": str(rule.enter),
        "exit": str(rule.exit),
        "enter_value": clean(thr[0]),
        "exit_value": clean(thr[1]),
    }


@dataclass(frozen=True)
class _Event:
    """One level-machine event, decoded."""

    row: int
    at: datetime
    started: datetime
    kind: int
    level: Level | None
    cause: int
    prev: int
    measure: float
    score: float
    value: float
    base: float
    scale: float

    @classmethod
    def decode(cls, ints: Any, floats: Any) -> _Event:
        row, at_ms, started_ms, kind, level_no, cause, prev = (int(v) for v in ints)
        started = from_ms(started_ms if started_ms > lm.NEVER else at_ms)
        level = Level(level_no) if level_no else None
        numbers = (float(v) for v in floats)
        return cls(row, from_ms(at_ms), started, kind, level, cause, prev, *numbers)


def _template_values(
    rt: RuleRuntime, ev: _Event, threshold: dict[str, Any] | None
) -> dict[str, Any]:
    elapsed = (ev.at - ev.started).total_seconds()
    return {
        "value": ev.value,
        "measure": ev.measure,
        "score": ev.score,
        "baseline": ev.base,
        "scale": ev.scale,
        "threshold": threshold["enter_value"] if threshold else None,
        "duration_s": elapsed,
        "duration": format_duration(round(elapsed)),
        "rule": rt.rule.id,
        "rule_name": rt.rule.name,
        "detector": rt.spec.name,
        "state": TRANSITION[ev.kind],
        "at": iso(ev.at),
        "started_at": iso(ev.started),
        **level_values(ev.level),
    }


def _explanation(
    rt: RuleRuntime, ev: _Event, threshold: dict[str, Any] | None, annotations: dict[str, str]
) -> dict[str, Any]:
    rule = rt.rule
    return {
        "rule": rule.id,
        "rule_name": rule.name,
        **({"rule_name_en": rule.name_en} if rule.name_en else {}),
        "field": rule.field,
        "detector": rt.spec.name,
        "params": rule.params_doc,
        "transition": TRANSITION[ev.kind],
        "cause": CAUSE[ev.cause],
        "previous_state": PREVIOUS[ev.prev],
        "value": clean(ev.value),
        "measure": clean(ev.measure),
        "score": clean(ev.score),
        rt.spec.base_name: clean(ev.base),
        rt.spec.scale_name: clean(ev.scale),
        "threshold": threshold,
        "for_s": rule.for_s,
        "keep_firing_for_s": rule.keep_s,
        "missing_data": ev.cause == lm.CAUSE_MISSING,
        "started_at": iso(ev.started),
        "annotations": annotations,
    }


def to_signal(rt: RuleRuntime, ints: Any, floats: Any) -> Signal:
    """One event of `rt` as a signal."""
    ev = _Event.decode(ints, floats)
    rule = rt.rule
    threshold = _threshold(rt, ev.row, int(ev.level)) if ev.level else None
    labels = rt.series[ev.row].all_labels()
    template = rule.resolved_message if ev.kind == lm.EV_RESOLVED else rule.message
    values = _template_values(rt, ev, threshold)
    message, annotations = render_all(template, rule.annotations, values, labels)
    return Signal(
        rule=rule.id,
        fingerprint=rt.fingerprints[ev.row],
        labels=labels,
        state=STATE[ev.kind],
        level=ev.level,
        at=ev.at,
        started_at=ev.started,
        value=clean(ev.value),
        score=clean(ev.score) or 0.0,
        message=message,
        explanation=_explanation(rt, ev, threshold, annotations),
    )


def signals_of(batches: list[RawEvents]) -> list[tuple[int, int, int, Signal]]:
    """(time, rule index, row, signal) of every event, in kernel order."""
    out = []
    for batch in batches:
        index = batch.runtime.rule.index
        for ints, floats in zip(batch.ints, batch.floats, strict=True):
            sig = to_signal(batch.runtime, ints, floats)
            out.append((int(ints[lm.E_AT]), index, int(ints[lm.E_ROW]), sig))
    return out


def retired_signals(rt: RuleRuntime, at_ms: int, rows: Sequence[int] | None = None) -> list[Signal]:
    """A resolved signal for every open (pending or firing) row of `rt` among `rows` (default:
    all) that nothing will judge any more (its rule taken out of the file, its series no longer
    selected by it): their warnings end here."""
    open_rows = np.flatnonzero(rt.levels.ls[:, lm.S_STATE] != lm.NORMAL)
    if rows is not None:
        open_rows = np.intersect1d(open_rows, np.asarray(rows, dtype=np.int64))
    out = []
    for row in open_rows.tolist():
        ls = rt.levels.ls[row]
        ints = (row, at_ms, rt.levels.lt[row, lm.T_COND], lm.EV_RESOLVED, ls[lm.S_LEVEL],
                lm.CAUSE_RETIRED, ls[lm.S_STATE])  # fmt: skip
        out.append(to_signal(rt, ints, rt.levels.lv[row]))
    return out
