"""Device keys for ingest gateways, and ingest limited to what the caller may write."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from forewarn.audit.service import record
from forewarn.auth.models import DeviceKey
from forewarn.auth.principal import Principal
from forewarn.auth.security import device_key_hash, device_key_prefix, new_device_key
from forewarn.auth.service import department_by_code
from forewarn.catalogue import service as catalogue
from forewarn.catalogue.models import Series, Site
from forewarn.errors import Conflict, InvalidInput, NotFound
from forewarn.ingest.directory import SeriesDirectory
from forewarn.ingest.pipeline import Horizon, IngestResult, validate
from forewarn.readings import service as store
from forewarn.scope import Scope

NOTHING = Scope(region_paths=(), fields=frozenset())


def create_device_key(
    session: Session,
    *,
    name: str,
    sites: Sequence[str],
    now: datetime,
    created_by: str,
    department: str | None = None,
) -> tuple[DeviceKey, str]:
    """A new key for the listed sites; returns the row and the key (shown once, never stored)."""
    if not name.strip() or len(name) > 100:
        raise InvalidInput("name: 1-100 characters", details={"field": "name"})
    if not sites:
        raise InvalidInput("sites: list at least one site code", details={"field": "sites"})
    if session.scalar(select(DeviceKey.id).where(DeviceKey.name == name)) is not None:
        raise Conflict(f"device key {name!r} already exists", details={"device": name})
    rows = {s.code: s for s in session.scalars(select(Site).where(Site.code.in_(set(sites))))}
    missing = sorted(set(sites) - set(rows))
    if missing:
        raise InvalidInput(f"sites: unknown site(s) {', '.join(missing)}", details=missing)
    key, prefix, digest = new_device_key()
    row = DeviceKey(
        name=name,
        prefix=prefix,
        key_hash=digest,
        department=department_by_code(session, department) if department else None,
        created_at=now,
        created_by=created_by,
        sites=[rows[c] for c in sorted(rows)],
    )
    session.add(row)
    session.flush()
    return row, key


def get_device_key(session: Session, key_id: int) -> DeviceKey:
    """The device key with `key_id`."""
    row = session.get(DeviceKey, key_id)
    if row is None:
        raise NotFound(f"device key {key_id} not found", details={"device": key_id})
    return row


def revoke_device_key(session: Session, key_id: int, *, now: datetime) -> DeviceKey:
    """Refuse the key from now on (idempotent)."""
    row = get_device_key(session, key_id)
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()
    return row


def query_device_keys() -> Any:
    """Device keys by name, with their sites."""
    return select(DeviceKey).options(selectinload(DeviceKey.sites)).order_by(DeviceKey.name)


def device_principal(session: Session, key: str) -> Principal | None:
    """The Principal of a valid, unrevoked device key; None for anything else."""
    prefix = device_key_prefix(key)
    if prefix is None:
        return None
    row = session.scalar(
        select(DeviceKey).options(selectinload(DeviceKey.sites)).where(DeviceKey.prefix == prefix)
    )
    if row is None or not hmac.compare_digest(row.key_hash, device_key_hash(key)):
        return None
    if row.revoked_at is not None:
        return None
    return Principal(
        kind="device",
        name=row.name,
        id=row.id,
        department_id=row.department_id,
        roles=frozenset({"device"}),
        scope=NOTHING,
        device_sites=frozenset(s.id for s in row.sites),
    )


def writable_series(session: Session, principal: Principal) -> frozenset[int] | None:
    """Ids of the series `principal` may write readings to; None means every series."""
    if principal.device_sites is not None:
        query = select(Series.id).where(Series.site_id.in_(sorted(principal.device_sites)))
        return frozenset(session.scalars(query))
    scope = principal.acting_scope
    if scope.unrestricted:
        return None
    ids = session.scalars(catalogue.query_series(session, scope=scope).with_only_columns(Series.id))
    return frozenset(ids)


def ingest_as(
    session: Session,
    principal: Principal,
    records: Iterable[Any],
    directory: SeriesDirectory,
    horizon: Horizon,
) -> IngestResult:
    """Validate, keep what `principal` may write, store once, and log the batch in the audit."""
    writable = writable_series(session, principal)
    result = validate(records, directory, horizon=horizon, writable=writable)
    series, times, values = result.readings.arrays()
    result.accepted = store.insert(session, series, times, values)
    result.duplicates = len(series) - result.accepted
    log_batch(session, result)
    return result


def log_batch(session: Session, result: IngestResult, *, source: str | None = None) -> None:
    """One audit entry for an ingest batch that stored something (counts, series, time range)."""
    if not result.accepted:
        return
    good = result.readings
    after: dict[str, Any] = {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": len(result.rejected),
        "series": sorted(set(good.series)),
        "from_ms": min(good.times_ms),
        "to_ms": max(good.times_ms),
    }
    if source is not None:
        after["source"] = source
    record(session, action="ingest", entity="readings", after=after)
