"""Engine state snapshots: save everything a restart needs to continue where it stopped.

A snapshot is one ``.npz`` archive (bytes): every detector rule's state arrays, keyed by the
series each row watches, the per-series last reading times, the clock, the counters, and the
linkage groups and buffered member signals as JSON. Restoring into an engine built from the
current rules and catalogue copies the state of every (rule, series) row whose rule is unchanged
(same definition digest); rows of new or edited rules, and new series, start fresh.
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
        engine.stats = EngineStats(**meta["stats"])
        old_dense = {_key(sid): i for i, sid in enumerate(meta["series"])}
        _restore_last(engine, archive["last"], old_dense)
        restored = {}
        by_id = {rt.rule.id: rt for rt in engine.runtimes}
        for saved in meta["rules"]:
            rt = by_id.get(saved["id"])
            if rt is None or rt.rule.digest != saved["digest"]:
                continue
            restored[rt.rule.id] = _restore_rule(engine, rt, saved, archive)
    _restore_linkage(engine, meta)
    return restored


def _key(sid: Any) -> Any:
    return sid if not isinstance(sid, list) else tuple(sid)


def _restore_last(engine: Engine, last: np.ndarray, old_dense: dict[Any, int]) -> None:
    for sid, new in engine._dense.items():
        old = old_dense.get(sid)
        if old is not None:
            engine._last[new] = last[old]


def _restore_rule(engine: Engine, rt: Any, saved: dict[str, Any], archive: Any) -> int:
    key = saved["key"]
    det, lt, lv, ls = (archive[f"{key}.{part}"] for part in ("det", "lt", "lv", "ls"))
    if det.shape[1] != rt.det.shape[1]:
        return 0
    old_rows, new_rows = [], []
    for old, sid in enumerate(saved["rows"]):
        dense = engine._dense.get(_key(sid))
        new = rt.row_of[dense] if dense is not None else -1
        if new >= 0:
            old_rows.append(old)
            new_rows.append(new)
    st = rt.levels
    rt.det[new_rows], st.lt[new_rows], st.lv[new_rows], st.ls[new_rows] = (
        det[old_rows],
        lt[old_rows],
        lv[old_rows],
        ls[old_rows],
    )
    st.lt[:, lm.T_EXPECT] = [rt._expect_ms(info) for info in rt.series]
    lm.refresh_due(rt.cfg, rt.thr, rt.ops, st.lt, st.ls)
    return len(new_rows)


def _restore_linkage(engine: Engine, meta: dict[str, Any]) -> None:
    by_id: dict[str, LinkageRuntime] = {rt.rule.id: rt for rt in engine.linkage.runtimes}
    for saved in meta["linkage"]:
        rt = by_id.get(saved["id"])
        if rt is not None and rt.rule.digest == saved["digest"]:
            rt.groups = {g["key"]: _group_from_dict(g) for g in saved["groups"]}
    pending = [signal_from_dict(s) for s in meta["pending"]]
    engine.linkage.pending = []
    engine.linkage.offer(pending)
