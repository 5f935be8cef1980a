"""``forewarn check FILE``: lint a configuration file without loading it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from forewarn.cli.common import console, fail_config, labelled, print_error
from forewarn.yamlsource import ConfigInvalid, YamlDocument, read_yaml


def _check_catalogue(doc: YamlDocument) -> str:
    from forewarn.catalogue.check import check_catalogue
    from forewarn.catalogue.schemas import CatalogueFile
    from forewarn.yamlsource import validate_model

    cat = validate_model(doc, CatalogueFile)
    issues = check_catalogue(doc, cat)
    if issues:
        raise ConfigInvalid(issues)
    return (
        f"catalogue: {len(cat.regions)} regions, {len(cat.departments)} departments, "
        f"{len(cat.indicators)} indicators, {len(cat.sites)} sites, "
        f"{sum(len(s.series) for s in cat.sites)} series"
    )


def _check_policy(doc: YamlDocument) -> str:
    from forewarn.warnings.policy import describe

    return describe(doc)


def _check_rules(doc: YamlDocument) -> str:
    from forewarn.detect.ruleset import check_rules_file

    return check_rules_file(doc)


# Top-level key that identifies a kind of file -> checker. Other domains add theirs here.
CHECKERS: dict[str, Callable[[YamlDocument], str]] = {
    "routes": _check_policy,
    "regions": _check_catalogue,
    "sites": _check_catalogue,
    "indicators": _check_catalogue,
    "departments": _check_catalogue,
    "fields": _check_catalogue,
    "rules": _check_rules,
}


def checker_for(data: Any) -> Callable[[YamlDocument], str] | None:
    """The checker for a parsed file, chosen by its top-level keys."""
    if not isinstance(data, dict):
        return None
    for key in data:
        if key in CHECKERS:
            return CHECKERS[key]
    return None


def check(
    files: Annotated[list[Path], typer.Argument(help="Catalogue, rules or policy YAML files.")],
) -> None:
    """Check configuration files without loading them; errors name file, line and field."""
    failed = False
    for path in files:
        try:
            doc = read_yaml(path)
            run = checker_for(doc.data)
            if run is None:
                known = ", ".join(sorted(CHECKERS))
                print_error(f"{path}: unknown kind of file (top-level keys: {known})")
                failed = True
                continue
            console.print(labelled("ok", "green", f"{path}: {run(doc)}"), soft_wrap=True)
        except ConfigInvalid as exc:
            fail_config(exc)
            failed = True
    if failed:
        raise typer.Exit(code=1)
