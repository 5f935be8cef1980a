"""`/metrics`: Prometheus text with the store's gauges and this process's counters."""

from __future__ import annotations

import re

from sqlalchemy import select

from forewarn.catalogue.models import Series
from tests.factories import load_catalogue


def test_metrics_count_what_was_ingested_and_need_the_permission(client, anon_client, sessions):
    load_catalogue(sessions)
    with sessions() as s:
        sid = s.scalar(select(Series.id))
    records = [{"series": sid, "time": f"2026-05-01T00:0{i}:00Z", "value": 0.2} for i in range(5)]
    assert client.post("/api/v1/readings", json={"readings": records}).json()["accepted"] == 5
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = answer.text
    assert "# TYPE forewarn_readings_stored gauge" in text
    assert re.search(r"^forewarn_readings_stored 5$", text, re.M)
    assert re.search(r"^forewarn_ingested_readings_total 5$", text, re.M)
    assert anon_client.get("/metrics").status_code == 401
