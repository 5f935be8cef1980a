"""The warnings desk: what a process keeps in memory for the warnings layer.

Only derived, rebuildable things live here: the compiled policy, the catalogue directory (cached
by catalogue revision) and a memo of route decisions per label set. Every warning, group,
silence and notification is in the store, so a restart loses nothing and a second process
sees the same truth.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from forewarn.warnings import escalation
from forewarn.warnings.content import LABEL
from forewarn.warnings.directory import Directory, DirectoryCache
from forewarn.warnings.policy import Policy, Route, default_policy
from forewarn.warnings.routing import match_routes

MEMO_SIZE = 50_000


def _index(route: Route, out: dict[str, Route]) -> dict[str, Route]:
    out[route.id] = route
    for child in route.children:
        _index(child, out)
    return out


class Desk:
    """Policy, directory and route memo for one process (thread-safe)."""

    def __init__(self, policy: Policy | None = None) -> None:
        self._lock = threading.Lock()
        self._directory = DirectoryCache()
        self._last_heartbeat: datetime | None = None
        self.policy = policy or default_policy()

    @property
    def policy(self) -> Policy:
        """The policy in force."""
        return self._policy

    @policy.setter
    def policy(self, policy: Policy) -> None:
        with self._lock:
            self._policy = policy
            self._routes_by_id = _index(policy.root, {})
            rules = policy.inhibit_rules
            self.inhibition_reads_level = any(
                m.name == "level" for r in rules for m in (*r.source, *r.target)
            )
            nodes = self._routes_by_id.values()
            self._routes_read_level = any(m.name == "level" for r in nodes for m in r.matchers)
            self._groups_read_level = any("level" in r.group_by for r in nodes)
            # Routes depend only on the labels their matchers read: memoise on those values.
            self._read = tuple(sorted({m.name for r in nodes for m in r.matchers}))
            self._memo: OrderedDict[tuple[str, ...], tuple[Route, ...]] = OrderedDict()
            self._snapshots: dict[str | None, dict[str, Any] | None] = {}
            self._moves: dict[tuple[Any, ...], bool] = {}

    def heartbeats_due(self, now: datetime) -> bool:
        """Whether to check heartbeats at `now` (every ``check_every``); notes the check."""
        every = timedelta(seconds=self._policy.heartbeats.check_every_s)
        with self._lock:
            last = self._last_heartbeat
            if last is not None and last <= now < last + every:
                return False
            self._last_heartbeat = now
            return True

    def directory(self, session: Session) -> Directory:
        """The catalogue directory of the store's current revision."""
        return self._directory.get(session)

    def routes_move(self, labels: Mapping[str, str], old: int | None, new: int | None) -> bool:
        """Whether a level change from `old` to `new` can change a warning's groups."""
        if old == new or not (self._routes_read_level or self._groups_read_level):
            return False
        if self._groups_read_level:
            return True
        key = (*(labels.get(n, "") for n in self._read if n != "level"), old, labels.get("level"))
        found = self._moves.get(key)
        if found is None:
            before = {**labels, "level": LABEL.get(old or 0, "")}
            found = [r.id for r in self.routes_for(before)] != [
                r.id for r in self.routes_for(labels)
            ]
            with self._lock:
                self._moves[key] = found
                if len(self._moves) > MEMO_SIZE:
                    self._moves.clear()
        return found

    def snapshot(self, name: str | None) -> dict[str, Any] | None:
        """The escalation snapshot of policy `name` under the current policy (shared: never
        mutate it)."""
        with self._lock:
            if name not in self._snapshots:
                self._snapshots[name] = escalation.snapshot(self._policy, name)
            return self._snapshots[name]

    def route(self, route_id: str) -> Route | None:
        """A route of the current policy by id (None if the policy no longer has it)."""
        return self._routes_by_id.get(route_id)

    def routes_for(self, labels: Mapping[str, str]) -> tuple[Route, ...]:
        """The routes matching `labels` (memoised on the labels the route tree reads)."""
        key = tuple(labels.get(name, "") for name in self._read)
        with self._lock:
            found = self._memo.get(key)
            if found is not None:
                return found
        found = match_routes(self._policy.root, labels)
        with self._lock:
            self._memo[key] = found
            if len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return found
