"""One detector rule bound to the series it matches: state arrays and batch processing.

Rows are (rule, series) pairs; ``row_of[dense series index]`` gives a series' row or -1. The
detector state is ``det`` (rows x width float64), the level machine's is ``levels``. Thresholds
are one shared (1, 4, 2) array, or one per row when the rule refers to site labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from forewarn.detect import levels as lm
from forewarn.detect.conditions import Unresolved
from forewarn.detect.labels import SeriesInfo, fingerprint, identifying, matches_all
from forewarn.detect.ruleset import DetectorRule

POLICY = {"keep": lm.KEEP, "normal": lm.TREAT_NORMAL, "alerting": lm.ALERTING}
NO_EXPECT = 2**60  # "never missing" for series without an interval


@dataclass
class RawEvents:
    """Level-machine events of one rule from one call, before they become signals."""

    runtime: RuleRuntime
    ints: NDArray[np.int64]
    floats: NDArray[np.float64]


def _resolve_thresholds(rule: DetectorRule, info: SeriesInfo) -> NDArray[np.float64]:
    """The rule's thresholds for one series, checked for order; raise Unresolved."""
    thr = np.zeros((4, 2), dtype=np.float64)
    for lr in rule.levels:
        k = int(lr.level) - 1
        thr[k, 0] = lr.enter.threshold.resolve(info.site_labels)
        thr[k, 1] = lr.exit.threshold.resolve(info.site_labels)
        up = lr.enter.upward
        if (thr[k, 1] > thr[k, 0]) if up else (thr[k, 1] < thr[k, 0]):
            raise Unresolved(f"{lr.level.label}: exit {thr[k, 1]:g} overlaps enter {thr[k, 0]:g}")
    enters = [float(thr[int(lr.level) - 1, 0]) for lr in rule.levels]
    steps = np.diff(enters) if rule.levels[0].enter.upward else -np.diff(enters)
    if np.any(steps <= 0):
        shown = ", ".join(f"{e:g}" for e in enters)
        raise Unresolved(f"enter thresholds {shown} are not ordered by level")
    return thr


class RuleRuntime:
    """A detector rule and its rows."""

    def __init__(self, rule: DetectorRule, *, start_ms: int | None) -> None:
        self.rule = rule
        self.spec = rule.detector
        self.kparams = self.spec.prepare(rule.params)
        self.start_ms = start_ms
        self.ops = np.zeros((4, 2), dtype=np.int64)
        for lr in rule.levels:
            self.ops[int(lr.level) - 1] = (lr.enter.op, lr.exit.op)
        self.per_row = any(
            c.threshold.label is not None for lr in rule.levels for c in (lr.enter, lr.exit)
        )
        silence = self.spec.mode == "silence"
        self.cfg = np.array(
            [
                round(rule.for_s * 1000),
                round(rule.keep_s * 1000),
                POLICY[rule.missing_policy],
                int(rule.missing_level),
                lm.MODE_SILENCE if silence else lm.MODE_VALUE,
            ],
            dtype=np.int64,
        )
        self.row_of = np.empty(0, dtype=np.int64)
        self.series: list[SeriesInfo] = []
        self.fingerprints: list[str] = []
        self.det = self.spec.init(0, rule.params, ())
        self.levels = lm.LevelState(0, start_ms=start_ms, expect_ms=np.empty(0, dtype=np.int64))
        self.thr = np.zeros((0 if self.per_row else 1, 4, 2), dtype=np.float64)
        if not self.per_row:
            self.thr[0] = _resolve_thresholds(rule, SeriesInfo("", {}))
        self.bind_errors: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.series)

    def _expect_ms(self, info: SeriesInfo) -> int:
        if self.spec.mode == "silence":
            return round(float(self.rule.params.interval_s(info)) * 1000)
        if not self.rule.missing_factor:
            return round(self.rule.missing_after * 1000)
        if info.interval_s <= 0:
            return NO_EXPECT
        return round(self.rule.missing_after * info.interval_s * 1000)

    def bind(
        self, infos: Sequence[SeriesInfo], first_dense: int, *, since_ms: int | None = None
    ) -> None:
        """Add rows for the matching series among `infos` (dense indices from `first_dense`);
        their silence and missing-data clocks start at `since_ms` (default: the engine's
        start), so a series watched from now on is not silent since the engine started."""
        self.row_of = np.concatenate([self.row_of, np.full(len(infos), -1, dtype=np.int64)])
        chosen: list[tuple[int, SeriesInfo, NDArray[np.float64] | None]] = []
        for offset, info in enumerate(infos):
            if not matches_all(self.rule.matchers, info):
                continue
            problem = self.spec.check_series(self.rule.params, info)
            thr = None
            try:
                if problem is None and self.per_row:
                    thr = _resolve_thresholds(self.rule, info)
            except Unresolved as exc:
                problem = f"levels: {exc}"
            if problem is not None:
                self.bind_errors[str(info.id)] = problem
                continue
            chosen.append((first_dense + offset, info, thr))
        if chosen:
            self._grow(chosen, self.start_ms if since_ms is None else since_ms)

    def _grow(
        self, chosen: list[tuple[int, SeriesInfo, NDArray[np.float64] | None]], since_ms: int | None
    ) -> None:
        base = len(self.series)
        new = [info for _, info, _ in chosen]
        for j, (dense, _info, _) in enumerate(chosen):
            self.row_of[dense] = base + j
        self.series.extend(new)
        self.fingerprints.extend(fingerprint(self.rule.id, identifying(i)) for i in new)
        self.det = np.concatenate([self.det, self.spec.init(len(new), self.rule.params, new)])
        expect = np.array([self._expect_ms(i) for i in new], dtype=np.int64)
        more = lm.LevelState(len(new), start_ms=since_ms, expect_ms=expect)
        st = self.levels
        st.lt, st.lv, st.ls = (
            np.concatenate([st.lt, more.lt]),
            np.concatenate([st.lv, more.lv]),
            np.concatenate([st.ls, more.ls]),
        )
        if self.per_row:
            self.thr = np.concatenate([self.thr, np.stack([t for _, _, t in chosen])])  # type: ignore[misc]
        lm.refresh_due(self.cfg, self.thr, self.ops, st.lt, st.ls)

    def state_bytes_per_row(self) -> float:
        """Detector plus level-machine state (and per-row thresholds) per row."""
        n = max(len(self), 1)
        per_row_thr = self.thr.nbytes if self.per_row else 0
        return (self.det.nbytes + per_row_thr) / n + lm.STATE_BYTES

    def process(
        self,
        dense: NDArray[np.int64],
        t_ms: NDArray[np.int64],
        t_s: NDArray[np.float64],
        x: NDArray[np.float64],
        floor_ms: int,
    ) -> RawEvents | None:
        """Run the detector and the level machine over the readings of bound series."""
        rows = self.row_of[dense]
        keep = rows >= 0
        if not keep.all():
            if not keep.any():
                return None
            rows, t_ms, t_s, x = rows[keep], t_ms[keep], t_s[keep], x[keep]
        n = rows.size
        measure, score, base, scale = (np.empty(n) for _ in range(4))
        if self.spec.outputs == "full":
            self.spec.step(self.det, rows, t_s, x, self.kparams, measure, score, base, scale)
        else:
            self.spec.step(self.det, rows, t_s, x, self.kparams, score)
            measure[:] = score
            base[:] = np.nan
            scale[:] = np.nan
        st = self.levels
        buffer = _Buffer(2 * n + 64)
        done = 0
        while done < n:
            done, buffer.count = lm.step(
                rows, t_ms, x, measure, score, base, scale, done, floor_ms,
                self.cfg, self.thr, self.ops, st.lt, st.lv, st.ls,
                buffer.ints, buffer.floats, buffer.count,
            )  # fmt: skip
            buffer.grow_if(done < n)
        return RawEvents(self, *buffer.used())

    def advance(self, now_ms: int) -> RawEvents | None:
        """Fire the timers due at or before `now_ms`."""
        st = self.levels
        due = np.flatnonzero(st.lt[:, lm.T_DUE] <= now_ms)
        if due.size == 0:
            return None
        buffer = _Buffer(4 * due.size + 64)
        done = 0
        while done < due.size:
            done, buffer.count = lm.advance(
                due, done, now_ms, self.cfg, self.thr, self.ops, st.lt, st.lv, st.ls,
                buffer.ints, buffer.floats, buffer.count,
            )  # fmt: skip
            buffer.grow_if(done < due.size)
        return RawEvents(self, *buffer.used())


class _Buffer:
    """A growable event buffer for the level kernels."""

    def __init__(self, capacity: int) -> None:
        self.ints = np.empty((capacity, 7), dtype=np.int64)
        self.floats = np.empty((capacity, 5), dtype=np.float64)
        self.count = 0

    def grow_if(self, needed: bool) -> None:
        if needed:
            self.ints = np.concatenate([self.ints, np.empty_like(self.ints)])
            self.floats = np.concatenate([self.floats, np.empty_like(self.floats)])

    def used(self) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        return self.ints[: self.count], self.floats[: self.count]
