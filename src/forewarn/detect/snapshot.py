"""Engine state snapshots: save everything a restart needs to continue where it stopped.

A snapshot is one ``.npz`` archive (bytes): every detector rule's state arrays, keyed by the
series each row watches, the per-series last reading times, the clock, the counters, and the
linkage groups and buffered member signals as JSON. Restoring into an engine built from the
current rules and catalogue copies the state of every (rule, series) row whose rule is unchanged
(same definition digest). An edited rule keeps its rows' level machine (state, level, episode,
last reading: its open warnings go on and resolve as usual) with its detector started afresh; a
new rule starts each row's silence and missing-data clock at the series' last reading.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from typing import Any

import numpy as np

from forewarn.detect import levels as lm
from forewarn.detect.codec import signal_from_dict, signal_to_dict
from forewarn.detect.engine import Engine, EngineStats
from forewarn.detect.linkage import Group, LinkageRuntime, Member

VERSION = 1


def _group_to_dict(group: Group) -> dict[str, Any]:
    return {
        "key": group.key,
        "labels": group.labels,
        "state": group.state,
        "level": group.level,
        "since": group.since,
        "clear_since": group.clear_since,
        "evidence": [signal_to_dict(s) for s in group.evidence],
        "members": {
            fp: {
                "rule": m.rule,
                "since": m.since,
                "until": m.until,
                "signal": signal_to_dict(m.signal),
            }
            for fp, m in group.members.items()
        },
    }


def _group_from_dict(data: dict[str, Any]) -> Group:
    members = {
        fp: Member(m["rule"], m["since"], m["until"], signal_from_dict(m["signal"]))
        for fp, m in data["members"].items()
    }
    return Group(
        key=data["key"],
        labels=data["labels"],
        members=members,
        state=data["state"],
        level=data["level"],
        since=data["since"],
        clear_since=data["clear_since"],
        evidence=tuple(signal_from_dict(s) for s in data["evidence"]),
    )


def snapshot(engine: Engine) -> bytes:
    """The engine's state as bytes."""
    arrays: dict[str, np.ndarray] = {"last": engine._last}
    rules = []
    for k, rt in enumerate(engine.runtimes):
        st = rt.levels
        arrays |= {f"r{k}.det": rt.det, f"r{k}.lt": st.lt, f"r{k}.lv": st.lv, f"r{k}.ls": st.ls}
        rows = [s.id for s in rt.series]
        rules.append({"id": rt.rule.id, "digest": rt.rule.digest, "key": f"r{k}", "rows": rows})
    linkage = [
        {
            "id": rt.rule.id,
            "digest": rt.rule.digest,
            "groups": [_group_to_dict(g) for g in rt.groups.values()],
        }
        for rt in engine.linkage.runtimes
    ]
    meta = {
        "version": VERSION,
        "clock_ms": engine.clock_ms,
        "start_ms": engine.start_ms,
        "stats": asdict(engine.stats),
        "series": [s.id for s in engine.series],
        "rules": rules,
        "linkage": linkage,
        "pending": [signal_to_dict(s) for _, s in engine.linkage.pending],
    }
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    out = io.BytesIO()
    np.savez_compressed(out, **arrays)  # type: ignore[arg-type]
    return out.getvalue()


def restore(engine: Engine, data: bytes) -> dict[str, int]:
    """Load a snapshot into a freshly built engine; return rows restored per rule id."""
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        meta = json.loads(archive["meta"].tobytes().decode("utf-8"))
        if meta.get("version") != VERSION:
            raise ValueError(f"snapshot version {meta.get('version')} is not {VERSION}")
        engine.clock_ms = int(meta["clock_ms"])
        # counters go on; which series the rules cannot watch is the current binding's
        engine.stats = EngineStats(**{**meta["stats"], "bind_errors": engine.stats.bind_errors})
        old_dense = {_key(sid): i for i, sid in enumerate(meta["series"])}
        _restore_last(engine, archive["last"], old_dense)
        restored = {}
        by_id = {rt.rule.id: rt for rt in engine.runtimes}
        carried: dict[str, list[int]] = {}
        for saved in meta["rules"]:
            rt = by_id.get(saved["id"])
            if rt is None:
                continue
            unchanged = rt.rule.digest == saved["digest"]
            carried[rt.rule.id] = _restore_rule(engine, rt, saved, archive, detector=unchanged)
            if unchanged:
                restored[rt.rule.id] = len(carried[rt.rule.id])
        for rt in engine.runtimes:  # rows of a new rule, or of a series new to the snapshot
            _watch_from_now(engine, rt, carried.get(rt.rule.id, []))
    _restore_linkage(engine, meta)
    return restored


def _key(sid: Any) -> Any:
    return sid if not isinstance(sid, list) else tuple(sid)


def _restore_last(engine: Engine, last: np.ndarray, old_dense: dict[Any, int]) -> None:
    for sid, new in engine._dense.items():
        old = old_dense.get(sid)
        if old is not None:
            engine._last[new] = last[old]


def _watch_from_now(engine: Engine, rt: Any, carried: list[int]) -> None:
    """Start the silence and missing-data clocks of the rows not carried over from the snapshot
    (a new rule, a new series) at each series' last reading (or the clock), not at the engine's
    start: a rule or series added to a running engine sees no past gap."""
    fresh = np.setdiff1d(np.arange(len(rt), dtype=np.int64), np.asarray(carried, dtype=np.int64))
    if engine.clock_ms == lm.NEVER or not fresh.size:
        return
    dense = np.array([engine._dense[rt.series[row].id] for row in fresh], dtype=np.int64)
    last = engine._last[dense]
    rt.levels.lt[fresh, lm.T_LAST] = np.where(last != lm.NEVER, last, engine.clock_ms)
    lm.refresh_due(rt.cfg, rt.thr, rt.ops, rt.levels.lt, rt.levels.ls)


def _restore_rule(
    engine: Engine, rt: Any, saved: dict[str, Any], archive: Any, *, detector: bool
) -> list[int]:
    """Copy a rule's saved rows into `rt`: the level machine always (an edited rule keeps the
    state, level and episode of what it watched, so its open warnings go on and resolve as
    usual), the detector's state only when the rule is unchanged (`detector`); the rows
    restored."""
    key = saved["key"]
    det, lt, lv, ls = (archive[f"{key}.{part}"] for part in ("det", "lt", "lv", "ls"))
    if detector and det.shape[1] != rt.det.shape[1]:
        return []
    old_rows, new_rows = [], []
    for old, sid in enumerate(saved["rows"]):
        dense = engine._dense.get(_key(sid))
        new = rt.row_of[dense] if dense is not None else -1
        if new >= 0:
            old_rows.append(old)
            new_rows.append(new)
    st = rt.levels
    st.lt[new_rows], st.lv[new_rows], st.ls[new_rows] = lt[old_rows], lv[old_rows], ls[old_rows]
    if detector:
        rt.det[new_rows] = det[old_rows]
    st.lt[:, lm.T_EXPECT] = [rt._expect_ms(info) for info in rt.series]
    lm.refresh_due(rt.cfg, rt.thr, rt.ops, st.lt, st.ls)
    return new_rows


def _restore_linkage(engine: Engine, meta: dict[str, Any]) -> None:
    by_id: dict[str, LinkageRuntime] = {rt.rule.id: rt for rt in engine.linkage.runtimes}
    for saved in meta["linkage"]:
        rt = by_id.get(saved["id"])
        if rt is not None and rt.rule.digest == saved["digest"]:
            rt.groups = {g["key"]: _group_from_dict(g) for g in saved["groups"]}
    pending = [signal_from_dict(s) for s in meta["pending"]]
    engine.linkage.pending = []
    engine.linkage.offer(pending)
