"""Pages switched to English show the catalog's English, not the French source."""

from __future__ import annotations

import html as html_lib

import pytest
from babel.messages.pofile import read_po

from tests.conftest import login_as
from tests.i18n.test_catalog import PO


def _template_sources() -> list[str]:
    """French template strings long enough not to match names or data by chance."""
    with PO.open("rb") as f:
        catalog = read_po(f)
    return [m.id for m in catalog
            if isinstance(m.id, str) and len(m.id) >= 12 and "%(" not in m.id
            and m.string and m.string != m.id
            and any(loc.endswith(".html") for loc, _line in m.locations)]


PAGES = [
    ("facilitator", "/animateur/", "Dashboard"),
    ("facilitator", "/animateur/ecoles/{school_id}", "Create a class"),
    ("facilitator", "/animateur/classes/{class_id}", "Add a group"),
    ("facilitator", "/animateur/classes/{class_id}/codes", "Type your group's code"),
    ("facilitator", "/animateur/mallette", "Check the kit"),
    ("facilitator", "/animateur/chiffres/", "Key figures"),
    ("facilitator", "/animateur/impressions", "To approve"),
    ("facilitator", "/animateur/impressions/gcode", "Check and send"),
    ("teacher", "/enseignant/", "The five skills, by group"),
    ("teacher", "/enseignant/rapport", "Robotics and 3D printing cycle"),
    ("group", "/groupe/", "Wait: the session is about to start."),
    (None, "/", "Hello! Type your group's code"),
]


@pytest.mark.parametrize(("role", "path", "expected"), PAGES)
def test_page_in_english(client, seeded, role, path, expected) -> None:
    client.get("/langue/en")
    if role:
        login_as(client, role, seeded)
        with client.session_transaction() as sess:
            sess["lang"] = "en"
    resp = client.get(path.format(**seeded))
    assert resp.status_code == 200, path
    text = html_lib.unescape(resp.get_data(as_text=True))
    assert expected in text
    french = [s for s in _template_sources() if s in text]
    assert not french, f"{path} still shows French: {french}"
