"""The publishing job the process loop runs: issue the CAP Updates and Cancels that are due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from forewarn.config import Settings
from forewarn.db import session_scope
from forewarn.publish.service import sync_publications


def publish_due(sessions: sessionmaker[Session], *, now: datetime, settings: Settings) -> int:
    """One unit of work: issue due CAP messages (level changes, liftings); how many."""
    with session_scope(sessions) as session:
        return len(sync_publications(session, now=now, settings=settings))


@dataclass
class PublishJob:
    """`publish_due` as a ``forewarn.runtime.Runtime`` job."""

    sessions: sessionmaker[Session]
    settings: Settings

    def __call__(self, now: datetime) -> None:
        """Issue the CAP messages due at `now`."""
        publish_due(self.sessions, now=now, settings=self.settings)
