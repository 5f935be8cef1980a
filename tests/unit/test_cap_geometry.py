"""Boundaries to CAP polygons: outer rings of every GeoJSON shape, simplification, formatting."""

from __future__ import annotations

import math

import pytest

from forewarn.publish.geometry import (
    cap_polygons,
    format_ring,
    outer_rings,
    ring_area,
    simplify_ring,
)

SQUARE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
HOLE = [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.2]]


def circle(
    n: int, r: float = 1.0, cx: float = 100.0, cy: float = 30.0
) -> list[tuple[float, float]]:
    pts = [
        (cx + r * math.cos(2 * math.pi * k / n), cy + r * math.sin(2 * math.pi * k / n))
        for k in range(n)
    ]
    return [*pts, pts[0]]


POLYGON = {"type": "Polygon", "coordinates": [SQUARE, HOLE]}
MULTI = {
    "type": "MultiPolygon",
    "coordinates": [[SQUARE], [[[5, 5], [5.1, 5], [5.1, 5.1], [5, 5]]]],
}


@pytest.mark.parametrize(
    ("geojson", "count"),
    [
        (None, 0),
        ({}, 0),
        (POLYGON, 1),  # the hole is dropped: CAP polygons have no holes
        (MULTI, 2),
        ({"type": "Feature", "geometry": POLYGON, "properties": {}}, 1),
        ({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": MULTI}]}, 2),
        ({"type": "GeometryCollection", "geometries": [POLYGON, MULTI]}, 3),
        ({"type": "Point", "coordinates": [1, 2]}, 0),
        ({"type": "Polygon", "coordinates": []}, 0),
    ],
)
def test_outer_rings(geojson, count):
    rings = outer_rings(geojson)
    assert len(rings) == count
    assert all(r[0] == r[-1] for r in rings)


def test_open_rings_are_closed():
    (ring,) = outer_rings({"type": "Polygon", "coordinates": [SQUARE[:-1]]})
    assert ring[0] == ring[-1]
    assert len(ring) == 5


@pytest.mark.parametrize(("n", "limit"), [(1000, 100), (500, 4), (101, 100), (50, 100), (2000, 37)])
def test_simplify_keeps_the_limit_closed_and_the_shape(n, limit):
    ring = circle(n)
    out = simplify_ring(ring, limit)
    assert len(out) == min(len(ring), max(4, limit))
    assert out[0] == out[-1]
    assert set(out) <= set(ring)  # only original vertices are kept
    if limit >= 30:
        assert ring_area(out) == pytest.approx(ring_area(ring), rel=0.02)


def test_simplify_drops_the_least_significant_vertex_first():
    # A square with one nearly collinear point on an edge: that point goes first.
    ring = [(0, 0), (0.5, 0.001), (1, 0), (1, 1), (0, 1), (0, 0)]
    assert simplify_ring(ring, 5) == [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]


def test_cap_polygons_order_format_and_limits():
    big = {"type": "MultiPolygon", "coordinates": [[circle(10, r=0.1)], [circle(400, r=1.0)]]}
    polygons = cap_polygons(big, max_vertices=20, max_polygons=1)
    assert len(polygons) == 1  # only the largest part
    pairs = polygons[0].split(" ")
    assert len(pairs) == 20
    assert pairs[0] == pairs[-1]
    lat, lon = (float(v) for v in pairs[0].split(","))
    assert 29 <= lat <= 31
    assert 99 <= lon <= 101


def test_degenerate_rings_are_skipped_and_numbers_trimmed():
    line = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}
    assert cap_polygons(line, max_vertices=10) == []
    assert format_ring([(103.123456789, 36.1), (104.0, 36.0)]) == "36.1,103.12346 36,104"
