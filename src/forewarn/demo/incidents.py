"""Scripted incidents of the demo, in simulated time after each start (hours from the origin)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
H = 3600.0


def ramp(t: Array, start: float, rise: float, hold: float, fall: float) -> Array:
    """0 before `start`, rising to 1 over `rise`, holding, falling to 0 over `fall` (seconds)."""
    up = np.clip((t - start) / rise, 0, 1)
    down = np.clip(1 - (t - start - rise - hold) / fall, 0, 1)
    return np.minimum(up, down) * (t >= start)


def bump(t: Array, peak: float, width: float) -> Array:
    """A smooth flood-wave shape with its maximum 1 at `peak`."""
    return np.exp(-0.5 * ((t - peak) / width) ** 2)


@dataclass(frozen=True)
class Incident:
    """A scripted event: which series it touches and how, in seconds after the origin."""

    name: str
    title: str
    start_s: float
    end_s: float
    sites: frozenset[str] = field(default_factory=frozenset)
    indicators: frozenset[str] = field(default_factory=frozenset)

    def affects(self, site: str, indicator: str) -> bool:
        """Whether this incident changes the series (site, indicator)."""
        return site in self.sites and indicator in self.indicators

    def apply(self, site: str, indicator: str, t: Array, values: Array) -> Array:
        """Values with the incident's effect (t: seconds after the origin)."""
        return values

    def silent(self, site: str, indicator: str, t: Array) -> NDArray[np.bool_]:
        """Which ticks the series does not report."""
        return np.zeros(t.shape, dtype=bool)


@dataclass(frozen=True)
class MethaneSurge(Incident):
    """Methane climbs at one coal face through the alarm and power-cut limits, then clears."""

    peak: float = 1.45

    def apply(self, site: str, indicator: str, t: Array, values: Array) -> Array:
        """Add the surge."""
        return values + self.peak * ramp(t, self.start_s, 1.0 * H, 0.75 * H, 1.0 * H)


@dataclass(frozen=True)
class SilentSensor(Incident):
    """A sensor stops reporting for a while (a silent sensor in a mine is itself a danger)."""

    def silent(self, site: str, indicator: str, t: Array) -> NDArray[np.bool_]:
        """No readings between start and end."""
        return (t >= self.start_s) & (t < self.end_s)


@dataclass(frozen=True)
class DustStorm(Incident):
    """A dust storm sweeping east along the Hexi corridor: PM10 and PM2.5 far above normal."""

    arrivals: tuple[tuple[str, float], ...] = ()  # (county, hours after origin)

    def apply(self, site: str, indicator: str, t: Array, values: Array) -> Array:
        """Multiply by the storm's load at this station."""
        county = site.split("-")[1]
        arrival = dict(self.arrivals)[county] * H
        factor = 18.0 if indicator == "pm10" else 7.0
        return values * (1 + (factor - 1) * ramp(t, arrival, 2 * H, 3 * H, 4 * H))


@dataclass(frozen=True)
class FloodCrest(Incident):
    """Heavy rain, a flood crest moving down the Yellow River, a loess slope accelerating."""

    crests: tuple[tuple[str, float, float], ...] = ()  # (gauge site, peak hour, rise in m)
    rain_counties: frozenset[str] = field(default_factory=frozenset)
    slope_county: str = ""

    def affects(self, site: str, indicator: str) -> bool:
        """Gauges of the crest, rain gauges of the rain area, monitors of the slope county."""
        if indicator == "water_level":
            return site in {c[0] for c in self.crests}
        if indicator == "rainfall":
            return site.split("-")[1] in self.rain_counties
        return indicator == "displacement" and site.split("-")[1] == self.slope_county

    def apply(self, site: str, indicator: str, t: Array, values: Array) -> Array:
        """Add rain, crest height or accelerating displacement."""
        if indicator == "rainfall":
            storm = ramp(t, self.start_s, 2 * H, 4 * H, 2 * H) * (1 + 0.3 * np.sin(t / 1700.0))
            return np.round(values + 28.0 * storm, 1)
        if indicator == "water_level":
            _site, hour, rise = next(c for c in self.crests if c[0] == site)
            return values + rise * bump(t, hour * H, 3.0 * H)
        # Displacement: the slope speeds up after the rain soaks in (12 mm/h at worst), settles.
        start = self.start_s + 2 * H
        return values + 12.0 * ramp_integral_h(t, start, 4 * H, 4 * H, 6 * H)


def ramp_integral_h(t: Array, start: float, rise: float, hold: float, fall: float) -> Array:
    """Integral of `ramp` from `start` to each t, in hours."""
    grid = np.arange(start, start + rise + hold + fall + 60.0, 60.0)
    steps = ramp(grid, start, rise, hold, fall)
    cum = np.concatenate(([0.0], np.cumsum((steps[1:] + steps[:-1]) / 2) * 60.0 / H))
    return np.interp(t, grid, cum, left=0.0, right=float(cum[-1]))


@dataclass(frozen=True)
class Outbreak(Incident):
    """A norovirus outbreak in one county: daily diarrhoea counts several times the usual."""

    multipliers: tuple[float, ...] = (4.0, 7.0, 3.0)

    def apply(self, site: str, indicator: str, t: Array, values: Array) -> Array:
        """Scale the daily counts reported after the start."""
        day = np.floor((t - self.start_s) / 86400.0).astype(int)
        out = values.copy()
        for i, m in enumerate(self.multipliers):
            sel = (t >= self.start_s) & (day == i)
            out[sel] = np.round(values[sel] * m + 6 * m)
        return out


def script() -> list[Incident]:
    """The demo's incidents, first within the first simulated hour, all over within 60 hours."""
    hexi = (
        ("620982", 3.0),
        ("620902", 4.0),
        ("620200", 4.5),
        ("620702", 6.0),
        ("620302", 8.0),
        ("620602", 9.0),
        ("620102", 12.0),
    )
    hexi_sites = frozenset(f"air-{c}-{n:02d}" for c, n in _air_numbers(dict(hexi)))
    return [
        MethaneSurge(
            "methane_surge",
            "Methane surge at the Yanbei coal mine, Huating",
            0.5 * H,
            3.5 * H,
            frozenset({"mine-620824-02"}),
            frozenset({"ch4"}),
        ),
        SilentSensor(
            "silent_sensor",
            "CO sensor of the Hetaoyu coal mine goes silent",
            1.0 * H,
            9.0 * H,
            frozenset({"mine-621025-01"}),
            frozenset({"co"}),
        ),
        DustStorm(
            "dust_storm",
            "Dust storm along the Hexi corridor",
            3.0 * H,
            21.0 * H,
            hexi_sites,
            frozenset({"pm10", "pm25"}),
            arrivals=hexi,
        ),
        FloodCrest(
            "flood_crest",
            "Rainstorm and Yellow River flood crest; Heifangtai slope moving",
            6.0 * H,
            34.0 * H,
            crests=(
                ("gauge-yellow-1", 8.0, 2.0),
                ("gauge-yellow-2", 12.0, 3.2),
                ("gauge-yellow-3", 16.0, 4.4),
                ("gauge-yellow-4", 22.0, 3.6),
                ("gauge-yellow-5", 27.0, 3.0),
            ),
            rain_counties=frozenset({"622923", "620102", "620103", "620421"}),
            slope_county="622923",
        ),
        Outbreak(
            "norovirus",
            "Norovirus outbreak in Anning District, Lanzhou",
            0.0,
            60.0 * H,
            frozenset({"cdc-620105"}),
            frozenset({"diarrhoea_cases"}),
        ),
    ]


def _air_numbers(counties: dict[str, float]) -> list[tuple[str, int]]:
    from forewarn.demo.sites import sites

    return [
        (s.code.split("-")[1], int(s.code.split("-")[2]))
        for s in sites()
        if s.kind == "air_station" and s.code.split("-")[1] in counties
    ]
