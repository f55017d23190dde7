"""The English catalog is complete and every translation keeps its placeholders.

A missing ``%(name)s`` in a translation raises ``KeyError`` when the message is
shown in English; an extra one shows raw ``%(...)s`` to a pupil. Fuzzy or empty
entries silently fall back to French.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
POT = ROOT / "web" / "translations" / "messages.pot"

# %(name)s, %(x).1f, %(m)02d, %%: what Python's %-formatting reads.
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?([sdifrx%])")


def _load(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return _load(PO)


def _entries(catalog: Catalog) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs, plural forms paired with the matching source form."""
    pairs = []
    for msg in catalog:
        if not msg.id:
            continue
        if isinstance(msg.id, tuple):
            strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
            for i, text in enumerate(strings):
                pairs.append((msg.id[min(i, len(msg.id) - 1)], text))
        else:
            pairs.append((msg.id, msg.string))
    return pairs


def _placeholders(text: str) -> Counter:
    return Counter(m.group(0) for m in PLACEHOLDER.finditer(text))


def test_no_untranslated_or_fuzzy_entry(catalog: Catalog) -> None:
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    empty = [src for src, text in _entries(catalog) if not text]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    assert not empty, f"untranslated entries: {empty}"


def test_placeholders_match(catalog: Catalog) -> None:
    wrong = [(src, text) for src, text in _entries(catalog)
             if text and _placeholders(src) != _placeholders(text)]
    assert not wrong, "placeholders differ:\n" + "\n".join(f"{s!r} -> {t!r}" for s, t in wrong)


def test_babel_checkers_pass(catalog: Catalog) -> None:
    problems = [(msg.id, [str(e) for e in errors]) for msg, errors in catalog.check()]
    assert not problems, problems


def test_no_french_quotes_left(catalog: Catalog) -> None:
    """« » become “ ” in English."""
    left = [text for _src, text in _entries(catalog) if "«" in text or "»" in text]
    assert not left, left


def test_catalog_covers_template(catalog: Catalog) -> None:
    """Every string of messages.pot is in the English catalog (run ``pybabel update``)."""
    missing = [m.id for m in _load(POT) if m.id and m.id not in catalog]
    assert not missing, f"not in messages.po, run pybabel update: {missing}"


def test_station_speaks_english() -> None:
    """The compiled catalog is what the CLI and library code actually read."""
    from ground import i18n

    i18n._catalog.cache_clear()
    i18n.set_language("en")
    try:
        assert i18n._("Mot de passe incorrect.") == "Wrong password."
        assert i18n._("Séance %(n)s", n=3) == "Session 3"
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)


def test_french_puts_zero_in_the_singular() -> None:
    """French's own catalog holds every plural message of the template (ground.i18n
    refresh_french_plurals): "0 défi réussi", not "0 défis réussis"."""
    from ground import i18n

    french = _load(ROOT / "web" / "translations" / "fr" / "LC_MESSAGES" / "messages.po")
    plurals = {m.id for m in _load(POT) if isinstance(m.id, tuple)}
    assert plurals and plurals <= {m.id for m in french if m.id}, \
        "run ground.i18n.refresh_french_plurals() after pybabel update"
    i18n._catalog.cache_clear()
    i18n.set_language("fr")
    words = ("%(num)s défi réussi", "%(num)s défis réussis")
    assert words in plurals
    assert [i18n.ngettext(*words, n) for n in (0, 1, 2)] == [
        "0 défi réussi", "1 défi réussi", "2 défis réussis"]
