"""In-app: a row in the ``inbox_items`` table that a department's users list in their inbox.

Targets: ``department:<id>``, ``user:<id>``, or anything else with the row's department.
The row is unique by idempotency key, so this channel is exactly-once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from forewarn.db import session_scope
from forewarn.notify.channels.base import Message, Outcome
from forewarn.notify.channels.render import text_body
from forewarn.notify.models import InboxItem


def parse_inbox_target(message: Message) -> tuple[int | None, int | None]:
    """(department id, user id) addressed by the message; (None, None) when it names neither."""
    kind, _, ident = message.target.partition(":")
    if kind in ("department", "user") and ident.strip().isdigit():
        value = int(ident)
        return (value, None) if kind == "department" else (None, value)
    return message.department_id, None


@dataclass
class InAppChannel:
    """Write inbox rows in their own unit of work."""

    sessions: sessionmaker[Session]
    name: str = "inapp"

    def _store(
        self, session: Session, message: Message, department: int | None, user: int | None
    ) -> None:
        exists = session.scalar(
            select(InboxItem.id).where(InboxItem.idempotency_key == message.idempotency_key)
        )
        if exists is not None:
            return
        session.add(
            InboxItem(
                idempotency_key=message.idempotency_key,
                notification_id=message.id,
                created_at=message.created_at,
                department_id=department,
                user_id=user,
                warning_id=message.warning_id,
                reason=message.reason,
                subject=message.subject,
                body=text_body(message),
                payload=message.payload,
            )
        )

    def send(self, message: Message) -> Outcome:
        """Store the inbox row (a repeat of the same key is a no-op)."""
        department, user = parse_inbox_target(message)
        if department is None and user is None:
            return Outcome.permanent(
                f"in-app target {message.target!r} names no department or user"
            )
        try:
            with session_scope(self.sessions) as session:
                self._store(session, message, department, user)
        except IntegrityError as exc:
            if self._exists(message.idempotency_key):
                return Outcome.delivered("already in the inbox")
            return Outcome.permanent(f"inbox row refused: {exc.orig}")
        except OperationalError as exc:
            return Outcome.transient(f"store busy: {exc.orig}")
        return Outcome.delivered("stored in the inbox")

    def _exists(self, key: str) -> bool:
        with self.sessions() as session:
            found = session.scalar(select(InboxItem.id).where(InboxItem.idempotency_key == key))
        return found is not None
