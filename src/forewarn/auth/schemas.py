"""Wire shapes of authentication, users, device keys and shares."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from forewarn.api.schemas import ApiModel


class TokenRead(BaseModel):
    """An OAuth2 bearer token answer."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")
    expires_at: datetime


class DepartmentRef(ApiModel):
    """The department a user belongs to."""

    code: str
    name: str
    region_code: str
    fields: list[str]


class ScopeRead(BaseModel):
    """What a caller may see: region subtrees (codes) and fields; null means everything."""

    regions: list[str] | None
    fields: list[str] | None


class MeRead(BaseModel):
    """The current caller."""

    kind: str
    username: str
    display_name: str | None = None
    department: DepartmentRef | None = None
    region: str | None = Field(default=None, description="Code of the department's region.")
    roles: list[str]
    permissions: list[str]
    scope: ScopeRead
    write_scope: ScopeRead


class UserRead(ApiModel):
    """A user as administrators see it (never the password hash)."""

    id: int
    username: str
    display_name: str | None
    department: str | None
    region: str | None
    roles: list[str]
    active: bool
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime


class UserCreate(BaseModel):
    """A new user."""

    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=8, max_length=1024)
    roles: list[str] = Field(min_length=1, max_length=10)
    department: str | None = Field(default=None, max_length=64)
    display_name: str | None = Field(default=None, max_length=200)


class DeviceKeyRead(ApiModel):
    """A device key (its secret is never shown again)."""

    id: int
    name: str
    prefix: str
    department: str | None
    sites: list[str]
    created_at: datetime
    created_by: str
    revoked_at: datetime | None


class DeviceKeyCreate(BaseModel):
    """A new device key for the listed sites."""

    name: str = Field(min_length=1, max_length=100)
    sites: list[str] = Field(min_length=1, max_length=10_000)
    department: str | None = Field(default=None, max_length=64)


class DeviceKeyCreated(DeviceKeyRead):
    """A new device key, with the key itself: shown this once, stored only hashed."""

    key: str


class ShareRead(ApiModel):
    """Read access of a department to a region subtree and/or a field."""

    id: int
    department: str
    region: str | None
    field: str | None
    note: str | None
    created_at: datetime
    created_by: str


class ShareCreate(BaseModel):
    """A new share: give `region`, `field` or both."""

    department: str = Field(max_length=64)
    region: str | None = Field(default=None, max_length=32)
    field: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=500)
