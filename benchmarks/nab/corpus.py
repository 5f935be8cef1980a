"""The NAB corpus from ``../shared/datasets/nab``: series, label windows, and the tuning split."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from benchmarks._common import SHARED

NAB_ROOT = SHARED / "datasets" / "nab"
HALVES = ("A", "B")


@dataclass(frozen=True)
class NabFile:
    """One NAB series: raw text columns (written back unchanged), parsed values and windows."""

    name: str  # "<category>/<file>.csv", as in the label file
    timestamps: NDArray[np.str_]
    raw_values: NDArray[np.str_]
    t_s: NDArray[np.float64]  # seconds since the epoch (the data is naive UTC-like)
    values: NDArray[np.float64]
    windows: NDArray[np.int64]  # (k, 2) inclusive row indices [left, right]

    @property
    def category(self) -> str:
        """The folder of the file (e.g. ``realTweets``)."""
        return self.name.split("/", 1)[0]

    @property
    def stem(self) -> str:
        """The file name without folder and extension."""
        return self.name.split("/", 1)[1].removesuffix(".csv")

    def __len__(self) -> int:
        return int(self.values.shape[0])


def _parse_times(text: NDArray[np.str_]) -> NDArray[np.datetime64]:
    return np.array([s.replace(" ", "T") for s in text], dtype="datetime64[us]")


def _row_index(times: NDArray[np.datetime64], stamp: str, name: str) -> int:
    when = np.datetime64(stamp.replace(" ", "T"), "us")
    hits = np.flatnonzero(times == when)
    if hits.size == 0:
        raise ValueError(f"{name}: window edge {stamp} is not a row of the file")
    return int(hits[0])  # the first row at that time, as NAB does


def read_file(root: Path, name: str, windows: list[list[str]]) -> NabFile:
    """Read one ``<category>/<file>.csv`` and map its label windows to row indices."""
    lines = (root / "data" / name).read_text(encoding="utf-8").splitlines()
    if lines[0].strip() != "timestamp,value":
        raise ValueError(f"{name}: expected header 'timestamp,value', got {lines[0]!r}")
    cells = np.array([line.split(",") for line in lines[1:] if line.strip()], dtype=np.str_)
    stamps, raw = cells[:, 0], cells[:, 1]
    times = _parse_times(stamps)
    edges = [(_row_index(times, a, name), _row_index(times, b, name)) for a, b in windows]
    return NabFile(
        name=name,
        timestamps=stamps,
        raw_values=raw,
        t_s=times.astype(np.int64).astype(np.float64) / 1e6,
        values=raw.astype(np.float64),
        windows=np.array(edges, dtype=np.int64).reshape(-1, 2),
    )


def load_corpus(root: Path = NAB_ROOT) -> list[NabFile]:
    """All 58 files of the corpus, sorted by name, with windows from ``combined_windows.json``."""
    labels = json.loads((root / "labels" / "combined_windows.json").read_text(encoding="utf-8"))
    return [read_file(root, name, labels[name]) for name in sorted(labels)]


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def split_halves(names: list[str]) -> dict[str, str]:
    """Deterministic tuning split: within each category, files sorted by the SHA-256 of their
    name go alternately to half A (tuning) and half B (held out), starting with A."""
    halves: dict[str, str] = {}
    for category in sorted({n.split("/", 1)[0] for n in names}):
        members = sorted((n for n in names if n.startswith(category + "/")), key=_digest)
        for k, name in enumerate(members):
            halves[name] = HALVES[k % 2]
    return halves
