"""``forewarn check FILE``: lint a configuration file without loading it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.exc import SQLAlchemyError

from forewarn.cli.common import console, fail_config, labelled, print_error, settings_for
from forewarn.config import Settings
from forewarn.db import make_engine, make_session_factory
from forewarn.yamlsource import ConfigInvalid, YamlDocument, read_yaml

# Codes already in the store (``loader.known_codes``), or empty when checking without a store.
Known = Mapping[str, Any]
StoreDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Check against the store of this data folder (implies --store).",
        file_okay=False,
        show_default=False,
    ),
]


def _check_catalogue(doc: YamlDocument, known: Known) -> str:
    from forewarn.catalogue.check import check_catalogue
    from forewarn.catalogue.schemas import CatalogueFile
    from forewarn.yamlsource import validate_model

    cat = validate_model(doc, CatalogueFile)
    issues = check_catalogue(doc, cat, **known)
    if issues:
        raise ConfigInvalid(issues)
    return (
        f"catalogue: {len(cat.regions)} regions, {len(cat.departments)} departments, "
        f"{len(cat.indicators)} indicators, {len(cat.sites)} sites, "
        f"{sum(len(s.series) for s in cat.sites)} series"
    )


def _check_policy(doc: YamlDocument, known: Known) -> str:
    from forewarn.warnings.policy import describe

    return describe(doc)


def _check_rules(doc: YamlDocument, known: Known) -> str:
    from forewarn.detect.ruleset import check_rules_file

    return check_rules_file(doc)


# Top-level key that identifies a kind of file -> checker. Other domains add theirs here.
CHECKERS: dict[str, Callable[[YamlDocument, Known], str]] = {
    "routes": _check_policy,
    "regions": _check_catalogue,
    "sites": _check_catalogue,
    "indicators": _check_catalogue,
    "departments": _check_catalogue,
    "fields": _check_catalogue,
    "rules": _check_rules,
}


def checker_for(data: Any) -> Callable[[YamlDocument, Known], str] | None:
    """The checker for a parsed file, chosen by its top-level keys."""
    if not isinstance(data, dict):
        return None
    for key in data:
        if key in CHECKERS:
            return CHECKERS[key]
    return None


class StoreUnreadable(Exception):
    """The store to check against is missing or cannot be read."""


def store_codes(settings: Settings) -> dict[str, Any]:
    """Codes in the configured store, read without creating or migrating it."""
    from forewarn.catalogue.loader import known_codes

    url = settings.effective_database_url
    if url.startswith("sqlite:///") and not Path(url.split("///", 1)[1]).is_file():
        raise StoreUnreadable(f"no store at {url}")
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return known_codes(session)
    except SQLAlchemyError as exc:
        where = engine.url.render_as_string(hide_password=True)
        raise StoreUnreadable(
            f"cannot read the store at {where}: {getattr(exc, 'orig', None) or exc}"
        ) from None
    finally:
        engine.dispose()


def check(
    files: Annotated[list[Path], typer.Argument(help="Catalogue, rules or policy YAML files.")],
    store: Annotated[
        bool,
        typer.Option(
            "--store",
            help="Let catalogue files refer to what the store holds (FOREWARN_DATABASE_URL or "
            "the data folder); without it or --data-dir they must be self-contained.",
        ),
    ] = False,
    data_dir: StoreDir = None,
) -> None:
    """Check configuration files without loading them; errors name file, line and field.

    Without `--store` or `--data-dir` a catalogue file is checked alone, so every region,
    field, department and indicator it refers to must be in the file; with either, references
    to objects already in the store are accepted, as `forewarn catalogue load` accepts them.
    The store is only read, never created or migrated.
    """
    known: dict[str, Any] = {}
    if store or data_dir is not None:
        try:
            known = store_codes(settings_for(data_dir))
        except StoreUnreadable as exc:
            print_error(exc)
            raise typer.Exit(code=1) from None
    failed = False
    for path in files:
        try:
            doc = read_yaml(path)
            run = checker_for(doc.data)
            if run is None:
                known_kinds = ", ".join(sorted(CHECKERS))
                print_error(f"{path}: unknown kind of file (top-level keys: {known_kinds})")
                failed = True
                continue
            console.print(labelled("ok", "green", f"{path}: {run(doc, known)}"), soft_wrap=True)
        except ConfigInvalid as exc:
            fail_config(exc)
            failed = True
    if failed:
        raise typer.Exit(code=1)
