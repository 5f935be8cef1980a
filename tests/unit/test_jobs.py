"""Process wiring helpers: policy reload keeps the last good policy; open signals after warm-up."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from forewarn.common import Level
from forewarn.config import Settings
from forewarn.detect.signals import Signal, SignalState
from forewarn.jobs import PolicyWatcher, load_desk, open_signals
from forewarn.warnings.desk import Desk
from forewarn.warnings.policy import DEFAULT_POLICY_YAML, load_policy

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def _touch(path, text, bump):
    path.write_text(text, "utf-8")
    stamp = path.stat().st_mtime + bump
    os.utime(path, (stamp, stamp))


def test_policy_edits_take_effect_and_a_broken_file_keeps_the_last_good_policy(tmp_path):
    path = tmp_path / "policy.yaml"
    _touch(path, DEFAULT_POLICY_YAML, 0)
    desk = Desk(load_policy(path))
    watcher = PolicyWatcher(path, desk)
    assert desk.policy.root.group_wait_s == 30
    _touch(path, DEFAULT_POLICY_YAML.replace("group_wait: 30s", "group_wait: 2m", 1), 10)
    watcher(NOW)
    assert desk.policy.root.group_wait_s == 120
    _touch(path, DEFAULT_POLICY_YAML.replace("receiver: responsible", "receiver: nobody", 1), 20)
    watcher(NOW)
    assert desk.policy.root.group_wait_s == 120
    assert desk.policy.root.receiver == "responsible"


def _signal(fp: str, state: SignalState, minute: int) -> Signal:
    at = NOW.replace(minute=minute)
    level = None if state is SignalState.RESOLVED else Level.YELLOW
    return Signal(rule="r", fingerprint=fp, labels={}, state=state, level=level, at=at,
                  started_at=at)  # fmt: skip


def test_only_the_last_open_state_of_each_subject_survives_a_warm_up():
    signals = [
        _signal("a", SignalState.FIRING, 1),
        _signal("a", SignalState.RESOLVED, 2),
        _signal("b", SignalState.PENDING, 3),
        _signal("b", SignalState.FIRING, 4),
        _signal("c", SignalState.FIRING, 5),
        _signal("c", SignalState.RESOLVED, 6),
        _signal("c", SignalState.FIRING, 7),
    ]
    kept = open_signals(signals)
    assert [(s.fingerprint, s.at.minute) for s in kept] == [("b", 4), ("c", 7)]


def test_the_configured_policy_file_takes_the_platforms_display_zone(tmp_path):
    night = (
        "time_intervals:\n  - name: night\n"
        "    intervals: [{times: [{start: '22:00', end: '24:00'}]}]\n"
    )
    (tmp_path / "policy.yaml").write_text(DEFAULT_POLICY_YAML + night, "utf-8")
    settings = Settings(data_dir=tmp_path, timezone="Asia/Urumqi")
    assert load_desk(settings, None).policy.time_intervals["night"].zone == "Asia/Urumqi"
