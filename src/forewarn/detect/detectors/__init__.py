"""Detectors: each registered under a name that rules use in ``detector: {type: NAME}``.

Built-ins register themselves on import, like any other detector would; the NAB anomaly
detector (``forewarn.detect.anomaly``) is registered as ``anomaly`` when it is installed.
"""

from __future__ import annotations

from importlib.util import find_spec

from forewarn.detect.detectors import (  # noqa: F401 - importing registers them
    charts,
    counts,
    rate,
    seasonal,
    silence,
    threshold,
)
from forewarn.detect.detectors.base import DetectorSpec, get, names, register

if find_spec("forewarn.detect.anomaly") is not None:  # written separately; plug it in once present
    from forewarn.detect.detectors import anomaly  # noqa: F401

__all__ = ["DetectorSpec", "get", "names", "register"]
