"""One vocabulary: the editor's lists of notes and colours are the station's."""

from __future__ import annotations

import json
import re

from robots.vocabulary import COLOURS, NOTES, NOTES_HZ
from tests.robots.conftest import ROOT

BLOCKS_JS = ROOT / "web" / "static" / "js" / "blocks" / "robot_blocks.js"


def _js_list(name: str) -> list[str]:
    found = re.search(rf"var {name} = (\[[^\]]*\]);", BLOCKS_JS.read_text(encoding="utf-8"))
    assert found, name
    return json.loads(found.group(1))


def test_the_editor_offers_the_notes_and_colours_the_robots_know() -> None:
    assert _js_list("NOTES") == list(NOTES)
    assert _js_list("COLOUR_NAMES") == list(COLOURS)


def test_notes_rise_from_c4_to_b5() -> None:
    assert list(NOTES_HZ.values()) == sorted(NOTES_HZ.values())
    assert NOTES_HZ["A4"] == 440
