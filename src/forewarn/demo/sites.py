"""The demo's ~270 monitored sites across the fields, placed inside their real counties."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from forewarn.catalogue.schemas import SeriesIn, SiteIn
from forewarn.demo import geo
from forewarn.demo.province import CITIES, COUNTY_KINDS, city_of, county_codes, department_code

LAYOUT_SEED = 20260501  # the layout is fixed; --seed changes the data, not the map

MINES = {  # county -> coal mines
    "620111": ["海石湾煤矿", "金河煤矿", "窑街三矿"],
    "620403": ["红会一矿", "红会四矿", "魏家地煤矿", "大水头煤矿"],
    "620421": ["王家山煤矿", "宝积山煤矿"],
    "620423": ["白岩子煤矿"],
    "620824": ["华亭煤矿", "砚北煤矿", "陈家沟煤矿", "东峡煤矿", "山寨煤矿"],
    "620823": ["新窑煤矿", "周寨煤矿"],
    "621022": ["甜水堡二号井", "沙井子煤矿"],
    "621025": ["核桃峪煤矿", "新庄煤矿"],
    "621026": ["宁正煤矿"],
    "620725": ["长山子煤矿", "花草滩煤矿"],
    "620721": ["红山煤矿"],
    "620122": ["皋兰煤矿"],
    "620121": ["永登煤矿"],
    "620321": ["永昌煤矿"],
    "620981": ["玉门煤矿"],
    "620602": ["凉州煤矿"],
    "620622": ["古浪煤矿"],
    "621121": ["通渭煤矿"],
    "620525": ["张川煤矿"],
    "620802": ["崆峒煤矿"],
}

# river, order downstream, county, station name, normal stage (m), normal discharge (m3/s)
GAUGES = [
    ("yellow_river", 1, "623025", "玛曲", 3411.2, 480.0),
    ("yellow_river", 2, "622923", "小川", 1619.4, 820.0),
    ("yellow_river", 3, "620102", "兰州", 1511.6, 900.0),
    ("yellow_river", 4, "620421", "安宁渡", 1391.3, 950.0),
    ("yellow_river", 5, "620423", "五佛寺", 1318.7, 960.0),
    ("tao_river", 1, "621126", "岷县", 2297.5, 60.0),
    ("tao_river", 2, "621124", "红旗", 1812.2, 140.0),
    ("daxia_river", 1, "622901", "折桥", 1905.6, 25.0),
    ("datong_river", 1, "620121", "连城", 2085.3, 80.0),
    ("wei_river", 1, "620524", "武山", 1386.4, 30.0),
    ("wei_river", 2, "620503", "北道", 1083.8, 55.0),
    ("jing_river", 1, "620802", "平凉", 1334.1, 6.0),
    ("jing_river", 2, "620821", "泾川", 1003.9, 12.0),
    ("bailong_river", 1, "623023", "舟曲", 1338.5, 70.0),
    ("bailong_river", 2, "621202", "武都", 997.2, 90.0),
    ("hei_river", 1, "620702", "莺落峡", 1674.0, 35.0),
    ("hei_river", 2, "620724", "高台", 1336.2, 20.0),
    ("shule_river", 1, "620981", "昌马堡", 2085.9, 18.0),
    ("shiyang_river", 1, "620602", "九条岭", 2225.7, 8.0),
]

RAIN = [
    "622923",
    "620102",
    "620103",
    "621202",
    "623023",
    "621222",
    "620503",
    "620802",
    "621002",
    "621124",
    "622901",
    "620702",
    "620602",
    "620902",
    "621102",
    "620421",
    "620122",
    "621126",
    "620525",
    "621226",
]

SLOPES = {  # county -> (place, monitors)
    "622923": ("黑方台", 4),
    "623023": ("三眼峪", 4),
    "621202": ("北山", 4),
    "621222": ("城关滑坡", 3),
    "620102": ("皋兰山", 1),
    "620103": ("华林山", 1),
    "620104": ("寺儿沟", 1),
    "620503": ("罗玉沟", 2),
    "620502": ("赵家崖", 2),
    "621126": ("西寨", 2),
    "621124": ("玉井", 2),
    "620802": ("崆峒山", 2),
    "621102": ("东山", 2),
}

AIR_EXTRA = ["620982", "620981"]  # Dunhuang, Yumen: on the dust-storm path

BRIDGES = [
    ("620102", "中山桥"),
    ("620102", "雁滩黄河大桥"),
    ("620103", "小西湖黄河大桥"),
    ("620103", "七里河黄河大桥"),
    ("620105", "银滩黄河大桥"),
    ("620104", "深安黄河大桥"),
    ("620502", "藉河大桥"),
    ("620402", "白银黄河大桥"),
    ("620802", "泾河大桥"),
    ("620602", "天马大桥"),
    ("620702", "黑河大桥"),
    ("620902", "北大河大桥"),
    ("622901", "大夏河大桥"),
    ("621202", "白龙江大桥"),
    ("621002", "西峰高架桥"),
    ("621102", "关川河大桥"),
    ("620302", "金川大桥"),
]

GAS = [
    ("620102", 0.4),
    ("620103", 0.4),
    ("620104", 4.0),
    ("620105", 0.4),
    ("620111", 0.4),
    ("620123", 1.6),
    ("620200", 0.4),
    ("620302", 0.4),
    ("620402", 0.4),
    ("620502", 0.4),
    ("620602", 1.6),
    ("620702", 0.4),
    ("620802", 0.4),
    ("620902", 4.0),
    ("621002", 0.4),
    ("621102", 0.4),
    ("621202", 0.4),
    ("622901", 0.4),
    ("623001", 0.4),
    ("620981", 4.0),
]


@dataclass
class _Builder:
    rng: np.random.Generator
    sites: list[SiteIn] = field(default_factory=list)

    def add(
        self,
        code: str,
        name: str,
        kind: str,
        county: str,
        field_: str,
        dept_kind: str,
        series: list[tuple[str, str]],
        labels: dict[str, str] | None = None,
    ) -> None:
        self.sites.append(
            SiteIn(
                code=code,
                name=name,
                kind=kind,
                region=county,
                field=field_,
                department=owner(county, dept_kind),
                location=geo.point_in(county, self.rng),
                labels=labels or {},
                series=[SeriesIn(indicator=i, interval=iv) for i, iv in series],
            )
        )


def owner(county: str, kind: str) -> str:
    """The owning department: the county's when counties have that kind, else the city's."""
    if kind in COUNTY_KINDS and county not in CITIES:
        return department_code(county, kind)
    return department_code(city_of(county), kind)


def county_name(code: str) -> str:
    """Chinese name of a county-level region."""
    return str(geo.counties()[code]["name"])


def sites() -> list[SiteIn]:
    """Every site of the demo with its series."""
    b = _Builder(np.random.default_rng(LAYOUT_SEED))
    for county, names in MINES.items():
        for i, name in enumerate(names, 1):
            b.add(
                f"mine-{county}-{i:02d}",
                f"{county_name(county)}{name}",
                "coal_mine",
                county,
                "production_safety",
                "em",
                [("ch4", "5m"), ("co", "5m")],
            )
    for river, order, county, name, stage, flow in GAUGES:
        labels = {
            "river": river,
            "order": str(order),
            "normal_stage": f"{stage:.1f}",
            "normal_discharge": f"{flow:.0f}",
            "warning_stage": f"{stage + 2.5:.1f}",
            "guarantee_stage": f"{stage + 4.0:.1f}",
        }
        b.add(
            f"gauge-{river.split('_')[0]}-{order}",
            f"{name}水文站",
            "river_gauge",
            county,
            "natural_disaster",
            "wr",
            [("water_level", "15m"), ("discharge", "15m")],
            labels,
        )
    for county in RAIN:
        b.add(
            f"rain-{county}",
            f"{county_name(county)}雨量站",
            "rain_gauge",
            county,
            "natural_disaster",
            "wr",
            [("rainfall", "1h")],
        )
    for county, (place, n) in SLOPES.items():
        for i in range(1, n + 1):
            b.add(
                f"slope-{county}-{i:02d}",
                f"{county_name(county)}{place}{i}号监测点",
                "slope_monitor",
                county,
                "natural_disaster",
                "nr",
                [("displacement", "30m")],
                {"place": place},
            )
    air = [c for city in CITIES for c in _two_counties(city)] + AIR_EXTRA
    for i, county in enumerate(air, 1):
        b.add(
            f"air-{county}-{i:02d}",
            f"{county_name(county)}空气自动监测站",
            "air_station",
            county,
            "ecology_environment",
            "eco",
            [("pm25", "1h"), ("pm10", "1h")],
            {"city": city_of(county)},
        )
    for county in county_codes():
        b.add(
            f"cdc-{county}",
            f"{county_name(county)}疾病预防控制中心",
            "county_cdc",
            county,
            "public_health",
            "health",
            [("diarrhoea_cases", "1d"), ("influenza_cases", "7d"), ("hfmd_cases", "7d")],
        )
    for i, (county, mpa) in enumerate(GAS, 1):
        b.add(
            f"gas-{county}-{i:02d}",
            f"{county_name(county)}燃气管网{i}号监测点",
            "gas_pipeline",
            county,
            "infrastructure",
            "housing",
            [("gas_pressure", "15m")],
            {"nominal_mpa": f"{mpa:.1f}"},
        )
    for i, (county, name) in enumerate(BRIDGES, 1):
        b.add(
            f"bridge-{i:02d}",
            name,
            "bridge",
            county,
            "infrastructure",
            "housing",
            [("bridge_strain", "10m")],
        )
    for city, (name, _en) in CITIES.items():
        county = city if city in geo.counties() else _two_counties(city)[0]
        b.add(
            f"grain-{city}",
            f"{name}中心粮库",
            "grain_depot",
            county,
            "energy_food_supply",
            "energy",
            [("grain_temp", "1h")],
        )
    return b.sites


def _two_counties(city: str) -> list[str]:
    codes = sorted(c for c in geo.counties() if city_of(c) == city)
    return codes[:2] if len(codes) > 1 else codes
