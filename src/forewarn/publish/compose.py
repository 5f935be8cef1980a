"""From a warning's approved public text and its regions to a `CapAlert` (pure).

The approved text is a JSON object: ``headline``, ``description``, ``instruction`` and
``event`` each map a language (``zh-CN``, ``en``) to text; ``response_types`` lists CAP
response types; ``areas`` lists region codes; ``contact`` is optional. Chinese is always
published; English only when the text has both an English headline and description.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from forewarn.common import Level
from forewarn.publish.cap import (
    GEOCODE_NAME,
    CapAlert,
    CapArea,
    CapRef,
    CapText,
    MsgType,
    categories_for,
)
from forewarn.publish.geometry import cap_polygons

ZH, EN = "zh-CN", "en"
LANGUAGES = (ZH, EN)
LEVEL_ZH = {Level.BLUE: "蓝色", Level.YELLOW: "黄色", Level.ORANGE: "橙色", Level.RED: "红色"}


@dataclass(frozen=True)
class AreaRegion:
    """A region of the published area: code, names and boundary (GeoJSON) if known."""

    code: str
    name: str
    name_en: str | None = None
    boundary: dict[str, Any] | None = None


@dataclass(frozen=True)
class Issue:
    """Everything one CAP message of a warning is made of."""

    identifier: str
    sender: str
    sent: datetime
    msg_type: MsgType
    level: Level
    field: str | None
    text: Mapping[str, Any]
    regions: Sequence[AreaRegion]
    references: tuple[CapRef, ...] = ()
    incidents: str | None = None
    note: str | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_names: Mapping[str, str] | None = None
    parameters: tuple[tuple[str, str], ...] = ()


def _get(text: Mapping[str, Any], key: str, language: str) -> str:
    value = text.get(key) or {}
    found = value.get(language) if isinstance(value, Mapping) else None
    return found.strip() if isinstance(found, str) else ""


def languages(text: Mapping[str, Any]) -> list[str]:
    """Languages the text is published in: zh-CN, and en when headline and description exist."""
    out = [ZH]
    if _get(text, "headline", EN) and _get(text, "description", EN):
        out.append(EN)
    return out


def lifted_headline(headline: str, language: str) -> str:
    """The headline of the all-clear."""
    return f"解除：{headline}" if language == ZH else f"Lifted: {headline}"


def _leads(level: Level) -> tuple[str, str]:
    return f"{LEVEL_ZH[level]}预警：", f"{level.label.capitalize()} warning: "


def current_headline(headline: str, level: Level) -> str:
    """`headline` with a leading colour (``黄色预警：``, ``Yellow warning: ``) made the level's
    own: an Update after a level change must not head an Extreme alert with an old colour."""
    for old in Level:
        for index, lead in enumerate(_leads(old)):
            if headline.startswith(lead):
                return _leads(level)[index] + headline[len(lead) :]
    return headline


def _cap_text(issue: Issue, language: str) -> CapText:
    text = issue.text
    fallback = _get(text, "headline", ZH)
    headline = current_headline(_get(text, "headline", language) or fallback, issue.level)
    event = _get(text, "event", language) or _get(text, "event", ZH) or headline
    names = issue.sender_names or {}
    sender_name = names.get(language) or names.get(ZH)
    contact = text.get("contact") if isinstance(text.get("contact"), str) else None
    if issue.msg_type == "Cancel":
        default = "预警已解除。" if language == ZH else "The warning has been lifted."
        return CapText(
            language=language,
            event=event,
            headline=lifted_headline(headline, language)[:160],
            description=issue.note or default,
            sender_name=sender_name,
            contact=contact,
        )
    return CapText(
        language=language,
        event=event,
        headline=headline[:160],
        description=_get(text, "description", language) or headline,
        instruction=_get(text, "instruction", language) or None,
        sender_name=sender_name,
        contact=contact,
    )


def cap_area(region: AreaRegion, *, max_vertices: int) -> CapArea:
    """A CAP area of a region: its names, simplified boundary polygons and GB/T 2260 code."""
    names = {ZH: region.name, EN: region.name_en or region.name}
    polygons = tuple(cap_polygons(region.boundary, max_vertices=max_vertices))
    return CapArea(names=names, polygons=polygons, geocodes=((GEOCODE_NAME, region.code),))


def compose(issue: Issue, *, max_vertices: int) -> CapAlert:
    """The `CapAlert` of `issue`."""
    responses = tuple(issue.text.get("response_types") or ())
    if issue.msg_type == "Cancel":
        responses = ("AllClear",)
    return CapAlert(
        identifier=issue.identifier,
        sender=issue.sender,
        sent=issue.sent,
        msg_type=issue.msg_type,
        level=issue.level,
        texts=tuple(_cap_text(issue, lang) for lang in languages(issue.text)),
        areas=tuple(cap_area(r, max_vertices=max_vertices) for r in issue.regions),
        categories=categories_for(issue.field),
        references=issue.references,
        incidents=issue.incidents,
        note=issue.note,
        response_types=responses,
        onset=issue.onset,
        expires=issue.expires if issue.msg_type != "Cancel" else None,
        parameters=issue.parameters,
    )


def default_headline(title: str, level: Level, content: Mapping[str, Any]) -> str:
    """``<颜色>预警：<area><type>`` from the release content (``橙色预警：永靖县地质灾害``): what
    the public reads, not the rule's and the monitoring point's internal names; the warning's
    title when the rule gives no type."""
    kind = str(content.get("type") or "")
    if not kind or kind == title:
        return f"{LEVEL_ZH[level]}预警：{title}"[:160]
    places = "、".join(str(a.get("name") or "") for a in content.get("area") or [] if a.get("name"))
    return f"{LEVEL_ZH[level]}预警：{places}{kind}"[:160]


def default_text(
    *, title: str, level: Level, content: Mapping[str, Any], message: str = ""
) -> dict[str, Any]:
    """The public text a composer starts from, taken from the warning's release content."""
    kind = str(content.get("type") or title)
    watch = str(content.get("watch") or message or title)
    measures = str(content.get("measures") or "")
    text: dict[str, Any] = {
        "event": {ZH: kind},
        "headline": {ZH: default_headline(title, level, content)},
        "description": {ZH: watch},
        "instruction": {ZH: measures} if measures else {},
        "response_types": [],
        "contact": None,
    }
    return text
