"""Translations for every text a person reads.

Source strings are written in French (the station's default language); the
English catalog lives in ``web/translations/en/LC_MESSAGES/messages.po``.
Library and CLI code call :func:`_`; inside a Flask request the request's
locale wins, elsewhere the language set with :func:`set_language` (the CLI's
``--lang``) applies.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "web" / "translations"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

# why: process-wide, not per context: worker threads (the fleet's uploads, the kit check)
# speak the language the command or the station chose, not always French
_process_language = DEFAULT_LANGUAGE


def set_language(lang: str) -> None:
    """Choose the language of messages produced outside a web request."""
    global _process_language
    _process_language = lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    """The request's language inside a web request, else the process's.

    why: Flask is asked only when it is loaded (no request without it), so the command
    line and the lower layers never import the web framework just to translate.
    """
    flask = sys.modules.get("flask")
    if flask is not None and flask.has_request_context():
        from flask_babel import get_locale

        loc = get_locale()
        if loc is not None and loc.language in LANGUAGES:
            return loc.language
    return _process_language


def compile_catalogs() -> None:
    """Compile each ``messages.po`` whose ``.mo`` is missing or older (no build step)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog)
        tmp.replace(mo)


@lru_cache(maxsize=4)
def _catalog(lang: str) -> NullTranslations:
    # why French has a catalog too: its source strings need no translation, but French
    # puts 0 in the singular ("0 défi réussi"); its catalog holds the plural messages only
    compile_catalogs()
    return Translations.load(str(TRANSLATIONS_DIR), [lang], domain="messages")


def refresh_french_plurals() -> int:
    """Write ``fr/LC_MESSAGES/messages.po``: every plural message of ``messages.pot``
    with French's own plural rule (run after ``pybabel update``); returns their count."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    with (TRANSLATIONS_DIR / "messages.pot").open("rb") as f:
        template = read_po(f)
    french = Catalog(locale="fr", project="mallette", fuzzy=False)
    for message in template:
        if isinstance(message.id, tuple):  # CLDR's French: one (0 and 1), many, other
            singular, plural = message.id
            forms = (singular,) + (plural,) * (french.num_plurals - 1)
            french.add(message.id, string=forms, locations=message.locations)
    path = TRANSLATIONS_DIR / "fr" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, french, width=76, omit_header=False)
    return len([m for m in french if m.id])


def gettext(msgid: str, **params: object) -> str:
    """Translate ``msgid`` (French) into the current language, then fill ``params``."""
    text = _catalog(current_language()).gettext(msgid)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = _catalog(current_language()).ngettext(singular, plural, n)
    params.setdefault("num", n)
    return text % params


_ = gettext
