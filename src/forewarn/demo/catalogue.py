"""The demo province's whole catalogue, as a catalogue file would hold it."""

from __future__ import annotations

from pathlib import Path

import yaml

from forewarn.catalogue.schemas import CatalogueFile
from forewarn.demo import province
from forewarn.demo.sites import sites


def build() -> CatalogueFile:
    """Fields, regions with boundaries, departments, indicators and sites of the demo."""
    return CatalogueFile(
        fields=province.FIELDS,
        regions=province.regions(),
        departments=province.departments(),
        indicators=province.indicators(),
        sites=sites(),
    )


def write_yaml(cat: CatalogueFile, path: Path) -> None:
    """Write the catalogue as YAML (boundaries left out), an example users can edit and load."""
    data = cat.model_dump(mode="json", exclude_none=True)
    for region in data["regions"]:
        region.pop("boundary", None)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    path.write_text("# The forewarn demo catalogue (boundaries omitted).\n" + text, "utf-8")
