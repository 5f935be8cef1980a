"""``forewarn rules``: test rules against expected warnings, list a rules file."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from forewarn.cli.common import console, err_console, fail_config, labelled, plain
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
                console.print(labelled("PASS", "green", f"{path}: {outcome.name}"), soft_wrap=True)
                continue
            failed += 1
            say = partial(err_console.print, soft_wrap=True)
            say(labelled("FAIL", "red", f"{path}: {outcome.name}"))
            if outcome.error:
                say(plain(f"  error: {outcome.error}"))
            for line in outcome.missing:
                say(labelled("  - expected, not raised:", "red", line))
            for line in outcome.unexpected:
                say(labelled("  + raised, not expected:", "red", line))
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
            console.print(plain(f"{rule.id:<32} {rule.detector.name:<11} {levels}"), soft_wrap=True)
        else:
            members = " + ".join(m for m, _ in rule.members)
            console.print(plain(f"{rule.id:<32} {'linkage':<11} {members}"), soft_wrap=True)
