"""CAP 1.2 builder: every message validates against the official schema; table-driven mappings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from forewarn.common import Level
from forewarn.publish.cap import (
    NS,
    CapAlert,
    CapArea,
    CapRef,
    CapText,
    build_cap,
    cap_time,
    categories_for,
    certainty,
    references_text,
    urgency,
)
from forewarn.publish.compose import (
    AreaRegion,
    Issue,
    compose,
    current_headline,
    default_text,
    languages,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 5, 1, 0, 30, 15, 123456, tzinfo=UTC)
C = {"c": NS}
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[103.7, 36.0], [103.9, 36.0], [103.9, 36.1], [103.7, 36.1], [103.7, 36.0]]],
}
TEXT = {
    "event": {"zh-CN": "洪水", "en": "Flood"},
    "headline": {"zh-CN": "橙色预警：兰州水文站水位超警戒", "en": "Orange warning: river high"},
    "description": {"zh-CN": "水位 1520.4 米，超警戒 0.4 米。", "en": "Level 1520.4 m."},
    "instruction": {"zh-CN": "远离河道。", "en": "Keep away from the river."},
    "response_types": ["Prepare", "Avoid"],
    "contact": "0931-12345",
}


@pytest.fixture(scope="module")
def schema(shared_dir):
    return etree.XMLSchema(etree.parse(str(shared_dir / "standards" / "cap" / "CAP-v1.2.xsd")))


def valid(schema, xml: bytes) -> etree._Element:
    doc = etree.fromstring(xml)
    schema.assertValid(doc)
    return doc


def issue(msg_type="Alert", **overrides) -> Issue:
    base = {
        "identifier": "forewarn.42.1",
        "sender": "forewarn@gs.example",
        "sent": T0,
        "msg_type": msg_type,
        "level": Level.ORANGE,
        "field": "natural_disaster",
        "text": TEXT,
        "regions": [
            AreaRegion("620102", "城关区", "Chengguan", SQUARE),
            AreaRegion("620111", "红古区"),
        ],
        "sender_names": {"zh-CN": "甘肃省应急管理厅", "en": "Gansu Emergency Management"},
        "onset": T0 - timedelta(minutes=10),
    }
    if msg_type != "Alert":
        base["references"] = (CapRef("forewarn@gs.example", "forewarn.42.1", T0),)
        base["identifier"] = "forewarn.42.2"
    base.update(overrides)
    return Issue(**base)


@pytest.mark.parametrize("msg_type", ["Alert", "Update", "Cancel"])
@pytest.mark.parametrize("level", list(Level))
def test_every_message_kind_and_level_validates(schema, msg_type, level):
    xml = build_cap(compose(issue(msg_type, level=level), max_vertices=100), tz=SHANGHAI)
    doc = valid(schema, xml)
    assert doc.findtext("c:msgType", namespaces=C) == msg_type
    assert doc.findtext("c:status", namespaces=C) == "Actual"
    assert doc.findtext("c:scope", namespaces=C) == "Public"
    severities = doc.xpath("//c:info/c:severity/text()", namespaces=C)
    assert severities == [level.cap_severity] * 2


def test_alert_content(schema):
    doc = valid(schema, build_cap(compose(issue(), max_vertices=100), tz=SHANGHAI))
    assert doc.findtext("c:sent", namespaces=C) == "2026-05-01T08:30:15+08:00"
    assert doc.find("c:references", namespaces=C) is None
    zh, en = doc.findall("c:info", namespaces=C)
    assert zh.findtext("c:language", namespaces=C) == "zh-CN"
    assert en.findtext("c:language", namespaces=C) == "en"
    assert zh.xpath("c:category/text()", namespaces=C) == ["Geo", "Met"]
    assert zh.xpath("c:responseType/text()", namespaces=C) == ["Prepare", "Avoid"]
    assert zh.findtext("c:urgency", namespaces=C) == "Immediate"
    assert zh.findtext("c:certainty", namespaces=C) == "Likely"
    assert zh.findtext("c:onset", namespaces=C) == "2026-05-01T08:20:15+08:00"
    assert zh.findtext("c:senderName", namespaces=C) == "甘肃省应急管理厅"
    assert en.findtext("c:senderName", namespaces=C) == "Gansu Emergency Management"
    assert en.findtext("c:headline", namespaces=C) == "Orange warning: river high"
    assert zh.findtext("c:instruction", namespaces=C) == "远离河道。"
    areas = zh.findall("c:area", namespaces=C)
    assert [a.findtext("c:areaDesc", namespaces=C) for a in areas] == ["城关区", "红古区"]
    assert en.xpath("c:area/c:areaDesc/text()", namespaces=C) == ["Chengguan", "红古区"]
    polygon = areas[0].findtext("c:polygon", namespaces=C)
    assert polygon == "36,103.7 36,103.9 36.1,103.9 36.1,103.7 36,103.7"
    assert areas[1].find("c:polygon", namespaces=C) is None  # no boundary: geocode only
    geocode = areas[1].find("c:geocode", namespaces=C)
    assert geocode.findtext("c:valueName", namespaces=C) == "GB/T 2260"
    assert geocode.findtext("c:value", namespaces=C) == "620111"


def test_update_and_cancel_reference_what_they_follow(schema):
    refs = (
        CapRef("forewarn@gs.example", "forewarn.42.1", T0),
        CapRef("forewarn@gs.example", "forewarn.42.2", T0 + timedelta(hours=1)),
    )
    update = issue("Update", references=refs, incidents="forewarn.42.1", note="III -> II")
    doc = valid(schema, build_cap(compose(update, max_vertices=100), tz=SHANGHAI))
    assert doc.findtext("c:references", namespaces=C) == (
        "forewarn@gs.example,forewarn.42.1,2026-05-01T08:30:15+08:00 "
        "forewarn@gs.example,forewarn.42.2,2026-05-01T09:30:15+08:00"
    )
    assert doc.findtext("c:incidents", namespaces=C) == "forewarn.42.1"
    assert doc.findtext("c:note", namespaces=C) == "III -> II"
    cancel = issue("Cancel", references=refs, note="水位回落 river back to normal")
    doc = valid(schema, build_cap(compose(cancel, max_vertices=100), tz=SHANGHAI))
    zh = doc.find("c:info", namespaces=C)
    assert zh.xpath("c:responseType/text()", namespaces=C) == ["AllClear"]
    assert zh.findtext("c:urgency", namespaces=C) == "Past"
    assert zh.findtext("c:certainty", namespaces=C) == "Observed"
    assert zh.findtext("c:headline", namespaces=C).startswith("解除：")
    assert zh.findtext("c:description", namespaces=C) == "水位回落 river back to normal"


@pytest.mark.parametrize(
    ("level", "msg_type", "urg", "cert"),
    [
        (Level.RED, "Alert", "Immediate", "Likely"),
        (Level.ORANGE, "Update", "Immediate", "Likely"),
        (Level.YELLOW, "Alert", "Expected", "Likely"),
        (Level.BLUE, "Alert", "Future", "Likely"),
        (Level.RED, "Cancel", "Past", "Observed"),
    ],
)
def test_urgency_and_certainty(level, msg_type, urg, cert):
    assert (urgency(level, msg_type), certainty(msg_type)) == (urg, cert)


@pytest.mark.parametrize(
    ("field", "cats"),
    [
        ("production_safety", ("Safety",)),
        ("public_health", ("Health",)),
        ("ecology_environment", ("Env",)),
        ("cyber", ("Infra", "Security")),
        ("my_own_field", ("Other",)),
        (None, ("Other",)),
    ],
)
def test_categories(field, cats):
    assert categories_for(field) == cats


def test_english_only_when_headline_and_description_exist(schema):
    zh_only = {**TEXT, "description": {"zh-CN": "只有中文"}}
    assert languages(zh_only) == ["zh-CN"]
    doc = valid(schema, build_cap(compose(issue(text=zh_only), max_vertices=100), tz=UTC))
    assert doc.xpath("//c:info/c:language/text()", namespaces=C) == ["zh-CN"]
    assert doc.findtext("c:sent", namespaces=C) == "2026-05-01T00:30:15+00:00"  # never "Z"


def test_default_text_from_release_content(schema):
    content = {"type": "水位超警", "watch": "水位持续上涨", "measures": "加强巡查",
               "area": [{"code": "620102", "name": "城关区"}]}  # fmt: skip
    text = default_text(title="河道洪水 River flood — 兰州水文站", level=Level.RED, content=content)
    assert text["headline"] == {"zh-CN": "红色预警：城关区水位超警"}, "what the public reads"
    assert text["instruction"] == {"zh-CN": "加强巡查"}
    valid(schema, build_cap(compose(issue(text=text), max_vertices=100), tz=SHANGHAI))
    untyped = default_text(title="兰州水文站水位", level=Level.RED, content={})
    assert untyped["headline"] == {"zh-CN": "红色预警：兰州水文站水位"}, "no type: the title"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"msg_type": "Update", "references": ()}, "must reference"),
        ({"identifier": "has space"}, "must not hold"),
        ({"sender": "a,b"}, "must not hold"),
        ({"categories": ("Weather",)}, "not CAP 1.2 values"),
        ({"texts": ()}, "at least one info"),
    ],
)
def test_builder_refuses_what_the_schema_cannot_see(change, error):
    base = CapAlert(
        identifier="x.1",
        sender="s@x",
        sent=T0,
        msg_type="Alert",
        level=Level.BLUE,
        texts=(CapText("zh-CN", "e", "h", "d"),),
        areas=(CapArea({"zh-CN": "a"}),),
    )
    with pytest.raises(ValueError, match=error):
        build_cap(CapAlert(**{**base.__dict__, **change}), tz=UTC)


def test_schema_check_is_not_vacuous(schema):
    xml = build_cap(compose(issue(), max_vertices=100), tz=SHANGHAI)
    broken = xml.replace(b"<msgType>Alert</msgType>", b"<msgType>Warning</msgType>")
    assert not schema.validate(etree.fromstring(broken))
    assert schema.validate(etree.fromstring(xml))


def test_times_and_references_text():
    assert cap_time(T0, SHANGHAI) == "2026-05-01T08:30:15+08:00"
    with pytest.raises(ValueError, match="timezone-aware"):
        cap_time(datetime(2026, 5, 1), UTC)
    refs = (CapRef("a@b", "id1", T0),)
    assert references_text(refs, UTC) == "a@b,id1,2026-05-01T00:30:15+00:00"


@pytest.mark.parametrize("msg_type", ["Update", "Cancel"])
def test_a_headline_led_by_a_colour_names_the_messages_level(schema, msg_type):
    # TEXT was approved at orange; the warning is red now
    doc = valid(schema, build_cap(compose(issue(msg_type, level=Level.RED), max_vertices=100),
                                  tz=SHANGHAI))  # fmt: skip
    zh, en = (i.findtext("c:headline", namespaces=C) for i in doc.findall("c:info", namespaces=C))
    lifted = ("解除：", "Lifted: ") if msg_type == "Cancel" else ("", "")
    assert zh == f"{lifted[0]}红色预警：兰州水文站水位超警戒"
    assert en == f"{lifted[1]}Red warning: river high"


def test_a_headline_without_a_leading_colour_is_kept():
    assert current_headline("兰州水文站水位超警戒", Level.RED) == "兰州水文站水位超警戒"
    assert current_headline("蓝色预警：x", Level.BLUE) == "蓝色预警：x"
