"""Languages of the console: Simplified Chinese and English, from a switch or Accept-Language.

Catalogues live in ``web/i18n/<locale>/LC_MESSAGES/messages.po`` (compiled ``.mo`` beside them,
both committed); English is the source language, so it needs no catalogue. ``docs/web.md`` says
how to add a language.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

I18N_DIR = Path(__file__).parent / "i18n"
DOMAIN = "messages"
LANG_COOKIE = "forewarn_lang"
LANG_PARAM = "lang"
DEFAULT = "zh"
LANGUAGES: dict[str, str] = {"zh": "中文", "en": "English"}
"""Language code -> its own name (shown on the switch)."""
BABEL_LOCALE = {"zh": "zh_Hans_CN", "en": "en_GB"}
"""Language code -> Babel locale (numbers, relative times)."""
CATALOGUE = {"zh": "zh_Hans"}
"""Language code -> folder of its catalogue (English is the source: none)."""


def N_(message: str) -> str:  # noqa: N802  (the gettext convention)
    """Mark `message` for extraction; it is translated where it is shown."""
    return message


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalogue of `lang` (English: the identity)."""
    folder = CATALOGUE.get(lang)
    if folder is None:
        return NullTranslations()
    return Translations.load(str(I18N_DIR), [folder], DOMAIN)


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an ``Accept-Language`` header, best first (q=0 dropped)."""
    tags: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            tags.append((-quality, index, tag.strip().lower()))
    return [tag for _, _, tag in sorted(tags)]


def negotiate(*, param: str | None, cookie: str | None, accept: str | None) -> str:
    """The language to use: an explicit switch, else the cookie, else the browser's wish."""
    for choice in (param, cookie):
        if choice in LANGUAGES:
            return choice
    for tag in parse_accept_language(accept):
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT
