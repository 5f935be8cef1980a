"""Outbreak detection for count series: EARS C1/C2/C3, Farrington (1996), Noufaily (2013)."""

from __future__ import annotations

from forewarn.detect.counts._base import CountResult
from forewarn.detect.counts.config import (
    FARRINGTON_1996,
    FOREWARN_WINDOW2,
    FOREWARN_WINDOW2_B10,
    GOLDEN_FARRINGTON_1996,
    GOLDEN_NOUFAILY_2013,
    NOUFAILY_2013,
    FarringtonConfig,
)
from forewarn.detect.counts.ears import ENGINE_MIN_SIGMA, ears
from forewarn.detect.counts.farrington import farrington

__all__ = [
    "ENGINE_MIN_SIGMA",
    "FARRINGTON_1996",
    "FOREWARN_WINDOW2",
    "FOREWARN_WINDOW2_B10",
    "GOLDEN_FARRINGTON_1996",
    "GOLDEN_NOUFAILY_2013",
    "NOUFAILY_2013",
    "CountResult",
    "FarringtonConfig",
    "ears",
    "farrington",
]
