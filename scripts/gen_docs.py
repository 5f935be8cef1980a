"""Regenerate the reference pages made from code: docs/settings.md and docs/cli.md.

python scripts/gen_docs.py          # rewrite them
python scripts/gen_docs.py --check  # exit 1 if they are out of date (tests run this)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer.main

from forewarn.cli.main import app
from forewarn.config import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def settings_md() -> str:
    """A table of every setting with its environment variable, default and description."""
    lines = [
        "# Settings",
        "",
        "Every setting is read from an environment variable `FOREWARN_<NAME>` (generated from",
        "`forewarn.config.Settings` by `scripts/gen_docs.py`; do not edit by hand).",
        "",
        "| variable | default | description |",
        "|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        if field.default_factory is not None:
            default = "(computed)"
        elif field.default is None:
            default = "(unset)"
        else:
            default = (
                f"`{field.default}`" if "secret" not in str(field.annotation).lower() else "(set)"
            )
        lines.append(f"| `FOREWARN_{name.upper()}` | {default} | {field.description} |")
    return "\n".join(lines) + "\n"


def _command_md(cmd: Any, path: str, out: list[str]) -> None:
    ctx = cmd.context_class(cmd, info_name=path)
    if hasattr(cmd, "list_commands"):
        for name in sorted(cmd.list_commands(ctx)):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                _command_md(sub, f"{path} {name}", out)
        return
    out += [f"## `{path}`", "", (cmd.help or "").strip(), "", "```", cmd.get_usage(ctx)]
    for param in cmd.params:
        if param.param_type_name == "option":
            names = ", ".join(param.opts)
            out.append(f"  {names:<28} {param.help or ''}")
        elif param.param_type_name == "argument":
            out.append(f"  {param.name.upper():<28} {getattr(param, 'help', None) or '(argument)'}")
    out += ["```", ""]


def cli_md() -> str:
    """Every command of `forewarn` with its help and options."""
    out = [
        "# The `forewarn` command",
        "",
        "Generated from the command's own help by `scripts/gen_docs.py`; `forewarn COMMAND --help`",
        "says the same.",
        "",
    ]
    _command_md(typer.main.get_command(app), "forewarn", out)
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str]) -> int:
    """Write or check the generated pages."""
    pages = {DOCS / "settings.md": settings_md(), DOCS / "cli.md": cli_md()}
    stale = [p for p, text in pages.items() if not p.exists() or p.read_text("utf-8") != text]
    if "--check" in argv:
        for page in stale:
            print(f"{page} is out of date: run python scripts/gen_docs.py")
        return 1 if stale else 0
    for page, text in pages.items():
        page.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
