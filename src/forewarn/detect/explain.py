"""Turn level-machine events into signals that explain themselves.

Each signal carries the rule, the detector and its parameters, the reading's value, the measure,
the baseline and scale (or expected count and upper bound) it was compared with, the threshold
of its level, the cause of the transition, when the episode started, the rendered message and
the rendered annotations (what to watch, measures to take). NaN becomes null (JSON-safe).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

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


def to_signal(rt: RuleRuntime, ints: Any, floats: Any) -> Signal:
    """One event of `rt` as a signal."""
    row, at_ms, started_ms, kind, level_no, cause, prev = (int(v) for v in ints)
    measure, score, value, base, scale = (float(v) for v in floats)
    info = rt.series[row]
    rule = rt.rule
    level = Level(level_no) if level_no else None
    threshold = _threshold(rt, row, level_no) if level_no else None
    at, started = from_ms(at_ms), from_ms(started_ms if started_ms > lm.NEVER else at_ms)
    labels = info.all_labels()
    values: dict[str, Any] = {
        "value": value,
        "measure": measure,
        "score": score,
        "baseline": base,
        "scale": scale,
        "threshold": threshold["enter_value"] if threshold else None,
        "duration_s": (at - started).total_seconds(),
        "duration": format_duration(round((at - started).total_seconds())),
        "rule": rule.id,
        "rule_name": rule.name,
        "detector": rt.spec.name,
        "state": TRANSITION[kind],
        "at": iso(at),
        "started_at": iso(started),
        **level_values(level),
    }
    template = rule.resolved_message if kind == lm.EV_RESOLVED else rule.message
    message, annotations = render_all(template, rule.annotations, values, labels)
    explanation = {
        "rule": rule.id,
        "rule_name": rule.name,
        "field": rule.field,
        "detector": rt.spec.name,
        "params": rule.params_doc,
        "transition": TRANSITION[kind],
        "cause": CAUSE[cause],
        "previous_state": PREVIOUS[prev],
        "value": clean(value),
        "measure": clean(measure),
        "score": clean(score),
        rt.spec.base_name: clean(base),
        rt.spec.scale_name: clean(scale),
        "threshold": threshold,
        "for_s": rule.for_s,
        "keep_firing_for_s": rule.keep_s,
        "missing_data": cause == lm.CAUSE_MISSING,
        "started_at": iso(started),
        "annotations": annotations,
    }
    return Signal(
        rule=rule.id,
        fingerprint=rt.fingerprints[row],
        labels=labels,
        state=STATE[kind],
        level=level,
        at=at,
        started_at=started,
        value=clean(value),
        score=clean(score) or 0.0,
        message=message,
        explanation=explanation,
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
