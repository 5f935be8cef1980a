"""Helpers shared by benchmarks: locating ../shared, writing JSON results."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FOREWARN_SHARED", ROOT.parent / "shared"))


def write_json(path: str | None, data: dict[str, Any]) -> None:
    """Write `data` as JSON to `path` (when given) and say where."""
    if not path:
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target}")
