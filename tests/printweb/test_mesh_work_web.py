"""The editor's preview through the station's worker pool: a newer preview of the same group
replaces the one still computing, a flood gets a 503 in French, other groups are untouched."""

from __future__ import annotations

import threading
import time

from tests.printweb.conftest import client_as, make_station, seed_printing_class, simulated_printer
from tests.printweb.real_station import object_bomb

SLOW_GCODE = b"G90\n" + b"G1 X10.5 Y20.25 Z0.3 E1.5\n" * 300_000


def _running(pool, key) -> bool:  # noqa: ANN001
    with pool._lock:
        return any(t.key == key for t in pool._running)


def test_a_newer_preview_replaces_the_one_still_computing(tmp_path):
    app = make_station(tmp_path / "data", [simulated_printer()])
    ids = seed_printing_class(app)
    group = client_as(app, "group", ids)
    pool = app.extensions["mallette"].mesh.pool
    slow = object_bomb(3, 8)  # allowed (just under the budget), seconds to build
    answers = {}
    first = threading.Thread(target=lambda: answers.update(
        first=group.post("/api/v1/group/object/preview", json={"object": slow})))
    first.start()
    key = ("preview", ids["group_id"])
    while first.is_alive() and not _running(pool, key):
        time.sleep(0.01)
    box = {"version": 1, "name": "boîte", "root": {"block": "box", "size": [20, 20, 5]}}
    second = client_as(app, "group", ids).post("/api/v1/group/object/preview",
                                               json={"object": box})
    first.join(60)
    assert answers["first"].status_code == 409
    assert answers["first"].get_json()["superseded"] is True
    assert "plus récente" in answers["first"].get_json()["message"]
    assert second.status_code == 200 and second.get_json()["printable"] is True


def test_a_flood_of_previews_gets_a_french_503(tmp_path):
    app = make_station(tmp_path / "data", [simulated_printer()])
    ids = seed_printing_class(app)
    pool = app.extensions["mallette"].mesh.pool
    busy = pool.submit("check_gcode", SLOW_GCODE, "x.gcode",
                       app.extensions["mallette"].printing.profiles["imprimante-1"])
    while not busy.running:
        time.sleep(0.01)
    pool.queue_size = 0  # the one worker is busy and no task may wait: as in a flood
    group = client_as(app, "group", ids)
    resp = group.post("/api/v1/group/object/preview", json={"object": {
        "version": 1, "root": {"block": "box", "size": [20, 20, 5]}}})
    assert resp.status_code == 503
    assert "La station calcule déjà beaucoup d'objets" in resp.get_json()["message"]
