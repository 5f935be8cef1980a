"""Rules API: the rules the running engine has loaded (the detection job's engine, else
``app.state.rules``), by field, with the series each rule selects but cannot watch."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from forewarn.api.deps import PageDep, ScopeDep, require
from forewarn.api.schemas import ApiModel, Page
from forewarn.auth.permissions import Permission
from forewarn.auth.principal import Principal
from forewarn.detect.engine import Engine
from forewarn.detect.live import DetectionJob
from forewarn.detect.ruleset import DetectorRule, Rule, RuleSet
from forewarn.scope import Scope

router = APIRouter(tags=["rules"])


class LevelRead(ApiModel):
    """One level of a detector rule."""

    level: str
    enter: str
    exit: str


class UnwatchedRead(ApiModel):
    """A series a rule selects but cannot watch (a missing or bad site label, no interval)."""

    series: str
    site: str | None
    indicator: str | None
    problem: str


class RuleRead(ApiModel):
    """A loaded rule as the API shows it."""

    id: str
    name: str
    name_en: str | None
    kind: str  # detector or linkage
    field: str | None
    description: str | None
    detector: str
    params: dict[str, Any]
    levels: list[LevelRead]
    members: list[dict[str, str | None]]
    for_s: float
    keep_firing_for_s: float
    annotations: dict[str, str]
    unwatched: list[UnwatchedRead] = []


def rule_read(rule: Rule, unwatched: list[UnwatchedRead] | None = None) -> RuleRead:
    """The API view of a compiled rule."""
    common = {
        "id": rule.id,
        "name": rule.name,
        "name_en": rule.name_en,
        "field": rule.field,
        "description": rule.description,
        "for_s": rule.for_s,
        "keep_firing_for_s": rule.keep_s,
        "annotations": rule.annotations,
        "unwatched": unwatched or [],
    }
    if isinstance(rule, DetectorRule):
        levels = [
            LevelRead(level=lr.level.label, enter=str(lr.enter), exit=str(lr.exit))
            for lr in rule.levels
        ]
        return RuleRead(
            **common, kind="detector", detector=rule.detector.name, params=rule.params_doc,
            levels=levels, members=[],
        )  # fmt: skip
    members = [{"rule": r, "level": lv.label if lv else None} for r, lv in rule.members]
    params = {"group_by": rule.group_by, "window_s": rule.window_s, "at_least": rule.at_least}
    params["level"] = rule.level.label if rule.level else "highest"
    return RuleRead(
        **common, kind="linkage", detector="linkage", params=params, levels=[], members=members
    )


@router.get("/rules", response_model=Page[RuleRead])
def list_rules(
    request: Request,
    scope: ScopeDep,
    page: PageDep,
    _: Annotated[Principal, require(Permission.RULES_READ)],
    field: Annotated[str | None, Query(description="Only rules of this field.")] = None,
) -> Page[RuleRead]:
    """The rules the engine runs: those of the caller's fields (and rules without a field)."""
    job: DetectionJob | None = getattr(request.app.state, "detection", None)
    ruleset: RuleSet | None = job.engine.rules if job else getattr(request.app.state, "rules", None)
    rules = list(ruleset.rules) if ruleset is not None else []
    if scope.fields is not None:
        rules = [r for r in rules if r.field is None or r.field in scope.fields]
    if field is not None:
        rules = [r for r in rules if r.field == field]
    chosen = rules[page.offset : page.offset + page.limit]
    unwatched = _unwatched(job.engine, scope) if job else {}
    items = [rule_read(r, unwatched.get(r.id)) for r in chosen]
    return Page[RuleRead](items=items, total=len(rules))


def _unwatched(engine: Engine, scope: Scope) -> dict[str, list[UnwatchedRead]]:
    """Per rule, the series in `scope` it selects but cannot watch."""
    infos = {str(info.id): info for info in engine.series}
    out: dict[str, list[UnwatchedRead]] = {}
    for rule, problems in engine.stats.bind_errors.items():
        for series, problem in problems.items():
            info = infos.get(series)
            labels = info.labels if info else {}
            path = f"/{labels['region_path']}/" if labels.get("region_path") else None
            if not scope.unrestricted and not scope.allows(path, labels.get("field")):
                continue
            site, indicator = labels.get("site"), labels.get("indicator")
            out.setdefault(rule, []).append(
                UnwatchedRead(series=series, site=site, indicator=indicator, problem=problem)
            )
    return out
