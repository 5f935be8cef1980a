"""``forewarn backtest``: what the rules would have raised over recorded readings, and how well."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from forewarn.cli.common import console, fail_config, plain, print_error
from forewarn.errors import InvalidInput
from forewarn.yamlsource import ConfigInvalid


def backtest(
    rules: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Rules YAML file.")],
    readings: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="CSV: series,time,value.")
    ],
    labels: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="CSV of event windows: series,start,end."),
    ] = None,
    catalogue: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Catalogue YAML giving series their labels; readings then name a series by "
            "site/indicator or by its position in the file (1 = first series).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Run rules over recorded readings in batch: the warnings they would have raised and, with
    labels, precision, recall, F1, mean detection delay and false alarms per series-day.

    Without --catalogue a series is labelled only by its name (and site/indicator when the name
    has that form), and its expected interval is the median gap between its readings.
    """
    from forewarn.detect import backtest as bt
    from forewarn.detect.ruleset import load_rules
    from forewarn.detect.series import load_catalogue_series

    try:
        ruleset = load_rules(rules)
        series = load_catalogue_series(catalogue) if catalogue else None
        data = bt.read_readings(readings)
        windows = bt.read_windows(labels) if labels else None
        result = bt.run(ruleset, data, windows, series)
    except ConfigInvalid as exc:
        raise fail_config(exc) from None
    except InvalidInput as exc:
        print_error(exc.message)
        raise typer.Exit(code=1) from None
    if as_json:
        out = {"warnings": [w.as_dict() for w in result.warnings], "metrics": result.metrics}
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    _print(result)


def _print(result: object) -> None:
    from forewarn.detect.backtest import Result

    assert isinstance(result, Result)
    table = Table(title=f"{len(result.warnings)} warnings", show_lines=False)
    for column in ("rule", "series", "max level", "start", "end", "message"):
        table.add_column(column)
    for w in result.warnings:
        cells = (
            w.rule,
            ", ".join(w.series),
            w.level,
            w.start.isoformat(),
            w.end.isoformat() if w.end else "(open)",
            w.message,
        )
        table.add_row(*map(plain, cells))
    console.print(table)
    if result.metrics is not None:
        metrics = Table(title="metrics")
        metrics.add_column("metric")
        metrics.add_column("value", justify="right")
        for key, value in result.metrics.items():
            metrics.add_row(plain(key), "n/a" if value is None else f"{value:.4g}")
        console.print(metrics)
