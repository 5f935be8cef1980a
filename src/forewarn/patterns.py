"""Regular expressions that people write (matchers of rules, routes, silences), compiled by RE2.

RE2 matches in time linear in the text, as Alertmanager's and Prometheus's matchers do: a
pattern such as ``(.*){12}!`` that makes a backtracking engine take seconds per label cannot
stall the engine's loop. Its syntax is Python's without back-references and look-arounds.
"""

from __future__ import annotations

from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a bad pattern is the writer's error, reported to them, not logged


def compile_pattern(pattern: str) -> Any:
    """The compiled pattern (``fullmatch``, ``search``...); ValueError saying what is wrong."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
        raise ValueError(text) from None
