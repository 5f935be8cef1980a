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

from sqlalchemy.orm import Session

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
            self._memo: OrderedDict[tuple[tuple[str, str], ...], tuple[Route, ...]] = OrderedDict()

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

    def route(self, route_id: str) -> Route | None:
        """A route of the current policy by id (None if the policy no longer has it)."""
        return self._routes_by_id.get(route_id)

    def routes_for(self, labels: Mapping[str, str]) -> tuple[Route, ...]:
        """The routes matching `labels` (memoised: label sets repeat)."""
        key = tuple(sorted(labels.items()))
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
