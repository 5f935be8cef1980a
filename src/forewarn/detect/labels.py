"""Series labels, label matchers and fingerprints.

Every series the engine watches is described by a ``SeriesInfo``: an id (the store's integer id,
or ``site/indicator`` when labels come from a catalogue file), its built-in labels, the site's
own labels and the interval it is expected to report at. Rules select series with matchers on
these labels; ``region`` matches the region's whole subtree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from forewarn.patterns import compile_pattern

REGION_LEVELS = ("province", "city", "county", "township")

#: Built-in labels every series carries (when known). Site labels keep their own names.
BUILTIN = (
    "series",
    "site",
    "site_name",
    "site_kind",
    "indicator",
    "indicator_name",
    "unit",
    "kind",
    "field",
    "region",
    "region_name",
    "region_path",
    *(f"region_{level}" for level in REGION_LEVELS),
)

#: Labels that identify a series for fingerprints (stable across store rebuilds).
IDENTIFYING = ("site", "indicator")

SeriesId = int | str


@dataclass(frozen=True)
class SeriesInfo:
    """One series as rules see it."""

    id: SeriesId
    labels: dict[str, str]
    site_labels: dict[str, str] = field(default_factory=dict)
    interval_s: float = 0.0

    def all_labels(self) -> dict[str, str]:
        """Site labels overlaid by the built-in ones (built-in names win)."""
        return {**self.site_labels, **self.labels}

    def region_codes(self) -> list[str]:
        """The codes of the series' region and its ancestors, top first."""
        path = self.labels.get("region_path", "")
        return [code for code in path.split("/") if code]


@dataclass(frozen=True)
class Matcher:
    """One label test: ``eq``, ``ne``, ``regex`` (full match), ``not_regex``, ``in``, ``not_in``."""

    label: str
    op: str
    values: tuple[str, ...]
    site_label: bool = False

    def __post_init__(self) -> None:
        if self.op in ("regex", "not_regex"):
            object.__setattr__(self, "_pattern", compile_pattern(self.values[0]))

    def matches(self, info: SeriesInfo) -> bool:
        """Whether the series passes this test (a missing label is the empty string)."""
        source = info.site_labels if self.site_label else info.labels
        if self.label == "region" and not self.site_label:
            return self._region(info)
        value = source.get(self.label, "")
        if self.op == "eq":
            return value == self.values[0]
        if self.op == "ne":
            return value != self.values[0]
        if self.op == "in":
            return value in self.values
        if self.op == "not_in":
            return value not in self.values
        found = self._pattern.fullmatch(value) is not None  # type: ignore[attr-defined]
        return found if self.op == "regex" else not found

    def _region(self, info: SeriesInfo) -> bool:
        codes = set(info.region_codes())
        if self.op in ("eq", "in"):
            return any(v in codes for v in self.values)
        if self.op in ("ne", "not_in"):
            return not any(v in codes for v in self.values)
        found = any(self._pattern.fullmatch(c) for c in codes)  # type: ignore[attr-defined]
        return found if self.op == "regex" else not found


def matches_all(matchers: tuple[Matcher, ...], info: SeriesInfo) -> bool:
    """Whether every matcher passes."""
    return all(m.matches(info) for m in matchers)


def fingerprint(rule_id: str, labels: Mapping[str, str]) -> str:
    """A stable 16-hex-digit hash of the rule id and identifying labels."""
    text = rule_id + "\x00" + "\x00".join(f"{k}={labels[k]}" for k in sorted(labels))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def identifying(info: SeriesInfo) -> dict[str, str]:
    """The labels that identify a series (site and indicator; the series id when unknown)."""
    ident = {k: info.labels[k] for k in IDENTIFYING if info.labels.get(k)}
    return ident or {"series": str(info.id)}
