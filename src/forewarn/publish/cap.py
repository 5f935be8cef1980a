"""CAP 1.2 messages from plain inputs: `CapAlert` in, namespaced UTF-8 XML bytes out.

Choices (documented in ``docs/cap.md``): severity from the level (IV Minor ... I Extreme);
urgency Immediate for I and II, Expected for III, Future for IV, Past on Cancel; certainty
Likely while a warning is in force (the condition is measured, the harm is likely), Observed
on Cancel (the all-clear is a fact); a Cancel carries ``responseType`` AllClear.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Literal

from forewarn.common import Level

NS = "urn:oasis:names:tc:emergency:cap:1.2"
MsgType = Literal["Alert", "Update", "Cancel"]
CATEGORIES = (
    "Geo", "Met", "Safety", "Security", "Rescue", "Fire",
    "Health", "Env", "Transport", "Infra", "CBRNE", "Other",
)  # fmt: skip
RESPONSE_TYPES = (
    "Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None",
)  # fmt: skip
GEOCODE_NAME = "GB/T 2260"
# Default CAP categories of the shipped fields; unknown fields map to Other.
FIELD_CATEGORIES: dict[str, tuple[str, ...]] = {
    "production_safety": ("Safety",),
    "natural_disaster": ("Geo", "Met"),
    "public_health": ("Health",),
    "ecology_environment": ("Env",),
    "food_drug": ("Health", "Safety"),
    "infrastructure": ("Infra",),
    "economy_finance": ("Other",),
    "energy_food_supply": ("Infra",),
    "cyber": ("Infra", "Security"),
}


@dataclass(frozen=True)
class CapRef:
    """An earlier message: the ``sender,identifier,sent`` triple of ``references``."""

    sender: str
    identifier: str
    sent: datetime


@dataclass(frozen=True)
class CapText:
    """The human text of one ``info`` block, in one language."""

    language: str
    event: str
    headline: str
    description: str
    instruction: str | None = None
    sender_name: str | None = None
    contact: str | None = None


@dataclass(frozen=True)
class CapArea:
    """One affected area: names per language, polygons ("lat,lon ..." texts) and geocodes."""

    names: dict[str, str]
    polygons: tuple[str, ...] = ()
    geocodes: tuple[tuple[str, str], ...] = ()

    def name(self, language: str) -> str:
        """The area's name in `language`, else its first name."""
        return self.names.get(language) or next(iter(self.names.values()), "")


@dataclass(frozen=True)
class CapAlert:
    """Everything one CAP message says."""

    identifier: str
    sender: str
    sent: datetime
    msg_type: MsgType
    level: Level
    texts: tuple[CapText, ...]
    areas: tuple[CapArea, ...]
    categories: tuple[str, ...] = ("Other",)
    references: tuple[CapRef, ...] = ()
    incidents: str | None = None
    note: str | None = None
    response_types: tuple[str, ...] = ()
    onset: datetime | None = None
    expires: datetime | None = None
    web: str | None = None
    parameters: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    status: str = "Actual"
    scope: str = "Public"


def urgency(level: Level, msg_type: MsgType) -> str:
    """CAP urgency: Past on Cancel; Immediate for I/II, Expected for III, Future for IV."""
    if msg_type == "Cancel":
        return "Past"
    return {Level.RED: "Immediate", Level.ORANGE: "Immediate", Level.YELLOW: "Expected"}.get(
        level, "Future"
    )


def certainty(msg_type: MsgType) -> str:
    """CAP certainty: Observed for an all-clear, Likely while a warning is in force."""
    return "Observed" if msg_type == "Cancel" else "Likely"


def categories_for(field_code: str | None) -> tuple[str, ...]:
    """CAP categories of a field (``Other`` when the field has no mapping)."""
    return FIELD_CATEGORIES.get(field_code or "", ("Other",))


def cap_time(value: datetime, tz: tzinfo) -> str:
    """A CAP date-time: whole seconds with an explicit offset (CAP forbids ``Z``)."""
    if value.tzinfo is None:
        raise ValueError("CAP times must be timezone-aware")
    return value.astimezone(tz).replace(microsecond=0).isoformat()


def references_text(refs: tuple[CapRef, ...], tz: tzinfo) -> str:
    """The ``references`` value: space-separated ``sender,identifier,sent`` triples."""
    return " ".join(f"{r.sender},{r.identifier},{cap_time(r.sent, tz)}" for r in refs)


def _add(parent: ET.Element, name: str, text: str | None) -> ET.Element | None:
    if text is None or text == "":
        return None
    child = ET.SubElement(parent, f"{{{NS}}}{name}")
    child.text = text
    return child


def _pair(parent: ET.Element, name: str, value_name: str, value: str) -> None:
    holder = ET.SubElement(parent, f"{{{NS}}}{name}")
    _add(holder, "valueName", value_name)
    _add(holder, "value", value)


def _area(info: ET.Element, area: CapArea, language: str) -> None:
    node = ET.SubElement(info, f"{{{NS}}}area")
    _add(node, "areaDesc", area.name(language))
    for polygon in area.polygons:
        _add(node, "polygon", polygon)
    for value_name, value in area.geocodes:
        _pair(node, "geocode", value_name, value)


def _info(root: ET.Element, alert: CapAlert, text: CapText, tz: tzinfo) -> None:
    info = ET.SubElement(root, f"{{{NS}}}info")
    _add(info, "language", text.language)
    for category in alert.categories:
        _add(info, "category", category)
    _add(info, "event", text.event)
    for response in alert.response_types:
        _add(info, "responseType", response)
    _add(info, "urgency", urgency(alert.level, alert.msg_type))
    _add(info, "severity", alert.level.cap_severity)
    _add(info, "certainty", certainty(alert.msg_type))
    _add(info, "onset", cap_time(alert.onset, tz) if alert.onset else None)
    _add(info, "expires", cap_time(alert.expires, tz) if alert.expires else None)
    _add(info, "senderName", text.sender_name)
    _add(info, "headline", text.headline)
    _add(info, "description", text.description)
    _add(info, "instruction", text.instruction)
    _add(info, "web", alert.web)
    _add(info, "contact", text.contact)
    for value_name, value in alert.parameters:
        _pair(info, "parameter", value_name, value)
    for area in alert.areas:
        _area(info, area, text.language)


def check_alert(alert: CapAlert) -> None:
    """Raise ValueError for what the schema cannot see (references, categories, areas)."""
    if alert.msg_type != "Alert" and not alert.references:
        raise ValueError(f"a CAP {alert.msg_type} must reference what it updates")
    if not alert.texts:
        raise ValueError("a CAP message needs at least one info text")
    bad = [c for c in alert.categories if c not in CATEGORIES]
    bad += [r for r in alert.response_types if r not in RESPONSE_TYPES]
    if bad:
        raise ValueError(f"not CAP 1.2 values: {bad}")
    for token in (alert.sender, alert.identifier):
        if not token or any(ch in token for ch in " ,<&"):
            raise ValueError(f"CAP sender/identifier {token!r} must not hold space , < &")


def build_cap(alert: CapAlert, *, tz: tzinfo) -> bytes:
    """The CAP 1.2 XML document of `alert`, times shown in `tz` (UTF-8 with declaration)."""
    check_alert(alert)
    root = ET.Element(f"{{{NS}}}alert")
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", alert.sender)
    _add(root, "sent", cap_time(alert.sent, tz))
    _add(root, "status", alert.status)
    _add(root, "msgType", alert.msg_type)
    _add(root, "scope", alert.scope)
    _add(root, "note", alert.note)
    _add(root, "references", references_text(alert.references, tz) or None)
    _add(root, "incidents", alert.incidents)
    for text in alert.texts:
        _info(root, alert, text, tz)
    ET.indent(root, space="  ")
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True, default_namespace=NS)
    return xml
