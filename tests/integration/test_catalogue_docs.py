"""docs/catalogue.md holds true: its example file checks and loads, its error output is real."""

from __future__ import annotations

import re
from pathlib import Path

from forewarn.catalogue.check import check_catalogue
from forewarn.catalogue.schemas import CatalogueFile
from forewarn.yamlsource import parse_yaml, validate_model
from tests.factories import load_catalogue

PAGE = Path(__file__).resolve().parents[2] / "docs" / "catalogue.md"


def _blocks(kind: str) -> list[str]:
    found = re.findall(r"^```(\w*)\n(.*?)^```$", PAGE.read_text("utf-8"), re.S | re.M)
    return [text for info, text in found if info == kind]


def test_the_example_file_checks_and_loads_twice(sessions, tmp_path):
    [example] = _blocks("yaml")
    doc = parse_yaml(example, "catalogue.yaml")
    assert check_catalogue(doc, validate_model(doc, CatalogueFile)) == []
    path = tmp_path / "catalogue.yaml"
    path.write_text(example, "utf-8")
    first = load_catalogue(sessions, path)
    assert load_catalogue(sessions, path) == first
    assert first["regions"] == 3
    assert first["series"] == 1


def test_the_error_output_is_what_check_prints_for_the_described_mistakes():
    [example] = _blocks("yaml")
    mistyped = example.replace('parent: "620100"}', 'parent: "620101"}').replace(
        "indicator: water_level, interval", "indicator: stage, interval"
    )
    doc = parse_yaml(mistyped, "catalogue.yaml")
    issues = check_catalogue(doc, validate_model(doc, CatalogueFile))
    printed = [f"error {i}" for i in issues] + [f"{len(issues)} error(s); nothing was changed."]
    assert _blocks("")[-1].splitlines() == printed
