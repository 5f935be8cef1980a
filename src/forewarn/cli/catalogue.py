"""``forewarn catalogue``: load the catalogue (regions, departments, sites, ...) from YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forewarn.catalogue import loader
from forewarn.catalogue.schemas import CatalogueFile
from forewarn.cli.common import DataDir, console, fail_config, settings_for, store_session
from forewarn.timeutil import utcnow
from forewarn.yamlsource import ConfigInvalid, read_yaml, validate_model

app = typer.Typer(help="Load and inspect the catalogue.", no_args_is_help=True)


@app.command()
def load(
    file: Annotated[Path, typer.Argument(help="Catalogue YAML file.", exists=True, dir_okay=False)],
    data_dir: DataDir = None,
) -> None:
    """Check FILE, then insert or update its objects by code; a file with errors changes nothing."""
    settings = settings_for(data_dir)
    try:
        doc = read_yaml(file)
        cat = validate_model(doc, CatalogueFile)
        with store_session(settings) as session:
            summary = loader.load(session, doc, cat, now=utcnow())
    except ConfigInvalid as exc:
        raise fail_config(exc) from None
    console.print("loaded " + ", ".join(f"{n} {k}" for k, n in summary.items()), markup=False)
