"""The console's translations: every UI string is translated into Chinese and compiled."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from forewarn.web import i18n

WEB = Path(i18n.__file__).parent
CATALOGUES = sorted(i18n.I18N_DIR.glob("*/LC_MESSAGES/messages.po"))
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extracted() -> set[str | tuple[str, str]]:
    """Every message id the templates and modules use (as pybabel extract finds them)."""
    with open(i18n.I18N_DIR / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def _key(value: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)


def test_there_is_a_chinese_catalogue():
    assert [p.parent.parent.name for p in CATALOGUES] == ["zh_Hans"]


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_compiled_catalogue_matches_its_source(po_path: Path):
    """The committed .mo holds exactly the .po's translations (recompile after editing)."""
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} missing: run python scripts/web_i18n.py"
    with po_path.open("rb") as f:
        po = read_po(f)
    with mo_path.open("rb") as f:
        mo = read_mo(f)
    want = {_key(m.id): _key(m.string) for m in po if m.id and m.string and not m.fuzzy}
    got = {_key(m.id): _key(m.string) for m in mo if m.id}
    assert got == want, "the .mo differs from the .po: run python scripts/web_i18n.py"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_every_ui_string_is_translated(po_path: Path):
    with po_path.open("rb") as f:
        po = read_po(f)
    strings = extracted()
    assert len(strings) > 100  # the extraction itself works
    missing = []
    for message_id in sorted(strings, key=str):
        key = message_id[0] if isinstance(message_id, tuple) else message_id
        entry = po.get(key)
        text = entry.string if entry is not None else None
        filled = all(text) if isinstance(text, tuple) else bool(text)
        if entry is None or entry.fuzzy or not filled:
            missing.append(message_id)
    assert not missing, f"untranslated in {po_path.parent.parent.name}: {missing}"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_translations_keep_their_placeholders(po_path: Path):
    with po_path.open("rb") as f:
        po = read_po(f)
    problems = [(m.id, [str(e) for e in errors]) for m, errors in po.check() if errors]
    assert not problems


@pytest.mark.parametrize(
    ("param", "cookie", "accept", "expected"),
    [
        (None, None, None, "zh"),
        (None, None, "en-GB,en;q=0.9", "en"),
        (None, None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        (None, None, "fr-FR,en;q=0.5", "en"),
        (None, None, "fr-FR,de;q=0.5", "zh"),
        (None, None, "en;q=0,zh;q=0.1", "zh"),
        (None, None, "zh;q=0.2,en;q=0.8", "en"),
        (None, "en", "zh-CN", "en"),
        ("zh", "en", "en", "zh"),
        ("xx", "en", "zh", "en"),
        (None, "xx", "en-US", "en"),
        (None, None, "en;q=bad, zh", "zh"),
    ],
)
def test_language_negotiation(param, cookie, accept, expected):
    assert i18n.negotiate(param=param, cookie=cookie, accept=accept) == expected
