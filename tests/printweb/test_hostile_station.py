"""Hostile meshes against a real station served by waitress in its own process.

The station's memory is read from /proc while /api/v1/health is polled with a 1 s
client timeout: a pupil's bomb gets a French refusal, everyone else keeps a station.
"""

from __future__ import annotations

import pytest

from tests.peers import free_port
from tests.printweb.real_station import (
    Watch,
    object_bomb,
    pupil_client,
    scattered_stl,
    start_station,
)

RSS_LIMIT_MB = 600


@pytest.fixture(scope="module")
def real_station(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    station = start_station(folder / "data", free_port(), folder / "serve.log")
    yield station
    station.stop()


def test_scattered_triangles_import_is_refused_and_the_station_holds(real_station):
    tablet = pupil_client(real_station)
    data = scattered_stl(300_000)
    with Watch(real_station) as watch:
        resp = tablet.post("/api/v1/group/object/import",
                           files={"file": ("nuage.stl", data, "model/stl")})
    assert resp.status_code == 422, resp.text[:500]
    body = resp.json()
    assert "ne peut pas être imprimé" in body["message"]
    assert any(f["code"] == "watertight" and f["severity"] == "blocking"
               for f in body["findings"])
    assert body["mesh"] is None  # 300,000 loose triangles are not sent to a tablet
    assert watch.failures == [] and watch.latencies
    assert watch.peak_rss_mb < RSS_LIMIT_MB


def test_object_bomb_preview_names_the_block_and_the_station_holds(real_station):
    tablet = pupil_client(real_station)
    with Watch(real_station) as watch:
        resp = tablet.post("/api/v1/group/object/preview", json={"object": object_bomb()})
        other = tablet.get("/api/v1/group/object")
    assert resp.status_code == 422
    body = resp.json()
    assert body["message"].startswith("Objet trop compliqué : le bloc « répéter »")
    assert body["block_id"] == "rep-outer"
    assert other.status_code == 200 and other.json()["object"]["name"] != "bombe"  # not kept
    assert watch.failures == []
    assert watch.peak_rss_mb < RSS_LIMIT_MB


def test_a_normal_preview_still_works_after_the_bombs(real_station):
    tablet = pupil_client(real_station)
    model = tablet.get("/api/v1/group/object").json()["object"]
    model["root"] = {"block": "box", "size": [30, 20, 5]}
    resp = tablet.post("/api/v1/group/object/preview", json={"object": model})
    assert resp.status_code == 200, resp.text[:300]
    assert resp.json()["printable"] is True and len(resp.json()["mesh"]["indices"]) == 36
