"""Docs are part of the product: the README's commands, generated references and links hold."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", quick, re.S)]


def test_quick_start_is_two_commands_and_ci_runs_the_test_one_verbatim():
    commands = _readme_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert "forewarn demo" in commands[0]
    assert "pytest" in commands[1]
    assert commands[1] in (ROOT / ".ci/run").read_text("utf-8")


def test_generated_reference_pages_are_up_to_date():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts/gen_docs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, "run python scripts/gen_docs.py"


def test_every_linked_doc_exists():
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(((?:docs/)?[\w.-]+\.md)\)", page.read_text("utf-8")):
            path = (ROOT / target) if target.startswith("docs/") else page.parent / target
            assert path.exists(), f"{page.name} links to missing {target}"
