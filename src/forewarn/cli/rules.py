"""``forewarn rules``: test rules against expected warnings, list a rules file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forewarn.cli.common import console, err_console, fail_config
from forewarn.yamlsource import ConfigInvalid

app = typer.Typer(help="Rules: unit tests and listings.", no_args_is_help=True)


@app.command("test")
def test(
    files: Annotated[
        list[Path], typer.Argument(exists=True, dir_okay=False, help="Rule-test YAML files.")
    ],
) -> None:
    """Run rule unit tests: input series and expected warnings (docs/rules.md, "Rule tests").

    Exits 1 when a test fails (printing the missing and unexpected warnings) or a file is bad.
    """
    from forewarn.detect.ruletest import run_file

    failed = 0
    total = 0
    for path in files:
        try:
            outcomes = run_file(path)
        except ConfigInvalid as exc:
            fail_config(exc)
            failed += 1
            continue
        for outcome in outcomes:
            total += 1
            if outcome.ok:
                console.print(
                    f"[green]PASS[/green] {path}: {outcome.name}", highlight=False, soft_wrap=True
                )
                continue
            failed += 1
            err_console.print(
                f"[red]FAIL[/red] {path}: {outcome.name}", highlight=False, soft_wrap=True
            )
            if outcome.error:
                err_console.print(f"  error: {outcome.error}", highlight=False, soft_wrap=True)
            for line in outcome.missing:
                err_console.print(
                    f"  [red]- expected, not raised:[/red] {line}", highlight=False, soft_wrap=True
                )
            for line in outcome.unexpected:
                err_console.print(
                    f"  [red]+ raised, not expected:[/red] {line}", highlight=False, soft_wrap=True
                )
    console.print(f"{total - failed if total >= failed else 0} passed, {failed} failed")
    if failed:
        raise typer.Exit(code=1)


@app.command("list")
def list_rules(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Rules YAML file.")],
) -> None:
    """List the rules of a file: id, kind, detector, levels."""
    from forewarn.detect.ruleset import DetectorRule, load_rules

    try:
        ruleset = load_rules(file)
    except ConfigInvalid as exc:
        raise fail_config(exc) from None
    for rule in ruleset.rules:
        if isinstance(rule, DetectorRule):
            levels = ", ".join(f"{lr.level.label} {lr.enter}" for lr in rule.levels)
            console.print(
                f"{rule.id:<32} {rule.detector.name:<11} {levels}", highlight=False, soft_wrap=True
            )
        else:
            members = " + ".join(m for m, _ in rule.members)
            console.print(
                f"{rule.id:<32} {'linkage':<11} {members}", highlight=False, soft_wrap=True
            )
