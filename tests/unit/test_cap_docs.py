"""The sample message in docs/cap.md is what the builder produces, and it is valid CAP 1.2."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree

from forewarn.common import Level
from forewarn.publish.cap import CapRef, build_cap
from forewarn.publish.compose import AreaRegion, Issue, compose

DOC = Path(__file__).resolve().parents[2] / "docs" / "cap.md"
T0 = datetime(2026, 7, 21, 6, 30, tzinfo=UTC)
SENDER = "forewarn@emergency.gansu.example"
BOUNDARY = {
    "type": "Polygon",
    "coordinates": [
        [[103.70, 36.02], [103.92, 36.02], [103.92, 36.10], [103.70, 36.10], [103.70, 36.02]]
    ],
}
TEXT = {
    "event": {"zh-CN": "洪水", "en": "Flood"},
    "headline": {
        "zh-CN": "橙色预警：黄河兰州段水位超警戒",
        "en": "Orange flood warning: Yellow River at Lanzhou",
    },
    "description": {
        "zh-CN": "兰州水文站水位 1520.4 米，超警戒水位 0.4 米，仍在上涨。",
        "en": "The Lanzhou gauge reads 1520.4 m, 0.4 m above the warning level, and rising.",
    },
    "instruction": {
        "zh-CN": "远离河道和低洼地带，听从当地政府安排。",
        "en": "Keep away from the river banks and low ground; follow local instructions.",
    },
    "response_types": ["Avoid", "Monitor"],
    "contact": "0931-0000000",
    "areas": ["620102"],
}


def sample() -> bytes:
    issue = Issue(
        identifier="forewarn.42.2",
        sender=SENDER,
        sent=T0,
        msg_type="Update",
        level=Level.ORANGE,
        field="natural_disaster",
        text=TEXT,
        regions=[AreaRegion("620102", "城关区", "Chengguan District", BOUNDARY)],
        references=(CapRef(SENDER, "forewarn.42.1", T0 - timedelta(hours=1)),),
        incidents="forewarn.42.1",
        note="III -> II",
        onset=T0 - timedelta(hours=1, minutes=5),
        sender_names={"zh-CN": "甘肃省应急管理厅", "en": "Gansu Emergency Management Department"},
        parameters=(("forewarn:level", "II"), ("forewarn:field", "natural_disaster")),
    )
    return build_cap(compose(issue, max_vertices=100), tz=ZoneInfo("Asia/Shanghai"))


def test_sample_in_docs_is_the_builders_output_and_valid(shared_dir):
    (documented,) = re.findall(r"```xml\n(.*?)```", DOC.read_text("utf-8"), re.S)
    built = sample().decode("utf-8")
    assert documented.strip() == built.strip()
    schema = etree.XMLSchema(etree.parse(str(shared_dir / "standards" / "cap" / "CAP-v1.2.xsd")))
    schema.assertValid(etree.fromstring(built.encode("utf-8")))
