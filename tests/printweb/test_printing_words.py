"""Printing words (issue 14, item 7): the group's name is never cut on its name tag, the
text size a pupil chooses changes the object, and the pupil and the facilitator read one
estimate (the slicer's once sliced).

Real PrusaSlicer slices; the demo kit's simulated printer prints.
"""

from __future__ import annotations

import html
import re

import pytest

from kit.models import Group, PrintJob
from printers.objects import build_mesh, parse_object
from printers.templates import instantiate
from tests.printweb.conftest import (
    client_as,
    make_station,
    seed_printing_class,
    simulated_printer,
    wait_for,
)


@pytest.fixture
def station(tmp_path, prusa_slicer):
    app = make_station(tmp_path / "data", [simulated_printer()])
    backend = app.extensions["mallette"].printing.backends["imprimante-1"]
    backend.speedup, backend.min_seconds = 5000.0, 1.0
    return app


@pytest.fixture
def ids(station):
    return seed_printing_class(station, session_number=8)


def _rename(app, group_id: int, name: str) -> None:
    with app.extensions["mallette"].sessions() as db:
        db.get(Group, group_id).name = name
        db.commit()


def _text_node(node: dict) -> dict | None:
    if node.get("block") == "text":
        return node
    for child in node.get("children", []):
        found = _text_node(child)
        if found:
            return found
    return None


def test_les_pingouins_is_whole_on_the_name_tag_and_fits_the_plate(station, ids):
    _rename(station, ids["group_id"], "Les Pingouins")
    group = client_as(station, "group", ids)
    doc = group.get("/api/v1/group/object").get_json()["object"]
    text = _text_node(doc["root"])
    assert text["text"] == "Les Pingouins"
    mesh = build_mesh(parse_object(doc))
    plate_length = mesh.extents[0]
    assert plate_length <= 100  # the template's longest tag

    # a long name (40 characters, the most a group name has) is whole too: it shrinks
    long_name = "Les Super Pingouins de la classe de CM1"
    _rename(station, ids["group_id"], long_name)
    doc = group.get("/api/v1/group/object").get_json()["object"]
    assert _text_node(doc["root"])["text"] == long_name
    letters = build_mesh(parse_object({"version": 1, "root": _text_node(doc["root"])}))
    assert letters.extents[0] <= _text_node(doc["root"])["max_width"] + 0.01
    preview = group.post("/api/v1/group/object/preview", json={"object": doc})
    assert preview.status_code == 200 and preview.get_json()["printable"]


def test_the_text_size_a_pupil_sets_changes_the_letters():
    doc = instantiate("name_tag", name="Léa")
    text = _text_node(doc["root"])
    small = build_mesh(parse_object({"version": 1, "root": {**text, "size": 8}}))
    # the editor drops the template's hidden max_width once the pupil sets a size
    # (tests/printweb/test_screens_browser.py checks that in Chromium)
    big = {k: v for k, v in text.items() if k != "max_width"}
    large = build_mesh(parse_object({"version": 1, "root": {**big, "size": 30}}))
    assert large.extents[1] > 3 * small.extents[1]
    assert large.extents[0] > 3 * small.extents[0]


def _facilitator_estimate(fac, job_id: int) -> str:
    page = html.unescape(fac.get("/animateur/impressions").get_data(as_text=True))
    card = page[page.index(f'id="job-{job_id}"'):]
    return re.search(r'class="job-estimate">([^<]+)<', card).group(1)


def test_the_pupil_and_the_facilitator_read_the_same_estimate(station, ids):
    group = client_as(station, "group", ids)
    doc = group.get("/api/v1/group/object").get_json()["object"]
    preview = group.post("/api/v1/group/object/preview", json={"object": doc}).get_json()
    # the preview gives no rough time of its own: one estimate, the one of the print
    assert all(f["code"] != "estimate" for f in preview["findings"])
    submitted = group.post("/api/v1/group/object/submit", json={"object": doc})
    assert submitted.status_code == 201, submitted.get_json()
    job_id = submitted.get_json()["job"]["id"]

    fac = client_as(station, "facilitator", ids)
    pupil_sees = group.get("/api/v1/group/prints").get_json()["jobs"][0]["estimate"]
    assert pupil_sees.startswith("environ ") and " min, " in pupil_sees
    assert pupil_sees.endswith(" g de plastique")
    assert _facilitator_estimate(fac, job_id) == pupil_sees
    # the submit's own findings say the same time and plastic
    said = next(f["message"] for f in submitted.get_json()["findings"]
                if f["code"] == "estimate")
    minutes, grams = re.search(r"environ (.+) avec (\d+) g", said).groups()
    assert pupil_sees == f"environ {minutes}, {grams} g de plastique"

    # once sliced on its plate, both screens read the slicer's figures for it
    fac.post(f"/animateur/impressions/{job_id}/accepter")
    wait_for(station, lambda: _state(station, job_id) in ("sliced", "queued", "printing",
                                                          "done"), timeout=120)
    pupil_sees = group.get("/api/v1/group/prints").get_json()["jobs"][0]["estimate"]
    assert pupil_sees and _facilitator_estimate(fac, job_id) == pupil_sees


def _state(app, job_id: int) -> str:
    with app.extensions["mallette"].sessions() as db:
        return db.get(PrintJob, job_id).state
