"""The browser tests' situation on the demo province (real boundaries) with the demo's users.

Four warnings, made through the warnings service as the engine would:
- ``ch4``: methane at the Haishiwan mine, Honggu (production safety), red, active;
- ``water``: the Lanzhou gauge, Chengguan (natural disasters), orange, active;
- ``dust``: PM10 in Suzhou District, Jiuquan (ecology and environment), yellow, active;
- ``noro``: diarrhoea cases in Anning District (public health), blue, acknowledged.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from forewarn.auth.demo import demo_users, ensure_demo_users
from forewarn.catalogue import loader
from forewarn.common import Level
from forewarn.config import Settings
from forewarn.db import session_scope
from forewarn.demo import catalogue as demo_catalogue
from forewarn.detect.signals import SignalState
from forewarn.scope import ALL
from forewarn.warnings import service as warnings_service
from forewarn.yamlsource import YamlDocument
from tests.web.scenario import Built, Step, add_readings, series_id, tell

H = timedelta(hours=1)
USERS = demo_users(province="620000-em", city="620100-em", county="620111-em")
ADMIN_PASSWORD = "admin-password-for-the-browser-tests"

# What each demo user's map must show: region code -> level key (other regions: none).
EM_LANZHOU = {"620111": "red", "620102": "orange"}
EXPECTED_MAP = {
    "admin": {**EM_LANZHOU, "620902": "yellow", "620105": "blue"},
    "province.duty": EM_LANZHOU,
    "province.analyst": EM_LANZHOU,
    "city.duty": EM_LANZHOU,
    "city.responder": EM_LANZHOU,
    "county.inspector": {"620111": "red"},
    "county.viewer": {"620111": "red"},
}
MAP_REGIONS = {"admin": 86, "province.duty": 86, "city.duty": 8, "county.inspector": 1}


def build(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> Built:
    """Load the province, the demo users, some readings and the four warnings."""
    with session_scope(sessions) as s:
        loader.load(
            s, YamlDocument(file="forewarn demo", data=None), demo_catalogue.build(), now=now
        )
    with session_scope(sessions) as s:
        ensure_demo_users(s, settings=settings, now=now, users=USERS)
    built = Built()
    fire = SignalState.FIRING
    with session_scope(sessions) as s:
        built.series = {
            "ch4": series_id(s, "mine-620111-01", "ch4"),
            "water": series_id(s, "gauge-yellow-3", "water_level"),
            "dust": series_id(s, "air-620902-16", "pm10"),
            "noro": series_id(s, "cdc-620105", "diarrhoea_cases"),
        }
        ch4 = np.concatenate([np.full(200, 0.3), np.linspace(0.3, 1.7, 88)]).round(3)
        add_readings(s, built.series["ch4"], now, timedelta(minutes=5), ch4.tolist())
        water = 1515 + np.concatenate([np.zeros(80), np.linspace(0, 5, 16)])
        add_readings(s, built.series["water"], now, timedelta(minutes=15), water.tolist())
        dust = np.concatenate([np.full(60, 80.0), np.linspace(80, 900, 12)])
        add_readings(s, built.series["dust"], now, H, dust.tolist())
        add_readings(s, built.series["noro"], now, timedelta(days=1), [4.0] * 58 + [15.0, 21.0])
        steps = {
            "ch4": (
                "ch4-high",
                "mine-620111-01",
                "ch4",
                [
                    Step(now - 5 * H, fire, Level.YELLOW, 0.8, 0.8),
                    Step(now - 4 * H, fire, Level.ORANGE, 1.0, 1.0),
                    Step(now - 2 * H, fire, Level.RED, 1.5, 1.5),
                ],
            ),
            "water": (
                "water-level-high",
                "gauge-yellow-3",
                "water_level",
                [
                    Step(now - 4 * H, fire, Level.ORANGE, 1518.0, 1517.5),
                ],
            ),
            "dust": (
                "pm10-high",
                "air-620902-16",
                "pm10",
                [
                    Step(now - 6 * H, fire, Level.YELLOW, 500.0, 450.0),
                ],
            ),
            "noro": (
                "diarrhoea-outbreak",
                "cdc-620105",
                "diarrhoea_cases",
                [
                    Step(now - 30 * H, fire, Level.BLUE, 15.0, 12.0),
                ],
            ),
        }
        for name, (rule, site, indicator, story) in steps.items():
            built.warnings[name] = tell(s, rule=rule, site=site, indicator=indicator, steps=story)
        warnings_service.acknowledge(
            s, built.warnings["noro"], scope=ALL, actor="health.duty", now=now - 29 * H
        )
    return built
