"""Series labels from the catalogue: from the store, or from a catalogue YAML file.

Built-in labels: ``series`` (the id), ``site``, ``site_name``, ``site_kind``, ``indicator``,
``indicator_name``, ``unit``, ``kind`` (gauge or count), ``field``, ``region`` (the site's region
code), ``region_name``, ``region_path`` (codes from the top, ``620000/620100/620102``) and
``region_<level>`` for the region and each ancestor (``region_city``, ``region_county``...).
The site's own labels (``warning_stage``, ``river``...) are kept apart as ``site_labels``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.catalogue.check import check_catalogue
from forewarn.catalogue.models import Indicator, Region, Series, Site
from forewarn.catalogue.schemas import CatalogueFile
from forewarn.detect.labels import SeriesId, SeriesInfo
from forewarn.yamlsource import ConfigInvalid, read_yaml, validate_model


def build_labels(
    series: SeriesId,
    *,
    site: tuple[str, str, str | None],
    indicator: tuple[str, str, str, str],
    field: str,
    region_codes: list[str],
    region_levels: Mapping[str, str],
    region_name: str,
) -> dict[str, str]:
    """The built-in labels of one series (``site`` = code, name, kind; ``indicator`` = code,
    name, unit, kind; ``region_codes`` from the top down to the site's region)."""
    labels = {
        "series": str(series),
        "site": site[0],
        "site_name": site[1],
        "site_kind": site[2] or "",
        "indicator": indicator[0],
        "indicator_name": indicator[1],
        "unit": indicator[2],
        "kind": indicator[3],
        "field": field,
        "region": region_codes[-1] if region_codes else "",
        "region_name": region_name,
        "region_path": "/".join(region_codes),
    }
    for code in region_codes:
        level = region_levels.get(code)
        if level:
            labels[f"region_{level}"] = code
    return labels


def series_from_store(session: Session) -> list[SeriesInfo]:
    """Every series in the store with its labels, by id."""
    levels = dict(session.execute(select(Region.code, Region.level)).all())
    query = (
        select(
            Series.id,
            Series.interval_s,
            Site.code,
            Site.name,
            Site.kind,
            Site.labels,
            Site.field_code,
            Region.name,
            Region.path,
            Indicator.code,
            Indicator.name,
            Indicator.unit,
            Indicator.kind,
        )
        .join(Series.site)
        .join(Site.region)
        .join(Series.indicator)
        .order_by(Series.id)
    )
    out = []
    for row in session.execute(query):
        sid, interval, code, name, kind, site_labels, field, rname, path = row[:9]
        labels = build_labels(
            sid,
            site=(code, name, kind),
            indicator=(row[9], row[10], row[11], row[12]),
            field=field,
            region_codes=[c for c in path.split("/") if c],
            region_levels=levels,
            region_name=rname,
        )
        out.append(SeriesInfo(sid, labels, dict(site_labels or {}), float(interval)))
    return out


def series_from_catalogue(cat: CatalogueFile) -> list[SeriesInfo]:
    """Every series of a catalogue file, with id ``site/indicator`` (codes hold no ``/``)."""
    regions = {r.code: r for r in cat.regions}
    indicators = {i.code: i for i in cat.indicators}
    out = []
    for site in cat.sites:
        codes: list[str] = []
        code: str | None = site.region
        while code is not None and code not in codes:
            codes.insert(0, code)
            code = regions[code].parent if code in regions else None
        region = regions.get(site.region)
        for series in site.series:
            ind = indicators.get(series.indicator)
            sid = f"{site.code}/{series.indicator}"
            labels = build_labels(
                sid,
                site=(site.code, site.name, site.kind),
                indicator=(
                    series.indicator,
                    ind.name if ind else series.indicator,
                    ind.unit if ind else "",
                    ind.kind if ind else "",
                ),
                field=site.field,
                region_codes=codes,
                region_levels={r.code: r.level for r in cat.regions},
                region_name=region.name if region else "",
            )
            out.append(SeriesInfo(sid, labels, dict(site.labels), series.interval_s))
    return out


def load_catalogue_series(path: Path) -> list[SeriesInfo]:
    """Series of a catalogue YAML file, checked first (ConfigInvalid on errors)."""
    doc = read_yaml(path)
    cat = validate_model(doc, CatalogueFile)
    issues = check_catalogue(doc, cat)
    if issues:
        raise ConfigInvalid(issues)
    return series_from_catalogue(cat)
