"""A warning's title in English, from its rule's English name."""

from __future__ import annotations

import pytest

from forewarn.warnings.titles import default_title, english_title

NAMED = {"rule_name": "瓦斯浓度超限", "rule_name_en": "Coal-mine methane"}


@pytest.mark.parametrize(
    ("title", "explanation", "expected"),
    [
        (default_title("瓦斯浓度超限", "海石湾煤矿"), NAMED, "Coal-mine methane — 海石湾煤矿"),
        ("瓦斯浓度超限", NAMED, "Coal-mine methane"),  # a rule name alone (no place)
        ("海石湾煤矿瓦斯超限，立即撤人", NAMED, None),  # a title the rule wrote: kept as is
        (default_title("瓦斯浓度超限", "海石湾煤矿"), {"rule_name": "瓦斯浓度超限"}, None),
        (default_title("x", "y"), None, None),
        ("瓦斯浓度超限高", NAMED, None),  # the name must be the whole head, not a prefix
    ],
)
def test_english_title(title, explanation, expected):
    assert english_title(title, explanation) == expected
