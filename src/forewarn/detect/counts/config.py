"""Parameters of the Farrington-flexible family, validated, with the published presets.

Field names are the snake_case forms of R ``farringtonFlexible``'s control list: ``b``, ``w``,
``no_periods`` (noPeriods), ``weights_threshold`` (weightsThreshold), ``past_weeks_not_included``
(pastWeeksNotIncluded; None means ``w``), ``trend``, ``p_threshold_trend`` (pThresholdTrend),
``threshold_method`` (thresholdMethod), ``alpha``, ``powertrans``, ``limit54``, ``reweight``,
and the IRLS controls ``glm_max_iter`` / ``glm_tol`` (glm.control's maxit / epsilon).
Two are forewarn's own: ``r_compat`` (reproduce R 1.20.3's dispersion quirk, see model.py) and
``window`` (test the total of the last ``window`` weeks; 1 is the published method).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

ThresholdMethod = Literal["delta", "nbPlugin", "muan"]
PowerTrans = Literal["2/3", "1/2", "none"]


def _int_at_least(name: str, value: object, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name}: expected an integer >= {low}, got {value!r}")


@dataclass(frozen=True)
class FarringtonConfig:
    """One configuration of the Farrington-flexible detector (defaults: Noufaily et al. 2013)."""

    b: int = 5
    w: int = 3
    no_periods: int = 10
    weights_threshold: float = 2.58
    past_weeks_not_included: int | None = 26
    trend: bool = True
    p_threshold_trend: float = 1.0
    threshold_method: ThresholdMethod = "nbPlugin"
    alpha: float = 0.01
    powertrans: PowerTrans = "2/3"
    limit54: tuple[int, int] = (5, 4)
    reweight: bool = True
    window: int = 1
    r_compat: bool = False
    glm_max_iter: int = 25
    glm_tol: float = 1e-8

    def __post_init__(self) -> None:
        """Refuse out-of-range parameters with a message naming the parameter."""
        _int_at_least("b", self.b, 1)
        _int_at_least("w", self.w, 0)
        _int_at_least("no_periods", self.no_periods, 1)
        if self.past_weeks_not_included is not None:
            _int_at_least("past_weeks_not_included", self.past_weeks_not_included, 0)
        _int_at_least("glm_max_iter", self.glm_max_iter, 1)
        _int_at_least("window", self.window, 1)
        if self.window > 1 and self.threshold_method == "delta":
            raise ValueError("window: a window > 1 needs threshold_method nbPlugin or muan")
        if not self.weights_threshold > 0:
            raise ValueError(f"weights_threshold: expected > 0, got {self.weights_threshold!r}")
        if not 0.0 < self.p_threshold_trend <= 1.0:
            raise ValueError(
                f"p_threshold_trend: expected 0 < p <= 1, got {self.p_threshold_trend!r}"
            )
        if self.threshold_method not in ("delta", "nbPlugin", "muan"):
            raise ValueError(
                f"threshold_method: expected delta, nbPlugin or muan, got {self.threshold_method!r}"
            )
        if not 0.0 < self.alpha < 1.0:
            raise ValueError(f"alpha: expected 0 < alpha < 1, got {self.alpha!r}")
        if self.powertrans not in ("2/3", "1/2", "none"):
            raise ValueError(f"powertrans: expected 2/3, 1/2 or none, got {self.powertrans!r}")
        self._check_limit54()
        if not 0.0 < self.glm_tol < 1.0:
            raise ValueError(f"glm_tol: expected 0 < tol < 1, got {self.glm_tol!r}")

    def _check_limit54(self) -> None:
        lim = self.limit54
        if not isinstance(lim, tuple) or len(lim) != 2:
            raise ValueError(f"limit54: expected a pair (cases, period), got {lim!r}")
        cases, period = lim
        if isinstance(cases, bool) or not isinstance(cases, int) or cases < 0:
            raise ValueError(f"limit54: cases must be an integer >= 0, got {cases!r}")
        if isinstance(period, bool) or not isinstance(period, int) or period < 1:
            raise ValueError(f"limit54: period must be an integer >= 1, got {period!r}")

    @property
    def excluded_recent(self) -> int:
        """How many weeks before the current one are left out of the fit (pastWeeksNotIncluded)."""
        return self.w if self.past_weeks_not_included is None else self.past_weeks_not_included

    def with_(self, **changes: object) -> FarringtonConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]


#: Noufaily et al. (2013) improved Farrington: 10-period seasonal factor, Anscombe weights above
#: 2.58, the last 26 weeks left out, trend kept whenever it does not extrapolate, NB quantile.
NOUFAILY_2013 = FarringtonConfig()

#: Farrington et al. (1996): 7-week windows in the last 5 years, weights above residual 1,
#: trend kept only if significant at 5 %, 2/3-power normal threshold.
FARRINGTON_1996 = FarringtonConfig(
    no_periods=1,
    weights_threshold=1.0,
    past_weeks_not_included=3,
    p_threshold_trend=0.05,
    threshold_method="delta",
)

#: The configurations of the stored R golden runs on the 2001-2004 RKI series (only four years
#: of data, hence b=3): surveillance 1.20.3, alpha 0.01, weeks 160-209.
GOLDEN_FARRINGTON_1996 = FARRINGTON_1996.with_(b=3)
GOLDEN_NOUFAILY_2013 = NOUFAILY_2013.with_(b=3)

#: forewarn's variant (not a published method): the Noufaily model, but the alarm tests the total
#: of the current and the previous week against its negative binomial (outbreak cases spread
#: over about two weeks), needs at least 2 cases in those weeks, and uses the alpha that gives a
#: 1 % false-positive rate on the Noufaily design with seed 7 (``python -m benchmarks outbreaks
#: --seed 7 --calibrate forewarn_window2``); results are reported on another seed.
FOREWARN_WINDOW2 = NOUFAILY_2013.with_(window=2, limit54=(2, 2), alpha=0.0074)
#: The same with ten years of history in the fit (needs 523 weeks before the first evaluation).
FOREWARN_WINDOW2_B10 = FOREWARN_WINDOW2.with_(b=10, alpha=0.0089)
