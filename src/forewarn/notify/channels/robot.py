"""What WeCom and DingTalk robots answer: HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``."""

from __future__ import annotations

import httpx

from forewarn.notify.channels.base import Outcome, classify_response


def robot_outcome(response: httpx.Response, *, transient_codes: frozenset[int]) -> Outcome:
    """Outcome of a robot answer: errcode 0 delivered; `transient_codes` (rate limits) retried."""
    outcome = classify_response(response)
    if outcome.kind != "delivered":
        return outcome
    try:
        answer = response.json()
    except ValueError:
        return Outcome.transient(f"HTTP {response.status_code}: answer is not JSON")
    code = answer.get("errcode") if isinstance(answer, dict) else None
    if code == 0:
        return Outcome.delivered(f"errcode 0: {answer.get('errmsg', 'ok')}")
    detail = f"errcode {code}: {answer.get('errmsg', '') if isinstance(answer, dict) else ''}"
    if isinstance(code, int) and code in transient_codes:
        return Outcome.transient(detail, 60.0)
    return Outcome.permanent(detail)
