"""Schemathesis against the app's OpenAPI schema, in-process, as an administrator.

Every operation gets a bounded number of generated requests (valid and invalid): the app must
never answer 5xx, and what it answers must conform to the schema (body and content type).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from forewarn.api.app import create_app
from forewarn.config import Settings
from tests.factories import load_catalogue

EXAMPLES = 8
CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.content_type_conformance,
]
# The schema is the same for every app built from this code: read it once, without a store.
SCHEMA = schemathesis.openapi.from_dict(
    create_app(Settings(database_url="sqlite://"), migrate=False).openapi()
)
# Schema examples and generated cases; the exhaustive boundary ("coverage") phase is left to
# manual runs, to keep CI within its time budget.
SCHEMA.config.phases.update(phases=["examples", "fuzzing"])


@pytest.fixture
def target(app, client, sessions):
    """This test's app (over the test catalogue) and the administrator's credentials."""
    load_catalogue(sessions)
    return app, {"Authorization": client.headers["Authorization"]}


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_and_conforms(case, target):
    app, headers = target
    case.operation.schema.app = app  # in-process ASGI transport
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)
