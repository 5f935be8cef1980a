"""Wire shapes shared by every API: pages and errors."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict


class ApiModel(BaseModel):
    """Base of response schemas: built from ORM objects or dicts."""

    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A page of a list: ``{"items": [...], "total": n}``."""

    items: list[T]
    total: int


class ErrorBody(BaseModel):
    """The error object: a machine code, a human message and structured details."""

    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """Every error answer: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorBody
