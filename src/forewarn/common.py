"""Shared vocabulary: warning levels and their standard mappings."""

from __future__ import annotations

from enum import IntEnum

_ROMAN = {1: "IV", 2: "III", 3: "II", 4: "I"}
_LABEL = {1: "blue", 2: "yellow", 3: "orange", 4: "red"}
_CAP_SEVERITY = {1: "Minor", 2: "Moderate", 3: "Severe", 4: "Extreme"}


class Level(IntEnum):
    """The four warning levels, ordered by severity (``max()`` is the most severe)."""

    BLUE = 1
    YELLOW = 2
    ORANGE = 3
    RED = 4

    # The mappings read `_value_`, a plain attribute: `value` and `name` are descriptors written
    # in Python (thousands of instructions an access on Python 3.11), and hot paths ask often.
    @property
    def roman(self) -> str:
        """Chinese grading: IV blue, III yellow, II orange, I red."""
        return _ROMAN[self._value_]

    @property
    def label(self) -> str:
        """Lower-case colour name used on the wire (``blue`` ... ``red``)."""
        return _LABEL[self._value_]

    @property
    def cap_severity(self) -> str:
        """CAP 1.2 severity: Minor, Moderate, Severe, Extreme."""
        return _CAP_SEVERITY[self._value_]

    @classmethod
    def parse(cls, value: str | int) -> Level:
        """Accept ``red``, ``RED``, ``I``, ``IV``, or a stored rank as an int (1 blue .. 4 red)."""
        if isinstance(value, int) and not isinstance(value, bool):
            return cls(value)
        text = str(value).strip()
        by_roman = {"IV": cls.BLUE, "III": cls.YELLOW, "II": cls.ORANGE, "I": cls.RED}
        if text.upper() in by_roman:
            return by_roman[text.upper()]
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(
                f"unknown level {value!r}; use blue/yellow/orange/red or IV/III/II/I"
            ) from None
