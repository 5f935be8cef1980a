"""How each demo indicator behaves: diurnal and weekly cycles, seasonality, noise, counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from forewarn.demo import noise

LOCAL_OFFSET_S = 8 * 3600  # Beijing time: the cycles of daily life follow local time
DAY = 86400.0
Array = NDArray[np.float64]


@dataclass(frozen=True)
class Context:
    """What a behaviour needs: its random key, site labels and the tick times."""

    key: int
    labels: dict[str, str]
    interval_s: float
    t: NDArray[np.int64]  # epoch seconds

    @property
    def k(self) -> NDArray[np.int64]:
        """Tick numbers (time / interval)."""
        return np.floor_divide(self.t, int(self.interval_s))

    @property
    def hour(self) -> Array:
        """Local hour of day, fractional."""
        return ((self.t + LOCAL_OFFSET_S) % 86400) / 3600.0

    @property
    def weekday(self) -> NDArray[np.int64]:
        """Local day of week, Monday = 0."""
        return ((self.t + LOCAL_OFFSET_S) // 86400 + 3) % 7

    @property
    def doy(self) -> Array:
        """Local day of year (approximate, 365.25-day years)."""
        return (((self.t + LOCAL_OFFSET_S) / DAY) % 365.25).astype(np.float64)

    def param(self, name: str, low: float, high: float) -> float:
        """A per-series constant drawn uniformly from [low, high)."""
        u = noise.uniform(noise.key_of(self.key, name), np.zeros(1, dtype=np.int64))[0]
        return low + (high - low) * float(u)

    def smooth(self, name: str, span_s: float) -> Array:
        """Smooth noise varying over about `span_s` seconds."""
        span = max(1, int(span_s / self.interval_s))
        return noise.smooth(noise.key_of(self.key, name), self.k, span)

    def white(self, name: str) -> Array:
        """Independent standard normal noise per tick."""
        return noise.normal(noise.key_of(self.key, name), self.k)

    def uniform(self, name: str) -> Array:
        """Independent uniform noise per tick."""
        return noise.uniform(noise.key_of(self.key, name), self.k)


def _cycle(x: Array, peak: float, period: float) -> Array:
    return np.cos(2 * np.pi * (x - peak) / period)


def methane(c: Context) -> Array:
    """Coal-face methane (%): low base, busier on production shifts, correlated noise."""
    base = c.param("base", 0.08, 0.35)
    shifts = 1 + 0.15 * _cycle(c.hour, 14, 24)
    value = base * shifts + 0.03 * c.smooth("s", 3600) + 0.01 * c.white("w")
    return np.clip(value, 0.01, None)


def carbon_monoxide(c: Context) -> Array:
    """Underground CO (ppm): a few ppm with slow drift."""
    base = c.param("base", 3, 12)
    return np.clip(base + 1.5 * c.smooth("s", 6 * 3600) + 0.4 * c.white("w"), 0, None)


def stage(c: Context) -> Array:
    """River stage (m): seasonal recession, hydropower peaking on the main stem, noise."""
    normal = float(c.labels.get("normal_stage", 100.0))
    season = 0.3 * _cycle(c.doy, 225, 365.25)
    peaking = 0.12 * _cycle(c.hour, 14, 24) if c.labels.get("river") == "yellow_river" else 0.0
    return normal + season + peaking + 0.06 * c.smooth("s", 4 * 3600) + 0.01 * c.white("w")


def discharge_from_stage(labels: dict[str, str], level: Array) -> Array:
    """Rating curve: discharge from stage above the normal stage."""
    normal = float(labels.get("normal_stage", 100.0))
    q0 = float(labels.get("normal_discharge", 100.0))
    depth = np.clip(level - normal + 2.5, 0.05, None)
    return q0 * (depth / 2.5) ** 1.7


def rainfall(c: Context) -> Array:
    """Rain intensity (mm/h): mostly dry, showers when a smooth field crosses a level."""
    field = c.smooth("s", 6 * 3600) + 0.3 * c.white("w")
    return np.round(np.clip(field - 1.7, 0, None) * 4.0, 1)


CREEP_EPOCH_S = 1_735_689_600  # 2025-01-01: monitors installed


def displacement(c: Context) -> Array:
    """Cumulative slope displacement (mm): steady creep plus measurement noise."""
    rate = c.param("rate", 0.05, 0.4)  # mm/day
    days = (c.t - CREEP_EPOCH_S) / DAY
    return rate * days + 0.8 * c.smooth("s", DAY) + 0.3 * c.white("w")


def pm10(c: Context) -> Array:
    """PM10 (ug/m3): rush-hour peaks, heating season, log-normal persistence; Hexi is dustier."""
    hexi = c.labels.get("city") in {"620200", "620300", "620600", "620700", "620900"}
    base = c.param("base", 90, 130) if hexi else c.param("base", 60, 95)
    rush = 1 + 0.2 * _cycle(c.hour, 8.5, 24) ** 2 + 0.15 * _cycle(c.hour, 20, 24)
    heating = 1 + 0.3 * (_cycle(c.doy, 15, 365.25) > 0.3)
    return base * rush * heating * np.exp(0.35 * c.smooth("s", 12 * 3600) + 0.1 * c.white("w"))


def pm25_from_pm10(c: Context, coarse: Array) -> Array:
    """PM2.5 as a fine fraction of PM10."""
    ratio = c.param("ratio", 0.35, 0.55)
    return coarse * ratio * np.exp(0.08 * c.white("w25"))


def _counts(c: Context, mean: Array, dispersion: float = 8.0) -> Array:
    """Negative-binomial counts (gamma-Poisson) from counter-based uniforms."""
    lam = stats.gamma.ppf(c.uniform("g"), a=dispersion, scale=mean / dispersion)
    return np.asarray(stats.poisson.ppf(c.uniform("p"), np.clip(lam, 1e-9, None)), dtype=float)


def diarrhoea(c: Context) -> Array:
    """Daily cases of other infectious diarrhoea: summer peak, fewer reports at weekends."""
    base = c.param("base", 1.5, 12)
    season = 1 + 0.35 * _cycle(c.doy, 200, 365.25)
    weekend = np.where(c.weekday >= 5, 0.8, 1.05)
    return _counts(c, base * season * weekend)


def influenza(c: Context) -> Array:
    """Weekly influenza cases: a sharp winter season."""
    base = c.param("base", 1.0, 12)
    season = np.exp(1.6 * _cycle(c.doy, 10, 365.25))
    return _counts(c, base * season, dispersion=5.0)


def hfmd(c: Context) -> Array:
    """Weekly hand, foot and mouth disease: early-summer peak and a smaller autumn one."""
    base = c.param("base", 1.0, 10)
    season = np.exp(1.3 * _cycle(c.doy, 160, 365.25)) + 0.4 * np.exp(_cycle(c.doy, 290, 365.25))
    return _counts(c, base * season, dispersion=6.0)


def gas_pressure(c: Context) -> Array:
    """Pipeline pressure (MPa): dips at cooking peaks, small noise around the nominal."""
    nominal = float(c.labels.get("nominal_mpa", 0.4))
    demand = np.exp(-(((c.hour - 7.5) / 1.0) ** 2)) + np.exp(-(((c.hour - 18.5) / 1.2) ** 2))
    return nominal * (0.98 - 0.03 * demand + 0.004 * c.smooth("s", 6 * 3600) + 0.002 * c.white("w"))


def bridge_strain(c: Context) -> Array:
    """Girder strain (microstrain): thermal daily cycle, traffic peaks, noise."""
    offset = c.param("offset", -150, 150)
    thermal = 40 * _cycle(c.hour, 15, 24) + 25 * _cycle(c.doy, 200, 365.25)
    traffic = 12 * (np.exp(-(((c.hour - 8) / 1.5) ** 2)) + np.exp(-(((c.hour - 18) / 1.5) ** 2)))
    out: Array = offset + thermal + traffic + 4 * c.smooth("s", 3 * 3600) + 2 * c.white("w")
    return out


def grain_temperature(c: Context) -> Array:
    """Grain pile temperature (degC): follows the seasons slowly, little daily change."""
    base = c.param("base", 9, 14)
    return (
        base + 8 * _cycle(c.doy, 230, 365.25) + 0.4 * c.smooth("s", 2 * DAY) + 0.05 * c.white("w")
    )


BEHAVIOURS: dict[str, Callable[[Context], Array]] = {
    "ch4": methane,
    "co": carbon_monoxide,
    "water_level": stage,
    "rainfall": rainfall,
    "displacement": displacement,
    "pm10": pm10,
    "diarrhoea_cases": diarrhoea,
    "influenza_cases": influenza,
    "hfmd_cases": hfmd,
    "gas_pressure": gas_pressure,
    "bridge_strain": bridge_strain,
    "grain_temp": grain_temperature,
}

# Indicators derived from a sibling series at the same site:
# (source indicator, transform, whether the source's incidents carry over).
DERIVED: dict[str, tuple[str, Callable[[Context, Array], Array], bool]] = {
    "discharge": ("water_level", lambda c, level: discharge_from_stage(c.labels, level), True),
    "pm25": ("pm10", pm25_from_pm10, False),
}


def describe() -> dict[str, Any]:
    """Indicator -> behaviour docstring (for the demo's documentation)."""
    out = {k: (f.__doc__ or "") for k, f in BEHAVIOURS.items()}
    out |= {k: f"derived from {src}" for k, (src, _f, _i) in DERIVED.items()}
    return out
