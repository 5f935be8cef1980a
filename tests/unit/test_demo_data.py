"""The demo province: a valid catalogue, deterministic continuous data, incidents as scripted."""

from __future__ import annotations

import numpy as np
import pytest

from forewarn.catalogue.check import check_catalogue
from forewarn.demo import geo
from forewarn.demo.catalogue import build
from forewarn.demo.generate import Generator, SeriesSpec, tick_times
from forewarn.demo.incidents import H, script
from forewarn.demo.province import CITIES
from forewarn.yamlsource import YamlDocument

ORIGIN = 1_795_000_000 // 3600 * 3600  # a whole hour
SPEED = 360.0  # the demo's default


@pytest.fixture(scope="module")
def cat():
    return build()


def _spec(cat, site: str, indicator: str, sid: int = 1) -> SeriesSpec:
    s = next(x for x in cat.sites if x.code == site)
    series = next(x for x in s.series if x.indicator == indicator)
    return SeriesSpec(sid, site, indicator, int(series.interval_s), dict(s.labels))


def test_catalogue_is_valid_and_covers_the_province(cat):
    assert check_catalogue(YamlDocument(file="demo", data=None), cat) == []
    cities = {r.code for r in cat.regions if r.level == "city"}
    assert cities == set(CITIES)
    assert all(r.boundary is not None for r in cat.regions if r.level != "province")
    assert 250 <= len(cat.sites) <= 350
    indicators = {s.indicator for site in cat.sites for s in site.series}
    assert indicators == {i.code for i in cat.indicators}
    fields_with_departments = {f for d in cat.departments for f in d.fields}
    assert fields_with_departments >= {
        "production_safety",
        "natural_disaster",
        "public_health",
        "ecology_environment",
        "infrastructure",
        "economy_finance",
    }


def test_every_site_lies_inside_its_county(cat):
    counties = geo.counties()
    for site in cat.sites:
        lon, lat = site.location
        assert geo.contains(counties[site.region]["geometry"], lon, lat), site.code


def test_data_is_deterministic_per_seed_and_continuous_across_ranges(cat):
    spec = _spec(cat, "air-620102-01", "pm10")
    a, b, c = ORIGIN - 86400, ORIGIN, ORIGIN + 86400
    whole = Generator(seed=7).batch([spec], a, c)
    parts = [Generator(seed=7).batch([spec], a, b), Generator(seed=7).batch([spec], b, c)]
    assert np.array_equal(whole[1], np.concatenate([p[1] for p in parts]))
    assert np.array_equal(whole[2], np.concatenate([p[2] for p in parts]))
    other = Generator(seed=8).batch([spec], a, c)
    assert not np.allclose(whole[2], other[2])


def test_counts_are_reported_at_local_midnight_and_mondays(cat):
    daily = _spec(cat, "cdc-620105", "diarrhoea_cases")
    weekly = _spec(cat, "cdc-620105", "influenza_cases")
    t_daily = tick_times(daily, ORIGIN, ORIGIN + 10 * 86400)
    t_weekly = tick_times(weekly, ORIGIN, ORIGIN + 30 * 86400)
    assert set(((t_daily + 8 * 3600) % 86400).tolist()) == {0}
    local = t_weekly + 8 * 3600
    assert set((local % 86400).tolist()) == {0}
    assert set(((local // 86400 + 3) % 7).tolist()) == {0}  # Monday


def _run(cat, site, indicator, hours):
    spec = _spec(cat, site, indicator)
    gen = Generator(seed=1, incidents=tuple(script()), origin_s=ORIGIN)
    calm = Generator(seed=1)
    t = tick_times(spec, ORIGIN, ORIGIN + int(hours * H))
    values, reported = gen.values(spec, t)
    base, _ = calm.values(spec, t)
    return spec, t, values, reported, base


def test_incidents_play_out_as_scripted(cat):
    _s, _t, ch4, _r, base = _run(cat, "mine-620824-02", "ch4", 6)
    assert base.max() < 0.8
    assert ch4.max() > 1.5  # beyond the power-cut limit, then back
    assert ch4[-1] < 0.8
    _s, t, _v, reported, _b = _run(cat, "mine-621025-01", "co", 12)
    silent = (t - ORIGIN >= 1 * H) & (t - ORIGIN < 9 * H)
    assert not reported[silent].any()
    assert reported[~silent].all()
    _s, _t, pm10, _r, base = _run(cat, "air-620902-16", "pm10", 24)
    assert pm10.max() > 1000 > base.max()
    spec, _t, level, _r, _b = _run(cat, "gauge-yellow-3", "water_level", 40)
    assert level.max() > float(spec.labels["guarantee_stage"])
    _s, _t, cases, _r, base = _run(cat, "cdc-620105", "diarrhoea_cases", 60)
    assert cases[:2].sum() > 4 * base[:2].sum()


def test_incidents_fit_the_ten_minute_window():
    incidents = script()
    first = min(i.start_s for i in incidents)
    last = max(i.end_s for i in incidents)
    assert first / SPEED <= 60, "first incident within a minute of start"
    assert last / SPEED <= 600, "all played out within ten minutes at the default speed"
