"""Catalogue wire shapes: the YAML file format and the API's read models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, field_validator

from forewarn.api.schemas import ApiModel
from forewarn.catalogue.geojson import check_boundary
from forewarn.timeutil import parse_duration

Code = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
LonLat = tuple[FiniteFloat, FiniteFloat]


def _check_lonlat(value: LonLat | None, name: str) -> LonLat | None:
    if value is not None and not (-180 <= value[0] <= 180 and -90 <= value[1] <= 90):
        raise ValueError(f"{name} must be [longitude, latitude] in degrees")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldIn(_Strict):
    """A field (domain) of risk."""

    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200)


class RegionIn(_Strict):
    """A region; `parent` names the enclosing region by code."""

    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    level: Literal["province", "city", "county", "township"]
    parent: str | None = None
    center: LonLat | None = None
    boundary: dict[str, Any] | None = None

    @field_validator("center")
    @classmethod
    def _lonlat(cls, value: LonLat | None) -> LonLat | None:
        return _check_lonlat(value, "center")

    @field_validator("boundary")
    @classmethod
    def _geojson(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            check_boundary(value)
        return value


class DepartmentIn(_Strict):
    """A responsible department."""

    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    region: str
    fields: list[str] = Field(default_factory=list)
    contact: dict[str, Any] | None = None


class IndicatorIn(_Strict):
    """A measured quantity; `range` is the physical range [min, max] (either may be null)."""

    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200)
    unit: str = Field(max_length=32)
    kind: Literal["gauge", "count"]
    field: str
    range: tuple[FiniteFloat | None, FiniteFloat | None] | None = None
    description: str | None = Field(default=None, max_length=2000)

    @field_validator("range")
    @classmethod
    def _ordered(
        cls, value: tuple[float | None, float | None] | None
    ) -> tuple[float | None, float | None] | None:
        if value and value[0] is not None and value[1] is not None and value[0] > value[1]:
            raise ValueError("range minimum is above its maximum")
        return value


class SeriesIn(_Strict):
    """A series of a site: an indicator and the interval it is expected to report at."""

    indicator: str
    interval: str | float

    @field_validator("interval")
    @classmethod
    def _duration(cls, value: str | float) -> str | float:
        if parse_duration(value) <= 0:
            raise ValueError("interval must be positive")
        return value

    @property
    def interval_s(self) -> float:
        """The interval in seconds."""
        return parse_duration(self.interval)


class SiteIn(_Strict):
    """A monitored site and its series."""

    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    kind: str | None = Field(default=None, max_length=64)
    region: str
    field: str
    department: str | None = None
    location: LonLat | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    series: list[SeriesIn] = Field(default_factory=list)

    @field_validator("location")
    @classmethod
    def _lonlat(cls, value: LonLat | None) -> LonLat | None:
        return _check_lonlat(value, "location")


class CatalogueFile(_Strict):
    """A catalogue YAML file; every section is optional."""

    fields: list[FieldIn] = Field(default_factory=list)
    regions: list[RegionIn] = Field(default_factory=list)
    departments: list[DepartmentIn] = Field(default_factory=list)
    indicators: list[IndicatorIn] = Field(default_factory=list)
    sites: list[SiteIn] = Field(default_factory=list)


class FieldRead(ApiModel):
    """A field as the API shows it."""

    code: str
    name: str
    name_zh: str | None


class RegionRead(ApiModel):
    """A region as the API shows it."""

    id: int
    code: str
    name: str
    name_en: str | None
    level: str
    parent_code: str | None
    center: tuple[float, float] | None
    has_boundary: bool


class DepartmentRead(ApiModel):
    """A department as the API shows it."""

    id: int
    code: str
    name: str
    name_en: str | None
    region_code: str
    fields: list[str]


class IndicatorRead(ApiModel):
    """An indicator as the API shows it."""

    id: int
    code: str
    name: str
    name_zh: str | None
    unit: str
    kind: str
    field: str
    min_value: float | None
    max_value: float | None


class SiteRead(ApiModel):
    """A site as the API shows it."""

    id: int
    code: str
    name: str
    name_en: str | None
    kind: str | None
    region_code: str
    field: str
    department_code: str | None
    location: tuple[float, float] | None
    labels: dict[str, str]


class SeriesRead(ApiModel):
    """A series as the API shows it, with the labels rules match on."""

    id: int
    site_code: str
    indicator_code: str
    region_code: str
    field: str
    unit: str
    kind: str
    interval_s: float
