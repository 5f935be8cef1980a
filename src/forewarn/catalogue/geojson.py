"""Checks of a region boundary: a GeoJSON Polygon or MultiPolygon in longitude/latitude degrees."""

from __future__ import annotations

import math
from typing import Any

KINDS = ("Polygon", "MultiPolygon")
MIN_RING = 4  # RFC 7946: a closed ring of at least four positions, the last equal to the first


def check_boundary(geometry: dict[str, Any]) -> None:
    """Raise ValueError naming the first part of `geometry` that is not a valid boundary."""
    kind = geometry.get("type")
    if kind not in KINDS:
        raise ValueError("boundary must be a GeoJSON Polygon or MultiPolygon geometry")
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        _check_polygon(coordinates, "coordinates")
        return
    if not isinstance(coordinates, list) or not coordinates:
        raise ValueError("coordinates of a MultiPolygon must be a list of polygons")
    for i, polygon in enumerate(coordinates):
        _check_polygon(polygon, f"coordinates[{i}]")


def _check_polygon(polygon: Any, where: str) -> None:
    if not isinstance(polygon, list) or not polygon:
        raise ValueError(f"{where} must be a list of rings (the outer ring first)")
    for j, ring in enumerate(polygon):
        _check_ring(ring, f"{where}[{j}]")


def _check_ring(ring: Any, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < MIN_RING:
        raise ValueError(f"{where} must be a ring of at least {MIN_RING} positions")
    for k, position in enumerate(ring):
        if not is_lonlat(position):
            raise ValueError(f"{where}[{k}] must be [longitude, latitude] in degrees")
    if ring[0] != ring[-1]:
        raise ValueError(f"{where} must end where it starts (a closed ring)")


def is_lonlat(position: Any) -> bool:
    """Whether `position` is [longitude, latitude] (an altitude may follow) in degrees."""
    if not isinstance(position, list) or len(position) not in (2, 3):
        return False
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in position):
        return False
    if not all(math.isfinite(x) for x in position if isinstance(x, float)):
        return False
    return bool(-180 <= position[0] <= 180 and -90 <= position[1] <= 90)
