"""The level machine: levels with hysteresis, ``for``, ``keep_firing_for`` and missing data.

One row per (rule, series). Each reading's measure sets the *condition level* by hysteresis:
the new level is the highest level whose ``enter`` condition holds, or which is at or below the
current level and whose ``exit`` condition does not hold (0 = normal). A NaN measure (a detector
still warming up) keeps the condition level. The state then moves:

- normal -> pending (condition level > 0; the episode starts), or straight to firing when
  ``for`` is 0; pending -> firing when the condition held for ``for`` (a timer);
- pending -> normal (resolved) when the condition clears before that;
- firing: the level follows the condition level; when it drops to 0 the warning keeps firing for
  ``keep_firing_for`` and then resolves (a timer), unless the condition returns.

Timers fire at their exact due time, either when a reading of the row arrives (timers due before
the reading are handled first, those due at its instant after it) or when the clock advances, so
streaming and batch evaluation give the same transitions at the same instants. Missing data:
``expect`` ms after the last reading the policy applies (``normal``: condition 0;
``alerting``: the missing level; ``keep``: nothing changes). In silence mode the measure is the
gap since the last reading in expected intervals and the level rises at the instants the gap
crosses each ``enter`` threshold.

State per row: ``lt`` int64 ``[last reading, episode start, clear since, next due, expect]``,
``lv`` float64 ``[measure, score, value, baseline, scale]``, ``ls`` int8
``[condition level, level, state, flags]`` - 84 bytes.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from forewarn.detect.conditions import GE, GT, LT

T_LAST, T_COND, T_CLEAR, T_DUE, T_EXPECT = range(5)
V_MEASURE, V_SCORE, V_VALUE, V_BASE, V_SCALE = range(5)
S_RAW, S_LEVEL, S_STATE, S_FLAGS = range(4)
NORMAL, PENDING, FIRING = 0, 1, 2
FLAG_MISSING = 1
KEEP, TREAT_NORMAL, ALERTING = 0, 1, 2
MODE_VALUE, MODE_SILENCE = 0, 1
C_FOR, C_KEEP, C_POLICY, C_MISSING_LEVEL, C_MODE = range(5)
EV_PENDING, EV_FIRING, EV_LEVEL, EV_RESOLVED = 1, 2, 3, 4
CAUSE_READING, CAUSE_FOR, CAUSE_KEEP, CAUSE_MISSING, CAUSE_SILENCE, CAUSE_RETIRED = range(6)
E_ROW, E_AT, E_STARTED, E_KIND, E_LEVEL, E_CAUSE, E_PREV = range(7)
NEVER = -(2**62)
FAR = 2**62
RESERVE = 16  # event slots a single reading or timer run may need
STATE_BYTES = 5 * 8 + 5 * 8 + 4

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
I8 = NDArray[np.int8]


@njit(cache=True, inline="always")
def _cmp(m: float, op: int, th: float) -> bool:
    if op == GT:
        return m > th
    if op == GE:
        return m >= th
    if op == LT:
        return m < th
    return m <= th


@njit(cache=True, inline="always")
def condition_level(
    m: float, cur: int, thr: NDArray[np.float64], ops: NDArray[np.int64], tr: int
) -> int:
    """The hysteresis level of measure `m` given the current condition level `cur`."""
    new = 0
    for k in range(4):
        if ops[k, 0] == 0:
            continue
        if _cmp(m, ops[k, 0], thr[tr, k, 0]) or (
            k + 1 <= cur and not _cmp(m, ops[k, 1], thr[tr, k, 1])
        ):
            new = k + 1
    return new


@njit(cache=True, inline="always")
def position_score(m: float, thr: NDArray[np.float64], ops: NDArray[np.int64], tr: int) -> float:
    """Score in [0, 1]: where `m` lies on the enter thresholds (k-th of n scores k/(n+1))."""
    if math.isnan(m):
        return np.nan
    n = 0
    sign, first, last = 1.0, 0.0, 0.0
    for k in range(4):
        if ops[k, 0] != 0:
            sign = 1.0 if ops[k, 0] == GT or ops[k, 0] == GE else -1.0
            last = max(sign * thr[tr, k, 0], last) if n else sign * thr[tr, k, 0]
            first = last if n == 0 else first
            n += 1
    if n == 0:
        return 0.0
    v = sign * m
    spread = (last - first) / (n - 1) if n > 1 else 0.0
    if not spread > 0.0:
        spread = max(abs(first), 1e-9)
    if v <= first:
        return max(0.0, 1.0 - (first - v) / spread) / (n + 1)
    if v >= last:
        return min(1.0, (n + (v - last) / spread) / (n + 1))
    j, low = 0, first
    for k in range(4):
        if ops[k, 0] == 0:
            continue
        knot = max(sign * thr[tr, k, 0], low)
        if j > 0 and v <= knot:
            width = knot - low
            return (j + ((v - low) / width if width > 0 else 1.0)) / (n + 1)
        low = knot
        j += 1
    return n / (n + 1)


@njit(cache=True)
def _emit(
    ev_i: NDArray[np.int64],
    ev_f: NDArray[np.float64],
    n: int,
    row: int,
    at: int,
    kind: int,
    cause: int,
    prev: int,
    lt: NDArray[np.int64],
    lv: NDArray[np.float64],
    ls: NDArray[np.int8],
) -> int:
    ev_i[n, E_ROW], ev_i[n, E_AT], ev_i[n, E_STARTED] = row, at, lt[row, T_COND]
    ev_i[n, E_KIND], ev_i[n, E_LEVEL], ev_i[n, E_CAUSE] = kind, ls[row, S_LEVEL], cause
    ev_i[n, E_PREV] = prev
    for c in range(5):
        ev_f[n, c] = lv[row, c]
    return n + 1


@njit(cache=True)
def _resolve(
    row: int, at: int, cause: int, lt: I64, lv: F64, ls: I8, ev_i: I64, ev_f: F64, n: int
) -> int:
    prev = ls[row, S_STATE]
    n = _emit(ev_i, ev_f, n, row, at, EV_RESOLVED, cause, prev, lt, lv, ls)
    ls[row, S_STATE], ls[row, S_LEVEL] = NORMAL, 0
    lt[row, T_COND], lt[row, T_CLEAR] = NEVER, NEVER
    return n


@njit(cache=True)
def apply(
    row: int,
    new: int,
    at: int,
    cause: int,
    cfg: I64,
    lt: I64,
    lv: F64,
    ls: I8,
    ev_i: I64,
    ev_f: F64,
    n: int,
) -> int:
    """Move row `row` to condition level `new` at time `at`; return the event count."""
    ls[row, S_RAW] = new
    state, level = ls[row, S_STATE], ls[row, S_LEVEL]
    if state == NORMAL:
        if new > 0:
            lt[row, T_COND] = at
            ls[row, S_LEVEL] = new
            ls[row, S_STATE] = FIRING if cfg[C_FOR] == 0 else PENDING
            kind = EV_FIRING if cfg[C_FOR] == 0 else EV_PENDING
            n = _emit(ev_i, ev_f, n, row, at, kind, cause, NORMAL, lt, lv, ls)
    elif state == PENDING:
        if new == 0:
            n = _resolve(row, at, cause, lt, lv, ls, ev_i, ev_f, n)
        elif new != level:
            ls[row, S_LEVEL] = new
            n = _emit(ev_i, ev_f, n, row, at, EV_PENDING, cause, PENDING, lt, lv, ls)
    elif new == 0:
        if lt[row, T_CLEAR] == NEVER:
            if cfg[C_KEEP] == 0:
                n = _resolve(row, at, cause, lt, lv, ls, ev_i, ev_f, n)
            else:
                lt[row, T_CLEAR] = at
    else:
        lt[row, T_CLEAR] = NEVER
        if new != level:
            ls[row, S_LEVEL] = new
            n = _emit(ev_i, ev_f, n, row, at, EV_LEVEL, cause, FIRING, lt, lv, ls)
    return n


@njit(cache=True, inline="always")
def _crossing(t_last: int, expect: int, op: int, th: float) -> int:
    """First instant the silence gap satisfies ``gap/expect <op> th``."""
    edge = float(t_last) + th * float(expect)
    return int(np.ceil(edge)) if op == GE else int(np.floor(edge)) + 1


@njit(cache=True, inline="always")
def next_due(row: int, cfg: I64, lt: I64, ls: I8, thr: F64, ops: I64, tr: int) -> int:
    """The row's next timer instant (FAR when none)."""
    due = FAR
    state = ls[row, S_STATE]
    if state == PENDING:
        due = min(due, lt[row, T_COND] + cfg[C_FOR])
    if state == FIRING and lt[row, T_CLEAR] != NEVER:
        due = min(due, lt[row, T_CLEAR] + cfg[C_KEEP])
    last = lt[row, T_LAST]
    if last == NEVER:
        return due
    if cfg[C_MODE] == MODE_VALUE:
        if cfg[C_POLICY] != KEEP and not ls[row, S_FLAGS] & FLAG_MISSING:
            due = min(due, last + lt[row, T_EXPECT])
        return due
    for k in range(ls[row, S_RAW], 4):
        if ops[k, 0] != 0:
            due = min(due, _crossing(last, lt[row, T_EXPECT], ops[k, 0], thr[tr, k, 0]))
    return due


@njit(cache=True)
def _silence_level(row: int, at: int, lt: I64, ls: I8, thr: F64, ops: I64, tr: int) -> int:
    new = ls[row, S_RAW]
    for k in range(ls[row, S_RAW], 4):
        if ops[k, 0] == 0:
            continue
        if _crossing(lt[row, T_LAST], lt[row, T_EXPECT], ops[k, 0], thr[tr, k, 0]) <= at:
            new = k + 1
    return int(new)


@njit(cache=True)
def _fire(
    row: int,
    at: int,
    cfg: I64,
    lt: I64,
    lv: F64,
    ls: I8,
    thr: F64,
    ops: I64,
    tr: int,
    ev_i: I64,
    ev_f: F64,
    n: int,
) -> int:
    """Handle every timer of `row` due at `at`: `for`, then `keep_firing_for`, then data gaps."""
    state = ls[row, S_STATE]
    if state == PENDING and lt[row, T_COND] + cfg[C_FOR] <= at:
        ls[row, S_STATE] = FIRING
        n = _emit(ev_i, ev_f, n, row, at, EV_FIRING, CAUSE_FOR, PENDING, lt, lv, ls)
    elif state == FIRING and lt[row, T_CLEAR] != NEVER and lt[row, T_CLEAR] + cfg[C_KEEP] <= at:
        n = _resolve(row, at, CAUSE_KEEP, lt, lv, ls, ev_i, ev_f, n)
    last = lt[row, T_LAST]
    if last == NEVER:
        return n
    if cfg[C_MODE] == MODE_VALUE:
        if (
            cfg[C_POLICY] != KEEP
            and not ls[row, S_FLAGS] & FLAG_MISSING
            and last + lt[row, T_EXPECT] <= at
        ):
            ls[row, S_FLAGS] |= FLAG_MISSING
            new = 0 if cfg[C_POLICY] == TREAT_NORMAL else cfg[C_MISSING_LEVEL]
            # no reading: the last one's value is not what this change is about
            lv[row, V_MEASURE], lv[row, V_VALUE], lv[row, V_SCORE] = np.nan, np.nan, np.nan
            n = apply(row, new, at, CAUSE_MISSING, cfg, lt, lv, ls, ev_i, ev_f, n)
        return n
    new = _silence_level(row, at, lt, ls, thr, ops, tr)
    if new > ls[row, S_RAW]:
        gap = (at - last) / max(lt[row, T_EXPECT], 1)
        lv[row, V_MEASURE], lv[row, V_SCORE] = gap, 1.0 - 1.0 / max(1.0, gap)
        lv[row, V_VALUE] = np.nan
        n = apply(row, new, at, CAUSE_SILENCE, cfg, lt, lv, ls, ev_i, ev_f, n)
    return n


@njit(cache=True)
def run_timers(
    row: int,
    until: int,
    cfg: I64,
    lt: I64,
    lv: F64,
    ls: I8,
    thr: F64,
    ops: I64,
    tr: int,
    ev_i: I64,
    ev_f: F64,
    n: int,
) -> int:
    """Fire the row's timers due at or before `until`, in time order."""
    while lt[row, T_DUE] <= until:
        n = _fire(row, lt[row, T_DUE], cfg, lt, lv, ls, thr, ops, tr, ev_i, ev_f, n)
        lt[row, T_DUE] = next_due(row, cfg, lt, ls, thr, ops, tr)
    return n


@njit(cache=True)
def step(
    rows: NDArray[np.int64],
    t_ms: NDArray[np.int64],
    x: NDArray[np.float64],
    measure: NDArray[np.float64],
    score: NDArray[np.float64],
    base: NDArray[np.float64],
    scale: NDArray[np.float64],
    start: int,
    floor_ms: int,
    cfg: NDArray[np.int64],
    thr: NDArray[np.float64],
    ops: NDArray[np.int64],
    lt: NDArray[np.int64],
    lv: NDArray[np.float64],
    ls: NDArray[np.int8],
    ev_i: NDArray[np.int64],
    ev_f: NDArray[np.float64],
    n: int,
) -> tuple[int, int]:
    """Walk readings from index `start`; return (next index, event count) - stops early when
    the event buffer is nearly full so the caller can grow it and resume."""
    per_row = thr.shape[0] > 1
    silence = cfg[C_MODE] == MODE_SILENCE
    for i in range(start, rows.size):
        if n + RESERVE > ev_i.shape[0]:
            return i, n
        row = rows[i]
        tr = row if per_row else 0
        at = max(t_ms[i], floor_ms)
        if lt[row, T_DUE] < at:  # timers due before the reading; those due at it come after
            n = run_timers(row, at - 1, cfg, lt, lv, ls, thr, ops, tr, ev_i, ev_f, n)
        was_missing = ls[row, S_FLAGS] & FLAG_MISSING
        ls[row, S_FLAGS] &= ~FLAG_MISSING
        lt[row, T_LAST] = at
        m = 0.0 if silence else measure[i]
        sc = score[i]
        if math.isnan(sc) and not silence:
            sc = position_score(m, thr, ops, tr)
        lv[row, V_MEASURE], lv[row, V_SCORE], lv[row, V_VALUE] = m, sc, x[i]
        lv[row, V_BASE], lv[row, V_SCALE] = base[i], scale[i]
        if silence:
            new = 0
        elif math.isnan(m):
            new = 0 if was_missing else ls[row, S_RAW]
        else:  # after a gap the level is judged afresh: hysteresis holds a level the data set
            new = condition_level(m, 0 if was_missing else ls[row, S_RAW], thr, ops, tr)
        if new != ls[row, S_RAW] or ls[row, S_STATE] != NORMAL:  # calls are costly: skip no-ops
            n = apply(row, new, at, CAUSE_READING, cfg, lt, lv, ls, ev_i, ev_f, n)
        lt[row, T_DUE] = next_due(row, cfg, lt, ls, thr, ops, tr)
        if lt[row, T_DUE] <= at:  # a `for` or `keep_firing_for` that ends at this very reading
            n = run_timers(row, at, cfg, lt, lv, ls, thr, ops, tr, ev_i, ev_f, n)
    return rows.size, n


@njit(cache=True)
def advance(
    due_rows: NDArray[np.int64],
    start: int,
    now: int,
    cfg: NDArray[np.int64],
    thr: NDArray[np.float64],
    ops: NDArray[np.int64],
    lt: NDArray[np.int64],
    lv: NDArray[np.float64],
    ls: NDArray[np.int8],
    ev_i: NDArray[np.int64],
    ev_f: NDArray[np.float64],
    n: int,
) -> tuple[int, int]:
    """Fire the timers of `due_rows` up to `now`; resumable like ``step``."""
    per_row = thr.shape[0] > 1
    for j in range(start, due_rows.size):
        if n + RESERVE > ev_i.shape[0]:
            return j, n
        row = due_rows[j]
        n = run_timers(row, now, cfg, lt, lv, ls, thr, ops, row if per_row else 0, ev_i, ev_f, n)
    return due_rows.size, n


@njit(cache=True)
def refresh_due(cfg: I64, thr: F64, ops: I64, lt: I64, ls: I8) -> None:
    """Recompute every row's next timer (after creating or restoring rows)."""
    per_row = thr.shape[0] > 1
    for row in range(lt.shape[0]):
        lt[row, T_DUE] = next_due(row, cfg, lt, ls, thr, ops, row if per_row else 0)


class LevelState:
    """The level machine's arrays for `n` rows."""

    def __init__(self, n: int, *, start_ms: int | None, expect_ms: NDArray[np.int64]) -> None:
        self.lt = np.full((n, 5), NEVER, dtype=np.int64)
        self.lt[:, T_DUE] = FAR
        self.lt[:, T_EXPECT] = expect_ms
        self.lv = np.full((n, 5), np.nan, dtype=np.float64)
        self.ls = np.zeros((n, 4), dtype=np.int8)
        if start_ms is not None:
            self.lt[:, T_LAST] = start_ms

    def __len__(self) -> int:
        return int(self.lt.shape[0])
