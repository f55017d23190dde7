"""English messages: the lessons' catalog fragment (lessons/i18n/en.po, merged by the
lead into web/translations) covers every French message of lessons/, keeps its
placeholders, and `--lang en` uses it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner

import ground.i18n
from lessons.cli import lessons

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "lessons" / "i18n" / "en.po"
BROKEN = Path(__file__).parent / "broken"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def _catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="en")


def _source_ids() -> set:
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(ROOT / "lessons"), method_map=[("**.py", "python")], keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))


def test_every_message_of_lessons_has_an_english_translation():
    catalog = _catalog()
    translated = {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}
    assert _source_ids() <= translated, _source_ids() - translated
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strs = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(strs), message.id
        for fr, en in zip(ids, strs, strict=True):
            assert _placeholders(fr) == _placeholders(en), (fr, en)


@pytest.fixture
def english(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The station's gettext, reading a catalog compiled from the lessons' fragment."""
    folder = tmp_path / "translations" / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as f:
        write_mo(f, _catalog())
    monkeypatch.setattr(ground.i18n, "TRANSLATIONS_DIR", tmp_path / "translations")
    ground.i18n._catalog.cache_clear()
    yield
    ground.i18n._catalog.cache_clear()
    ground.i18n.set_language("fr")


def test_validate_in_english(english, tmp_path: Path):
    shutil.copy(BROKEN / "step-minutes.yaml", tmp_path / "01.yaml")
    result = CliRunner().invoke(lessons, ["validate", str(tmp_path), "--lang", "en"])
    assert result.exit_code == 2
    assert (f"{tmp_path / '01.yaml'}:16: steps: the steps last 55 min in all but the session "
            "lasts 60 min") in result.output
    assert "1 error(s): the cycle is not valid." in result.output
    ok = CliRunner().invoke(lessons, ["validate", "--lang", "en"])
    assert "Valid cycle: 10 sessions (7 programming, 3 printing)." in ok.output


def test_show_in_english(english):
    result = CliRunner().invoke(lessons, ["show", "1", "--lang", "en"])
    assert result.exit_code == 0
    assert result.output.startswith("Session 1 — The human robot: first moves\nprogramming, 60 min")
    assert "Blocks available: move, turn" in result.output
