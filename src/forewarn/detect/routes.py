"""Rules API: the rules the running engine has loaded (``app.state.rules``), by field."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from forewarn.api.deps import PageDep, ScopeDep, require
from forewarn.api.schemas import ApiModel, Page
from forewarn.auth.permissions import Permission
from forewarn.auth.principal import Principal
from forewarn.detect.ruleset import DetectorRule, Rule, RuleSet

router = APIRouter(tags=["rules"])


class LevelRead(ApiModel):
    """One level of a detector rule."""

    level: str
    enter: str
    exit: str


class RuleRead(ApiModel):
    """A loaded rule as the API shows it."""

    id: str
    name: str
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


def rule_read(rule: Rule) -> RuleRead:
    """The API view of a compiled rule."""
    common = {
        "id": rule.id,
        "name": rule.name,
        "field": rule.field,
        "description": rule.description,
        "for_s": rule.for_s,
        "keep_firing_for_s": rule.keep_s,
        "annotations": rule.annotations,
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
    ruleset: RuleSet | None = getattr(request.app.state, "rules", None)
    rules = list(ruleset.rules) if ruleset is not None else []
    if scope.fields is not None:
        rules = [r for r in rules if r.field is None or r.field in scope.fields]
    if field is not None:
        rules = [r for r in rules if r.field == field]
    chosen = rules[page.offset : page.offset + page.limit]
    return Page[RuleRead](items=[rule_read(r) for r in chosen], total=len(rules))
