"""Weekly count series after the simulation design of Noufaily et al. (2013).

Baseline: negative binomial counts, t = 1..624, with variance ``phi * mu`` (Poisson when
phi = 1) and mean ``mu(t) = exp(theta + beta*t*trend + sum_{j=1..m} [gamma1 cos(2 pi j t/52)
+ gamma2 sin(2 pi j t/52)])``. An outbreak starting at t0 adds Poisson(k * sqrt(phi * mu(t0)))
cases, each reported at t0 + floor(LogNormal(0, 0.5)). Four past outbreaks (k drawn from
{2, 3, 5, 10}) start in the five years before the evaluation period; one current outbreak
(k drawn from 1..10) starts in the evaluation weeks 576..624.
Every replicate draws from its own generator seeded by (seed, scenario, replicate), so a
series does not depend on which others are simulated or in which order.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

WEEKS = 624
EVAL_FIRST = 576  # first evaluated week (1-based); the evaluation period is 576..624
PAST_FIRST = EVAL_FIRST - 5 * 52  # past outbreaks start in weeks 316..575
PAST_K = (2, 3, 5, 10)
PAST_OUTBREAKS = 4
CURRENT = 1  # outbreak marker of the current outbreak's weeks
PAST = 2  # outbreak marker of past outbreaks' weeks


@dataclass(frozen=True)
class Scenario:
    """One row of the 42-scenario grid."""

    scenario: int
    theta: float
    beta: float
    gamma1: float
    gamma2: float
    phi: float
    m: int
    trend: int

    def mean(self, weeks: NDArray[np.float64]) -> NDArray[np.float64]:
        """Baseline mean mu(t) at (1-based) weeks t."""
        eta = self.theta + self.beta * weeks * self.trend
        for j in range(1, self.m + 1):
            angle = 2.0 * np.pi * j * weeks / 52.0
            eta = eta + self.gamma1 * np.cos(angle) + self.gamma2 * np.sin(angle)
        return np.asarray(np.exp(eta), dtype=np.float64)


@dataclass(frozen=True)
class Simulated:
    """One simulated series: counts (index 0 = week 1), outbreak markers, current outbreak."""

    counts: NDArray[np.int64]
    outbreak: NDArray[np.int8]  # 0 none, 1 current outbreak, 2 past outbreak
    k: int
    start_week: int  # 1-based start of the current outbreak


def load_scenarios(path: Path) -> list[Scenario]:
    """Read the scenario grid CSV (columns theta, beta, gamma1, gamma2, phi, m, trend, scenario)."""
    with path.open(newline="", encoding="utf-8") as fh:
        return [
            Scenario(
                scenario=int(row["scenario"]),
                theta=float(row["theta"]),
                beta=float(row["beta"]),
                gamma1=float(row["gamma1"]),
                gamma2=float(row["gamma2"]),
                phi=float(row["phi"]),
                m=int(row["m"]),
                trend=int(row["trend"]),
            )
            for row in csv.DictReader(fh)
        ]


def simulate(scenario: Scenario, replicate: int, seed: int) -> Simulated:
    """Simulate replicate `replicate` of `scenario` deterministically from `seed`."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, scenario.scenario, replicate]))
    weeks = np.arange(1, WEEKS + 1, dtype=np.float64)
    mu = scenario.mean(weeks)
    counts = _baseline(rng, mu, scenario.phi)
    marker = np.zeros(WEEKS, dtype=np.int8)
    for _ in range(PAST_OUTBREAKS):
        start = int(rng.integers(PAST_FIRST, EVAL_FIRST))
        cases = _outbreak(rng, start, float(rng.choice(PAST_K)), mu, scenario.phi)
        counts += cases
        marker[(cases > 0) & (marker == 0)] = PAST
    k = int(rng.integers(1, 11))
    start = int(rng.integers(EVAL_FIRST, WEEKS + 1))
    cases = _outbreak(rng, start, float(k), mu, scenario.phi)
    counts += cases
    marker[cases > 0] = CURRENT
    return Simulated(counts, marker, k, start)


def _baseline(rng: np.random.Generator, mu: NDArray[np.float64], phi: float) -> NDArray[np.int64]:
    """Negative binomial counts with mean mu and variance phi*mu (Poisson for phi == 1)."""
    if phi <= 1.0:
        return rng.poisson(mu).astype(np.int64)
    return rng.negative_binomial(mu / (phi - 1.0), 1.0 / phi).astype(np.int64)


def _outbreak(
    rng: np.random.Generator, start: int, k: float, mu: NDArray[np.float64], phi: float
) -> NDArray[np.int64]:
    """Cases of one outbreak starting at 1-based week `start`, spread by log-normal lags."""
    size = rng.poisson(k * np.sqrt(phi * mu[start - 1]))
    weeks = start - 1 + np.floor(rng.lognormal(0.0, 0.5, size)).astype(np.int64)
    weeks = weeks[weeks < WEEKS]
    return np.bincount(weeks, minlength=WEEKS).astype(np.int64)
