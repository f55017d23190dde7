"""Printing through the station's web side, on the demo kit's simulated printer.

Real PrusaSlicer slices every plate; the simulated back-end prints it (sped up).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from kit.models import Event, PrintJob, PrintPlate, ProgramVersion
from printers.queue import PrintOrder
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
    return seed_printing_class(station)


def _db(app):
    return app.extensions["mallette"].sessions()


def _job(app, job_id: int) -> PrintJob:
    with _db(app) as db:
        return db.get(PrintJob, job_id)


def _template(group) -> dict:
    return group.get("/api/v1/group/object").get_json()["object"]


def _submit(app, ids) -> tuple[object, int]:
    group = client_as(app, "group", ids)
    resp = group.post("/api/v1/group/object/submit",
                      json={"object": _template(group), "challenge": "s8-porte-nom"})
    assert resp.status_code == 201, resp.get_json()
    return group, resp.get_json()["job"]["id"]


def test_session_gives_the_toolbox_the_template_and_the_bed(station, ids):
    group = client_as(station, "group", ids)
    info = group.get("/api/v1/group/object").get_json()
    assert info["session"]["toolbox"] == ["box", "text", "translate", "union"]
    assert info["session"]["template"] == "name_tag"
    texts = [n for n in _walk(info["object"]["root"]) if n["block"] == "text"]
    assert texts[0]["text"] == "Les Fusées"  # the group's name on its tag
    assert info["printer"] == {"id": "imprimante-1", "name": "Imprimante 1", "x": 220.0,
                               "y": 220.0, "z": 250.0, "margin": 5.0}
    page = group.get("/groupe/objet")
    assert page.status_code == 200 and "Imprimer" in page.get_data(as_text=True)
    home = group.get("/groupe/").get_data(as_text=True)
    assert "Construire mon objet" in home


def _walk(node):
    yield node
    for child in node.get("children", []):
        yield from _walk(child)


def test_preview_builds_the_mesh_saves_a_version_and_gives_a_verdict(station, ids):
    group = client_as(station, "group", ids)
    doc = _template(group)
    out = group.post("/api/v1/group/object/preview", json={"object": doc})
    assert out.status_code == 200
    data = out.get_json()
    assert data["printable"] is True
    assert len(data["mesh"]["positions"]) % 3 == 0 and len(data["mesh"]["indices"]) > 100
    assert any(f["code"] == "size" and f["severity"] == "ok" for f in data["findings"])
    again = group.post("/api/v1/group/object/preview", json={"object": doc}).get_json()
    assert again["version"] == data["version"] == 1  # the same object is not saved twice
    with _db(station) as db:
        kinds = db.scalars(select(ProgramVersion.kind)).all()
        assert kinds == ["object"]
        saved = db.scalars(select(Event).where(Event.type == "program.saved")).all()
        assert saved[0].payload["kind"] == "object"


def test_a_bad_object_names_its_block_and_loses_nothing(station, ids):
    group = client_as(station, "group", ids)
    good = _template(group)
    group.post("/api/v1/group/object/preview", json={"object": good})
    bad = {"version": 1, "name": "x", "root": {"block": "union", "children": [
        {"block": "box", "id": "blk-7", "size": [0, 10, 10]}]}}
    resp = group.post("/api/v1/group/object/preview", json={"object": bad})
    assert resp.status_code == 422
    body = resp.get_json()
    assert "pavé" in body["message"] and body["block_id"] == "blk-7"
    versions = group.get("/api/v1/group/object/versions").get_json()["versions"]
    assert [v["version"] for v in versions] == [1]
    assert group.get("/api/v1/group/object/versions/1").get_json()["object"] == good
    assert group.post("/api/v1/group/object/submit", data="nope").status_code == 400


def test_an_unprintable_object_is_not_sent_and_says_why(station, ids):
    group = client_as(station, "group", ids)
    floating = {"version": 1, "name": "ballon", "root": {"block": "union", "children": [
        {"block": "box", "size": [30, 20, 3]},
        {"block": "translate", "z": 30, "children": [{"block": "sphere", "radius": 5}]}]}}
    resp = group.post("/api/v1/group/object/submit", json={"object": floating})
    assert resp.status_code == 422
    body = resp.get_json()
    assert "ne peut pas encore être imprimé" in body["message"]
    blocking = [f["message"] for f in body["findings"] if f["severity"] == "blocking"]
    assert any("flotte" in m for m in blocking)
    with _db(station) as db:
        assert db.scalars(select(PrintJob)).all() == []


def test_simulated_printer_prints_an_approved_name_tag(station, ids):
    group, job_id = _submit(station, ids)
    assert _job(station, job_id).state == "submitted"
    again = group.post("/api/v1/group/object/submit", json={"object": _template(group)})
    assert again.status_code == 409  # one object at a time
    fac = client_as(station, "facilitator", ids)
    page = fac.get("/animateur/impressions").get_data(as_text=True)
    assert "Les Fusées" in page and "Accepter" in page and "Imprimante 1" in page
    assert "L&#39;objet est bien fermé" in page or "L'objet est bien fermé" in page
    assert fac.get(f"/impressions/{job_id}/image.png").mimetype == "image/png"
    resp = fac.post(f"/animateur/impressions/{job_id}/accepter")
    assert resp.status_code == 303
    wait_for(station, lambda: _job(station, job_id).state == "done", timeout=60)
    jobs = group.get("/api/v1/group/prints").get_json()["jobs"]
    assert jobs[0]["state"] == "done" and jobs[0]["label"] == "imprimé"
    assert jobs[0]["progress"] == 100.0
    with _db(station) as db:
        evs = db.scalars(select(Event).where(Event.type.like("print.%"))).all()
        assert [(e.type, e.payload.get("state")) for e in evs] == [
            ("print.requested", None), ("print.approved", None), ("print.queued", None),
            ("print.finished", "done")]
        assert evs[-1].group_id == ids["group_id"] and evs[-1].payload["job_id"] == job_id
        from kit.printing import objects_printed

        assert objects_printed(db, group_id=ids["group_id"]) == 1
        plate_id = db.get(PrintJob, job_id).plate_id
        checked = db.scalars(select(Event).where(Event.type == "challenge.checked")).one()
        assert checked.payload["challenge"] == "s8-porte-nom"
    png = fac.get(f"/animateur/impressions/plateaux/{plate_id}.png")
    assert png.status_code == 200 and png.data[:4] == b"\x89PNG"


def test_two_groups_share_one_plate(station, ids):
    _g1, first = _submit(station, ids)
    _g2, second = _submit(station, {**ids, "group_id": ids["other_group_id"]})
    fac = client_as(station, "facilitator", ids)
    for job_id in (first, second):
        fac.post(f"/animateur/impressions/{job_id}/accepter")
    station.extensions["mallette"].printing.tick(force_batch=True)
    a, b = _job(station, first), _job(station, second)
    assert a.plate_id == b.plate_id is not None
    page = fac.get("/animateur/impressions").get_data(as_text=True)
    assert "Les Comètes, Les Fusées" in page  # the plate names both groups
    wait_for(station, lambda: _job(station, second).state == "done", timeout=60)
    assert _job(station, first).state == "done"


def test_refusal_reason_reaches_the_group(station, ids):
    group, job_id = _submit(station, ids)
    fac = client_as(station, "facilitator", ids)
    empty = fac.post(f"/animateur/impressions/{job_id}/refuser", data={"reason": "  "},
                     headers={"Accept": "application/json"})
    assert empty.status_code == 409 and "pourquoi" in empty.get_json()["message"]
    fac.post(f"/animateur/impressions/{job_id}/refuser",
             data={"reason": "Le texte est trop petit, agrandis-le."})
    job = group.get("/api/v1/group/prints").get_json()["jobs"][0]
    assert job["state"] == "refused" and job["reason"] == "Le texte est trop petit, agrandis-le."


def test_pupils_and_teachers_cannot_approve(station, ids):
    _group, job_id = _submit(station, ids)
    for role in ("group", "teacher"):
        client = client_as(station, role, ids)
        assert client.post(f"/animateur/impressions/{job_id}/accepter").status_code == 403
        assert client.get("/animateur/impressions").status_code == 403
    other = client_as(station, "group", ids, group_key="other_group_id")
    assert other.get(f"/impressions/{job_id}/image.png").status_code == 404
    assert _job(station, job_id).state == "submitted"


def test_cancel_while_printing(station, ids):
    backend = station.extensions["mallette"].printing.backends["imprimante-1"]
    backend.speedup = 1.0  # a long print, to cancel it
    _group, job_id = _submit(station, ids)
    fac = client_as(station, "facilitator", ids)
    fac.post(f"/animateur/impressions/{job_id}/accepter")
    wait_for(station, lambda: _job(station, job_id).state == "printing", timeout=60)
    assert fac.get("/animateur/impressions").get_data(as_text=True).count("en train d") == 1
    fac.post(f"/animateur/impressions/{job_id}/annuler")
    assert _job(station, job_id).state == "cancelled"
    assert backend.job().is_active is False
    with _db(station) as db:
        last = db.scalars(select(Event).where(Event.type == "print.finished")).one()
        assert last.payload["state"] == "cancelled"


def test_lost_printer_then_retry_after_clearing_the_bed(station, ids):
    from printers.simulated import SimulatedPrinter

    service = station.extensions["mallette"].printing
    service.backends["imprimante-1"].speedup = 1.0
    group, job_id = _submit(station, ids)
    fac = client_as(station, "facilitator", ids)
    fac.post(f"/animateur/impressions/{job_id}/accepter")
    wait_for(station, lambda: _job(station, job_id).state == "printing", timeout=60)
    service.backends["imprimante-1"].online = False
    service.tick()
    view = group.get("/api/v1/group/prints").get_json()["jobs"][0]
    assert view["state"] == "printing" and view["printer_offline"] is True
    assert "hors ligne" in fac.get("/animateur/impressions").get_data(as_text=True)
    # the printer comes back switched off and on: its print is gone, the job is failed
    backend = service.backends["imprimante-1"]
    assert isinstance(backend, SimulatedPrinter)
    backend.power_cycle()
    backend.speedup = 5000.0
    service.tick()
    view = group.get("/api/v1/group/prints").get_json()["jobs"][0]
    assert view["state"] == "failed" and "interrompue" in view["reason"]
    no_check = fac.post(f"/animateur/impressions/{job_id}/relancer",
                        headers={"Accept": "application/json"})
    assert no_check.status_code == 409 and "plateau est vide" in no_check.get_json()["message"]
    fac.post(f"/animateur/impressions/{job_id}/relancer", data={"bed_clear": "1"})
    assert _job(station, job_id).state == "queued"
    wait_for(station, lambda: _job(station, job_id).state == "done", timeout=60)
    with _db(station) as db:
        finished = db.scalars(select(Event).where(Event.type == "print.finished")).all()
        assert [e.payload["state"] for e in finished] == ["failed", "done"]
        plate = db.get(PrintPlate, _job(station, job_id).plate_id)
        remote = PrintOrder.from_dict(plate.queue).remote_name
    # the second attempt is a new file for the printer: one failed print, one good one
    first = PrintOrder.from_dict({**plate.queue, "attempt": 1}).remote_name
    assert first != remote
    assert backend.file_prints(first).failure == 1
    assert backend.file_prints(remote).success == 1


# -- hostile files through the web -----------------------------------------------------
def _upload(client, url, name: str, data: bytes, **form):
    return client.post(url, data={"file": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data",
                       headers={"Accept": "application/json"})


def test_broken_stl_gets_a_clear_message(station, ids):
    group = client_as(station, "group", ids)
    resp = _upload(group, "/api/v1/group/object/import", "robot.stl",
                   b"\x00" * 80 + (1000).to_bytes(4, "little") + b"\x01" * 200)
    assert resp.status_code == 422
    assert "robot.stl" in resp.get_json()["message"]
    assert "tronqué" in resp.get_json()["message"]
    resp = _upload(group, "/api/v1/group/object/import", "virus.exe", b"MZ")
    assert resp.status_code == 422 and "format inconnu" in resp.get_json()["message"]
    assert _upload(group, "/api/v1/group/object/import", "", b"").status_code == 400


def test_zip_bomb_3mf_is_refused_before_inflating(station, ids):
    group = client_as(station, "group", ids)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("3D/3dmodel.model", b"\0" * (300 * 1024 * 1024))
    resp = _upload(group, "/api/v1/group/object/import", "bombe.3mf", buf.getvalue())
    assert resp.status_code == 422
    assert "bombe.3mf" in resp.get_json()["message"]


def test_imported_stl_is_checked_and_sent(station, ids):
    import trimesh

    group = client_as(station, "group", ids)
    data = trimesh.creation.box((30, 20, 5)).export(file_type="stl")
    resp = _upload(group, "/api/v1/group/object/import", "cube.stl", data)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["job"]["source"] == "stl"
    assert resp.get_json()["job"]["state"] == "submitted"


def test_dangerous_gcode_is_refused_with_line_numbers(station, ids):
    fac = client_as(station, "facilitator", ids)
    bad = b"G28\nM104 S320\nG1 X500 Y10 Z1\nM302\n"
    resp = _upload(fac, "/animateur/impressions/gcode", "mon.gcode", bad,
                   printer="imprimante-1")
    assert resp.status_code == 422
    body = resp.get_json()
    assert [v["line"] for v in body["violations"]] == [2, 3, 4]
    assert "température" in body["violations"][0]["message"]
    html = fac.post("/animateur/impressions/gcode",
                    data={"file": (io.BytesIO(bad), "mon.gcode"), "printer": "imprimante-1"},
                    content_type="multipart/form-data")
    assert html.status_code == 422
    text = html.get_data(as_text=True)
    assert "ligne 2" in text and "ligne 3" in text
    binary = _upload(fac, "/animateur/impressions/gcode", "x.gcode", b"\0\1\2" * 100)
    assert binary.status_code == 422 and "texte" in binary.get_json()["message"]
    assert _upload(fac, "/animateur/impressions/gcode", "x.stl", b"G28").status_code == 422


def test_safe_gcode_from_the_facilitator_is_printed(station, ids):
    fac = client_as(station, "facilitator", ids)
    good = (b"; estimated printing time (normal mode) = 2m 0s\nG28\nM104 S210\nM140 S60\n"
            b"G1 X100 Y100 Z0.2 F3000\nG1 X120 Y100 E1\nM104 S0\n")
    resp = _upload(fac, "/animateur/impressions/gcode", "calibration.gcode", good,
                   printer="imprimante-1")
    assert resp.status_code == 201
    job_id = resp.get_json()["job"]["id"]
    assert resp.get_json()["job"]["state"] == "approved"
    wait_for(station, lambda: _job(station, job_id).state == "done", timeout=30)
    teacher = client_as(station, "teacher", ids)
    resp = _upload(teacher, "/animateur/impressions/gcode", "prof.gcode", good)
    assert resp.status_code == 201 and resp.get_json()["job"]["state"] == "submitted"


def test_the_worker_thread_prints_in_the_background(station, ids):
    """Outside tests the app starts the worker; here it is started by hand and followed."""
    import time

    service = station.extensions["mallette"].printing
    service.interval = 0.2
    _group, job_id = _submit(station, ids)
    client_as(station, "facilitator", ids).post(f"/animateur/impressions/{job_id}/accepter")
    service.start()
    try:
        deadline = time.monotonic() + 60
        while _job(station, job_id).state != "done" and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        service.stop()
    assert _job(station, job_id).state == "done"
    assert service.last_error is None


def test_only_a_serving_station_drives_the_printers(tmp_path):
    """Building the app (``demo --no-serve``, ``report``) leaves no thread behind; the
    server that ``mallette serve`` runs starts the print worker and answers."""
    import threading

    import httpx

    from kit.app import create_app
    from kit.cli import make_server

    app = create_app(data_dir=tmp_path / "data")
    service = app.extensions["mallette"].printing
    assert service._thread is None
    server = make_server(app, "127.0.0.1", 0)
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()
    try:
        assert service._thread is not None and service._thread.is_alive()
        port = server.socket.getsockname()[1]
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).json()[
            "status"] == "ok"
    finally:
        server.close()
        service.stop()
    assert not service._thread.is_alive()


def test_one_worker_per_data_folder(tmp_path):
    """Two station processes on one data folder never both drive the printers."""
    from kit.printing import _WorkerLock

    first = _WorkerLock(tmp_path / "prints" / "worker.lock")
    second = _WorkerLock(tmp_path / "prints" / "worker.lock")
    assert first.acquire() is True
    assert second.acquire() is False
    first.release()
    assert second.acquire() is True
    second.release()


HOSTILE_MESHES = [
    ("vide.stl", b""),
    ("espaces.stl", b"   \n\t  "),
    ("geant.stl", b"\0" * 80 + (10_000_000).to_bytes(4, "little")),
    ("nan.stl", b"solid x\nfacet normal 0 0 1\nouter loop\nvertex nan 0 0\nvertex 1 0 0\n"
                b"vertex 0 1 0\nendloop\nendfacet\nendsolid x\n"),
    ("pas-un-zip.3mf", b"PK\x03\x04 ceci n'est pas une archive"),
    ("bruit.obj", bytes(range(256)) * 40),
    ("faces-sans-points.obj", b"f 1 2 3\nf 4 5 6\n"),
]


@pytest.mark.parametrize("name,data", HOSTILE_MESHES, ids=[n for n, _d in HOSTILE_MESHES])
def test_hostile_mesh_files_get_a_french_4xx(station, ids, name, data):
    group = client_as(station, "group", ids)
    resp = _upload(group, "/api/v1/group/object/import", name, data)
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.get_json())
    message = resp.get_json()["message"]
    assert name in message or "fichier" in message.lower()


def test_an_upload_over_the_station_limit_is_refused_in_french(station, ids):
    group = client_as(station, "group", ids)
    resp = _upload(group, "/api/v1/group/object/import", "enorme.stl", b"\0" * (21 * 2**20))
    assert resp.status_code == 413 and "trop gros" in resp.get_json()["message"]
