"""Test data builders: load the small test catalogue into a store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from forewarn.catalogue import loader
from forewarn.catalogue.schemas import CatalogueFile
from forewarn.db import session_scope
from forewarn.yamlsource import read_yaml, validate_model

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 5, 1, tzinfo=UTC)


def load_catalogue(
    sessions: sessionmaker[Session], path: Path = DATA / "catalogue.yaml"
) -> dict[str, int]:
    """Load a catalogue file and commit it."""
    doc = read_yaml(path)
    cat = validate_model(doc, CatalogueFile)
    with session_scope(sessions) as session:
        return loader.load(session, doc, cat, now=NOW)
