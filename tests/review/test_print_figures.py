"""Print requests in the figures, through the station's real printing side.

Two groups press "Imprimer" in session 8 with the name-tag challenge; the
facilitator refuses one print and accepts the other. The summary counts both
requests; only the accepted one makes a passed challenge.
"""

from __future__ import annotations

import html
import re

import pytest

from kit.models import Classroom, Session
from kit.progress import CHALLENGE_PASSED, PRESENT, class_progress
from kit.sessions import session_summary
from tests.printers.conftest import prusa_slicer  # noqa: F401 - the slicer these tests need
from tests.printweb.conftest import client_as, make_station, seed_printing_class, simulated_printer


@pytest.fixture
def station(tmp_path, prusa_slicer):  # noqa: F811 - the fixture imported above
    app = make_station(tmp_path / "data", [simulated_printer()])
    yield app
    from printers.workers import shutdown_all

    shutdown_all()


def _press_print(app, ids: dict, group_key: str) -> tuple[object, int]:
    group = client_as(app, "group", ids, group_key)
    template = group.get("/api/v1/group/object").get_json()["object"]
    resp = group.post("/api/v1/group/object/submit",
                      json={"object": template, "challenge": "s8-porte-nom"})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["challenge"]["passed"] is True  # the station's own check
    return group, resp.get_json()["job"]["id"]


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_refused_print_is_requested_but_not_passed(station):
    ids = seed_printing_class(station)
    _g1, refused = _press_print(station, ids, "group_id")
    _g2, accepted = _press_print(station, ids, "other_group_id")
    fac = client_as(station, "facilitator", ids)
    fac.post(f"/animateur/impressions/{refused}/refuser",
             data={"reason": "Le texte dépasse de la plaque."})
    fac.post(f"/animateur/impressions/{accepted}/accepter")

    summary = _text(fac.get(f"/animateur/seances/{ids['session_id']}/bilan")
                    .get_data(as_text=True))
    assert "2 impressions demandées" in summary
    assert "1 groupe avec au moins un défi réussi" in summary

    with station.app_context(), station.extensions["mallette"].sessions() as db:
        progress = class_progress(db, db.get(Classroom, ids["class_id"]))
        first, other = progress.group(ids["group_id"]), progress.group(ids["other_group_id"])
        assert [c.challenge for c in first.challenges_passed] == []
        assert [c.challenge for c in other.challenges_passed] == ["s8-porte-nom"]
        assert first.cells[7].status == PRESENT
        assert other.cells[7].status == CHALLENGE_PASSED
        closed = session_summary(db, db.get(Session, ids["session_id"]))
        assert closed["prints_requested"] == 2
        assert closed["challenges_passed"] == {"s8-porte-nom": 1}

    teacher = client_as(station, "teacher", ids)
    timeline = _text(teacher.get(f"/enseignant/groupes/{ids['group_id']}")
                     .get_data(as_text=True))
    assert "refusée : Le texte dépasse de la plaque." in timeline
    assert "pas encore réussi : l'impression a été refusée" in timeline
    assert "Défi « Mon porte-nom » réussi" not in timeline


def test_a_print_waiting_for_the_facilitator_is_not_passed_yet(station):
    ids = seed_printing_class(station)
    _press_print(station, ids, "group_id")
    with station.app_context(), station.extensions["mallette"].sessions() as db:
        progress = class_progress(db, db.get(Classroom, ids["class_id"]))
        assert progress.group(ids["group_id"]).challenges_passed == []
    teacher = client_as(station, "teacher", ids)
    timeline = _text(teacher.get(f"/enseignant/groupes/{ids['group_id']}")
                     .get_data(as_text=True))
    assert "en attente de l'accord pour imprimer" in timeline
