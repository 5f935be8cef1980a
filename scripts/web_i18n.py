"""Keep the console's translations in step with its templates and code (run by a developer).

    python scripts/web_i18n.py            # extract, update every .po, compile every .mo
    python scripts/web_i18n.py --check    # non-zero if a .po lacks a string or its .mo is stale

After extracting, translate the new or fuzzy entries in
``src/forewarn/web/i18n/<locale>/LC_MESSAGES/messages.po`` and run the script again to compile.
Both the .po and the .mo are committed (``docs/web.md``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "src/forewarn/web/i18n"
POT = I18N / "messages.pot"
KEYWORDS = ["-k", "N_", "-k", "ngettext:1,2"]


def pybabel(*args: str) -> None:
    """Run one pybabel command from the repository root."""
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


def locales() -> list[str]:
    """The locales that have a catalogue."""
    return sorted(p.parent.parent.name for p in I18N.glob("*/LC_MESSAGES/messages.po"))


def refresh() -> int:
    """Extract the strings, merge them into every catalogue and compile them."""
    pybabel(
        "extract",
        "-F",
        str(I18N / "babel.cfg"),
        *KEYWORDS,
        "--no-location",
        "--sort-output",
        "--omit-header",
        "--width",
        "100",
        "-o",
        str(POT),
        "src/forewarn/web",
    )
    for locale in locales():
        pybabel(
            "update",
            "-i",
            str(POT),
            "-d",
            str(I18N),
            "-l",
            locale,
            "--no-fuzzy-matching",
            "--ignore-obsolete",
            "--width",
            "100",
        )
    pybabel("compile", "-d", str(I18N), "--statistics")
    return 0


def main(argv: list[str]) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check, as the tests do")
    args = parser.parse_args(argv)
    if args.check:
        return subprocess.call(
            [sys.executable, "-m", "pytest", "-q", "tests/web/test_i18n.py"], cwd=ROOT
        )
    return refresh()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
