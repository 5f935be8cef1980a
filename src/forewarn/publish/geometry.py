"""Region boundaries (GeoJSON) to CAP polygons: outer rings, simplified, as "lat,lon" pairs.

CAP polygons have no holes, so only outer rings are kept. A ring with more than
``max_vertices`` points is simplified by Visvalingam-Whyatt (repeatedly dropping the vertex
whose triangle with its neighbours has the least area) until it has ``max_vertices`` points,
the closing point included. Of a multi-part boundary the ``max_polygons`` largest parts are kept.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

Point = tuple[float, float]  # (lon, lat), GeoJSON order
Ring = list[Point]

MAX_POLYGONS = 20


def outer_rings(geojson: dict[str, Any] | None) -> list[Ring]:
    """Outer rings of a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection."""
    if not geojson:
        return []
    kind = geojson.get("type")
    if kind == "FeatureCollection":
        return [r for f in geojson.get("features") or [] for r in outer_rings(f)]
    if kind == "Feature":
        return outer_rings(geojson.get("geometry"))
    if kind == "GeometryCollection":
        return [r for g in geojson.get("geometries") or [] for r in outer_rings(g)]
    if kind == "Polygon":
        rings = geojson.get("coordinates") or []
        return [_ring(rings[0])] if rings else []
    if kind == "MultiPolygon":
        return [_ring(poly[0]) for poly in geojson.get("coordinates") or [] if poly]
    return []


def _ring(coords: Iterable[Sequence[float]]) -> Ring:
    ring = [(float(c[0]), float(c[1])) for c in coords]
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def ring_area(ring: Sequence[Point]) -> float:
    """Unsigned planar area (shoelace) in squared degrees; only used to rank parts."""
    total = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2.0


def _triangle(a: Point, b: Point, c: Point) -> float:
    return abs((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])) / 2.0


def simplify_ring(ring: Ring, max_vertices: int) -> Ring:
    """`ring` (closed) reduced to at most `max_vertices` points (closing point included, >= 4)."""
    limit = max(4, max_vertices)
    if len(ring) <= limit:
        return list(ring)
    pts = ring[:-1]  # cyclic, without the closing repeat
    n = len(pts)
    prev = [(i - 1) % n for i in range(n)]
    nxt = [(i + 1) % n for i in range(n)]
    alive = [True] * n
    version = [0] * n
    heap = [(_triangle(pts[prev[i]], pts[i], pts[nxt[i]]), i, 0) for i in range(n)]
    heapq.heapify(heap)
    remaining = n
    while remaining > limit - 1:
        _, i, ver = heapq.heappop(heap)
        if not alive[i] or ver != version[i]:
            continue
        alive[i] = False
        remaining -= 1
        p, q = prev[i], nxt[i]
        nxt[p], prev[q] = q, p
        for j in (p, q):
            version[j] += 1
            area = _triangle(pts[prev[j]], pts[j], pts[nxt[j]])
            heapq.heappush(heap, (area, j, version[j]))
    kept = [pts[i] for i in range(n) if alive[i]]
    return [*kept, kept[0]]


def cap_polygons(
    geojson: dict[str, Any] | None, *, max_vertices: int, max_polygons: int = MAX_POLYGONS
) -> list[str]:
    """CAP ``polygon`` texts ("lat,lon lat,lon ...", closed, >= 4 pairs) of a boundary."""
    rings = [r for r in outer_rings(geojson) if len(set(r)) >= 3]
    rings.sort(key=ring_area, reverse=True)
    return [format_ring(simplify_ring(r, max_vertices)) for r in rings[:max_polygons]]


def _num(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def format_ring(ring: Sequence[Point]) -> str:
    """CAP pairs of a (lon, lat) ring: latitude first, comma inside a pair, space between."""
    return " ".join(f"{_num(lat)},{_num(lon)}" for lon, lat in ring)
