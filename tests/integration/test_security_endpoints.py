"""Every /api/v1 endpoint declares its permission, and docs/security.md lists each with it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from forewarn.auth.middleware import is_public
from forewarn.auth.permissions import Permission

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
ROW = re.compile(
    r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`?([^|`]+?)`?\s*\|\s*`?([^|`]+?)`?\s*\|"
)
KNOWN = {p.value for p in Permission} | {"authenticated", "public"}


def _routes(app) -> Iterator[Any]:
    """Every route with a dependency tree, nested routers included (any FastAPI version)."""
    for route in app.routes:
        nested = getattr(route, "effective_route_contexts", None)
        for r in nested() if nested else [route]:
            if getattr(r, "dependant", None) is not None:
                yield r


def _declared(dependant) -> set[str]:
    out = set()
    for dep in dependant.dependencies:
        permission = getattr(dep.call, "permission", None)
        if permission:
            out.add(permission)
        out |= _declared(dep)
    return out


def endpoint_permissions(app) -> dict[tuple[str, str], str]:
    """(method, path) -> declared permission of every /api/v1 endpoint ("public" when none)."""
    table = {}
    for route in _routes(app):
        if not route.path.startswith("/api/v1"):
            continue
        declared = _declared(route.dependant)
        for method in route.methods - {"HEAD"}:
            table[(method, route.path)] = " + ".join(sorted(declared)) or "public"
    return table


def documented() -> dict[tuple[str, str], str]:
    """(method, path) -> permission, from the table in docs/security.md."""
    rows = {}
    for line in DOC.read_text("utf-8").splitlines():
        match = ROW.match(line)
        if match:
            method, path, permission = match.groups()
            rows[(method, path.strip())] = permission.strip()
    return rows


def test_every_endpoint_but_health_and_login_declares_a_permission(app):
    table = endpoint_permissions(app)
    assert len(table) > 20
    public = {key for key, perm in table.items() if perm == "public"}
    assert public == {("GET", "/api/v1/health"), ("POST", "/api/v1/auth/token")}, (
        "add require(Permission.X) to these endpoints"
    )
    for (method, path), permission in table.items():
        assert set(permission.split(" + ")) <= KNOWN, (method, path, permission)
        assert is_public(path) == (permission == "public"), (method, path)


def test_docs_table_matches_the_endpoints(app):
    table = endpoint_permissions(app)
    docs = documented()
    missing = sorted(set(table) - set(docs))
    assert not missing, f"add to the table in docs/security.md: {missing}"
    stale = sorted(set(docs) - set(table))
    assert not stale, f"remove from docs/security.md (no such endpoint): {stale}"
    wrong = {k: (docs[k], table[k]) for k in table if docs[k] != table[k]}
    assert not wrong, f"docs says / code declares: {wrong}"


def test_the_walker_sees_a_missing_permission(app):
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    app.include_router(router, prefix="/api/v1")
    assert endpoint_permissions(app)[("GET", "/api/v1/forgotten")] == "public"


def test_docs_role_table_matches_the_roles():
    from forewarn.auth.permissions import ROLES

    section = DOC.read_text("utf-8").split("## Roles and permissions", 1)[1]
    lines = section.split("\n## ", 1)[0].splitlines()
    header = next(line for line in lines if line.startswith("| permission |"))
    roles = [c.strip() for c in header.strip("|").split("|")][1:]
    assert roles == list(ROLES)
    seen = set()
    for line in lines:
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for permission in re.findall(r"`([^`]+)`", cells[0]):
            seen.add(permission)
            for role, cell in zip(roles, cells[1:], strict=True):
                assert (permission in ROLES[role]) == cell.startswith("x"), (permission, role)
    assert seen == {p.value for p in Permission}
