"""The demo province (Gansu): fields, regions, departments and indicators of its catalogue."""

from __future__ import annotations

from forewarn.catalogue.schemas import DepartmentIn, FieldIn, IndicatorIn, RegionIn
from forewarn.demo import geo

PROVINCE = ("620000", "甘肃省", "Gansu")

# The 14 prefecture-level divisions with their real division codes.
CITIES: dict[str, tuple[str, str]] = {
    "620100": ("兰州市", "Lanzhou"),
    "620200": ("嘉峪关市", "Jiayuguan"),
    "620300": ("金昌市", "Jinchang"),
    "620400": ("白银市", "Baiyin"),
    "620500": ("天水市", "Tianshui"),
    "620600": ("武威市", "Wuwei"),
    "620700": ("张掖市", "Zhangye"),
    "620800": ("平凉市", "Pingliang"),
    "620900": ("酒泉市", "Jiuquan"),
    "621000": ("庆阳市", "Qingyang"),
    "621100": ("定西市", "Dingxi"),
    "621200": ("陇南市", "Longnan"),
    "622900": ("临夏回族自治州", "Linxia Hui Autonomous Prefecture"),
    "623000": ("甘南藏族自治州", "Gannan Tibetan Autonomous Prefecture"),
}

FIELDS = [
    FieldIn(code="production_safety", name="Production safety", name_zh="安全生产"),
    FieldIn(code="natural_disaster", name="Natural disasters", name_zh="自然灾害"),
    FieldIn(code="public_health", name="Public health", name_zh="公共卫生"),
    FieldIn(code="ecology_environment", name="Ecology and environment", name_zh="生态环境"),
    FieldIn(code="food_drug", name="Food and drug safety", name_zh="食品药品安全"),
    FieldIn(code="infrastructure", name="Infrastructure and lifelines", name_zh="城市生命线"),
    FieldIn(code="economy_finance", name="Economy and finance", name_zh="经济金融"),
    FieldIn(code="energy_food_supply", name="Energy and grain supply", name_zh="能源粮食供应"),
    FieldIn(code="cyber", name="Cyber security", name_zh="网络安全"),
]

# Department kinds: (code suffix, Chinese name at province / city-county, English, fields).
DEPARTMENT_KINDS = [
    (
        "em",
        ("应急管理厅", "应急管理局"),
        "Emergency Management",
        ["production_safety", "natural_disaster"],
    ),
    ("nr", ("自然资源厅", "自然资源局"), "Natural Resources", ["natural_disaster"]),
    ("wr", ("水利厅", "水务局"), "Water Resources", ["natural_disaster"]),
    ("health", ("卫生健康委员会", "卫生健康委员会"), "Health Commission", ["public_health"]),
    ("eco", ("生态环境厅", "生态环境局"), "Ecology and Environment", ["ecology_environment"]),
    ("market", ("市场监督管理局", "市场监督管理局"), "Market Regulation", ["food_drug"]),
    (
        "housing",
        ("住房和城乡建设厅", "住房和城乡建设局"),
        "Housing and Urban-Rural Development",
        ["infrastructure"],
    ),
    ("energy", ("能源局", "发展和改革委员会"), "Energy and Grain Reserves", ["energy_food_supply"]),
    (
        "finance",
        ("地方金融管理局", "金融工作办公室"),
        "Local Financial Regulation",
        ["economy_finance"],
    ),
]
COUNTY_KINDS = ("em", "health")


def indicators() -> list[IndicatorIn]:
    """The measured quantities of the demo."""
    spec = [
        ("ch4", "Methane concentration", "甲烷浓度", "%", "gauge", "production_safety", (0, 100)),
        ("co", "Carbon monoxide", "一氧化碳", "ppm", "gauge", "production_safety", (0, 2000)),
        ("water_level", "Water level", "水位", "m", "gauge", "natural_disaster", (0, 5000)),
        ("discharge", "Discharge", "流量", "m3/s", "gauge", "natural_disaster", (0, 50000)),
        ("rainfall", "Rainfall intensity", "雨强", "mm/h", "gauge", "natural_disaster", (0, 500)),
        (
            "displacement",
            "Cumulative slope displacement",
            "累计位移",
            "mm",
            "gauge",
            "natural_disaster",
            (-5000, 50000),
        ),
        ("pm25", "PM2.5", "细颗粒物", "ug/m3", "gauge", "ecology_environment", (0, 5000)),
        ("pm10", "PM10", "可吸入颗粒物", "ug/m3", "gauge", "ecology_environment", (0, 10000)),
        (
            "diarrhoea_cases",
            "Other infectious diarrhoea, daily cases",
            "其它感染性腹泻病日报病例",
            "cases",
            "count",
            "public_health",
            (0, None),
        ),
        (
            "influenza_cases",
            "Influenza, weekly cases",
            "流行性感冒周报病例",
            "cases",
            "count",
            "public_health",
            (0, None),
        ),
        (
            "hfmd_cases",
            "Hand, foot and mouth disease, weekly cases",
            "手足口病周报病例",
            "cases",
            "count",
            "public_health",
            (0, None),
        ),
        (
            "gas_pressure",
            "Gas pipeline pressure",
            "燃气管网压力",
            "MPa",
            "gauge",
            "infrastructure",
            (0, 10),
        ),
        (
            "bridge_strain",
            "Bridge girder strain",
            "桥梁主梁应变",
            "microstrain",
            "gauge",
            "infrastructure",
            (-5000, 5000),
        ),
        (
            "grain_temp",
            "Grain pile temperature",
            "粮堆温度",
            "degC",
            "gauge",
            "energy_food_supply",
            (-40, 80),
        ),
    ]
    return [
        IndicatorIn(code=c, name=n, name_zh=z, unit=u, kind=k, field=f, range=r)
        for c, n, z, u, k, f, r in spec
    ]


def city_of(county: str) -> str:
    """The prefecture-level division of a county code (Jiayuguan is its own county)."""
    return county[:4] + "00"


def regions() -> list[RegionIn]:
    """Province, its 14 divisions (boundaries merged from their counties) and all counties."""
    counties = geo.counties()
    out = [
        RegionIn(
            code=PROVINCE[0],
            name=PROVINCE[1],
            name_en=PROVINCE[2],
            level="province",
            center=(103.8236, 36.058),
        )
    ]
    for code, (name, name_en) in CITIES.items():
        parts = [c for c in counties.values() if city_of(c["code"]) == code]
        geometry = geo.merge([c["geometry"] for c in parts]) if parts else None
        center = counties[code]["center"] if code in counties else None
        if center is None and parts:
            center = next(
                (c["center"] for c in parts if c["code"].endswith("02")), parts[0]["center"]
            )
        out.append(
            RegionIn(
                code=code,
                name=name,
                name_en=name_en,
                level="city",
                parent=PROVINCE[0],
                center=tuple(center) if center else None,
                boundary=geometry,
            )
        )
    for code, county in sorted(counties.items()):
        if code in CITIES:
            continue  # Jiayuguan: a prefecture-level city without counties
        out.append(
            RegionIn(
                code=code,
                name=county["name"],
                level="county",
                parent=city_of(code),
                center=tuple(county["center"]),
                boundary=county["geometry"],
            )
        )
    return out


def county_codes() -> list[str]:
    """Codes of the county-level regions (Jiayuguan stands for itself)."""
    return sorted(geo.counties())


def department_code(region: str, kind: str) -> str:
    """Code of the department of `kind` in `region`, e.g. ``620100-em``."""
    return f"{region}-{kind}"


def departments() -> list[DepartmentIn]:
    """Every field's department at province and city level; emergency and health at counties."""
    counties = geo.counties()
    out = []
    places = [(PROVINCE[0], PROVINCE[1], PROVINCE[2], 0)]
    places += [(code, name, en, 1) for code, (name, en) in CITIES.items()]
    for code, name, en, tier in places:
        for kind, (zh_prov, zh_local), kind_en, fields in DEPARTMENT_KINDS:
            zh = zh_prov if tier == 0 else zh_local
            out.append(
                DepartmentIn(
                    code=department_code(code, kind),
                    name=f"{name}{zh}",
                    name_en=f"{en} {kind_en} {'Department' if tier == 0 else 'Bureau'}",
                    region=code,
                    fields=fields,
                )
            )
    for code, county in sorted(counties.items()):
        if code in CITIES:
            continue
        for kind, (_p, zh_local), kind_en, fields in DEPARTMENT_KINDS:
            if kind in COUNTY_KINDS:
                out.append(
                    DepartmentIn(
                        code=department_code(code, kind),
                        name=f"{county['name']}{zh_local}",
                        # the map data names counties in Chinese only: better than a code
                        name_en=f"{county['name']} {kind_en} Bureau",
                        region=code,
                        fields=fields,
                    )
                )
    return out
